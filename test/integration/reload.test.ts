// Leaves keys behind for keyIndex.afterReload.test.ts, which runs after the launcher reloads
// the window: the key index and the values must survive a new extension host.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { CommandId } from '../../src/constants';
import { RELOAD_KEYS } from './reloadKeys';

describe('Before a reload', () => {
  it('stores keys that the after-reload tests look for', async () => {
    for (const [name, value] of Object.entries(RELOAD_KEYS)) {
      assert.deepStrictEqual(await vscode.commands.executeCommand(CommandId.addKey, { name, value, overwrite: true }), {
        name,
      });
    }
  });
});
