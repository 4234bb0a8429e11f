// The extension loads and activates inside a real editor, and the host's SecretStorage (which
// the key vault is built on) round-trips values. Runs under code-server and test-electron.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_UNDER_TEST, RUNNER_EXTENSION_ID, RunnerExports, TestEnv } from '../host/hostContract';

interface Manifest {
  contributes?: { commands?: Array<{ command: string }> };
}

describe('Activation', () => {
  it('finds and activates the extension', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_UNDER_TEST);
    assert.ok(ext, `${EXTENSION_UNDER_TEST} is not installed in this editor`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('activates cheaply: activate() does no slow work', async function () {
    const ext = vscode.extensions.getExtension<{ activateMs: number }>(EXTENSION_UNDER_TEST);
    assert.ok(ext);
    const { activateMs } = ext.isActive ? ext.exports : await ext.activate();
    // The report shows the figure.
    this.test!.title += ` (${activateMs.toFixed(1)} ms)`;
    assert.ok(activateMs < 250, `activate() took ${activateMs.toFixed(0)} ms`);
  });

  it('registers exactly the commands its manifest declares', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_UNDER_TEST);
    assert.ok(ext);
    await ext.activate();
    const declared = ((ext.packageJSON as Manifest).contributes?.commands ?? []).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepStrictEqual(
      declared.filter((c) => !registered.has(c)),
      [],
      'commands declared in package.json but not registered',
    );
    // The extension's own commands are `cloudxlr.<name>`; VS Code adds `cloudxlr.<view>.<action>` ones for the views.
    const own = [...registered].filter((c) => /^cloudxlr\.[A-Za-z]+$/.test(c));
    assert.deepStrictEqual(
      own.filter((c) => !declared.includes(c)),
      [],
      'commands registered but not declared in package.json',
    );
  });

  it('opens the fixture workspace, which activates the extension by its cloudxlr.json', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1, 'expected one workspace folder');
    const root = folders[0]!.uri.fsPath;
    assert.ok(fs.existsSync(path.join(root, 'cloudxlr.json')), `no cloudxlr.json in ${root}`);
    const expected = process.env[TestEnv.workspace];
    if (expected) assert.strictEqual(fs.realpathSync(root), fs.realpathSync(expected));
  });

  it('sees the test environment in the extension host', () => {
    assert.ok(process.env[TestEnv.host], `${TestEnv.host} is not set in the extension host`);
    assert.strictEqual(process.env[TestEnv.project], 'demo');
    if (!process.env[TestEnv.noCloud]) {
      assert.match(process.env[TestEnv.endpoint] ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(process.env[TestEnv.token], `${TestEnv.token} is not set`);
    }
  });

  it('runs as a remote workspace extension under code-server', function () {
    if (process.env[TestEnv.host] !== 'code-server') this.skip();
    assert.ok(vscode.env.remoteName, 'vscode.env.remoteName is not set');
    const ext = vscode.extensions.getExtension(EXTENSION_UNDER_TEST);
    assert.strictEqual(ext?.extensionKind, vscode.ExtensionKind.Workspace);
  });

  it('round-trips a value through the host SecretStorage', async function () {
    const runner = vscode.extensions.getExtension<RunnerExports>(RUNNER_EXTENSION_ID);
    if (!runner) this.skip(); // test-electron runs the suite without the runner extension
    const { secrets } = runner.isActive ? runner.exports : await runner.activate();
    const key = `cloudxlr.value/demo/ROUND_TRIP_${Date.now()}`;
    const value = `sk_test_${Math.random().toString(36).slice(2)}\u00e9\u2603`;
    const changed = new Promise<string>((resolve) => {
      const sub = secrets.onDidChange((e) => {
        if (e.key === key) {
          sub.dispose();
          resolve(e.key);
        }
      });
    });
    await secrets.store(key, value);
    assert.strictEqual(await changed, key);
    assert.strictEqual(await secrets.get(key), value);
    await secrets.delete(key);
    assert.strictEqual(await secrets.get(key), undefined);
  });
});
