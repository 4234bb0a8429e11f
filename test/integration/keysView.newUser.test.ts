// The API Keys view as a new user meets it, driven through the browser with mouse and
// keyboard: title-bar buttons, keyboard on rows, prompts that warn before saving, the
// welcome view, the palette, the linter's hover, the cloudxlr.json schema and the settings.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import type { KeyNode, KeysNode } from '../../src/keys/keysView';
import type { MoveResult } from '../../src/lint/vscode';
import { TestEnv, canDriveUi, requestScreenshot, requestUi } from '../host/hostContract';
import {
  extensionApi as api,
  closingPromptsOnFailure,
  lastMessage,
  lintDiagnostics,
  messageMark,
  messagesSince,
  waitFor,
  workspaceRoot,
} from './support';

const endpoint = process.env[TestEnv.endpoint] ?? '';
const token = process.env[TestEnv.token] ?? '';
const project = process.env[TestEnv.project] ?? 'demo';

const STRIPE_A = 'sk_test_' + '51NuAa9QvLkZpTtWc3RmYbNd7Ae2';
const STRIPE_B = 'sk_test_' + '51NuBb9QvLkZpTtWc3RmYbNd7Bf3';

/** The view's rows as VS Code gets them: tree item id, label and description. */
async function treeRows(): Promise<{ id: string; label: string; description: string; node: KeyNode }[]> {
  const { keysView } = await api();
  const out: { id: string; label: string; description: string; node: KeyNode }[] = [];
  const walk = async (nodes: KeysNode[]) => {
    for (const n of nodes) {
      if (n.type === 'project') await walk(await keysView.getChildren(n));
      else if (n.type === 'key') {
        const item = keysView.getTreeItem(n);
        out.push({
          id: item.id ?? '',
          label: String(item.label),
          description: String(item.description ?? ''),
          node: n,
        });
      }
    }
  };
  await walk(await keysView.getChildren());
  return out;
}

async function deleteLocal(...names: string[]): Promise<void> {
  const { keysView } = await api();
  const filter = keysView.filter;
  keysView.setFilter('');
  const local = new Set((await treeRows()).filter((r) => r.node.meta).map((r) => r.label));
  for (const name of names)
    if (local.has(name)) await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
  keysView.setFilter(filter);
}

async function showKeysView(): Promise<void> {
  await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
  await vscode.commands.executeCommand('cloudxlr.keys.focus');
}

describe('API Keys as a new user meets them', function () {
  before(async function () {
    if (!canDriveUi()) this.skip(); // these tests act through the browser
    for (const r of await treeRows())
      if (r.node.meta) await vscode.commands.executeCommand(CommandId.deleteKey, { name: r.label, confirmed: true });
  });
  afterEach(async () => {
    await vscode.commands.executeCommand(CommandId.clearFilter);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('welcome view: no "create cloudxlr.json" when it exists; the header shows the project and sign-in state', async () => {
    assert.deepStrictEqual(await treeRows(), []);
    await showKeysView();
    await closingPromptsOnFailure(
      requestUi('welcome-state', [
        { see: 'No API keys yet', in: 'sidebar' },
        { see: 'Not signed in to the cloud', in: 'sidebar' },
        { see: `${project} · not signed in`, in: 'sidebar' },
        { absent: "Name this workspace's CloudXLR project", in: 'sidebar' },
      ]),
    );
    await requestScreenshot('newuser-welcome');
  });

  it('an empty filter result says no key matches and offers Clear Filter', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'FILTER_ME_KEY', value: STRIPE_A });
    try {
      await showKeysView();
      await vscode.commands.executeCommand(CommandId.filterKeys, { text: 'zzz' });
      assert.deepStrictEqual(await treeRows(), []);
      await closingPromptsOnFailure(
        requestUi('filter-empty', [
          { see: 'No key matches “zzz”', in: 'sidebar' },
          { absent: 'No API keys yet', in: 'sidebar' },
        ]),
      );
      await requestScreenshot('newuser-filter-empty');
      await requestUi('filter-clear', [{ clickRow: 'No key matches “zzz”' }, { see: 'FILTER_ME_KEY', in: 'sidebar' }]);
      assert.strictEqual((await api()).keysView.filter, '');
    } finally {
      await deleteLocal('FILTER_ME_KEY');
    }
  });

  it('the title-bar "+" asks for a new name even with a key selected', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'SELECTED_KEY', value: STRIPE_A });
    try {
      await showKeysView();
      await closingPromptsOnFailure(requestUi('title-plus-select', [{ clickRow: 'SELECTED_KEY' }]));
      // As a person sees the row selected before moving to the button: the editor has told the extension.
      const { keysView } = await api();
      await waitFor('the row selected', () => keysView.selectedKeys().some((k) => k.name === 'SELECTED_KEY'));
      await closingPromptsOnFailure(
        requestUi('title-plus', [
          { clickAction: 'Add Key' },
          { see: 'Name of the key' },
          { absent: 'Value of SELECTED_KEY' },
          { press: 'Escape' },
        ]),
      );
    } finally {
      await deleteLocal('SELECTED_KEY');
    }
  });

  it('warns in the value box, before saving, about a publishable key under a secret name', async () => {
    const adding = vscode.commands.executeCommand<{ name: string } | undefined>(CommandId.addKey, {
      name: 'STRIPE_SECRET_KEY',
    });
    await closingPromptsOnFailure(
      requestUi('value-warning', [
        { see: 'Paste the value of STRIPE_SECRET_KEY' },
        { type: 'pk_test_' + 'a1B2c3D4e5F6g7H8i9J0k1L2' },
        { see: 'looks like a publishable Stripe key' },
        { press: 'Control+A' },
        { type: '   ' },
        { see: 'only white space' },
        { press: 'Escape' },
      ]),
    );
    assert.strictEqual(await adding, undefined);
    assert.ok(!(await treeRows()).some((r) => r.label === 'STRIPE_SECRET_KEY'), 'a key was stored');
  });

  it('keyboard on rows: F2 renames, Enter edits, Ctrl+C copies the name, Delete removes the selected keys', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'KB_ONE_KEY', value: STRIPE_A });
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'KB_TWO_KEY', value: STRIPE_B });
    try {
      await showKeysView();
      // A person looks at the row they clicked before pressing a key: wait until the click reached the extension.
      const selected = async (...names: string[]) => {
        const { keysView } = await api();
        await waitFor(
          `${names.join(', ')} selected`,
          () =>
            keysView
              .selectedKeys()
              .map((k) => k.name)
              .sort()
              .join() === names.sort().join(),
        );
      };
      await closingPromptsOnFailure(requestUi('keyboard-click-one', [{ clickRow: 'KB_ONE_KEY' }]));
      await selected('KB_ONE_KEY');
      await closingPromptsOnFailure(
        requestUi('keyboard-f2', [{ press: 'F2' }, { see: 'Rename KB_ONE_KEY' }, { press: 'Escape' }]),
      );
      await closingPromptsOnFailure(
        requestUi('keyboard-enter', [
          { clickRow: 'KB_ONE_KEY' },
          { press: 'Enter' },
          { see: 'New value of KB_ONE_KEY' },
          { press: 'Escape' },
        ]),
      );
      await vscode.env.clipboard.writeText('');
      await closingPromptsOnFailure(requestUi('keyboard-click-two', [{ clickRow: 'KB_TWO_KEY' }]));
      await selected('KB_TWO_KEY');
      await closingPromptsOnFailure(requestUi('keyboard-copy-name', [{ press: 'Control+C' }]));
      await waitFor('the name on the clipboard', async () => (await vscode.env.clipboard.readText()) === 'KB_TWO_KEY');
      await closingPromptsOnFailure(
        requestUi('keyboard-select-two', [{ clickRow: 'KB_ONE_KEY', modifiers: ['Control'] }]),
      );
      await selected('KB_ONE_KEY', 'KB_TWO_KEY');
      await closingPromptsOnFailure(
        requestUi('keyboard-delete-two', [
          { press: 'Delete' },
          { see: 'Delete 2 keys from this machine: KB_ONE_KEY, KB_TWO_KEY?' },
          { click: 'Delete' },
        ]),
      );
      await waitFor('both keys gone', async () => !(await treeRows()).some((r) => r.label.startsWith('KB_')));
    } finally {
      await deleteLocal('KB_ONE_KEY', 'KB_TWO_KEY');
    }
  });

  it('Import from .env selects the secrets only, not URLs, hosts or flags', async () => {
    const envPath = path.join(workspaceRoot(), '.env.newuser');
    fs.writeFileSync(
      envPath,
      `VITE_API_URL=https://api.example.com\nSTRIPE_SECRET_KEY=${STRIPE_A}\nDEBUG=true\nREDIS_HOST=cache.internal.example.com\n`,
    );
    try {
      const importing = vscode.commands.executeCommand<{ imported: string[] } | undefined>(CommandId.importEnv, {
        path: envPath,
        removeValues: false,
        addToGitignore: false,
      });
      await closingPromptsOnFailure(
        requestUi('import-preselect', [
          { see: 'Import from .env.newuser' },
          { see: 'a URL, not a secret?' },
          { press: 'Enter' },
        ]),
      );
      const result = await importing;
      assert.deepStrictEqual(result?.imported, ['STRIPE_SECRET_KEY']);
    } finally {
      fs.rmSync(envPath, { force: true });
      await deleteLocal('STRIPE_SECRET_KEY', 'VITE_API_URL', 'DEBUG', 'REDIS_HOST');
    }
  });

  it('Copy Value without clipboard-read permission says the clipboard cannot be cleared and offers to clear it now', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'COPY_ME_KEY', value: STRIPE_A });
    try {
      await requestUi('clipboard-read-off', [{ clipboardRead: false }]);
      const mark = await messageMark();
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.copyValue, { name: 'COPY_ME_KEY' }), true);
      const said = (await messagesSince(mark)).join('\n');
      assert.match(said, /does not let the editor read the clipboard, so it cannot clear it/);
      assert.doesNotMatch(said, /will be cleared in/);
      await closingPromptsOnFailure(
        requestUi('clipboard-clear-now', [
          { see: 'cannot clear it', in: 'notifications' },
          { click: 'Clear Clipboard Now', in: 'notifications' },
        ]),
      );
    } finally {
      await requestUi('clipboard-read-on', [{ clipboardRead: true }]);
      await deleteLocal('COPY_ME_KEY');
    }
    await waitFor('the clipboard cleared', async () => (await vscode.env.clipboard.readText()) === '');
  });

  it('the palette: "Deploy Function" and "Show Log" run what they say', async () => {
    await closingPromptsOnFailure(
      requestUi('palette-titles', [
        { press: 'F1' },
        { type: 'CloudXLR: Deploy Function' },
        { see: 'CloudXLR: Deploy Function' },
        { focusedPick: 'CloudXLR: Deploy Function' },
        { press: 'Control+A' },
        { type: '>CloudXLR: Show Log' },
        { focusedPick: 'CloudXLR: Show Log' },
        { press: 'Escape' },
      ]),
    );
  });

  it("the linter's hover is short: VS Code's Quick Fix row stays in view, the details are behind the rule link", async () => {
    const file = path.join(workspaceRoot(), 'src', 'newuser-hover.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `const key = "${STRIPE_B}";\n`);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const editor = await vscode.window.showTextDocument(doc);
      const d = await waitFor('a diagnostic', () => lintDiagnostics(doc.uri)[0]);
      editor.selection = new vscode.Selection(d.range.start.translate(0, 4), d.range.start.translate(0, 4));
      await new Promise((r) => setTimeout(r, 300)); // the markers reach the editor a moment later
      await vscode.commands.executeCommand('editor.action.showHover');
      await closingPromptsOnFailure(
        requestUi('hover-short', [
          { see: 'CloudXLR: Stripe secret key', in: 'hover' },
          { see: 'Why it matters and how to fix it', in: 'hover' },
          { see: 'Quick Fix', in: 'hover' },
        ]),
      );
      await requestScreenshot('newuser-hover');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        editor.selection.active,
      );
      const ours =
        hovers
          .flatMap((h) => h.contents)
          .map((c) => (typeof c === 'string' ? c : c.value))
          .find((t) => t.includes('CloudXLR: Stripe secret key')) ?? '';
      const lines = ours.split('\n').filter((l) => l.trim() !== '');
      assert.ok(lines.length <= 4, `the hover has ${lines.length} lines:\n${ours}`);
      assert.match(ours, /docs\/rules\.md#stripe-secret-key/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });

  it('cloudxlr.json has a schema: completion, hover and errors as you type', async () => {
    // A cloudxlr.json outside the workspace: the schema applies to the file name, and the
    // workspace's own project stays as it is.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-schema-'));
    const file = path.join(dir, 'cloudxlr.json');
    fs.writeFileSync(file, '{\n  "project": "Not Valid",\n  "fronted": [],\n  \n}\n');
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const problems = await waitFor(
        'schema errors on cloudxlr.json',
        () => {
          const ds = vscode.languages.getDiagnostics(doc.uri).map((x) => x.message);
          return ds.some((m) => /lower case/.test(m)) && ds.some((m) => /fronted/.test(m)) ? ds : undefined;
        },
        30_000,
      );
      assert.ok(
        problems.some((m) => /Property fronted is not allowed/.test(m)),
        problems.join('\n'),
      );
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(3, 2),
      );
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      assert.ok(labels.includes('functionsDir') && labels.includes('frontend'), `completions: ${labels.join(', ')}`);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        new vscode.Position(1, 5),
      );
      const text = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n');
      assert.match(text, /CloudXLR project this folder's keys and functions belong to/);
      await requestScreenshot('newuser-schema');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every setting shows under User in the browser editor', async () => {
    await vscode.commands.executeCommand('workbench.action.openSettings2', { query: '@ext:cloudxlr.cloudxlr-keys' });
    try {
      await closingPromptsOnFailure(
        requestUi('settings-user', [
          { see: 'Endpoint', in: 'editor' },
          { see: 'Data Directory', in: 'editor' },
          { see: 'Node Path', in: 'editor' },
          { see: 'Clear After Seconds', in: 'editor' },
        ]),
      );
      await requestScreenshot('newuser-settings');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('Move to API Keys proposes a free name, refuses a taken one in the box, and says what happened', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'STRIPE_SECRET_KEY', value: STRIPE_A });
    const file = path.join(workspaceRoot(), 'src', 'newuser-move.js');
    fs.writeFileSync(file, `const stripe = Stripe("${STRIPE_B}");\n`);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const d = await waitFor('a diagnostic', () => lintDiagnostics(doc.uri).find((x) => x.range.start.line === 0));
      const actions = await waitFor('the Move to API Keys fix', async () => {
        const all =
          (await vscode.commands.executeCommand<vscode.CodeAction[]>(
            'vscode.executeCodeActionProvider',
            doc.uri,
            d.range,
          )) ?? [];
        return all.some((a) => a.title.startsWith('Move to API Keys')) ? all : undefined;
      });
      const move = actions.find((a) => a.isPreferred)!;
      assert.strictEqual(move.title, 'Move to API Keys as STRIPE_SECRET_KEY_2');
      const moving = vscode.commands.executeCommand<MoveResult | undefined>(move.command!.command, {
        ...(move.command!.arguments![0] as object),
        scaffold: false,
      });
      await closingPromptsOnFailure(
        requestUi('move-free-name', [
          { see: 'Name of the key, as your functions will ask for it' },
          { press: 'Control+A' },
          { type: 'STRIPE_SECRET_KEY' },
          { see: 'STRIPE_SECRET_KEY already holds another value' },
          { press: 'Enter' }, // refused: the box stays
          { see: 'STRIPE_SECRET_KEY already holds another value' },
          { press: 'Control+A' },
          { type: 'STRIPE_CHECKOUT_KEY' },
          { press: 'Enter' },
        ]),
      );
      const result = await moving;
      assert.strictEqual(result?.name, 'STRIPE_CHECKOUT_KEY');
      assert.match(
        await lastMessage(),
        /STRIPE_CHECKOUT_KEY is now in API Keys; src\/newuser-move\.js no longer holds the value/,
      );
      await vscode.commands.executeCommand(CommandId.copyValue, { name: 'STRIPE_SECRET_KEY' });
      assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE_A, 'the existing key was replaced');
      await vscode.env.clipboard.writeText('');
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
      await deleteLocal('STRIPE_SECRET_KEY', 'STRIPE_CHECKOUT_KEY');
    }
  });

  describe('with the cloud', function () {
    before(async function () {
      if (!endpoint || !token) this.skip();
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, endpoint, vscode.ConfigurationTarget.Global);
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.signIn, { project, token }), true);
    });
    after(async () => {
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, {
        name: 'CLOUD_TWIN_KEY',
        confirmed: true,
        force: true,
      });
      await deleteLocal('CLOUD_TWIN_KEY', 'SYNCED_FIRST_KEY');
      await vscode.commands.executeCommand(CommandId.deleteKeyFromCloud, {
        name: 'SYNCED_FIRST_KEY',
        confirmed: true,
        force: true,
      });
      await vscode.commands.executeCommand(CommandId.signOut, { project });
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
    });

    it('shows the sync state first, the provider in the icon and tooltip', async () => {
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'SYNCED_FIRST_KEY', value: STRIPE_A });
      await vscode.commands.executeCommand(CommandId.pushKey, { name: 'SYNCED_FIRST_KEY' });
      const row = await waitFor('the synced row', async () =>
        (await treeRows()).find((r) => r.label === 'SYNCED_FIRST_KEY' && /synced/.test(r.description)),
      );
      assert.match(row.description, /^synced v1/);
      await showKeysView();
      await closingPromptsOnFailure(
        requestUi('synced-first', [
          { see: 'synced v1', in: 'sidebar' },
          { see: `${project} · signed in`, in: 'sidebar' },
        ]),
      );
      await requestScreenshot('newuser-synced-first');
    });

    it('one row per name: adding a key under the name of a cloud-only key does not list it twice', async () => {
      // In the cloud only: pushed from here, then deleted here.
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'CLOUD_TWIN_KEY', value: STRIPE_A });
      await vscode.commands.executeCommand(CommandId.pushKey, { name: 'CLOUD_TWIN_KEY' });
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'CLOUD_TWIN_KEY', confirmed: true });
      await (await api()).cloud.refresh();
      assert.deepStrictEqual(
        (await treeRows()).filter((r) => r.label === 'CLOUD_TWIN_KEY').map((r) => (r.node.meta ? 'local' : 'cloud')),
        ['cloud'],
      );
      await showKeysView();
      const mark = await messageMark();
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'CLOUD_TWIN_KEY', value: STRIPE_B });
      // Right away, before the cloud is asked again: the tree must not hold the name twice.
      const ids = (await treeRows()).map((r) => r.id);
      assert.deepStrictEqual(
        ids.filter((id) => id.endsWith('/CLOUD_TWIN_KEY')),
        [`key:${project}/CLOUD_TWIN_KEY`],
      );
      assert.strictEqual(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(', ')}`);
      await closingPromptsOnFailure(
        requestUi('no-duplicate-id', [
          { see: 'CLOUD_TWIN_KEY', in: 'sidebar' },
          { absent: 'is already registered', in: 'notifications' },
        ]),
      );
      assert.ok(!(await messagesSince(mark)).some((m) => /already/.test(m)));
    });
  });
});
