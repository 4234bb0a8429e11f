// Both views follow one cloud state, as a person sees them in the side bar: after Push All the
// Functions view says "in vault" where API Keys says "synced"; Sign Out clears every cloud
// state at once; a change made in the cloud shows when the side bar is shown again, without
// Refresh.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import { TestEnv, requestScreenshot, requestUi } from '../host/hostContract';
import {
  extensionApi as api,
  closingPromptsOnFailure,
  messageMark,
  messagesSince,
  noticesSince,
  waitFor,
} from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const token = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? 'demo';
const workspace = process.env[TestEnv.workspace] ?? '';

const KEY = 'STATE_VIEW_KEY';
const RENAMED = 'STATE_VIEW_RENAMED_KEY';
const VALUE_1 = 're_' + 'StateOne2Cd3Ef4Gh5Ij6Kl7';
const VALUE_2 = 're_' + 'StateTwo2Cd3Ef4Gh5Ij6Kl7';
/** What a per-key toast used to say. */
const STATE_KEY_PUSHED = `Pushed ${KEY} to the cloud`;
const FUNCTION_FILE = path.join(workspace, 'functions', 'state-check.js');

/** Another machine (or a teammate) writing to the same cloud. */
async function cloudPut(name: string, value: string, ifVersion: number): Promise<number> {
  const res = await fetch(`${endpoint}/v1/projects/${project}/keys/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ value, ifVersion }),
  });
  return res.status;
}

describe('Cloud state in the API Keys and Functions views', function () {
  this.timeout(90_000);
  before(async function () {
    if (!endpoint || !token) this.skip();
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    fs.writeFileSync(
      FUNCTION_FILE,
      `export default async (request, ctx) => ({ ok: !!(await ctx.secrets.get('${KEY}')) });\n`,
    );
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    await vscode.commands.executeCommand(CommandId.addKey, { name: KEY, value: VALUE_1 });
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
  });
  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand(CommandId.signIn, { project, token });
    await vscode.commands.executeCommand(CommandId.deleteFunction, { name: 'state-check', confirmed: true });
    fs.rmSync(FUNCTION_FILE, { force: true });
    for (const name of [KEY, RENAMED]) {
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, { name, confirmed: true, force: true });
      if ((await api()).keysView && name)
        await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
    }
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
  });

  /** Waits until the cloud state has listed the key in this state (the listing runs in the background). */
  async function keyState(state: string): Promise<void> {
    const { cloud } = await api();
    await waitFor(
      `${KEY} ${state}`,
      () => {
        const s = cloud.status(project);
        return s.kind === 'ok' && s.rows.get(KEY)?.state === state;
      },
      30_000,
    );
  }

  it('after Push All, the Functions view says the key is in the vault, as API Keys says synced', async () => {
    await keyState('local-only');
    await (await api()).functionsView.refresh();
    if (
      !(await requestUi('state-before-push', [
        { see: 'state-check', in: 'sidebar' },
        { see: 'local only', in: 'sidebar' },
      ]))
    )
      return;
    const mark = await messageMark();
    await closingPromptsOnFailure(
      requestUi('state-push-all', [
        { clickAction: 'Push All Keys to Cloud' },
        { see: 'synced v1', in: 'sidebar' },
        { see: 'in vault v1', in: 'sidebar' },
      ]),
    );
    // One summary, in the status bar: a confirmation asks nothing of the person.
    const shown = await noticesSince(mark);
    assert.deepStrictEqual(
      shown.map((m) => m.severity),
      ['status'],
      shown.map((m) => m.message).join('\n'),
    );
    assert.match(shown[0]!.message, /^Pushed (\d+) of \1 keys? to demo\.$/);
    await requestUi('state-after-push', [
      { absent: 'local only', in: 'sidebar' },
      { see: 'Pushed', in: 'statusbar' },
      { absent: 'Pushed', in: 'notifications' },
      { absent: STATE_KEY_PUSHED, in: 'notifications' },
    ]);
    await requestScreenshot('state-after-push-all');
  });

  it('Sign Out clears every cloud state in both views at once, without Refresh', async () => {
    if ((await api()).cloud.status(project).kind !== 'ok' || !(await isSynced()))
      await vscode.commands.executeCommand(CommandId.pushKey, { name: KEY });
    await keyState('synced');
    if (!(await requestUi('state-signed-in', [{ see: 'in vault v1', in: 'sidebar' }], 60_000))) return;
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signOut, { project }), true);
    // No waiting: once Sign Out is done, the views say so.
    await requestUi('state-signed-out', [
      { see: 'not signed in', in: 'sidebar' },
      { absent: 'synced v1', in: 'sidebar' },
      { absent: 'in vault', in: 'sidebar' },
    ]);
    await requestScreenshot('state-after-sign-out');
  });

  it('a change made in the cloud shows when the side bar is shown again, without Refresh', async () => {
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    await keyState('synced');
    if (!(await requestUi('state-synced-again', [{ see: 'synced v1', in: 'sidebar' }], 60_000))) return;
    // A teammate rotates the key from another machine.
    assert.strictEqual(await cloudPut(KEY, VALUE_2, 1), 200);
    // The person looks at the file explorer for a few seconds, then back at the CloudXLR side bar.
    await vscode.commands.executeCommand('workbench.view.explorer');
    await new Promise((r) => setTimeout(r, 3_500));
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await requestUi('state-cloud-changed', [
      { see: 'differs from cloud v2', in: 'sidebar' },
      { see: 'in vault v2', in: 'sidebar' },
    ]);
  });

  it('Rename of a key a deployed function reads names the function and renames it in the cloud too, keeping the old name there', async () => {
    const deployed = await vscode.commands.executeCommand<{ status: string }>(CommandId.deployFunction, {
      name: 'state-check',
      uploadMissing: true,
    });
    assert.strictEqual(deployed.status, 'deployed', JSON.stringify(deployed));
    await (await api()).cloud.refresh();
    const question = 'is also in the cloud, where the function "state-check" reads it';
    // Escape on the question renames nothing.
    const cancelled = vscode.commands.executeCommand(CommandId.renameKey, { name: KEY, newName: RENAMED });
    if (!(await closingPromptsOnFailure(requestUi('rename-cancel', [{ see: question }, { press: 'Escape' }])))) return;
    assert.strictEqual(await cancelled, undefined);
    assert.strictEqual(await cloudStatus(RENAMED), 404);

    const mark = await messageMark();
    const renaming = vscode.commands.executeCommand(CommandId.renameKey, { name: KEY, newName: RENAMED });
    await closingPromptsOnFailure(
      requestUi('rename-both', [
        { see: question },
        { see: `keeps ${KEY} there until "state-check" is deployed reading ${RENAMED}` },
        { click: 'Rename Here and in the Cloud' },
      ]),
    );
    assert.deepStrictEqual(await renaming, { name: RENAMED });
    assert.strictEqual(await cloudStatus(RENAMED), 200, `${RENAMED} is not in the cloud`);
    assert.strictEqual(await cloudStatus(KEY), 200, 'the key a deployed function reads was deleted from the cloud');
    const said = await messagesSince(mark);
    assert.match(
      said.join('\n'),
      new RegExp(`The cloud keeps ${KEY} until "state-check" is deployed reading ${RENAMED}`),
    );
    await requestUi('rename-both-rows', [
      { see: RENAMED, in: 'sidebar' },
      { see: 'synced v1', in: 'sidebar' },
    ]);
  });
});

async function cloudStatus(name: string): Promise<number> {
  const res = await fetch(`${endpoint}/v1/projects/${project}/keys/${name}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.text();
  return res.status;
}

async function isSynced(): Promise<boolean> {
  const s = (await api()).cloud.status(project);
  return s.kind === 'ok' && s.rows.get(KEY)?.state === 'synced';
}
