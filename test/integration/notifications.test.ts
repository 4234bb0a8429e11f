// Fewer, better notifications: a confirmation goes to the status bar, a notification is for
// what needs a decision, no message shows literal backticks, and a cloud that cannot be reached
// is said so with a button that starts the local cloud, before anything is asked for.
import * as assert from 'assert';
import * as net from 'net';
import * as vscode from 'vscode';
import { CommandId, SettingId } from '../../src/constants';
import { requestUi } from '../host/hostContract';
import { closingPromptsOnFailure, messageMark, noticesSince } from './support';

const VALUE = 're_' + 'Notify1Ab2Cd3Ef4Gh5Ij6Kl7';

describe('Notifications', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('Copy Value confirms in the status bar, not with a notification', async () => {
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'NOTIFY_COPY_KEY', value: VALUE });
    try {
      const mark = await messageMark();
      assert.strictEqual(await vscode.commands.executeCommand(CommandId.copyValue, { name: 'NOTIFY_COPY_KEY' }), true);
      const shown = await noticesSince(mark);
      assert.deepStrictEqual(
        shown.map((m) => m.severity),
        ['status'],
        shown.map((m) => m.message).join('\n'),
      );
      assert.match(
        shown[0]!.message,
        /^Copied the value of NOTIFY_COPY_KEY\. The clipboard will be cleared in \d+ s\.$/,
      );
      await requestUi('copy-value-status', [
        { see: 'Copied the value of NOTIFY_COPY_KEY', in: 'statusbar' },
        { absent: 'Copied the value', in: 'notifications' },
      ]);
    } finally {
      await vscode.commands.executeCommand(CommandId.deleteKey, { name: 'NOTIFY_COPY_KEY', confirmed: true });
      await vscode.env.clipboard.writeText('');
    }
  });

  it('Sign In to a cloud that is not running says so with Start Local Cloud, before asking for a token', async () => {
    const port = await freePort();
    await vscode.workspace
      .getConfiguration()
      .update(SettingId.cloudEndpoint, `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
    try {
      const mark = await messageMark();
      // Run as from the palette: no token given, so it would ask for one.
      const signingIn = vscode.commands.executeCommand(CommandId.signIn);
      const answered = await Promise.race([
        signingIn,
        new Promise<'asked'>((resolve) => setTimeout(() => resolve('asked'), 15_000)),
      ]);
      if (answered === 'asked') await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      assert.strictEqual(answered, false, 'Sign In asked for a token with no cloud to check it against');
      const shown = await noticesSince(mark);
      assert.strictEqual(shown.length, 1, shown.map((m) => m.message).join('\n'));
      assert.strictEqual(shown[0]!.severity, 'error');
      assert.match(shown[0]!.message, new RegExp(`cloud at http://127\\.0\\.0\\.1:${port} is not reachable`));
      assert.ok(!shown[0]!.message.includes('`'), `literal backticks: ${shown[0]!.message}`);
      await closingPromptsOnFailure(
        requestUi('sign-in-unreachable', [
          { see: 'is not reachable, so there is nothing to sign in to', in: 'notifications' },
          { see: 'Start Local Cloud', in: 'notifications' },
          { absent: 'Sign in to project' },
        ]),
      );
    } finally {
      await vscode.workspace
        .getConfiguration()
        .update(SettingId.cloudEndpoint, undefined, vscode.ConfigurationTarget.Global);
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
