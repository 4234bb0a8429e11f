// Cloud Functions in the editor, against the real local cloud the launcher started: scaffold a
// function, deploy one that reads a key (uploading the key from this machine), see the release
// in the Functions view, invoke it from the editor and through its public URL, rotate the key
// and see the new value used without a redeploy, a deploy refused for a raw key in the source
// with nothing uploaded, a deploy stopped for a key that exists nowhere, rollback, logs and
// delete. Results are read the way a person sees them: the view, notifications, answers.
// The function returns a digest of the key and whether it starts with a prefix, never the key.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import type { InvokeResponse, RollbackResponse } from '../../src/api';
import type { DeployResult, FunctionsNode } from '../../src/deploy/vscode';
import { digestOf } from '../../src/shared/secretText';
import { TestEnv, canDriveUi, requestScreenshot, requestUi } from '../host/hostContract';
import {
  extensionApi as api,
  closingPromptsOnFailure,
  extensionLogText,
  messageMark,
  shownSince,
  waitFor,
} from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const token = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? 'demo';
const workspace = process.env[TestEnv.workspace] ?? '';
const functionsDir = path.join(workspace, 'functions');

const KEY = 'FN_CHECK_KEY';
const VALUE_1 = 'sk_test_' + 'FnCheckOne' + '4eC39HqLyjWDarjtT1';
const VALUE_2 = 'sk_test_' + 'FnCheckTwo' + '9aB27KmNpqRsTuvW2x';

const CHECK_SOURCE = (extra = '', version = 1) => `import { createHash } from 'crypto';
import type { Handler } from 'cloudxlr-functions';
${extra}
const handler: Handler<{ prefix?: string }> = async (request, ctx) => {
  const key = await ctx.secrets.get('${KEY}');
  ctx.log.info('checking the key', key);
  const prefix = (request.body && request.body.prefix) || '';
  return { version: ${version}, digest: 'sha256:' + createHash('sha256').update(key).digest('hex'), startsWithPrefix: key.startsWith(prefix) };
};

export default handler;
`;

/** The Functions view as a person sees it: name → description (and each key's row). */
async function viewRows(): Promise<
  Map<string, { description: string; contextValue: string; keys: Map<string, { description: string; icon: string }> }>
> {
  const { functionsView } = await api();
  await functionsView.refresh();
  const out = new Map<
    string,
    { description: string; contextValue: string; keys: Map<string, { description: string; icon: string }> }
  >();
  const walk = async (nodes: FunctionsNode[]) => {
    for (const n of nodes) {
      if (n.type === 'project') await walk(await functionsView.getChildren(n));
      else if (n.type === 'function') {
        const keys = new Map<string, { description: string; icon: string }>();
        for (const k of await functionsView.getChildren(n)) {
          const item = functionsView.getTreeItem(k);
          if (k.type === 'functionKey')
            keys.set(k.name, {
              description: String(item.description ?? ''),
              icon: (item.iconPath as vscode.ThemeIcon).id,
            });
        }
        const item = functionsView.getTreeItem(n);
        out.set(n.name, { description: String(item.description ?? ''), contextValue: item.contextValue ?? '', keys });
      }
    }
  };
  await walk(await functionsView.getChildren());
  return out;
}

/** The fields of the cloud's answers these tests read. */
interface CloudAnswer {
  digest?: string;
  version?: number;
  usedBy?: string[];
  release?: number;
  releases?: unknown[];
}

/** The cloud as another client sees it. */
async function cloud(method: string, p: string, body?: unknown): Promise<{ status: number; json: CloudAnswer }> {
  const res = await fetch(`${endpoint}/v1/projects/${project}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as CloudAnswer };
}

function writeFunction(name: string, text: string): string {
  fs.mkdirSync(functionsDir, { recursive: true });
  const file = path.join(functionsDir, `${name}.ts`);
  fs.writeFileSync(file, text);
  return file;
}

function assertNoValue(text: string, what: string): void {
  for (const v of [VALUE_1, VALUE_2]) assert.ok(!text.includes(v), `${what} holds a key value`);
}

describe('Cloud Functions in the editor', function () {
  this.timeout(120_000);
  const created: string[] = [];
  let url = '';

  before(async function () {
    if (!endpoint || !token || !workspace) this.skip();
    const existed = [
      'tsconfig.json',
      'cloudxlr-functions.d.ts',
      'key-check.ts',
      'needs-missing.ts',
      'hello-scaffold.ts',
      'throws-here.ts',
    ].filter((f) => fs.existsSync(path.join(functionsDir, f)));
    assert.deepStrictEqual(existed, [], 'the fixture workspace already has these function files');
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand(CommandId.signOut, { project });
  });

  after(async () => {
    if (!endpoint || !token || !workspace) return;
    for (const name of ['key-check', 'needs-missing', 'hello-scaffold', 'throws-here'])
      await cloud('DELETE', `/functions/${name}`);
    await cloud('DELETE', `/keys/${KEY}?force=true`);
    await vscode.commands.executeCommand(CommandId.deleteKey, { name: KEY, confirmed: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created) fs.rmSync(f, { force: true });
    if (fs.existsSync(functionsDir) && fs.readdirSync(functionsDir).length === 0) fs.rmdirSync(functionsDir);
    await vscode.commands.executeCommand(CommandId.signOut, { project });
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
  });

  it('scaffolds a new function typed with the shipped declarations, with a CodeLens on its handler', async () => {
    const start = await messageMark();
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.newFunction, { name: 'Bad Name' }), undefined);
    assert.match(await shownSince(start), /lower kebab case/);

    const r = await vscode.commands.executeCommand<{ name: string; files: string[] }>(CommandId.newFunction, {
      name: 'hello-scaffold',
      keys: [KEY],
    });
    created.push(...r.files);
    assert.match(
      await shownSince(start),
      /Created the function hello-scaffold \(functions\/hello-scaffold\.ts, functions\/.*\)\. Deploy it with/,
    );
    const entry = path.join(functionsDir, 'hello-scaffold.ts');
    assert.deepStrictEqual(r.files.map((f) => path.basename(f)).sort(), [
      'cloudxlr-functions.d.ts',
      'hello-scaffold.ts',
      'tsconfig.json',
    ]);
    const text = fs.readFileSync(entry, 'utf8');
    assert.match(text, /import type \{ Handler \} from 'cloudxlr-functions';/);
    assert.match(text, new RegExp(`ctx\\.secrets\\.get\\('${KEY}'\\)`));
    assert.match(fs.readFileSync(path.join(functionsDir, 'tsconfig.json'), 'utf8'), /"cloudxlr-functions"/);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, entry, 'the new function is opened');

    const rows = await viewRows();
    assert.ok(rows.has('hello-scaffold'), 'the view lists the new function');
    // Signed out: the key is not on this machine and the cloud is unknown.
    assert.strictEqual(rows.get('hello-scaffold')!.keys.get(KEY)?.icon, 'warning');

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      vscode.Uri.file(entry),
    );
    const deploy = lenses.find((l) => l.command?.command === CommandId.deployFunction);
    assert.ok(deploy, `no Deploy lens: ${lenses.map((l) => l.command?.title).join(', ')}`);
    assert.strictEqual(deploy.range.start.line, 3, 'the lens sits on the handler');
    assert.deepStrictEqual(deploy.command!.arguments, [{ name: 'hello-scaffold', project }]);
    // Not deployed: Deploy is offered, Invoke is not.
    assert.ok(
      !lenses.some((l) => l.command?.command === CommandId.invokeFunction),
      `an Invoke lens on an undeployed function: ${lenses.map((l) => l.command?.title).join(', ')}`,
    );
  });

  it('the title-bar "+" asks for a new name even with a function selected', async function () {
    if (!canDriveUi()) this.skip(); // acts through the browser
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await vscode.commands.executeCommand('cloudxlr.functions.focus');
    await closingPromptsOnFailure(
      requestUi('functions-title-plus', [
        { clickRow: 'hello-scaffold' },
        { clickAction: 'New Function…' },
        { see: 'Name of the function' },
        { absent: 'already exists', in: 'notifications' },
        { press: 'Escape' },
      ]),
    );
  });

  it('asks to sign in before deploying', async () => {
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, { name: 'hello-scaffold' });
    assert.strictEqual(r.status, 'not-signed-in');
    assert.match(await shownSince(start), /Not signed in to the CloudXLR project demo.*Sign in to deploy/);
  });

  it('deploys a function reading a key stored only here: uploads the key, never the value with the code', async () => {
    assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    await vscode.commands.executeCommand(CommandId.addKey, { name: KEY, value: VALUE_1 });
    created.push(writeFunction('key-check', CHECK_SOURCE()));
    await (await api()).cloud.refresh();
    let rows = await viewRows();
    assert.strictEqual(rows.get('key-check')?.description, 'not deployed');
    assert.match(rows.get('key-check')!.keys.get(KEY)!.description, /^local only$/);

    const start = await messageMark();
    const r = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, {
      name: 'key-check',
      uploadMissing: true,
    });
    assert.strictEqual(r.status, 'deployed', JSON.stringify(r));
    assert.ok(r.status === 'deployed');
    assert.strictEqual(r.release, 1);
    assert.deepStrictEqual(
      r.secrets.map((s) => [s.name, s.version]),
      [[KEY, 'latest']],
    );
    url = r.url;
    assert.match(url, /\/fn\/demo\/key-check$/);
    const shown = await shownSince(start);
    assert.match(
      shown,
      new RegExp(`Deployed key-check \\(release 1\\): ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
    assertNoValue(shown + JSON.stringify(r), 'the deploy result or a message');

    // The key went to the vault (its digest), and the release names it.
    const key = await cloud('GET', `/keys/${KEY}`);
    assert.strictEqual(key.json.digest, digestOf(VALUE_1));
    assert.deepStrictEqual(key.json.usedBy, ['key-check']);
    const fn = await cloud('GET', '/functions/key-check');
    assert.strictEqual(fn.json.release, 1);

    // Deployed: the CodeLens offers Invoke now.
    await vscode.workspace.openTextDocument(path.join(functionsDir, 'key-check.ts'));
    await waitFor('an Invoke lens on the deployed key-check', async () =>
      (
        await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          vscode.Uri.file(path.join(functionsDir, 'key-check.ts')),
        )
      ).some((l) => l.command?.command === CommandId.invokeFunction),
    );
    if (canDriveUi()) {
      // The log says it once (it used to repeat it as a step, an outcome and the notification).
      const said = await waitFor('the deploy in the log', () => {
        const text = extensionLogText();
        return text.includes('Deployed key-check (release 1)') && text;
      });
      assert.strictEqual(said.split('Deployed key-check (release 1)').length - 1, 1, 'the deploy is logged twice');
      assert.doesNotMatch(said, /key-check: deployed release 1|Deployed key-check as release 1/);
      assertNoValue(said, 'the log');
    }

    rows = await viewRows();
    assert.strictEqual(rows.get('key-check')?.description, 'release 1 · deployed');
    // The item menus (Invoke, Logs, Rollback, Delete) key on this.
    assert.strictEqual(rows.get('key-check')?.contextValue, 'function:local:deployed');
    assert.match(rows.get('key-check')!.keys.get(KEY)!.description, /^in vault v1$/);
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await vscode.commands.executeCommand('cloudxlr.functions.focus');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await requestScreenshot('functions-deployed');
  });

  it('invokes it from the editor and through its public URL, with the right answer', async () => {
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, {
      name: 'key-check',
      payload: { prefix: 'sk_test_FnCheckOne' },
    });
    assert.strictEqual(r.status, 'ok', JSON.stringify(r.error));
    assert.deepStrictEqual(r.result, { version: 1, digest: digestOf(VALUE_1), startsWithPrefix: true });
    // The function logged the key: the runtime redacted it.
    assert.ok(
      r.logs.some((l) => l.message.includes(`[REDACTED:${KEY}]`)),
      JSON.stringify(r.logs),
    );
    assertNoValue(JSON.stringify(r), 'the invoke answer');
    assert.match(await shownSince(start), /key-check answered in \d+ ms: .*"startsWithPrefix":true/);

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: JSON.stringify({ prefix: 'nope' }),
    });
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), { version: 1, digest: digestOf(VALUE_1), startsWithPrefix: false });
  });

  it('Invoke on an undeployed function offers Deploy instead of asking for a body', async function () {
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<InvokeResponse | undefined>(CommandId.invokeFunction, {
      name: 'hello-scaffold',
    });
    assert.strictEqual(r, undefined);
    assert.match(await shownSince(start), /hello-scaffold is not deployed to demo yet, so there is nothing to invoke/);
    if (!canDriveUi()) return; // the rest clicks in the browser
    await closingPromptsOnFailure(
      requestUi('invoke-undeployed', [
        { absent: 'The request body', in: 'prompt' },
        { notification: 'hello-scaffold is not deployed', click: 'Deploy' },
      ]),
    );
    await waitFor(
      'hello-scaffold deployed from the notification',
      async () => (await cloud('GET', '/functions/hello-scaffold')).status === 200,
      30_000,
    );
    // As it was: only key-check uses the key in the tests that follow.
    assert.strictEqual((await cloud('DELETE', '/functions/hello-scaffold')).status, 204);
  });

  it('Invoke remembers the last body of each function, never one holding a stored key value', async function () {
    if (!canDriveUi()) this.skip(); // types in the browser
    const invoke = async (ui: string, steps: Parameters<typeof requestUi>[1]): Promise<InvokeResponse> => {
      const invoking = vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, { name: 'key-check' });
      await closingPromptsOnFailure(requestUi(ui, [{ see: 'The request body, as JSON' }, ...steps]));
      return invoking;
    };
    const prefixOf = (r: InvokeResponse) => (r.result as { startsWithPrefix: boolean }).startsWithPrefix;
    // {} (the first default) would answer true: "nope" answers false.
    assert.strictEqual(
      prefixOf(await invoke('invoke-body-typed', [{ type: '{"prefix":"nope"}' }, { press: 'Enter' }])),
      false,
    );
    assert.strictEqual(prefixOf(await invoke('invoke-body-again', [{ press: 'Enter' }])), false, 'not remembered');
    // A body holding the key's value runs, and is not kept.
    const secret = await invoke('invoke-body-secret', [
      { type: JSON.stringify({ prefix: VALUE_1 }) },
      { press: 'Enter' },
    ]);
    assert.strictEqual(prefixOf(secret), true);
    assert.strictEqual(
      prefixOf(await invoke('invoke-body-after-secret', [{ press: 'Enter' }])),
      false,
      'the secret body was kept',
    );
  });

  it('Delete Key from Cloud names the functions using the key in its first dialog; Cancel keeps it', async function () {
    if (!canDriveUi()) this.skip(); // acts through the browser
    const deleting = vscode.commands.executeCommand<boolean>(CommandId.deleteKeyFromCloud, { name: KEY });
    await closingPromptsOnFailure(
      requestUi('delete-from-cloud-used', [
        { see: 'It is used by "key-check"' },
        { see: 'That function fails when it reads' },
        { click: 'Cancel' },
      ]),
    );
    assert.strictEqual(await deleting, false);
    assert.strictEqual((await cloud('GET', `/keys/${KEY}`)).status, 200, 'the key was deleted from the cloud');
  });

  it('uses a rotated key at the next call, without a redeploy', async () => {
    await vscode.commands.executeCommand(CommandId.editKey, { name: KEY, value: VALUE_2 });
    assert.strictEqual(
      (await cloud('GET', `/keys/${KEY}`)).json.digest,
      digestOf(VALUE_2),
      'the rotation reached the vault',
    );
    const r = await vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, {
      name: 'key-check',
      payload: { prefix: 'sk_test_FnCheckTwo' },
    });
    assert.deepStrictEqual(r.result, { version: 1, digest: digestOf(VALUE_2), startsWithPrefix: true });
    assert.strictEqual((await cloud('GET', '/functions/key-check')).json.release, 1, 'it was redeployed');
  });

  it('refuses a deploy whose source holds a stored key value, naming the place; nothing is uploaded', async () => {
    const file = writeFunction('key-check', CHECK_SOURCE(`export const fallback = '${VALUE_2}';`));
    const before = await cloud('GET', '/functions/key-check');
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, vscode.Uri.file(file));
    assert.strictEqual(r.status, 'leak');
    const shown = await shownSince(start);
    assert.match(
      shown,
      new RegExp(
        `key-check was not deployed: The value of the key ${KEY} is in the code\\..*functions/key-check\\.ts:3.*Nothing was uploaded`,
      ),
    );
    assertNoValue(shown + JSON.stringify(r), 'the refusal');
    const after = await cloud('GET', '/functions/key-check');
    assert.strictEqual(after.json.release, before.json.release);
    assert.strictEqual(after.json.releases?.length, before.json.releases?.length);
    assert.strictEqual((await viewRows()).get('key-check')?.description, 'release 1 · deployed');
  });

  it('stops a deploy when a referenced key exists neither here nor in the cloud', async () => {
    created.push(
      writeFunction(
        'needs-missing',
        `export default async (_request: unknown, ctx: { secrets: { get(n: string): Promise<string> } }) => ({ ok: (await ctx.secrets.get('FN_NOWHERE_KEY')).length > 0 });\n`,
      ),
    );
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, {
      name: 'needs-missing',
      uploadMissing: true,
    });
    assert.strictEqual(r.status, 'missing-keys');
    assert.ok(r.status === 'missing-keys');
    assert.deepStrictEqual(r.missing, ['FN_NOWHERE_KEY']);
    assert.match(
      await shownSince(start),
      /needs-missing was not deployed: FN_NOWHERE_KEY exists neither in the cloud vault nor on this machine/,
    );
    assert.strictEqual((await cloud('GET', '/functions/needs-missing')).status, 404);
    const row = (await viewRows()).get('needs-missing')!;
    assert.strictEqual(row.keys.get('FN_NOWHERE_KEY')?.icon, 'warning');
    assert.match(row.keys.get('FN_NOWHERE_KEY')!.description, /missing/);
  });

  it('a failed invoke names the source line, not the bundle, and the logs map the stack to the sources', async () => {
    created.push(
      writeFunction(
        'throws-here',
        [
          'function check(amount: number): number {',
          '  if (amount < 0) {',
          '    throw new Error(`The amount must not be negative, got ${amount}.`);',
          '  }',
          '  return amount;',
          '}',
          'export default async (request: { body: { amount: number } }) => ({ amount: check(request.body.amount) });',
          '',
        ].join('\n'),
      ),
    );
    const d = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, { name: 'throws-here' });
    assert.strictEqual(d.status, 'deployed', JSON.stringify(d));
    // The editor shows three notifications at most: room for the one this test clicks.
    await vscode.commands.executeCommand('notifications.clearAll');
    const start = await messageMark();
    const r = await vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, {
      name: 'throws-here',
      payload: { amount: -3 },
    });
    assert.strictEqual(r.status, 'error');
    assert.match(
      await shownSince(start),
      /throws-here failed after \d+ ms: The amount must not be negative, got -3\. At functions\/throws-here\.ts:3\./,
    );
    const stack = r.logs.map((l) => l.message).join('\n');
    assert.match(stack, /at check \(functions\/throws-here\.ts:3:11\)/);
    assert.doesNotMatch(stack, /function-[0-9a-f]{16}\.js/);
    const logs = await vscode.commands.executeCommand<Array<{ message: string }>>(CommandId.showFunctionLogs, {
      name: 'throws-here',
    });
    const stored = logs.filter((l) => l.message.includes('The amount must not be negative'));
    assert.strictEqual(stored.length, 1, `the error is stored once: ${JSON.stringify(stored)}`);
    assert.match(stored[0]!.message, /functions\/throws-here\.ts:3:11/);
    if (canDriveUi())
      await closingPromptsOnFailure(
        requestUi('invoke-error-open', [{ notification: 'throws-here failed after', click: 'Open Location' }]),
      );
    await waitFor('throws-here.ts opened at line 3', () => {
      const e = vscode.window.activeTextEditor;
      return (
        !canDriveUi() ||
        (e?.document.uri.fsPath === path.join(functionsDir, 'throws-here.ts') && e.selection.active.line === 2)
      );
    });
  });

  it('deploys a new release, rolls back to the first, and shows the logs', async () => {
    writeFunction('key-check', CHECK_SOURCE('', 2));
    const r2 = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, { name: 'key-check' });
    assert.ok(r2.status === 'deployed' && r2.release === 2, JSON.stringify(r2));
    // Deploying the same code again makes no release, and says so.
    const start = await messageMark();
    const same = await vscode.commands.executeCommand<DeployResult>(CommandId.deployFunction, { name: 'key-check' });
    assert.ok(same.status === 'deployed' && same.release === 2 && same.unchanged, JSON.stringify(same));
    assert.match(await shownSince(start), /No changes to deploy: key-check release 2 already runs this code/);
    assert.strictEqual((await cloud('GET', '/functions/key-check')).json.releases?.length, 2);
    let answer = await vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, {
      name: 'key-check',
      payload: {},
    });
    assert.strictEqual((answer.result as { version: number }).version, 2);

    const rolled = await vscode.commands.executeCommand<RollbackResponse>(CommandId.rollbackFunction, {
      name: 'key-check',
      release: 1,
    });
    assert.deepStrictEqual(rolled, { name: 'key-check', release: 3 });
    answer = await vscode.commands.executeCommand<InvokeResponse>(CommandId.invokeFunction, {
      name: 'key-check',
      payload: {},
    });
    assert.strictEqual((answer.result as { version: number }).version, 1, 'release 3 runs the code of release 1');
    assert.strictEqual((await viewRows()).get('key-check')?.description, 'release 3 · deployed');

    const logs = await vscode.commands.executeCommand<Array<{ message: string; requestId: string }>>(
      CommandId.showFunctionLogs,
      { name: 'key-check' },
    );
    assert.ok(logs.length >= 4, `only ${logs.length} log lines`);
    assert.ok(logs.some((l) => l.message.includes(`[REDACTED:${KEY}]`)));
    assertNoValue(JSON.stringify(logs), 'the logs');
  });

  it('Deploy All asks first, listing the functions; Cancel deploys nothing', async function () {
    if (!canDriveUi()) this.skip(); // acts through the browser
    const before = await cloud('GET', '/functions/key-check');
    const deploying = vscode.commands.executeCommand<DeployResult[]>(CommandId.deployAll, { project });
    await closingPromptsOnFailure(
      requestUi('deploy-all-cancel', [
        { see: 'functions of demo?' },
        { see: 'needs-missing' },
        { see: 'throws-here' },
        { click: 'Cancel' },
      ]),
    );
    assert.deepStrictEqual(await deploying, []);
    assert.strictEqual((await cloud('GET', '/functions/key-check')).json.release, before.json.release);
  });

  it('deploys every function with Deploy All and reports the ones refused', async () => {
    fs.rmSync(path.join(functionsDir, 'hello-scaffold.ts'));
    const start = await messageMark();
    // A person confirms in a modal that lists the functions; without a browser, the argument does.
    const deploying = vscode.commands.executeCommand<DeployResult[]>(CommandId.deployAll, {
      project,
      ...(canDriveUi() ? {} : { confirmed: true }),
    });
    if (canDriveUi())
      await closingPromptsOnFailure(
        requestUi('deploy-all-confirm', [
          { see: 'functions of demo?' },
          { see: 'needs-missing' },
          { see: 'throws-here' },
          { click: 'Deploy All' },
        ]),
      );
    const results = await deploying;
    // throws-here is as deployed: no new release.
    assert.ok(
      results.some((o) => o.name === 'throws-here' && o.status === 'deployed' && o.unchanged),
      JSON.stringify(results),
    );
    const ours = results.filter((o) => o.name === 'key-check' || o.name === 'needs-missing');
    assert.deepStrictEqual(
      ours.map((o) => [o.name, o.status]),
      [
        ['key-check', 'deployed'],
        ['needs-missing', 'missing-keys'],
      ],
    );
    const deployed = results.filter((o) => o.status === 'deployed').length;
    assert.match(
      await shownSince(start),
      new RegExp(
        `Deployed ${deployed} of ${results.length} functions of demo \\(1 without changes\\)\\. Not deployed: .*needs-missing \\(missing FN_NOWHERE_KEY\\)`,
      ),
    );
    // Every function of the folder was tried, the fixture's own ones too.
    assert.ok(!results.some((o) => o.name === 'hello-scaffold'), 'a deleted file was deployed');
  });

  it('lists a deployed function without a local source, and its item commands work on the node', async () => {
    const file = path.join(functionsDir, 'key-check.ts');
    const aside = path.join(functionsDir, '_key-check.ts.txt');
    created.push(aside);
    fs.renameSync(file, aside);
    try {
      const row = (await viewRows()).get('key-check');
      assert.match(row?.description ?? '', /^release \d+ · deployed · no local source$/);
      assert.strictEqual(row?.contextValue, 'function:cloudOnly:deployed');
      assert.deepStrictEqual([...row!.keys.keys()], [KEY], 'the keys of the deployed release');
      const { functionsView } = await api();
      const node = (await functionsView.getChildren()).find((n) => n.type === 'function' && n.name === 'key-check');
      const logs = await vscode.commands.executeCommand<unknown[]>(CommandId.showFunctionLogs, node);
      assert.ok(Array.isArray(logs) && logs.length > 0, 'Show Logs from the view item');
    } finally {
      fs.renameSync(aside, file);
    }
  });

  it('deletes a deployed function from the cloud and keeps its source', async () => {
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteFunction, { name: 'key-check', confirmed: true }),
      true,
    );
    assert.strictEqual((await cloud('GET', '/functions/key-check')).status, 404);
    assert.ok(fs.existsSync(path.join(functionsDir, 'key-check.ts')));
    const row = (await viewRows()).get('key-check');
    assert.strictEqual(row?.description, 'not deployed');
    assert.strictEqual(row?.contextValue, 'function:local:notDeployed');
  });
});
