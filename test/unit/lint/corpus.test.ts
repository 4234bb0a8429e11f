import * as assert from 'assert';
import { scanText } from '../../../src/lint/engine';
import { fileKindOf } from '../../../src/lint/files';
import { loadCorpus, type CorpusCase } from './corpus';

const SEEDS = [1, 2, 3];

function scanCase(c: CorpusCase) {
  return scanText(c.text, { kind: fileKindOf(c.file, { functionsDir: 'functions' }) ?? 'frontend' });
}

// The labelled corpus measures the engine as a whole (precision and recall, reported on every
// run); each rule is checked alone against its own samples in rules.test.ts.
describe('lint corpus', () => {
  it('reaches precision and recall of at least 0.98', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const problems: string[] = [];
    for (const seed of SEEDS) {
      for (const c of [...loadCorpus('positives', seed), ...loadCorpus('negatives', seed)]) {
        const found = scanCase(c).map((f) => f.ruleId);
        const expected = [...c.expect];
        for (const id of found) {
          const i = expected.indexOf(id);
          if (i >= 0) {
            expected.splice(i, 1);
            tp++;
          } else {
            fp++;
            problems.push(`seed ${seed} ${c.id}: unexpected ${id}`);
          }
        }
        fn += expected.length;
        for (const id of expected) problems.push(`seed ${seed} ${c.id}: missed ${id}`);
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `      corpus: ${tp} true positives, ${fp} false positives, ${fn} false negatives over ${SEEDS.length} seeds`,
    );
    console.log(`      precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}`);
    for (const p of problems.slice(0, 20)) console.log(`      ${p}`);
    assert.ok(precision >= 0.98, `precision ${precision.toFixed(4)} < 0.98`);
    assert.ok(recall >= 0.98, `recall ${recall.toFixed(4)} < 0.98`);
  });

  it('marks findings in the functions folder as warnings that point to ctx.secrets.get', () => {
    const c = loadCorpus('positives', 1).find((x) => x.id === 'server-stripe') as CorpusCase;
    const [f] = scanCase(c);
    assert.strictEqual(f?.severity, 'warning');
    assert.match(f?.message ?? '', /ctx\.secrets\.get\("STRIPE_SECRET_KEY"\)/);
  });

  it('never puts a value in a finding', () => {
    for (const c of loadCorpus('positives', 7)) {
      for (const f of scanCase(c)) {
        const value = c.text.slice(f.start, f.end);
        const json = JSON.stringify(f);
        // Any 8 consecutive characters of the value's hidden part would be a leak.
        for (let i = 8; i + 8 <= value.length - 4; i += 4) {
          assert.ok(!json.includes(value.slice(i, i + 8)), `${c.id}: finding shows part of the value`);
        }
      }
    }
  });
});
