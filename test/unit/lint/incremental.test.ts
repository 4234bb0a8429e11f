import * as assert from 'assert';
import { IncrementalScanner, buildKnownValueIndex, scanText, type Finding } from '../../../src/lint/engine';
import { loadCorpus, prng } from './corpus';

function strip(fs: Finding[]) {
  return fs.map((f) => `${f.ruleId}@${f.start}-${f.end}:${f.line}:${f.column}-${f.endLine}:${f.endColumn}`);
}

describe('lint: incremental scanning', () => {
  const positives = loadCorpus('positives', 5).filter(
    (c) => !c.file.includes('.env') && !c.file.startsWith('functions/'),
  );
  const known = buildKnownValueIndex(['Zq9RtY3uI8oP1aS5dF7gH2jK']);

  it('gives the same findings as a full scan after random edits', () => {
    const rand = prng(11);
    const filler = 'import x from "y";\nconst big = [1,2,3].map((n) => n * 2);\n';
    let text = positives
      .map((c) => c.text)
      .join(`\n${filler}`)
      .repeat(3);
    const scanner = new IncrementalScanner({ knownValues: known });
    scanner.reset(text);
    for (let step = 0; step < 300; step++) {
      const start = Math.floor(rand() * text.length);
      const oldEnd = Math.min(text.length, start + Math.floor(rand() * 40));
      const pick = positives[Math.floor(rand() * positives.length)]!.text;
      const r = rand();
      const insert =
        r < 0.3
          ? pick.slice(0, Math.floor(rand() * pick.length))
          : r < 0.5
            ? '\n'
            : r < 0.6
              ? ' // cloudxlr-ignore-line'
              : r < 0.65
                ? '/* cloudxlr-ignore-next-line */\n'
                : r < 0.67
                  ? 'cloudxlr-ignore-file'
                  : 'Zq9RtY3uI8oP1aS5dF7gH2jK';
      text = text.slice(0, start) + insert + text.slice(oldEnd);
      scanner.applyChange(text, { start, oldEnd, newEnd: start + insert.length });
      if (step % 5 === 0)
        assert.deepStrictEqual(
          strip(scanner.findings()),
          strip(scanText(text, { knownValues: known })),
          `step ${step}`,
        );
    }
    assert.deepStrictEqual(strip(scanner.findings()), strip(scanText(text, { knownValues: known })));
  });

  it('stops a full scan when cancelled and keeps the previous state', () => {
    const scanner = new IncrementalScanner();
    scanner.reset('const k = "sk_live_' + 'a1B2c3D4'.repeat(4) + '";');
    assert.strictEqual(scanner.findings().length, 1);
    const big = 'x'.repeat(1_000_000);
    let calls = 0;
    assert.strictEqual(
      scanner.reset(big, () => ++calls > 1),
      false,
    );
    assert.strictEqual(scanner.findings().length, 1);
  });

  it('handles an edit in a 5 MB minified line quickly', () => {
    const unit = 'var a=function(e){return e.map(function(t){return t*2})},b={key:"k",token:null};';
    let text = unit.repeat(Math.ceil(5e6 / unit.length)) + 'var s="sk_live_' + 'a1B2c3D4'.repeat(4) + '";';
    const scanner = new IncrementalScanner();
    scanner.reset(text);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const at = Math.floor(text.length / 2) + i;
      text = text.slice(0, at) + 'x' + text.slice(at);
      void text.charCodeAt(0); // flat, as an editor hands it over: the 5 MB copy is the editor's, not the engine's
      const t0 = performance.now();
      scanner.applyChange(text, { start: at, oldEnd: at, newEnd: at + 1 });
      scanner.findings();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    assert.strictEqual(scanner.findings().length, 1);
    assert.ok((times[times.length - 3] as number) < 50, `p95 ${times[times.length - 3]} ms`);
  });
});
