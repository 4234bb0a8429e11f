// The measurement behind the generic rule's entropy threshold (src/lint/engine/entropy.ts):
// `npm run compile-tests && node out/test/unit/lint/entropyReport.js`. A report, not a test.
import * as fs from 'fs';
import * as path from 'path';
import { shannonEntropy } from '../../../src/lint/engine';
import { hasSecretShape, isSecretName } from '../../../src/lint/engine/entropy';
import { isPlaceholder, isPublicByDesign, isReference } from '../../../src/lint/engine/context';
import { assignmentAt } from '../../../src/lint/engine/scanner';
import { REPO_ROOT, loadCorpus } from './corpus';

const SEEDS = [1, 2, 3];

export function entropyReport(): void {
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]?.toFixed(2);
  const summary = (label: string, xs: number[]) => {
    xs.sort((a, b) => a - b);
    console.log(
      `      ${label}: n=${xs.length} min ${xs[0]?.toFixed(2)} p5 ${pct(xs, 0.05)} median ${pct(xs, 0.5)} p95 ${pct(xs, 0.95)} max ${xs[xs.length - 1]?.toFixed(2)}`,
    );
  };
  const assigned = (text: string): string[] => {
    const out: string[] = [];
    for (const m of text.matchAll(/[Ss]ecret|[Tt]oken|[Kk]ey|KEY|SECRET|TOKEN|[Pp]ass|PASS|[Aa]uth/g)) {
      const a = assignmentAt(text, m.index ?? 0);
      if (a && isSecretName(a.name)) out.push(text.slice(a.valueStart, a.valueEnd).replace(/^Bearer\s+/, ''));
    }
    return out;
  };
  const reachesEntropyTest = (v: string) =>
    hasSecretShape(v) && !isPlaceholder(v) && !isReference(v) && !isPublicByDesign(v);
  const secrets: number[] = [];
  const others: number[] = [];
  for (const seed of SEEDS) {
    for (const c of loadCorpus('positives', seed))
      if (c.expect.includes('generic-secret'))
        secrets.push(...assigned(c.text).filter(reachesEntropyTest).map(shannonEntropy));
    for (const c of loadCorpus('negatives', seed))
      others.push(...assigned(c.text).filter(reachesEntropyTest).map(shannonEntropy));
  }
  // Ordinary string literals of real code, whatever their name: what the threshold must reject.
  const realCode: number[] = [];
  for (const rel of [
    'node_modules/typescript/lib/typescript.js',
    'node_modules/mocha/mocha.js',
    'node_modules/esbuild-wasm/lib/browser.min.js',
    'node_modules/playwright-core/lib/utilsBundle.js',
  ]) {
    const file = path.join(REPO_ROOT, rel);
    if (!fs.existsSync(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(["'])([^"'\s\\]{16,200})\1/g)) {
      const v = m[2] as string;
      if (reachesEntropyTest(v)) realCode.push(shannonEntropy(v));
    }
  }
  summary('generic secrets (corpus)', secrets);
  summary('hard negatives reaching the entropy test (corpus)', others);
  summary('string literals of real code reaching the entropy test', realCode);
  for (let t = 3.0; t <= 4.01; t += 0.1) {
    const share = (xs: number[]) => ((100 * xs.filter((x) => x >= t).length) / Math.max(1, xs.length)).toFixed(1);
    console.log(
      `      threshold ${t.toFixed(1)}: secrets kept ${share(secrets)}%, corpus negatives kept ${share(others)}%, real literals kept ${share(realCode)}%`,
    );
  }
}

if (require.main === module) entropyReport();
