// Start Local Cloud and Stop Local Cloud: the local cloud as a child process of the editor,
// signed in to every project of the workspace with one token kept in SecretStorage.
import * as vscode from 'vscode';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CommandId, ContextKey, DEFAULT_CLOUD_ENDPOINT, SettingId, StorageKey } from '../constants';
import { errorMessage } from '../shared/errorMessage';
import type { Notifier } from '../ui/notify';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import type { CloudSession } from './session';
import type { CloudSync } from './cloudSync';
import { CloudClient } from './client';
import { LocalCloudProcess } from './localCloudProcess';
import { findCloudNode } from './cloudNode';

export class LocalCloudCommands implements vscode.Disposable {
  private readonly localCloud = new LocalCloudProcess();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly session: CloudSession,
    private readonly sync: CloudSync,
    private readonly projects: WorkspaceProjects,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async startLocalCloud(): Promise<boolean> {
    if (this.localCloud.running) {
      this.notify.status(`The local cloud is already running at ${this.session.endpoint}.`);
      return true;
    }
    const url = new URL(this.session.endpoint);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      void this.notify.error(
        `cloudxlr.cloud.endpoint is ${this.session.endpoint}, not a local address. Set it to ${DEFAULT_CLOUD_ENDPOINT} to use the local cloud.`,
      );
      return false;
    }
    const projects = (await this.projects.all()).map((p) => p.project);
    const tokenKey = `${StorageKey.tokenPrefix}local-cloud`;
    if (await this.cloudAnswers()) return this.useRunningCloud(projects, await this.context.secrets.get(tokenKey));
    let token = await this.context.secrets.get(tokenKey);
    if (!token) {
      token = randomBytes(24).toString('base64url');
      await this.context.secrets.store(tokenKey, token);
    }
    const config = vscode.workspace.getConfiguration();
    const dataDir =
      config.get<string>(SettingId.localCloudDataDir) || path.join(this.context.globalStorageUri.fsPath, 'local-cloud');
    const node = await findCloudNode({
      setting: config.get<string>(SettingId.localCloudNodePath) ?? '',
      settingName: SettingId.localCloudNodePath,
      hostExecPath: process.execPath,
      hostNodeVersion: process.versions.node,
    });
    if (!node.ok) {
      const OPEN_SETTING = 'Open Setting';
      this.log.info(node.message);
      void this.notify
        .error(node.message, OPEN_SETTING)
        .then(
          (c) =>
            c === OPEN_SETTING &&
            vscode.commands.executeCommand('workbench.action.openSettings', SettingId.localCloudNodePath),
        );
      return false;
    }
    const nodePath = node.node;
    this.log.info(`Starting the local cloud with Node.js ${node.version} (${nodePath}).`);
    const cliPath = path.join(this.context.extensionUri.fsPath, 'dist', 'cli.js');
    const run = this.localCloud.start(
      {
        cliPath,
        nodePath,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 8787),
        dataDir,
        projects,
        token,
        log: (line, stream) =>
          stream === 'stderr' ? this.log.warn(`[local cloud] ${line}`) : this.log.info(`[local cloud] ${line}`),
      },
      (code) => {
        void vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, false);
        this.log.info(`The local cloud stopped (exit code ${code}).`);
      },
    );
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Starting the local CloudXLR cloud…' },
        () => run,
      );
    } catch (e) {
      void this.notify.error(errorMessage(e), 'Show Log').then((c) => c && this.log.show());
      return false;
    }
    await vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, true);
    await this.session.storeToken(projects, token);
    this.notify.status(
      `The local cloud is running at ${this.session.endpoint} with data in ${dataDir}. Signed in to ${projects.join(', ')}.`,
    );
    await this.sync.refresh();
    return true;
  }

  /** Whether a CloudXLR cloud already answers at the endpoint (started elsewhere, or by another window). */
  private async cloudAnswers(): Promise<boolean> {
    const probe = new CloudClient({
      endpoint: this.session.endpoint,
      project: '',
      token: '',
      retries: 0,
      timeoutMs: 2000,
    });
    try {
      return (await probe.health()).status === 'ok';
    } catch {
      return false;
    } finally {
      probe.dispose();
    }
  }

  /** Uses the cloud already running: signs in with this editor's local-cloud token if it takes it, else asks for its token. */
  private async useRunningCloud(projects: string[], token: string | undefined): Promise<boolean> {
    const endpoint = this.session.endpoint;
    this.log.info(`A CloudXLR cloud already answers at ${endpoint}; not starting another.`);
    if (token) {
      try {
        for (const p of projects) await this.session.signIn(p, token);
        this.notify.status(
          `A local cloud is already running at ${endpoint}: using it. Signed in to ${projects.join(', ')}.`,
        );
        await this.sync.refresh();
        return true;
      } catch {
        // Its token is not this editor's: ask for it below.
      }
    }
    const SIGN_IN = 'Sign In';
    void this.notify
      .info(
        `A CloudXLR cloud is already running at ${endpoint}, started outside this window. Use it by signing in with its developer token (it printed it on first start and keeps it in its data folder under tokens/).`,
        SIGN_IN,
      )
      .then((c) => c === SIGN_IN && vscode.commands.executeCommand(CommandId.signIn));
    return false;
  }

  async stopLocalCloud(): Promise<void> {
    await this.localCloud.stop();
    await vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, false);
    await this.sync.refresh();
  }

  dispose(): Promise<void> {
    return this.localCloud.stop();
  }
}
