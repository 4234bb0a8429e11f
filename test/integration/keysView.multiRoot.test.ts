// The API Keys view in a multi-root workspace (test/fixtures/multi-root): two folders, each
// with a cloudxlr.json naming its own project, "shop" and "admin". Commands name the project
// they act on; without one they would ask, which these tests leave to a person.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { CommandId } from '../../src/constants';
import type { KeysNode } from '../../src/keys/keysView';
import { requestScreenshot } from '../host/hostContract';
import { extensionApi as api, lastMessage } from './support';

const SHOP_STRIPE = 'sk_test_' + '51Mr4TkQz8VbWc2YpLd6Ns3Hf9';
const ADMIN_OPENAI = 'sk-proj-' + 'Ad7Mn2Qx9Kw4Lp8Rt3Zv6Yb1Hc5Jf0GsEe2Wq8Ur5Ti1Oy';
const ADMIN_RESEND = 're_' + 'Xk4mPq7Rs2Tv9Wy3Zb6Cd8Ef';

interface Group {
  label: string;
  description: string;
  keys: { label: string; description: string }[];
}

/** The view as a person sees it: the top-level rows, and the key rows under each project row. */
async function view(): Promise<{ top: KeysNode[]; groups: Group[] }> {
  const { keysView } = await api();
  const top = await keysView.getChildren();
  const groups: Group[] = [];
  for (const n of top) {
    if (n.type !== 'project') continue;
    const item = keysView.getTreeItem(n);
    const keys = [];
    for (const k of await keysView.getChildren(n)) {
      const keyItem = keysView.getTreeItem(k);
      keys.push({ label: String(keyItem.label), description: String(keyItem.description ?? '') });
    }
    groups.push({ label: String(item.label), description: String(item.description ?? ''), keys });
  }
  return { top, groups };
}

/** Each project row's label with the names of its keys. */
async function keyNamesByProject(): Promise<[string, string[]][]> {
  return (await view()).groups.map((g) => [g.label, g.keys.map((k) => k.label)]);
}

describe('API Keys view in a multi-root workspace', () => {
  after(async () => {
    for (const [project, name] of [
      ['shop', 'STRIPE_SECRET_KEY'],
      ['admin', 'OPENAI_API_KEY'],
      ['admin', 'RESEND_API_KEY'],
    ] as const) {
      await vscode.commands.executeCommand(CommandId.deleteKey, { project, name, confirmed: true });
    }
    await vscode.env.clipboard.writeText('');
  });

  it('opens both folders of the .code-workspace, each with its own project', async () => {
    assert.deepStrictEqual(
      vscode.workspace.workspaceFolders?.map((f) => f.name),
      ['shop-web', 'admin-panel'],
    );
    assert.match(vscode.workspace.workspaceFile?.fsPath ?? '', /multi-root\.code-workspace$/);
    const { top } = await view();
    assert.deepStrictEqual(top, [], 'no keys yet: the view is empty so its welcome content shows');
  });

  it('shows one group per project, each with its own keys', async () => {
    assert.deepStrictEqual(
      await vscode.commands.executeCommand(CommandId.addKey, {
        project: 'shop',
        name: 'STRIPE_SECRET_KEY',
        value: SHOP_STRIPE,
      }),
      { name: 'STRIPE_SECRET_KEY' },
    );
    assert.deepStrictEqual(
      await vscode.commands.executeCommand(CommandId.addKey, {
        project: 'admin',
        name: 'OPENAI_API_KEY',
        value: ADMIN_OPENAI,
      }),
      { name: 'OPENAI_API_KEY' },
    );
    const { top, groups } = await view();
    assert.deepStrictEqual(
      top.map((n) => n.type),
      ['project', 'project'],
    );
    assert.deepStrictEqual(
      groups.map((g) => [g.label, g.description, g.keys.map((k) => k.label)]),
      [
        ['shop', 'shop-web', ['STRIPE_SECRET_KEY']],
        ['admin', 'admin-panel', ['OPENAI_API_KEY']],
      ],
    );
    assert.match(groups[0]!.keys[0]!.description, /^Stripe/);
    assert.match(groups[1]!.keys[0]!.description, /^OpenAI/);
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    const png = await requestScreenshot('keys-multi-root');
    assert.ok(!png || png.endsWith('keys-multi-root.png'));
  });

  it('adds a key with {project: "admin"} under admin only', async () => {
    assert.deepStrictEqual(
      await vscode.commands.executeCommand(CommandId.addKey, {
        project: 'admin',
        name: 'RESEND_API_KEY',
        value: ADMIN_RESEND,
      }),
      { name: 'RESEND_API_KEY' },
    );
    assert.deepStrictEqual(await keyNamesByProject(), [
      ['shop', ['STRIPE_SECRET_KEY']],
      ['admin', ['OPENAI_API_KEY', 'RESEND_API_KEY']],
    ]);
    // The value is the admin project's: Copy Value with the project named yields it.
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.copyValue, { project: 'admin', name: 'RESEND_API_KEY' }),
      true,
    );
    assert.strictEqual(await vscode.env.clipboard.readText(), ADMIN_RESEND);
    // The shop project has no such key.
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.copyValue, { project: 'shop', name: 'RESEND_API_KEY' }),
      false,
    );
    assert.match(await lastMessage(), /no key named RESEND_API_KEY in project shop/);
  });

  it('refuses a project the workspace does not have, naming the ones it has, and stores nothing', async () => {
    const before = await view();
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.addKey, {
        project: 'billing',
        name: 'BILLING_API_KEY',
        value: 'x'.repeat(24),
      }),
      undefined,
    );
    assert.strictEqual(
      await lastMessage(),
      'There is no CloudXLR project named billing in this workspace. Projects: shop, admin.',
    );
    assert.deepStrictEqual((await view()).groups, before.groups);
  });

  it('deletes a key from one project without touching the other', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, {
      project: 'admin',
      name: 'STRIPE_SECRET_KEY',
      value: SHOP_STRIPE.replace('Hf9', 'Hf8'),
    });
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.deleteKey, {
        project: 'admin',
        name: 'STRIPE_SECRET_KEY',
        confirmed: true,
      }),
      true,
    );
    assert.deepStrictEqual(await keyNamesByProject(), [
      ['shop', ['STRIPE_SECRET_KEY']],
      ['admin', ['OPENAI_API_KEY', 'RESEND_API_KEY']],
    ]);
    assert.strictEqual(
      await vscode.commands.executeCommand(CommandId.copyValue, { project: 'shop', name: 'STRIPE_SECRET_KEY' }),
      true,
    );
    assert.strictEqual(await vscode.env.clipboard.readText(), SHOP_STRIPE);
  });
});
