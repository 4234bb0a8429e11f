// Vault sync against the real local cloud the launcher started: sign in, push, sync states
// from digests, rotation with compare-and-set, a conflict shown instead of overwritten,
// delete from the cloud, and the cloud going away.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import type { KeysNode } from '../../src/keys/keysView';
import { nodeSupportsCloud } from '../../src/shared/nodeVersion';
import { digestOf } from '../../src/shared/secretText';
import { TestEnv, requestScreenshot, requestUi } from '../host/hostContract';
import { extensionApi as api, lastMessage, messageMark, messagesSince, shownSince, waitFor } from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const token = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? 'demo';

async function rows(): Promise<Map<string, string>> {
  const { keysView } = await api();
  const out = new Map<string, string>();
  const walk = async (nodes: KeysNode[]) => {
    for (const n of nodes) {
      if (n.type === 'project') await walk(await keysView.getChildren(n));
      else if (n.type === 'key') out.set(n.name, String(keysView.getTreeItem(n).description ?? ''));
    }
  };
  await walk(await keysView.getChildren());
  return out;
}

/** The fields of the cloud's key answers these tests read. */
interface KeyAnswer {
  version: number;
  digest: string;
}

/** Another machine (or a teammate) talking to the same cloud. */
async function cloud(method: string, path: string, body?: unknown): Promise<{ status: number; json: KeyAnswer }> {
  const res = await fetch(`${endpoint}/v1/projects/${project}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as KeyAnswer };
}

const VALUE_1 = 're_' + 'Sync1Ab2Cd3Ef4Gh5Ij6Kl7';
const VALUE_2 = 're_' + 'Sync2Ab2Cd3Ef4Gh5Ij6Kl7';
const VALUE_3 = 're_' + 'Sync3Ab2Cd3Ef4Gh5Ij6Kl7';

describe('Cloud vault sync', function () {
  before(async function () {
    if (!endpoint || !token) this.skip();
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    await (await api()).cloud.refresh();
  });
  after(async () => {
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    for (const name of (await rows()).keys())
      await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
  });

  it('refuses a wrong token with a message saying so', async () => {
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.signIn, { project, token: 'not-the-token' }),
      false,
    );
    assert.match(await lastMessage(), /did not accept that token/);
    assert.ok(!(await lastMessage()).includes('not-the-token'));
  });

  it('signs in and shows a new key as local only', async () => {
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'RESEND_API_KEY', value: VALUE_1 });
    await (await api()).cloud.refresh();
    assert.match((await rows()).get('RESEND_API_KEY')!, /local only/);
  });

  it('pushes a key: the cloud holds its digest and the row says synced', async () => {
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: 'RESEND_API_KEY' }), 1);
    const { status, json } = await cloud('GET', '/keys/RESEND_API_KEY');
    assert.strictEqual(status, 200);
    assert.strictEqual(json.digest, digestOf(VALUE_1));
    assert.ok(!JSON.stringify(json).includes(VALUE_1), 'the cloud returned a value');
    assert.match((await rows()).get('RESEND_API_KEY')!, /synced v1/);
  });

  it('rotating a synced key pushes a new version with compare-and-set', async () => {
    await vscode.commands.executeCommand(CommandId.editKey, { name: 'RESEND_API_KEY', value: VALUE_2 });
    const { json } = await cloud('GET', '/keys/RESEND_API_KEY');
    assert.strictEqual(json.version, 2);
    assert.strictEqual(json.digest, digestOf(VALUE_2));
    assert.match((await rows()).get('RESEND_API_KEY')!, /synced v2/);
  });

  it('shows a conflict instead of overwriting a change made elsewhere', async () => {
    const other = await cloud('PUT', '/keys/RESEND_API_KEY', { value: VALUE_3, ifVersion: 2 });
    assert.strictEqual(other.status, 200);
    await vscode.commands.executeCommand(CommandId.editKey, {
      name: 'RESEND_API_KEY',
      value: 're_' + 'Local4Ab2Cd3Ef4Gh5Ij6Kl7',
    });
    const shown = (await api()).notifier.recent.map((m) => m.message).join('\n');
    assert.match(shown, /changed in the cloud \(now version 3, this machine last synced version 2\)/);
    const { json } = await cloud('GET', '/keys/RESEND_API_KEY');
    assert.strictEqual(json.version, 3, 'the cloud was overwritten');
    assert.strictEqual(json.digest, digestOf(VALUE_3));
    assert.match((await rows()).get('RESEND_API_KEY')!, /differs from cloud v3/);
    // An explicit overwrite resolves it.
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.pushKey, { name: 'RESEND_API_KEY', overwrite: true }),
      4,
    );
    assert.match((await rows()).get('RESEND_API_KEY')!, /synced v4/);
  });

  it('a key deleted here, re-added and pushed: the conflict says this machine never synced it, not that the cloud changed', async () => {
    try {
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'TRIM_KEY', value: VALUE_1 });
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: 'TRIM_KEY' }), 1);
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'TRIM_KEY', confirmed: true });
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'TRIM_KEY', value: VALUE_2 });
      // The toasts of the tests before are cleared, so this one is on top, as a person meets it.
      await vscode.commands.executeCommand('notifications.clearAll');
      const mark = await messageMark();
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: 'TRIM_KEY' }), undefined);
      const shown = await shownSince(mark);
      assert.doesNotMatch(shown, /changed in the cloud/);
      assert.match(shown, /TRIM_KEY \(version 1\).*never synced/);
      await requestUi('conflict-local-only', [{ see: 'was never synced with it', in: 'notifications' }]);
      assert.strictEqual(
        (await cloud('GET', '/keys/TRIM_KEY')).json.digest,
        digestOf(VALUE_1),
        'the cloud was overwritten',
      );
    } finally {
      // Left behind, the key would be pushed by the tests after this one.
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, { name: 'TRIM_KEY', confirmed: true });
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'TRIM_KEY', confirmed: true });
    }
  });

  it('lists a key that exists only in the cloud', async () => {
    assert.strictEqual(
      (await cloud('PUT', '/keys/OPENAI_API_KEY', { value: 'sk-proj-' + 'C'.repeat(48) })).status,
      201,
    );
    await (await api()).cloud.refresh();
    assert.match((await rows()).get('OPENAI_API_KEY')!, /cloud only v1/);
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await requestScreenshot('keys-synced');
  });

  it('pushes every key that is not in step, with one command', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'GROQ_API_KEY', value: 'gsk_' + 'P'.repeat(48) });
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'MISTRAL_API_KEY', value: 'M'.repeat(32) });
    const result = await vscode.commands.executeCommand<{ pushed: string[]; failed: string[] }>(CommandId.pushAllKeys, {
      project,
    });
    assert.deepStrictEqual(result.pushed.sort(), ['GROQ_API_KEY', 'MISTRAL_API_KEY']);
    assert.deepStrictEqual(result.failed, []);
    const r = await rows();
    assert.match(r.get('GROQ_API_KEY')!, /synced v1/);
    assert.match(r.get('MISTRAL_API_KEY')!, /synced v1/);
    assert.match(r.get('RESEND_API_KEY')!, /synced v4/, 'a key already in step was pushed again');
    for (const name of ['GROQ_API_KEY', 'MISTRAL_API_KEY']) {
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, { name, confirmed: true });
      await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
    }
  });

  it('deletes a key from the cloud and keeps the local copy', async () => {
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, { name: 'OPENAI_API_KEY', confirmed: true }),
      true,
    );
    assert.strictEqual((await cloud('GET', '/keys/OPENAI_API_KEY')).status, 404);
    assert.strictEqual((await rows()).has('OPENAI_API_KEY'), false);
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, { name: 'RESEND_API_KEY', confirmed: true }),
      true,
    );
    assert.match((await rows()).get('RESEND_API_KEY')!, /local only/);
  });

  it('starts a local cloud from the editor, and keeps local keys working when it stops', async function () {
    this.timeout(90_000);
    const { cloud: sync } = await api();
    const port = await freePort();
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration()
      .update(
        SettingId.localCloudDataDir,
        fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-editor-cloud-')),
        vscode.ConfigurationTarget.Global,
      );
    // The newest editor's own Node runs the cloud; the oldest (Node 20) is told which one to use, as its users are.
    if (!nodeSupportsCloud())
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.localCloudNodePath, process.env[TestEnv.cloudNode], vscode.ConfigurationTarget.Global);
    try {
      assert.strictEqual(
        await vscode.commands.executeCommand(CommandId.startLocalCloud),
        true,
        (await api()).notifier.recent.map((m) => m.message).join('\n'),
      );
      assert.match(await lastMessage(), new RegExp(`running at http://127.0.0.1:${port}`));
      const health = await fetch(`http://127.0.0.1:${port}/v1/health`);
      assert.strictEqual(health.status, 200);
      // Started with this workspace's project and signed in to it.
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: 'RESEND_API_KEY' }), 1);
      assert.match((await rows()).get('RESEND_API_KEY')!, /synced v1/);

      await vscode.commands.executeCommand(CommandId.stopLocalCloud);
      await sync.refresh();
      const status = sync.status(project);
      assert.strictEqual(status.kind, 'unreachable');
      assert.match(status.kind === 'unreachable' ? status.message : '', /not reachable/);
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'OFFLINE_KEY', value: 'offline-value-123456' });
      const r = await rows();
      assert.ok(r.has('RESEND_API_KEY') && r.has('OFFLINE_KEY'), 'local keys vanished while the cloud is down');
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: 'OFFLINE_KEY' }), undefined);
      assert.match(await lastMessage(), /not pushed: .*not reachable/);
      // Push All stops at the first key the cloud cannot be reached for, and says so once, with a way out.
      const mark = await messageMark();
      const all = await vscode.commands.executeCommand<{ pushed: string[]; failed: string[] }>(CommandId.pushAllKeys, {
        project,
      });
      assert.deepStrictEqual(all.pushed, []);
      assert.ok(all.failed.includes('OFFLINE_KEY') && all.failed.includes('RESEND_API_KEY'), all.failed.join(', '));
      const said = await messagesSince(mark);
      assert.strictEqual(said.length, 1, said.join('\n'));
      assert.match(said[0]!, /^Pushed 0 of \d+ keys? to demo\. Stopped: The CloudXLR cloud at .* is not reachable/);
      assert.ok(!said[0]!.includes('`'), said[0]);
      await requestUi('push-all-unreachable', [
        { see: 'Stopped: The CloudXLR cloud', in: 'notifications' },
        { see: 'Start Local Cloud', in: 'notifications' },
      ]);
      await vscode.commands.executeCommand('notifications.clearAll');
      await requestScreenshot('keys-cloud-down');
    } finally {
      await vscode.commands.executeCommand(CommandId.stopLocalCloud);
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.localCloudNodePath, undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.localCloudDataDir, undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    }
  });

  it('Start Local Cloud with a cloud already running offers to use it; a port held by something else is named as the cause', async function () {
    this.timeout(90_000);
    const settings = vscode.workspace.getConfiguration();
    if (!nodeSupportsCloud())
      await settings.update(
        SettingId.localCloudNodePath,
        process.env[TestEnv.cloudNode],
        vscode.ConfigurationTarget.Global,
      );
    await settings.update(
      SettingId.localCloudDataDir,
      fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-editor-cloud-')),
      vscode.ConfigurationTarget.Global,
    );
    const squatter = net.createServer((socket) => socket.destroy());
    try {
      // The launcher's cloud runs at the endpoint, started outside this window with a token this editor does not hold.
      await vscode.commands.executeCommand(CommandId.signOut, { project });
      const mark = await messageMark();
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.startLocalCloud), false);
      assert.match(await shownSince(mark), /already running at .*started outside this window/);
      assert.doesNotMatch(await shownSince(mark), /stopped during start-up|common cause/);
      if (
        await requestUi('use-running-cloud', [
          { notification: 'already running at', click: 'Sign In' },
          { see: 'Sign in to project' },
          { type: token },
          { press: 'Enter' },
        ])
      ) {
        await waitFor(
          'the sign-in to the running cloud',
          async () => (await api()).cloud.status(project).kind === 'ok',
        );
      }
      await vscode.commands.executeCommand('notifications.clearAll');

      // Something that is not a cloud holds the port: the message says so, not "a common cause is…".
      const port = await freePort();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      await settings.update(SettingId.cloudEndpoint, `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
      const mark2 = await messageMark();
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.startLocalCloud), false);
      const shown = await shownSince(mark2);
      assert.match(shown, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(shown, /common cause|--port 0/);
    } finally {
      squatter.close();
      await vscode.commands.executeCommand(CommandId.stopLocalCloud);
      await settings.update(SettingId.localCloudNodePath, undefined, vscode.ConfigurationTarget.Global);
      await settings.update(SettingId.localCloudDataDir, undefined, vscode.ConfigurationTarget.Global);
      await settings.update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    }
  });

  it('says in one notification which Node it found and what to install when that Node is too old, with a button to the setting', async function () {
    this.timeout(60_000);
    const oldNode = process.env[TestEnv.oldNode];
    assert.ok(oldNode, `${TestEnv.oldNode} is not set: the launcher passes a Node too old for the cloud`);
    const { notifier } = await api();
    const before = notifier.recent.length;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-editor-cloud-'));
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.localCloudNodePath, oldNode, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.localCloudDataDir, dataDir, vscode.ConfigurationTarget.Global);
    // A free port: at the launcher's endpoint a cloud already runs, and Start Local Cloud would use it.
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, `http://127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    try {
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.startLocalCloud), false);
      const shown = notifier.recent.slice(before);
      assert.strictEqual(shown.length, 1, shown.map((m) => m.message).join('\n'));
      const [message] = shown;
      assert.strictEqual(message!.severity, 'error');
      assert.match(message!.message, /The local cloud needs Node\.js 22\.13 or newer; found Node\.js 20\.\d+\.\d+/);
      assert.ok(
        message!.message.includes(oldNode!) && message!.message.includes(SettingId.localCloudNodePath),
        message!.message,
      );
      assert.match(message!.message, /Install Node\.js 24 LTS/);
      assert.doesNotMatch(message!.message, /data directory/i);
      assert.deepStrictEqual(fs.readdirSync(dataDir), [], 'nothing was started in the data directory');
      // The button opens the setting.
      if (await requestUi('open-node-path-setting', [{ notification: 'needs Node.js 22.13', click: 'Open Setting' }])) {
        const deadline = Date.now() + 10_000;
        while (vscode.window.tabGroups.activeTabGroup.activeTab?.label !== 'Settings' && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        assert.strictEqual(vscode.window.tabGroups.activeTabGroup.activeTab?.label, 'Settings');
        await requestScreenshot('local-cloud-node-too-old');
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      }
    } finally {
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.localCloudNodePath, undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.localCloudDataDir, undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
