// Test-only extension that runs the integration suite inside code-server, which takes no
// --extensionTestsPath. The launcher copies this (compiled) next to the extension under test
// with a run.json; on startup it loads the suite, runs it against the real `vscode` API and
// writes a RunnerResult to the result file the launcher waits for.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunnerConfig, RunnerExports, RunnerResult, SuitePhase, SuiteResult } from '../hostContract';

interface SuiteModule {
  runSuite(options: { progressFile?: string; grep?: string; phase?: SuitePhase }): Promise<SuiteResult>;
}

export function activate(context: vscode.ExtensionContext): RunnerExports {
  const activatedAt = Date.now();
  const config = JSON.parse(fs.readFileSync(path.join(context.extensionPath, 'run.json'), 'utf8')) as RunnerConfig;
  // Run after activate() returns, so tests can read this extension's exports.
  setTimeout(() => void runAndReport(config, activatedAt), 0);
  return { secrets: context.secrets, logUri: context.logUri };
}

async function runAndReport(config: RunnerConfig, activatedAt: number): Promise<void> {
  const host = { activatedAt, vscodeVersion: vscode.version, remoteName: vscode.env.remoteName };
  // Each reload of the window starts a new extension host: it runs the next phase.
  const next = config.phases.find((p) => !fs.existsSync(p.resultFile));
  if (!next) return;
  const { phase, resultFile } = next;
  let result: RunnerResult;
  try {
    const suite = require(config.suitePath) as SuiteModule;
    const options = { progressFile: config.progressFile, phase, ...(config.grep ? { grep: config.grep } : {}) };
    result = { ...(await suite.runSuite(options)), ...host };
  } catch (err) {
    const crash = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const now = Date.now();
    result = {
      passes: 0,
      failures: 1,
      pending: 0,
      total: 0,
      failed: [{ fullTitle: 'loading the integration suite', message: crash }],
      report: `The integration suite crashed before it could report:\n${crash}\n`,
      startedAt: now,
      finishedAt: now,
      crash,
      ...host,
    };
  }
  fs.writeFileSync(`${resultFile}.tmp`, JSON.stringify(result, null, 2));
  fs.renameSync(`${resultFile}.tmp`, resultFile);
}

export function deactivate(): void {}
