// The API Keys view in a real editor: commands driven with arguments (as keybindings and
// tasks do), results read from the tree the person sees and the notifications they get.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId } from '../../src/constants';
import type { KeyNode, KeysNode } from '../../src/keys/keysView';
import { EXTENSION_UNDER_TEST, TestEnv, canDriveUi, requestScreenshot, requestUi } from '../host/hostContract';
import { extensionApi as api, closingPromptsOnFailure, lastMessage } from './support';

const STRIPE = 'sk_test_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2'; // a made-up test-mode key
const STRIPE_ROTATED = 'sk_test_' + '51Hx9QvLkZpTtWc3RmYbNd7Zz9';

/** The rows of the API Keys view, as label and description. */
async function rows(): Promise<{ label: string; description: string; tooltip: string; node: KeyNode }[]> {
  const { keysView } = await api();
  const out: { label: string; description: string; tooltip: string; node: KeyNode }[] = [];
  const walk = async (nodes: KeysNode[]) => {
    for (const n of nodes) {
      if (n.type === 'project') await walk(await keysView.getChildren(n));
      else if (n.type === 'key') {
        const item = await keysView.resolveTreeItem(keysView.getTreeItem(n), n);
        const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
        out.push({ label: String(item.label), description: String(item.description ?? ''), tooltip, node: n });
      }
    }
  };
  await walk(await keysView.getChildren());
  return out;
}

async function clearAll(): Promise<void> {
  for (const r of await rows()) {
    if (r.node.meta) await vscode.commands.executeCommand(CommandId.deleteKey, { name: r.label, confirmed: true });
  }
}

describe('API Keys view', () => {
  before(clearAll);

  it('is empty at first, so the welcome view with Add Key and Import shows', async () => {
    assert.deepStrictEqual(await rows(), []);
    const pkg = vscode.extensions.getExtension(EXTENSION_UNDER_TEST)!.packageJSON as {
      contributes: { viewsWelcome: { view: string; contents: string }[] };
    };
    const welcome = pkg.contributes.viewsWelcome.find((w) => w.view === 'cloudxlr.keys')!;
    assert.match(welcome.contents, /command:cloudxlr\.addKey/);
    assert.match(welcome.contents, /command:cloudxlr\.importEnv/);
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await requestScreenshot('keys-empty');
  });

  it('adds a key: the row shows name and provider, never the value', async () => {
    const result = await vscode.commands.executeCommand(CommandId.addKey, { name: 'STRIPE_SECRET_KEY', value: STRIPE });
    assert.deepStrictEqual(result, { name: 'STRIPE_SECRET_KEY' });
    const [row, ...more] = await rows();
    assert.strictEqual(more.length, 0);
    assert.strictEqual(row!.label, 'STRIPE_SECRET_KEY');
    assert.match(row!.description, /^Stripe/);
    assert.match(row!.tooltip, /Stripe/);
    assert.match(row!.tooltip, /…Nd7Ae2|…7Ae2/);
    for (const text of [row!.label, row!.description, row!.tooltip])
      assert.ok(!text.includes(STRIPE), 'the value is shown in the view');
  });

  it('refuses a bad name with a clear message and stores nothing', async () => {
    const before = (await rows()).length;
    const result = await vscode.commands.executeCommand(CommandId.addKey, { name: 'stripe key', value: 'x' });
    assert.strictEqual(result, undefined);
    assert.match(await lastMessage(), /upper snake case/);
    const reserved = await vscode.commands.executeCommand(CommandId.addKey, { name: 'CLOUDXLR_TOKEN', value: 'x' });
    assert.strictEqual(reserved, undefined);
    assert.match(await lastMessage(), /reserved/);
    assert.strictEqual((await rows()).length, before);
  });

  it('warns, but stores, a publishable key under a secret key name', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, {
      name: 'STRIPE_RESTRICTED_KEY',
      value: 'pk_test_' + 'a1B2c3D4e5F6g7H8i9J0k1L2',
    });
    assert.match(await lastMessage(), /publishable Stripe key/);
    assert.ok((await rows()).some((r) => r.label === 'STRIPE_RESTRICTED_KEY'));
    await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'STRIPE_RESTRICTED_KEY', confirmed: true });
  });

  it('rotates a value: Copy Value then yields the new one', async () => {
    await vscode.commands.executeCommand(CommandId.editKey, { name: 'STRIPE_SECRET_KEY', value: STRIPE_ROTATED });
    const row = (await rows()).find((r) => r.label === 'STRIPE_SECRET_KEY')!;
    assert.match(row.tooltip, /…7Zz9/);
    const copied = await vscode.commands.executeCommand(CommandId.copyValue, { name: 'STRIPE_SECRET_KEY' });
    assert.strictEqual(copied, true);
    assert.match(await lastMessage(), /clipboard will be cleared in \d+ s/);
    assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE_ROTATED);
  });

  it('clears the clipboard after the configured time if it still holds the value', async () => {
    const config = vscode.workspace.getConfiguration('cloudxlr.clipboard');
    await config.update('clearAfterSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand(CommandId.copyValue, { name: 'STRIPE_SECRET_KEY' });
      assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE_ROTATED);
      await new Promise((r) => setTimeout(r, 1600));
      assert.strictEqual(await vscode.env.clipboard.readText(), '');
    } finally {
      await config.update('clearAfterSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('renames a key, refusing a taken or invalid name', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, {
      name: 'OPENAI_API_KEY',
      value: 'sk-proj-' + 'Q'.repeat(48),
    });
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.renameKey, {
        name: 'STRIPE_SECRET_KEY',
        newName: 'OPENAI_API_KEY',
      }),
      undefined,
    );
    assert.match(await lastMessage(), /already exists/);
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.renameKey, { name: 'STRIPE_SECRET_KEY', newName: 'bad/name' }),
      undefined,
    );
    await vscode.commands.executeCommand(CommandId.renameKey, {
      name: 'STRIPE_SECRET_KEY',
      newName: 'STRIPE_LIVE_KEY',
    });
    const labels = (await rows()).map((r) => r.label);
    assert.deepStrictEqual(labels, ['OPENAI_API_KEY', 'STRIPE_LIVE_KEY']);
    await vscode.commands.executeCommand(CommandId.copyValue, { name: 'STRIPE_LIVE_KEY' });
    assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE_ROTATED);
  });

  it('filters the view by name or provider', async () => {
    await vscode.commands.executeCommand(CommandId.filterKeys, { text: 'openai' });
    assert.deepStrictEqual(
      (await rows()).map((r) => r.label),
      ['OPENAI_API_KEY'],
    );
    await vscode.commands.executeCommand(CommandId.filterKeys, { text: 'stripe' });
    assert.deepStrictEqual(
      (await rows()).map((r) => r.label),
      ['STRIPE_LIVE_KEY'],
    );
    await vscode.commands.executeCommand(CommandId.clearFilter);
    assert.strictEqual((await rows()).length, 2);
  });

  it('deletes a key', async () => {
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'OPENAI_API_KEY', confirmed: true }),
      true,
    );
    assert.deepStrictEqual(
      (await rows()).map((r) => r.label),
      ['STRIPE_LIVE_KEY'],
    );
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'NO_SUCH_KEY', confirmed: true }),
      false,
    );
    assert.match(await lastMessage(), /no key named NO_SUCH_KEY/);
  });

  it('adds a key through its prompts, as a person types it: a bad name is refused in the box', async function () {
    if (!canDriveUi()) this.skip(); // test-electron has no browser to type into
    const value = 're_' + 'Pr0mpt7yPedK3yVa1ueXq9Zw';
    const added = vscode.commands.executeCommand<{ name: string } | undefined>(CommandId.addKey);
    const drove = await closingPromptsOnFailure(
      requestUi('add-key-prompts', [
        { see: 'Name of the key' },
        { type: 'resend key' },
        { see: 'must be upper snake case' },
        { press: 'Enter' }, // refused while the name is invalid: the box stays
        { see: 'must be upper snake case' },
        { press: 'Control+A' },
        { type: 'PROMPTED_RESEND_KEY' },
        { press: 'Enter' },
        { see: 'Paste the value of PROMPTED_RESEND_KEY' },
        { type: value },
        { press: 'Enter' },
      ]),
    );
    assert.ok(drove);
    assert.deepStrictEqual(await added, { name: 'PROMPTED_RESEND_KEY' });
    const row = (await rows()).find((r) => r.label === 'PROMPTED_RESEND_KEY');
    assert.ok(row, 'the key is not in the view');
    assert.match(row.description, /^Resend/);
    await vscode.commands.executeCommand(CommandId.copyValue, { name: 'PROMPTED_RESEND_KEY' });
    assert.strictEqual(await vscode.env.clipboard.readText(), value, 'the stored value is not what was typed');
    await vscode.env.clipboard.writeText('');
  });

  it('asks before deleting, in a modal dialog: Cancel keeps the key, Delete removes it', async function () {
    if (!canDriveUi()) this.skip(); // test-electron has no browser to click in
    await vscode.commands.executeCommand(CommandId.addKey, {
      name: 'PROMPTED_RESEND_KEY',
      value: 're_' + 'Ab3dEf6hIj9kLm2nOp5qRs8t',
      overwrite: true,
    });
    const cancelled = vscode.commands.executeCommand<boolean>(CommandId.deleteKey, { name: 'PROMPTED_RESEND_KEY' });
    assert.ok(
      await closingPromptsOnFailure(
        requestUi('delete-cancel', [{ see: 'Delete PROMPTED_RESEND_KEY from this machine?' }, { click: 'Cancel' }]),
      ),
    );
    assert.strictEqual(await cancelled, false);
    assert.ok(
      (await rows()).some((r) => r.label === 'PROMPTED_RESEND_KEY'),
      'Cancel deleted the key',
    );
    const deleted = vscode.commands.executeCommand<boolean>(CommandId.deleteKey, { name: 'PROMPTED_RESEND_KEY' });
    await closingPromptsOnFailure(
      requestUi('delete-confirm', [{ see: 'Delete PROMPTED_RESEND_KEY from this machine?' }, { click: 'Delete' }]),
    );
    assert.strictEqual(await deleted, true);
    assert.ok(!(await rows()).some((r) => r.label === 'PROMPTED_RESEND_KEY'), 'the key is still listed');
  });

  it('imports from .env, empties the values in the file and git-ignores it', async () => {
    const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const envPath = path.join(workspace, '.env.import-test');
    const resend = 're_' + 'Ab3dEf6hIj9kLm2nOp5qRs8t';
    fs.writeFileSync(
      envPath,
      `# app keys\nRESEND_API_KEY=${resend}\nexport GITHUB_TOKEN="ghp_${'x1Y2'.repeat(9)}"\nlower_case=skipme\nEMPTY=\nPORT=3000\n`,
    );
    try {
      const result = await vscode.commands.executeCommand<{ imported: string[]; skipped: string[] }>(
        CommandId.importEnv,
        {
          path: envPath,
          names: ['RESEND_API_KEY', 'GITHUB_TOKEN', 'lower_case'],
          removeValues: true,
          addToGitignore: true,
        },
      );
      assert.deepStrictEqual(result.imported.sort(), ['GITHUB_TOKEN', 'LOWER_CASE', 'RESEND_API_KEY']);
      const labels = (await rows()).map((r) => r.label);
      for (const n of ['RESEND_API_KEY', 'GITHUB_TOKEN']) assert.ok(labels.includes(n), `${n} not in the view`);
      const resendRow = (await rows()).find((r) => r.label === 'RESEND_API_KEY')!;
      assert.match(resendRow.description, /^Resend/);
      const after = fs.readFileSync(envPath, 'utf8');
      assert.strictEqual(after, '# app keys\nRESEND_API_KEY=\nexport GITHUB_TOKEN=\nlower_case=\nEMPTY=\nPORT=3000\n');
      assert.match(await lastMessage(), /Imported 3 keys from \.env\.import-test/);
      const gitignore = path.join(workspace, '.gitignore');
      if (fs.existsSync(path.join(workspace, '.git')))
        assert.match(fs.readFileSync(gitignore, 'utf8'), /^\.env\.import-test$/m);
    } finally {
      fs.rmSync(envPath, { force: true });
      for (const n of ['RESEND_API_KEY', 'GITHUB_TOKEN', 'LOWER_CASE'])
        await vscode.commands.executeCommand(CommandId.deleteKey, { name: n, confirmed: true });
    }
  });

  it('refuses a binary or huge file as .env with a clear message', async () => {
    const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const bin = path.join(workspace, 'binary.env');
    fs.writeFileSync(bin, Buffer.from([0x41, 0x3d, 0x00, 0xff, 0x10]));
    const huge = path.join(workspace, 'huge.env');
    fs.writeFileSync(huge, 'A=' + 'x'.repeat(2 * 1024 * 1024));
    try {
      assert.strictEqual(
        await vscode.commands.executeCommand(CommandId.importEnv, {
          path: bin,
          removeValues: false,
          addToGitignore: false,
        }),
        undefined,
      );
      assert.match(await lastMessage(), /binary file/);
      assert.strictEqual(
        await vscode.commands.executeCommand(CommandId.importEnv, {
          path: huge,
          removeValues: false,
          addToGitignore: false,
        }),
        undefined,
      );
      assert.match(await lastMessage(), /at most 1 MiB/);
    } finally {
      fs.rmSync(bin, { force: true });
      fs.rmSync(huge, { force: true });
    }
  });

  it('shows the view with its keys', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    const shot = await requestScreenshot('keys-view');
    if (process.env[TestEnv.host] === 'code-server') assert.ok(shot && fs.existsSync(shot));
  });
});
