// The labelled corpus: test/unit/lint/corpus/{positives,negatives}.json. Secrets are not
// committed: each case is a template whose {{…}} slots are filled from a seeded PRNG (the same
// slots as the rules' own samples, see src/lint/engine/samples.ts).
import * as fs from 'fs';
import * as path from 'path';
import { expand, prng } from '../../../src/lint/engine/samples';

export { expand, prng, randomString } from '../../../src/lint/engine/samples';

export interface CorpusCase {
  id: string;
  file: string;
  text: string;
  expect: string[];
}

/** The repository root, from out/test/unit/lint or test/unit/lint. */
export const REPO_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}out${path.sep}`) ? '../../../..' : '../../..',
);
export const CORPUS_DIR = path.join(REPO_ROOT, 'test/unit/lint/corpus');

export function loadCorpus(name: 'positives' | 'negatives', seed: number): CorpusCase[] {
  const raw = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, `${name}.json`), 'utf8')) as CorpusCase[];
  const rand = prng(seed);
  return raw.map((c) => ({ ...c, text: expand(c.text, rand) }));
}
