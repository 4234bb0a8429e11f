// Shows a deploy's outcome: the log lines and the notification, both worded by the deploy core
// (../outcome.ts); here its actions become buttons.
import * as vscode from 'vscode';
import { CommandId } from '../../constants';
import type { Notifier } from '../../ui/notify';
import {
  describeOutcome,
  deployAllSummary,
  deployNotice,
  type DeployAction,
  type DeployNotice,
  type DeployOutcome,
} from '..';
import { openCommand } from './functionsTree';

/** What Deploy returns: the core's outcome, or why it did not start. */
export type DeployResult =
  DeployOutcome | { name: string; status: 'not-signed-in' | 'untrusted' | 'forbidden'; message: string };

export function isOutcome(o: DeployResult): o is DeployOutcome {
  return o.status !== 'not-signed-in' && o.status !== 'untrusted' && o.status !== 'forbidden';
}

export class DeployReport {
  constructor(
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * One function's outcome: a notification with what to do next (the notifier writes it to the
   * log), and in the log the details it has no room for (every finding, every error).
   */
  outcome(o: DeployResult, project: string, root: string | undefined): void {
    // Not signed in, untrusted, not allowed: the notification was shown when the deploy did not start.
    if (!isOutcome(o)) return;
    void this.show(deployNotice(o, root), { project, name: o.name });
    const details = describeOutcome(o, root).split('\n').slice(1);
    if (details.length > 0) this.log.info(details.join('\n'));
  }

  /** Every function of a project: each outcome in the log, one summary notification. */
  summary(outcomes: readonly DeployResult[], project: string, root: string | undefined): void {
    for (const o of outcomes) this.logOutcome(o, root);
    const notice = deployAllSummary(project, outcomes);
    if (notice.severity === 'info') void this.notify.info(notice.message);
    else void this.notify.warn(notice.message, 'Show Log').then((c) => c && this.log.show(true));
  }

  private logOutcome(o: DeployResult, root: string | undefined): void {
    this.log.info(isOutcome(o) ? describeOutcome(o, root) : `${o.name}: ${o.message}`);
  }

  private async show(notice: DeployNotice, fn: { project: string; name: string }): Promise<void> {
    const labels = notice.actions.map((a) => a.label);
    const shown =
      notice.severity === 'error'
        ? this.notify.error(notice.message, ...labels)
        : notice.severity === 'warning'
          ? this.notify.warn(notice.message, ...labels)
          : this.notify.info(notice.message, ...labels);
    const choice = await shown;
    const action = notice.actions.find((a) => a.label === choice);
    if (action) await run(action, fn);
  }
}

function run(action: DeployAction, fn: { project: string; name: string }): Thenable<unknown> {
  switch (action.kind) {
    case 'invoke':
      return vscode.commands.executeCommand(CommandId.invokeFunction, { name: fn.name, project: fn.project });
    case 'copy-url':
      return vscode.env.clipboard.writeText(action.url);
    case 'open': {
      const c = openCommand(action.location);
      return vscode.commands.executeCommand(c.command, ...(c.arguments ?? []));
    }
    case 'add-key':
      return vscode.commands.executeCommand(CommandId.addKey, { project: fn.project, name: action.name });
    case 'sign-in':
      return vscode.commands.executeCommand(CommandId.signIn, { project: fn.project });
  }
}
