// Mocha's spec reporter plus, at the end, the slowest test files and tests, so a test that
// starts waiting out a timeout or sleeping shows up in every run instead of only in the total.
// A file's time is its tests plus its hooks (servers started in `before`, temp folders removed
// in `afterEach`), which also holds when mocha runs files in parallel workers. When files run
// one after another (not --parallel) on Linux, each file's CPU time is shown as well, its
// child processes' included: on a shared machine wall time follows the load, CPU time the work.
// Reporter options: `slowest=N` (default 10) rows in each list; `json=<file>` also writes every
// test's and file's duration there.
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

const { EVENT_TEST_END, EVENT_HOOK_END, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

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

/**
 * CPU milliseconds used so far by this process and by the child processes it has waited for
 * (Linux; undefined elsewhere).
 */
function cpuWithChildrenMs(): number | undefined {
  try {
    // Fields 14-17 of /proc/self/stat: utime, stime, cutime, cstime, in clock ticks (100 a second).
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * 10;
  } catch {
    return undefined;
  }
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
    const cpu = new Map<string, number>();
    const add = (file: string, ms: number): void => void files.set(file, (files.get(file) ?? 0) + ms);
    // A file's top-level suites, timed from begin to end (mocha's parallel mode replays these
    // events after the fact, so there the figure would mean nothing and is left out).
    const parallel = Boolean((options as { parallel?: boolean } | undefined)?.parallel);
    let cpuAtBegin: number | undefined;
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (!parallel && suite.parent?.root && suite.file) cpuAtBegin = cpuWithChildrenMs();
    });
    runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
      const now = cpuWithChildrenMs();
      if (parallel || !suite.parent?.root || !suite.file || cpuAtBegin === undefined || now === undefined) return;
      const file = fileOf(suite as unknown as Timed);
      cpu.set(file, (cpu.get(file) ?? 0) + now - cpuAtBegin);
    });

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
      const totalCpu = [...cpu.values()].reduce((sum, ms) => sum + ms, 0);
      const cpuOf = (file: string): string => (cpu.has(file) ? `  ${pad(cpu.get(file)!)} CPU` : '');
      Mocha.reporters.Base.consoleLog(
        `  Slowest files (tests and hooks; ${total} ms in all${cpu.size ? `, ${totalCpu} ms of CPU` : ''}):`,
      );
      for (const [file, ms] of slowFiles.slice(0, rows))
        Mocha.reporters.Base.consoleLog(`  ${pad(ms)}${cpuOf(file)}  ${file}`);
      Mocha.reporters.Base.consoleLog('\n  Slowest tests:');
      for (const t of slowTests.slice(0, rows))
        Mocha.reporters.Base.consoleLog(`  ${pad(t.ms)}  ${t.title}  (${path.basename(t.file)})`);
      Mocha.reporters.Base.consoleLog();
      if (reporterOptions.json) {
        const report = { files: Object.fromEntries(slowFiles), cpu: Object.fromEntries(cpu), tests: slowTests };
        fs.writeFileSync(reporterOptions.json, JSON.stringify(report, null, 2));
      }
    });
  }
}

export = TimingReporter;
