// cloudxlr.json is read in one place: every setting, each problem with its position, and a
// problem that never hides the rest of the file.
import * as assert from 'assert';
import {
  DEFAULT_FRONTEND_GLOBS,
  describeProblem,
  fatalSummary,
  parseProjectFile,
  projectConfigOf,
  suggestProjectName,
} from '../../../src/project/projectFile';

describe('cloudxlr.json', () => {
  it('reads a full file: project, folder, globs and per-function settings', () => {
    const file = parseProjectFile(
      JSON.stringify({
        project: 'demo',
        functionsDir: './fns/',
        frontend: ['src/**'],
        functions: { hello: { env: { A: 'b' }, timeoutMs: 5000, versions: { STRIPE_SECRET_KEY: 3 } } },
      }),
    );
    assert.deepStrictEqual(file.problems, []);
    assert.deepStrictEqual(projectConfigOf(file), {
      project: 'demo',
      functionsDir: 'fns',
      frontend: ['src/**'],
      functions: { hello: { env: { A: 'b' }, timeoutMs: 5000, versions: { STRIPE_SECRET_KEY: 3 } } },
    });
  });

  it('fills the defaults', () => {
    const config = projectConfigOf(parseProjectFile('{"project":"demo"}'));
    assert.deepStrictEqual(config, {
      project: 'demo',
      functionsDir: 'functions',
      frontend: DEFAULT_FRONTEND_GLOBS,
      functions: {},
    });
  });

  it('lists every problem at once, each at the line and column of its setting', () => {
    const text = '{\n  "project": "Bad Name",\n  "functionsDir": "../x",\n  "frontend": "src"\n}';
    const file = parseProjectFile(text);
    assert.strictEqual(projectConfigOf(file), undefined);
    assert.deepStrictEqual(
      file.problems.map((p) => [p.line, p.column, p.fatal]),
      [
        [2, 3, true],
        [3, 3, true],
        [4, 3, true],
      ],
    );
    const summary = fatalSummary(file) ?? '';
    for (const field of ['project', 'functionsDir', 'frontend']) assert.match(summary, new RegExp(`"${field}"`));
    assert.match(
      describeProblem(file.problems[1]!),
      /^cloudxlr\.json:3:3: "functionsDir" must be a folder inside the workspace folder/,
    );
  });

  it('places a syntax error where the JSON breaks', () => {
    const file = parseProjectFile('{\n  "project": "demo",\n  "functionsDir": functions\n}');
    assert.strictEqual(file.problems.length, 1);
    assert.strictEqual(file.problems[0]!.message, 'cloudxlr.json is not valid JSON.');
    assert.deepStrictEqual([file.problems[0]!.line, file.problems[0]!.column], [3, 19]);
    assert.strictEqual(fatalSummary(file), 'cloudxlr.json is not valid JSON.');
  });

  it('skips a bad function setting, keeps the rest and the project', () => {
    const text =
      '{\n  "project": "demo",\n  "functions": {\n    "hello": { "timeoutMs": -1, "env": { "A": "b" } },\n    "Bad Name": {}\n  }\n}';
    const file = parseProjectFile(text);
    assert.deepStrictEqual(projectConfigOf(file)?.functions, { hello: { env: { A: 'b' }, versions: {} } });
    assert.deepStrictEqual(
      file.problems.map((p) => [p.line, p.fatal, /timeoutMs|not a function name/.test(p.message)]),
      [
        [4, false, true],
        [5, false, true],
      ],
    );
  });

  it('suggests a project name from a folder', () => assert.strictEqual(suggestProjectName('My App_2'), 'my-app-2'));
});
