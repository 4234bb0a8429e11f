// Recognises which service a key belongs to, from its name and, when given, its value.
// The view shows the provider; a value whose shape contradicts its name gets a warning.

export interface Provider {
  id: string;
  label: string;
  /** A codicon id for the tree. */
  icon: string;
  /** Name fragments (upper snake case) that point at this provider. */
  nameHints: readonly string[];
  /** Shapes of this provider's secret keys. */
  secretShapes: readonly RegExp[];
  /** Shapes of this provider's public (publishable) keys: never meant for a vault. */
  publicShapes?: readonly RegExp[];
}

export const PROVIDERS: readonly Provider[] = [
  {
    id: 'stripe',
    label: 'Stripe',
    icon: 'credit-card',
    nameHints: ['STRIPE'],
    secretShapes: [/^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}$/, /^whsec_[A-Za-z0-9]{16,}$/],
    publicShapes: [/^pk_(live|test)_[A-Za-z0-9]{10,}$/],
  },
  {
    id: 'openai',
    label: 'OpenAI',
    icon: 'sparkle',
    nameHints: ['OPENAI'],
    secretShapes: [/^sk-(?!ant-)(proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}$/],
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    icon: 'sparkle',
    nameHints: ['ANTHROPIC', 'CLAUDE'],
    secretShapes: [/^sk-ant-(api|admin)\d{2}-[A-Za-z0-9_-]{20,}$/],
  },
  { id: 'resend', label: 'Resend', icon: 'mail', nameHints: ['RESEND'], secretShapes: [/^re_[A-Za-z0-9_]{16,}$/] },
  {
    id: 'github',
    label: 'GitHub',
    icon: 'github',
    nameHints: ['GITHUB', 'GH_'],
    secretShapes: [/^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}$/, /^github_pat_[A-Za-z0-9_]{40,}$/],
  },
  {
    id: 'aws',
    label: 'AWS',
    icon: 'cloud',
    nameHints: ['AWS'],
    secretShapes: [/^(AKIA|ASIA)[A-Z0-9]{16}$/, /^[A-Za-z0-9/+]{40}$/],
  },
  {
    id: 'google',
    label: 'Google',
    icon: 'globe',
    nameHints: ['GOOGLE', 'GEMINI', 'FIREBASE', 'GCP'],
    secretShapes: [/^AIza[A-Za-z0-9_-]{35}$/],
  },
  {
    id: 'sendgrid',
    label: 'SendGrid',
    icon: 'mail',
    nameHints: ['SENDGRID'],
    secretShapes: [/^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/],
  },
  {
    id: 'twilio',
    label: 'Twilio',
    icon: 'device-mobile',
    nameHints: ['TWILIO'],
    secretShapes: [/^(SK|AC)[0-9a-f]{32}$/, /^[0-9a-f]{32}$/],
  },
  {
    id: 'slack',
    label: 'Slack',
    icon: 'comment-discussion',
    nameHints: ['SLACK'],
    secretShapes: [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, /^https:\/\/hooks\.slack\.com\/services\/\S+$/],
  },
  {
    id: 'supabase',
    label: 'Supabase',
    icon: 'database',
    nameHints: ['SUPABASE'],
    secretShapes: [/^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, /^sb_secret_[A-Za-z0-9_-]{20,}$/],
  },
  {
    id: 'mailgun',
    label: 'Mailgun',
    icon: 'mail',
    nameHints: ['MAILGUN'],
    secretShapes: [/^key-[0-9a-z]{32}$/, /^[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}$/],
  },
  {
    id: 'postmark',
    label: 'Postmark',
    icon: 'mail',
    nameHints: ['POSTMARK'],
    secretShapes: [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/],
  },
  {
    id: 'huggingface',
    label: 'Hugging Face',
    icon: 'hubot',
    nameHints: ['HUGGINGFACE', 'HF_'],
    secretShapes: [/^hf_[A-Za-z0-9]{30,}$/],
  },
  { id: 'groq', label: 'Groq', icon: 'sparkle', nameHints: ['GROQ'], secretShapes: [/^gsk_[A-Za-z0-9]{40,}$/] },
  {
    id: 'replicate',
    label: 'Replicate',
    icon: 'sparkle',
    nameHints: ['REPLICATE'],
    secretShapes: [/^r8_[A-Za-z0-9]{30,}$/],
  },
  { id: 'mistral', label: 'Mistral', icon: 'sparkle', nameHints: ['MISTRAL'], secretShapes: [/^[A-Za-z0-9]{32}$/] },
  {
    id: 'cohere',
    label: 'Cohere',
    icon: 'sparkle',
    nameHints: ['COHERE', 'CO_API'],
    secretShapes: [/^[A-Za-z0-9]{40}$/],
  },
  {
    id: 'gitlab',
    label: 'GitLab',
    icon: 'git-merge',
    nameHints: ['GITLAB'],
    secretShapes: [/^glpat-[A-Za-z0-9_-]{20,}$/],
  },
  { id: 'npm', label: 'npm', icon: 'package', nameHints: ['NPM'], secretShapes: [/^npm_[A-Za-z0-9]{36}$/] },
  {
    id: 'shopify',
    label: 'Shopify',
    icon: 'tag',
    nameHints: ['SHOPIFY'],
    secretShapes: [/^shp(at|ss|ca|pa)_[a-fA-F0-9]{32}$/],
  },
  {
    id: 'discord',
    label: 'Discord',
    icon: 'comment',
    nameHints: ['DISCORD'],
    secretShapes: [/^[A-Za-z0-9_-]{24,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}$/],
  },
  {
    id: 'telegram',
    label: 'Telegram',
    icon: 'comment',
    nameHints: ['TELEGRAM'],
    secretShapes: [/^\d{8,10}:[A-Za-z0-9_-]{35}$/],
  },
  {
    id: 'sentry',
    label: 'Sentry',
    icon: 'bug',
    nameHints: ['SENTRY'],
    secretShapes: [/^sntrys_[A-Za-z0-9+/=_-]{40,}$/, /^[0-9a-f]{64}$/],
  },
  {
    id: 'mapbox',
    label: 'Mapbox',
    icon: 'map',
    nameHints: ['MAPBOX'],
    secretShapes: [/^sk\.eyJ[A-Za-z0-9_.-]{20,}$/],
    publicShapes: [/^pk\.eyJ[A-Za-z0-9_.-]{20,}$/],
  },
  { id: 'algolia', label: 'Algolia', icon: 'search', nameHints: ['ALGOLIA'], secretShapes: [/^[0-9a-f]{32}$/] },
  {
    id: 'paypal',
    label: 'PayPal',
    icon: 'credit-card',
    nameHints: ['PAYPAL', 'BRAINTREE'],
    secretShapes: [/^access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}$/, /^[A-Za-z0-9_-]{40,}$/],
  },
  {
    id: 'square',
    label: 'Square',
    icon: 'credit-card',
    nameHints: ['SQUARE'],
    secretShapes: [/^(EAAA|sq0csp-)[A-Za-z0-9_-]{22,}$/],
  },
  { id: 'plaid', label: 'Plaid', icon: 'credit-card', nameHints: ['PLAID'], secretShapes: [/^[0-9a-f]{30}$/] },
  {
    id: 'database',
    label: 'Database',
    icon: 'database',
    nameHints: ['DATABASE_URL', 'POSTGRES', 'MYSQL', 'MONGO', 'REDIS'],
    secretShapes: [/^[a-z][a-z0-9+.-]*:\/\/[^:/\s]+:[^@\s]+@/],
  },
];

const GENERIC: Provider = { id: 'generic', label: 'API key', icon: 'key', nameHints: [], secretShapes: [] };

/** The provider a key belongs to: by name first, then by the shape of its value. */
export function recogniseProvider(name: string, value?: string): Provider {
  const byName = PROVIDERS.find((p) => p.nameHints.some((h) => name.includes(h)));
  if (byName) return byName;
  if (value !== undefined) {
    const byValue = PROVIDERS.find((p) => p.secretShapes.some((s) => hasPrefixShape(s) && s.test(value)));
    if (byValue) return byValue;
  }
  return GENERIC;
}

export function providerById(id: string): Provider {
  return PROVIDERS.find((p) => p.id === id) ?? GENERIC;
}

/** Only shapes with a distinctive literal prefix are trusted to name a provider from a value. */
function hasPrefixShape(shape: RegExp): boolean {
  return /^\^(\(?[A-Za-z_]{2,}|[a-z]{2,})/.test(shape.source) && !shape.source.startsWith('^[');
}

/**
 * A warning when the value's shape contradicts what the name promises, e.g. STRIPE_SECRET_KEY
 * holding a publishable pk_ key. Returns undefined when nothing looks wrong. Never echoes the value.
 */
export function valueShapeWarning(name: string, value: string): string | undefined {
  const provider = PROVIDERS.find((p) => p.nameHints.some((h) => name.includes(h)));
  const trimmed = value.trim();
  if (value.length > 0 && trimmed === '') return 'The value is only white space: nothing seems to have been pasted.';
  if (trimmed !== value)
    return 'The value starts or ends with white space; keys rarely do. Check that you pasted it whole.';
  if (!provider || !/(KEY|SECRET|TOKEN)/.test(name)) return undefined;
  if (provider.publicShapes?.some((s) => s.test(value))) {
    return `This looks like a publishable ${provider.label} key. Publishable keys are public by design and belong in frontend code, not in the vault; a secret key was probably meant.`;
  }
  if (provider.secretShapes.length > 0 && !provider.secretShapes.some((s) => s.test(value))) {
    return `The value does not look like a ${provider.label} secret key; check that it is the right key.`;
  }
  return undefined;
}
