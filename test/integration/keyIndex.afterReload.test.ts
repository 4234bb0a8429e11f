// Runs in the extension host that a window reload started (see reload.test.ts): the index
// of keys in globalState and the values in SecretStorage are both still there.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { CommandId } from '../../src/constants';
import type { CloudxlrApi } from '../../src/extension';
import { EXTENSION_UNDER_TEST, requestScreenshot } from '../host/hostContract';
import { RELOAD_KEYS } from './reloadKeys';

describe('After a window reload', () => {
  it('still lists the stored keys, with their providers', async () => {
    const ext = vscode.extensions.getExtension<CloudxlrApi>(EXTENSION_UNDER_TEST)!;
    const { keysView } = ext.isActive ? ext.exports : await ext.activate();
    const rows = new Map<string, string>();
    for (const n of await keysView.getChildren()) {
      if (n.type === 'key') rows.set(n.name, String(keysView.getTreeItem(n).description ?? ''));
    }
    assert.match(rows.get('STRIPE_SECRET_KEY') ?? 'missing', /^Stripe/);
    assert.match(rows.get('ANTHROPIC_API_KEY') ?? 'missing', /^Anthropic/);
    await vscode.commands.executeCommand('workbench.view.extension.cloudxlr');
    await requestScreenshot('keys-after-reload');
  });

  it('the values are still in SecretStorage', async () => {
    for (const [name, value] of Object.entries(RELOAD_KEYS)) {
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.copyValue, { name }), true);
      assert.strictEqual(await vscode.env.clipboard.readText(), value, `${name} lost its value`);
      await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
    }
    await vscode.env.clipboard.writeText('');
  });
});
