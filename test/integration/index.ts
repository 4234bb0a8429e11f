// Entry of the integration suite, loaded inside a real extension host. `run()` follows the
// @vscode/test-electron convention; `runSuite()` is what the code-server runner extension
// calls to get structured results. Both run every out/test/integration/**/*.test.js.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';
import * as util from 'util';
import { phaseOfTestFile, SuitePhase, SuiteResult, TestFailure } from '../host/hostContract';

export interface SuiteOptions {
  /** Also append each report line to this file as it is produced (live progress). */
  progressFile?: string;
  /** Only run tests whose full title matches this regular expression. */
  grep?: string;
  /** 'main' (default) runs the plain `*.test.js` files; another phase its `*.<phase>.test.js` ones. */
  phase?: SuitePhase;
}

export function testFiles(dir: string, phase: SuitePhase = 'main'): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js') && phaseOfTestFile(f) === phase)
    .map((f) => path.join(dir, f))
    .sort();
}

export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = options.grep ?? process.env.CLOUDXLR_TEST_GREP;
  if (grep) mocha.grep(new RegExp(grep));
  for (const file of testFiles(__dirname, options.phase)) mocha.addFile(file);

  // Capture the spec reporter's output (it prints through Base.consoleLog) while still
  // printing it, so the report reaches both the console and the result file.
  const Base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const originalLog = Base.consoleLog;
  const lines: string[] = [];
  Base.consoleLog = (...args: unknown[]) => {
    const line = util.format(...args);
    lines.push(line);
    if (options.progressFile) fs.appendFileSync(options.progressFile, `${line}\n`);
    originalLog(...args);
  };
  const failed: TestFailure[] = [];
  const startedAt = Date.now();
  try {
    await mocha.loadFilesAsync();
    const stats = await new Promise<Mocha.Stats>((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats ?? emptyStats()));
      runner.on('fail', (test, err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        failed.push({
          fullTitle: test.fullTitle(),
          message: error.message,
          ...(error.stack ? { stack: error.stack } : {}),
        });
      });
    });
    return {
      passes: stats.passes,
      failures: stats.failures,
      pending: stats.pending,
      total: stats.tests,
      failed,
      report: lines.join('\n'),
      startedAt,
      finishedAt: Date.now(),
    };
  } finally {
    Base.consoleLog = originalLog;
    mocha.dispose();
  }
}

function emptyStats(): Mocha.Stats {
  return { suites: 0, tests: 0, passes: 0, pending: 0, failures: 0 };
}

/** The @vscode/test-electron entry: rejects when any test fails. */
export async function run(): Promise<void> {
  const result = await runSuite();
  if (result.failures > 0) throw new Error(`${result.failures} of ${result.total} integration tests failed.`);
  if (result.total === 0) throw new Error(`No integration tests found under ${__dirname}.`);
}
