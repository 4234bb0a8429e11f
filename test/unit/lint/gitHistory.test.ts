// Whether a value is already committed, read with git in memory (src/lint/gitHistory.ts).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitHistory, parseBatch } from '../../../src/lint/gitHistory';

const COMMITTED = 'sk_live_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2Lq';
const FRESH = 'sk_live_' + '51Zr8PwMnXcVb6TyUi3Oa9Sd1Fq';

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('editor: git history of a secret', function () {
  this.timeout(20_000);
  let dir = '';
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      { cwd: dir, stdio: 'ignore' },
    );

  before(function () {
    if (!hasGit()) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-git-'));
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'app.js'), `const k = "${COMMITTED}";\n`);
    git('add', 'app.js');
    git('commit', '-q', '-m', 'app');
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a value in the last commit of the file, and not one typed since', async () => {
    const history = new GitHistory();
    const file = path.join(dir, 'app.js');
    fs.writeFileSync(file, `const k = "${COMMITTED}";\nconst j = "${FRESH}";\n`);
    const hit = await history.lookup(file, COMMITTED);
    assert.ok(hit && /^[0-9a-f]{7,}$/.test(hit.commit));
    assert.strictEqual(await history.lookup(file, FRESH), null);
    assert.deepStrictEqual(history.cached(file, COMMITTED), hit);
    assert.strictEqual(history.cached(file, FRESH), null);
    assert.strictEqual(history.cached(file, 'never looked up'), undefined);
  });

  it('finds a value that an earlier commit held and a later one removed', async () => {
    const file = path.join(dir, 'old.js');
    const OLD = 'rk_live_' + '51Pq2WeRtYuIoPaSdFgHjKlZx';
    fs.writeFileSync(file, `const k = "${OLD}";\n`);
    git('add', 'old.js');
    git('commit', '-q', '-m', 'add a key');
    const first = execFileSync('git', ['log', '-n1', '--format=%h'], { cwd: dir, encoding: 'utf8' }).trim();
    fs.writeFileSync(file, 'const k = process.env.KEY;\n');
    git('add', 'old.js');
    git('commit', '-q', '-m', 'remove it');
    fs.writeFileSync(file, `const k = "${OLD}";\n`); // pasted back
    const hit = await new GitHistory().lookup(file, OLD);
    assert.deepStrictEqual(hit, { commit: first });
  });

  it('answers null for untracked files and folders outside a repository', async () => {
    const history = new GitHistory();
    fs.writeFileSync(path.join(dir, 'new.js'), `const k = "${COMMITTED}";\n`);
    assert.strictEqual(await history.lookup(path.join(dir, 'new.js'), COMMITTED), null);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-nogit-'));
    try {
      fs.writeFileSync(path.join(outside, 'a.js'), `const k = "${COMMITTED}";\n`);
      assert.strictEqual(await history.lookup(path.join(outside, 'a.js'), COMMITTED), null);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('sees a new commit once its answer is no longer fresh', async () => {
    let now = 0;
    const history = new GitHistory(1000, () => now);
    const file = path.join(dir, 'app.js');
    assert.strictEqual(await history.lookup(file, FRESH), null);
    git('add', 'app.js');
    git('commit', '-q', '-m', 'second key');
    assert.strictEqual(await history.lookup(file, FRESH), null, 'within the freshness window the old HEAD is used');
    assert.strictEqual(history.isStale(file), false);
    now = 5000;
    assert.strictEqual(history.isStale(file), true);
    assert.ok(await history.lookup(file, FRESH));
    assert.strictEqual(history.isStale(file), false);
  });

  it('parses git cat-file --batch output, with missing entries and bytes that are not ASCII', () => {
    const text = 'const a = "é€";\n';
    const bytes = Buffer.byteLength(text);
    const out = Buffer.from(`1234abcd blob ${bytes}\n${text}\nHEAD:./nope.js missing\nabcd1234 blob 0\n\n`);
    assert.deepStrictEqual(parseBatch(out, 3), [text, undefined, '']);
    assert.deepStrictEqual(parseBatch(Buffer.from('1234abcd blob 99\npartial'), 1), []);
  });
});
