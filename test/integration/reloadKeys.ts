/** Keys stored before the window reload and checked after it (made-up values). */
export const RELOAD_KEYS: Record<string, string> = {
  STRIPE_SECRET_KEY: 'sk_test_' + 'ReloadProof4Yh7Kp2Wq9Zx',
  ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'ReloadProof'.repeat(4),
};
