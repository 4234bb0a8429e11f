// The fixture workspace in Restricted Mode: workspace trust is on and the folder is not trusted
// (the launcher's "untrusted" session). The API Keys view works; the linter ignores the
// workspace's cloudxlr.json globs (a hostile file could hide code from it) and falls back to
// the defaults; functions are neither bundled nor deployed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import type { DeployResult } from '../../src/deploy/vscode';
import type { CloudxlrApi } from '../../src/extension';
import { EXTENSION_UNDER_TEST, FIXTURE_PROJECT, TestEnv, requestScreenshot } from '../host/hostContract';
import { extensionApi as api, lintDiagnostics, messagesSince, waitFor, workspaceRoot as root } from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const token = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? FIXTURE_PROJECT;
const STRIPE = 'sk_live_' + '51Pq3RwLm8XcVb2TyUi7Oa4Sd9Fz';
const OPENAI = 'sk-proj-' + 'Rt6Yp1Kd8Hs3Vb9Nc2Jf7GaXe4Wq1Ur8Ti5Oy0Lm3Qw6Zx';

async function keyRows(): Promise<string[]> {
  const { keysView } = await api();
  return (await keysView.getChildren()).map((n) => String(keysView.getTreeItem(n).label));
}

/** The functions the cloud holds, as another client sees them. */
async function cloudFunctions(): Promise<unknown> {
  const res = await fetch(`${endpoint}/v1/projects/${project}/functions`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.strictEqual(res.status, 200);
  return res.json();
}

describe('In an untrusted workspace (Restricted Mode)', () => {
  const created: string[] = [];

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created) fs.rmSync(f, { force: true });
    await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'STRIPE_SECRET_KEY', confirmed: true });
    if (endpoint) {
      await vscode.commands.executeCommand(CommandId.signOut, { project });
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the workspace is not trusted, and the extension activates anyway', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    const ext = vscode.extensions.getExtension<CloudxlrApi>(EXTENSION_UNDER_TEST)!;
    await api();
    assert.strictEqual(ext.isActive, true);
  });

  it('the API Keys view works: a key added is listed', async () => {
    assert.deepStrictEqual(await keyRows(), []);
    assert.deepStrictEqual(
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'STRIPE_SECRET_KEY', value: STRIPE }),
      { name: 'STRIPE_SECRET_KEY' },
    );
    assert.deepStrictEqual(await keyRows(), ['STRIPE_SECRET_KEY']);
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.copyValue, { name: 'STRIPE_SECRET_KEY' }), true);
    assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE);
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await requestScreenshot('keys-untrusted');
  });

  it("the linter ignores cloudxlr.json's frontend globs: a secret outside them is still flagged", async () => {
    await (
      await api()
    ).linter.ready;
    // cloudxlr.json limits frontend code to src/**: trusted, scripts/seed.js would not be linted.
    const config = JSON.parse(fs.readFileSync(path.join(root(), 'cloudxlr.json'), 'utf8')) as { frontend: string[] };
    assert.ok(
      config.frontend.every((g) => g.startsWith('src/')),
      'the fixture cloudxlr.json no longer limits the globs to src/',
    );
    const file = path.join(root(), 'scripts', 'seed.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `// seeds the dev database\nconst openai = "${OPENAI}";\n`);
    created.push(file);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const [d, ...more] = await waitFor('a diagnostic on scripts/seed.js', () => {
      const ds = lintDiagnostics(doc.uri);
      return ds.length > 0 ? ds : undefined;
    });
    assert.strictEqual(more.length, 0);
    assert.strictEqual(d!.range.start.line, 1);
    assert.match(d!.message, /OpenAI/);
    await requestScreenshot('lint-untrusted');
  });

  it('refuses to deploy, saying the workspace is not trusted, and uploads nothing', async function () {
    if (!endpoint || !token) this.skip();
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    const before = await cloudFunctions();
    const start = (await api()).notifier.recent.length;
    const results = await vscode.commands.executeCommand<DeployResult[]>(CommandId.deployAll, { project });
    assert.ok(results.length > 0, 'Deploy All tried nothing');
    assert.deepStrictEqual([...new Set(results.map((r) => r.status))], ['untrusted']);
    const single = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, { name: 'charge' });
    assert.strictEqual(single.status, 'untrusted');
    const messages = await messagesSince(start);
    assert.ok(messages.length > 0, 'no message');
    for (const m of messages)
      assert.match(m, /not bundled or deployed in an untrusted workspace\. Trust this folder to deploy\./);
    assert.deepStrictEqual(await cloudFunctions(), before, 'something reached the cloud');
  });
});
