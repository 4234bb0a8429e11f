// The leak guard on the linter's engine (src/lint/engine): its multi-value matcher for stored
// values and its rules for hardcoded secrets, behind the LeakScanner and RuleScanner
// interfaces of leakGuard.ts.
import { buildKnownValueIndex, scanText } from '../lint/engine';
import { bundleForms, type LeakScanner, type NamedValue, type RuleHit, type RuleScanner, type ValueHit } from './leakGuard';

/**
 * Exact matching of every form of every value with the engine's rolling-hash index: the cost
 * per character does not grow with the number of keys. Like the engine, it skips values that
 * are public by design (e.g. Stripe publishable keys) and values under 8 characters.
 */
export class EngineValueScanner implements LeakScanner {
  scan(text: string, values: readonly NamedValue[]): ValueHit[] {
    const nameOf = new Map<string, string>();
    for (const { name, value } of values) for (const form of bundleForms(value)) if (!nameOf.has(form)) nameOf.set(form, name);
    const index = buildKnownValueIndex(nameOf.keys());
    const hits: ValueHit[] = [];
    index.search(text, 0, text.length, (start, end) => {
      const name = nameOf.get(text.slice(start, end));
      if (name !== undefined && hits.length <= 1000) hits.push({ name, index: start, length: end - start });
    });
    return hits.sort((a, b) => a.index - b.index);
  }
}

/** The engine's rules, as for server code (a function's files); honours cloudxlr-ignore comments. */
export const engineRuleScanner: RuleScanner = {
  scan(text: string): RuleHit[] {
    return scanText(text, { kind: 'server' })
      .filter((f) => f.ruleId !== 'known-value')
      .map((f) => ({ ruleId: f.ruleId, message: f.message, index: f.start, length: f.end - f.start }));
  },
};

/** The leak guard the editor and the CLI use: the engine's matcher and rules. */
export function engineLeakGuard(): { leakScanner: LeakScanner; rules: RuleScanner } {
  return { leakScanner: new EngineValueScanner(), rules: engineRuleScanner };
}
