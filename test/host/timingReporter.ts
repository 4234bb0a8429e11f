// Mocha's spec reporter plus, at the end, the slowest test files and tests, so a test that
// starts waiting out a timeout or sleeping shows up in every run instead of only in the total.
// A file's time is its tests plus its hooks (servers started in `before`, temp folders removed
// in `afterEach`), which also holds when mocha runs files in parallel workers.
// Reporter options: `slowest=N` (default 10) rows in each list; `json=<file>` also writes every
// test's and file's duration there.
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

const { EVENT_TEST_END, EVENT_HOOK_END, EVENT_RUN_END } = Mocha.Runner.constants;

interface Timed {
  file?: string;
  duration?: number;
  fullTitle(): string;
  parent?: { file?: string };
}

interface TestTiming {
  file: string;
  title: string;
  ms: number;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function fileOf(r: Timed): string {
  const file = r.file ?? r.parent?.file;
  return file ? path.relative(repoRoot, file) : '(no file)';
}

function pad(ms: number): string {
  return `${ms} ms`.padStart(9);
}

class TimingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const reporterOptions = (options?.reporterOptions ?? {}) as { slowest?: string; json?: string };
    const rows = Number(reporterOptions.slowest ?? 10);
    const tests: TestTiming[] = [];
    const files = new Map<string, number>();
    const add = (file: string, ms: number): void => void files.set(file, (files.get(file) ?? 0) + ms);

    runner.on(EVENT_TEST_END, (test: Timed) => {
      const ms = test.duration ?? 0;
      tests.push({ file: fileOf(test), title: test.fullTitle(), ms });
      add(fileOf(test), ms);
    });
    runner.on(EVENT_HOOK_END, (hook: Timed) => add(fileOf(hook), hook.duration ?? 0));
    runner.once(EVENT_RUN_END, () => {
      const slowFiles = [...files].sort((a, b) => b[1] - a[1]);
      const slowTests = [...tests].sort((a, b) => b.ms - a.ms);
      const total = slowFiles.reduce((sum, [, ms]) => sum + ms, 0);
      Mocha.reporters.Base.consoleLog(`  Slowest files (tests and hooks; ${total} ms in all):`);
      for (const [file, ms] of slowFiles.slice(0, rows)) Mocha.reporters.Base.consoleLog(`  ${pad(ms)}  ${file}`);
      Mocha.reporters.Base.consoleLog('\n  Slowest tests:');
      for (const t of slowTests.slice(0, rows))
        Mocha.reporters.Base.consoleLog(`  ${pad(t.ms)}  ${t.title}  (${path.basename(t.file)})`);
      Mocha.reporters.Base.consoleLog();
      if (reporterOptions.json) {
        const report = { files: Object.fromEntries(slowFiles), tests: slowTests };
        fs.writeFileSync(reporterOptions.json, JSON.stringify(report, null, 2));
      }
    });
  }
}

export = TimingReporter;
