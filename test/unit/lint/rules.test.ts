// Every rule against its own samples, one test per sample, so a rule that stops working fails
// alone (disable any rule and its positive samples go red). Sample values are generated from
// the templates in the rule definitions (src/lint/engine/samples.ts), three seeds each.
import * as assert from 'assert';
import {
  ALL_RULES,
  NAMED_RULES,
  PROVIDER_RULES,
  buildKnownValueIndex,
  scanText,
  type FileKind,
} from '../../../src/lint/engine';
import type { Sample } from '../../../src/lint/engine/rules';
import { KNOWN_SAMPLE_VALUE, expand, prng } from '../../../src/lint/engine/samples';

const SEEDS = [1, 2, 3];
const known = buildKnownValueIndex([KNOWN_SAMPLE_VALUE]);

function textOf(sample: Sample): { text: string; kind: FileKind } {
  return typeof sample === 'string' ? { text: sample, kind: 'frontend' } : sample;
}

function scan(sample: Sample, seed: number) {
  const { text, kind } = textOf(sample);
  const expanded = expand(text, prng(seed));
  return { expanded, findings: scanText(expanded, { kind, knownValues: known }) };
}

const short = (s: string) => JSON.stringify(s.length > 90 ? s.slice(0, 87) + '…' : s);

describe('lint rules: each rule on its own samples', () => {
  it('has unique rule ids', () => {
    const ids = ALL_RULES.map((r) => r.id);
    assert.deepStrictEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
    );
  });

  it('gives every rule at least one positive and one negative sample', () => {
    const missing = ALL_RULES.filter((r) => r.samples.positive.length === 0 || r.samples.negative.length === 0).map(
      (r) => r.id,
    );
    assert.deepStrictEqual(missing, []);
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      rule.samples.positive.forEach((sample, i) => {
        it(`reports positive sample ${i + 1}: ${short(textOf(sample).text)}`, () => {
          for (const seed of SEEDS) {
            const { findings } = scan(sample, seed);
            const mine = findings.filter(
              (f) => f.ruleId === rule.id || (textOf(sample).kind === 'env' && f.ruleId === 'public-env-secret'),
            );
            assert.ok(
              mine.length > 0,
              `seed ${seed}: expected ${rule.id}, got [${findings.map((f) => f.ruleId).join(', ')}]`,
            );
            if (rule.id !== 'generic-secret' && rule.id !== 'known-value' && textOf(sample).kind !== 'env') {
              assert.strictEqual(mine[0]!.provider, rule.provider, 'the message names the provider');
              assert.ok(mine[0]!.message.includes(rule.title), mine[0]!.message);
            }
          }
        });
      });
      rule.samples.negative.forEach((sample, i) => {
        it(`stays quiet on negative sample ${i + 1}: ${short(textOf(sample).text)}`, () => {
          for (const seed of SEEDS) {
            const { findings } = scan(sample, seed);
            assert.deepStrictEqual(
              findings.map((f) => f.ruleId),
              [],
              `seed ${seed}`,
            );
          }
        });
      });
    });
  }

  it('shows every value rule recognising its format with no name to help (createClient("…"))', () => {
    const valueAlone = (r: (typeof PROVIDER_RULES)[number]) =>
      r.samples.positive.some((s) => textOf(s).text.startsWith('const client = createClient('));
    console.log(
      `      ${ALL_RULES.length} rules: ${PROVIDER_RULES.length} by value (${PROVIDER_RULES.filter(valueAlone).length} shown in createClient("…")), ${NAMED_RULES.length} by name and value, ${ALL_RULES.length - PROVIDER_RULES.length - NAMED_RULES.length} by context`,
    );
    // Formats that only exist inside a document of their own: a key file, a PEM block, a command line, an XML setting.
    const framed = ['gcp-service-account', 'private-key', 'nuget-config-password', 'curl-credentials'];
    assert.deepStrictEqual(
      PROVIDER_RULES.filter((r) => !valueAlone(r)).map((r) => r.id),
      framed,
    );
  });
});
