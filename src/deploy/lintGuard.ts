// The leak guard's rule scan on the linter's engine (src/lint/engine): its rules for hardcoded
// secrets, behind the RuleScanner interface of leakGuard.ts. Stored values are matched by the
// shared value matcher inside guardBundle, as on the cloud.
import { scanText } from '../lint/engine';
import type { RuleHit, RuleScanner } from './leakGuard';

/** The engine's rules, as for server code (a function's files); honours cloudxlr-ignore comments. */
export const engineRuleScanner: RuleScanner = {
  scan(text: string): RuleHit[] {
    return scanText(text, { kind: 'server' })
      .filter((f) => f.ruleId !== 'known-value')
      .map((f) => ({ ruleId: f.ruleId, message: f.message, index: f.start, length: f.end - f.start }));
  },
};

/** The leak guard the editor and the CLI use: the engine's rules besides the stored values. */
export function engineLeakGuard(): { rules: RuleScanner } {
  return { rules: engineRuleScanner };
}
