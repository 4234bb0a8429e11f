// The team cloud in the editor, against the real local cloud the launcher started: a member
// signs in to a team cloud from the palette (address, then token; a CI token is refused), the
// view shows who they are and their role; a viewer is not offered Push and is answered with a
// sentence naming the role; a role changed meanwhile is followed after the cloud's 403; an owner
// creates a CI service token from the palette, which lands on the clipboard only, works for
// deploys only, and is found nowhere in the editor's storage, settings or log.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as vscode from 'vscode';
import type { ServiceTokenInfo } from '../../src/api';
import { CommandId, SettingId } from '../../src/constants';
import { TestEnv, requestScreenshot, requestUi } from '../host/hostContract';
import {
  extensionApi as api,
  closingPromptsOnFailure,
  extensionLogText,
  messageMark,
  messagesSince,
  waitFor,
} from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const ownerToken = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? 'demo';

const MEMBER = 'viewer@example.com';
const KEY = 'TEAM_VIEW_KEY';
const VALUE = 're_' + 'TeamView2Cd3Ef4Gh5Ij6Kl7';
const AFTER_KEY = 'TEAM_AFTER_TOKEN_KEY';
const VIEWER_REFUSAL = `Your role in project ${project} is viewer, which cannot write keys. Ask an owner of the project.`;

/** The cloud's API as someone else (an owner's script, a CI machine) uses it. */
async function cloud(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${endpoint}/v1/projects/${project}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

function everySettingText(): string {
  const config = vscode.workspace.getConfiguration('cloudxlr');
  return JSON.stringify(config) + JSON.stringify(config.inspect('cloud.endpoint'));
}

describe('Team cloud in the editor', function () {
  let memberToken = '';
  let memberId = '';
  let serviceTokenId = '';

  before(async function () {
    if (!endpoint || !ownerToken) this.skip();
    // The user's own setting points at the cloud; the team sign-in sets this workspace's.
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    // An owner adds a viewer through the API, as `cloudxlr cloud members add` does.
    const added = await cloud(ownerToken, 'POST', '/members', { name: MEMBER, role: 'viewer' });
    assert.strictEqual(added.status, 201, JSON.stringify(added.json));
    memberToken = String(added.json.token);
    memberId = String((added.json.member as { id: string }).id);
    await vscode.commands.executeCommand(CommandId.addKey, { name: KEY, value: VALUE });
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
  });

  after(async () => {
    if (!endpoint || !ownerToken) return;
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    for (const name of [KEY, AFTER_KEY])
      await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
    if (memberId) await cloud(ownerToken, 'DELETE', `/members/${memberId}`);
    if (serviceTokenId) await cloud(ownerToken, 'DELETE', `/tokens/${serviceTokenId}`);
    for (const target of [vscode.ConfigurationTarget.Workspace, vscode.ConfigurationTarget.Global])
      await vscode.workspace.getConfiguration().update(SettingId.cloudEndpoint, undefined, target);
    await vscode.env.clipboard.writeText('');
  });

  it('signs in to a team cloud from the palette with a member token: the view shows the name and the role', async function () {
    const serviceLike = 'cxlr_svc_' + 'NotForTheEditor0123456789abcdefABCDEF';
    const acting = requestUi('team-sign-in', [
      { press: 'F1' },
      { type: 'CloudXLR: Sign In to a Team Cloud' },
      { focusedPick: 'CloudXLR: Sign In to a Team Cloud' },
      { press: 'Enter' },
      { see: "The team cloud's address" },
      { type: endpoint },
      { press: 'Enter' },
      { see: 'Paste your member token' },
      // A CI token is refused in the box, before anything is sent.
      { type: serviceLike },
      { see: 'That is a CI service token' },
      { press: 'Control+A' },
      { type: memberToken },
      { press: 'Enter' },
      { see: `${MEMBER} · viewer`, in: 'sidebar' },
    ]);
    if (!(await closingPromptsOnFailure(acting))) this.skip();
    await requestScreenshot('team-signed-in-as-viewer');
    const { cloud: sync } = await api();
    assert.strictEqual(sync.identity(project)?.role, 'viewer');
    assert.strictEqual(sync.identity(project)?.name, MEMBER);
    // The address is this workspace's setting; the token is in no setting and not in the log.
    const inspected = vscode.workspace.getConfiguration().inspect<string>(SettingId.cloudEndpoint);
    assert.strictEqual(inspected?.workspaceValue, endpoint);
    assert.ok(!everySettingText().includes(memberToken), 'a setting holds the member token');
    assert.ok(!extensionLogText().includes(memberToken), 'the log holds the member token');
    assert.ok(!extensionLogText().includes(serviceLike), 'the log holds the refused token');
  });

  it('a viewer is not offered Push; Push run anyway answers naming the role, and the cloud is unchanged', async function () {
    await waitFor('the viewer role', async () => (await api()).cloud.identity(project)?.role === 'viewer');
    const hidden = await closingPromptsOnFailure(
      requestUi('team-viewer-palette', [
        { press: 'F1' },
        { type: 'CloudXLR: Push All Keys to Cloud' },
        { absent: 'CloudXLR: Push All Keys to Cloud' },
        { absent: 'CloudXLR: Push Key to Cloud' },
        { press: 'Escape' },
      ]),
    );
    if (!hidden) this.skip();
    const mark = await messageMark();
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: KEY }), undefined);
    assert.deepStrictEqual(await messagesSince(mark), [VIEWER_REFUSAL]);
    assert.strictEqual((await cloud(ownerToken, 'GET', `/keys/${KEY}`)).status, 404, 'the key reached the cloud');
  });

  it("a role changed meanwhile: the cloud's 403 is shown in its words and the view follows the role", async () => {
    const { cloud: sync } = await api();
    assert.strictEqual((await cloud(ownerToken, 'POST', '/members', { name: MEMBER, role: 'developer' })).status, 200);
    await sync.refresh();
    await waitFor('the developer role', () => sync.identity(project)?.role === 'developer');
    // The owner takes it back; this editor still thinks "developer" and tries.
    assert.strictEqual((await cloud(ownerToken, 'POST', '/members', { name: MEMBER, role: 'viewer' })).status, 200);
    const mark = await messageMark();
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.pushKey, { name: KEY }), undefined);
    const said = (await messagesSince(mark)).join('\n');
    assert.ok(said.includes(`${KEY} was not pushed: ${VIEWER_REFUSAL}`), said);
    assert.ok(!/HTTP 403|forbidden/.test(said), said);
    await waitFor('the viewer role again', () => sync.identity(project)?.role === 'viewer');
    await requestUi('team-viewer-again', [{ see: `${MEMBER} · viewer`, in: 'sidebar' }]);
  });

  it('an owner creates a CI service token from the palette: on the clipboard once, deploy-only, stored nowhere', async function () {
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.signIn, { project, token: ownerToken }),
      true,
      'the owner could not sign in',
    );
    await vscode.env.clipboard.writeText('');
    await requestUi('team-secrets-before-token', [{ markSecrets: 'ci-token' }]);
    const mark = await messageMark();
    const acting = requestUi('team-ci-token', [
      { press: 'F1' },
      { type: 'CloudXLR: Create CI Service Token' },
      { focusedPick: 'CloudXLR: Create CI Service Token' },
      { press: 'Enter' },
      { see: '(1/3): name' },
      { press: 'Control+A' },
      { type: 'ci-integration' },
      { press: 'Enter' },
      { see: '(2/3): what may it do?' },
      { focusedPick: 'Deploy only' },
      { press: 'Enter' },
      { see: '(3/3): expires after' },
      { focusedPick: '7 days' },
      { press: 'Enter' },
    ]);
    if (!(await closingPromptsOnFailure(acting))) this.skip();
    const token = await waitFor(
      'the service token on the clipboard',
      async () => {
        const text = await vscode.env.clipboard.readText();
        return text.startsWith('cxlr_svc_') ? text : undefined;
      },
      15_000,
    );
    const said = (await messagesSince(mark)).join('\n');
    assert.match(said, /ci-integration is on the clipboard, shown this once: the extension does not keep it/);
    assert.match(said, /CLOUDXLR_TOKEN/);
    assert.ok(!said.includes(token), 'a notification shows the token');

    // It works against the API, for deploys only.
    const me = await cloud(token, 'GET', '/me');
    assert.strictEqual(me.status, 200);
    const identity = me.json.identity as { kind: string; name: string; permissions: string[]; id: string };
    serviceTokenId = identity.id;
    assert.strictEqual(identity.kind, 'service-token');
    assert.strictEqual(identity.name, 'ci-integration');
    assert.deepStrictEqual(identity.permissions, ['keys.describe', 'functions.describe', 'functions.deploy']);
    const code = 'module.exports = async () => ({ ok: true });\n';
    const deployed = await cloud(token, 'PUT', '/functions/ci-token-check', {
      runtime: 'node20',
      code,
      sha256: createHash('sha256').update(code).digest('hex'),
      secrets: [],
    });
    assert.strictEqual(deployed.status, 201, JSON.stringify(deployed.json));
    try {
      assert.strictEqual((await cloud(token, 'PUT', `/keys/${KEY}`, { value: VALUE })).status, 403);
      assert.strictEqual((await cloud(token, 'POST', '/functions/ci-token-check/invoke', {})).status, 403);
    } finally {
      await cloud(ownerToken, 'DELETE', '/functions/ci-token-check');
    }

    // Stored nowhere: not in the log, not in a setting, not in the browser's storage. globalState
    // is in IndexedDB, searched for the token; SecretStorage is one encrypted blob in
    // localStorage, which no write changed while the token was made. A key added afterwards
    // shows both checks see writes: its name reaches IndexedDB, its value changes the blob.
    assert.ok(!extensionLogText().includes(token), 'the log holds the service token');
    assert.ok(!everySettingText().includes(token), 'a setting holds the service token');
    await requestUi('team-token-not-in-secrets', [{ secretsUnchanged: 'ci-token' }]);
    await vscode.commands.executeCommand(CommandId.addKey, { name: AFTER_KEY, value: VALUE + 'x' });
    await requestUi(
      'team-token-stored-nowhere',
      [{ secretsChanged: 'ci-token' }, { storageHolds: AFTER_KEY }, { storageLacks: token }],
      60_000,
    );

    // Manage CI Service Tokens lists it (by its hint, never the token) and revokes it: CI is refused from then on.
    const listed = await vscode.commands.executeCommand<ServiceTokenInfo[]>(CommandId.listServiceTokens, {
      project,
      revoke: serviceTokenId,
      confirmed: true,
    });
    assert.ok(
      listed.some((t) => t.id === serviceTokenId && t.name === 'ci-integration'),
      'the token is not listed',
    );
    assert.ok(!JSON.stringify(listed).includes(token), 'the listing holds the token');
    assert.strictEqual((await cloud(token, 'GET', '/me')).status, 401, 'the revoked token still works');
  });
});
