// Deploy Function and Deploy All: the deploy core's steps (../plan.ts) with the editor's key
// store, progress and prompts. Key values are read for the leak guard and for uploading a
// missing key to the vault, and never written to a message, the log or a result.
import * as vscode from 'vscode';
import * as path from 'path';
import { CloudError, type CloudClient } from '../../cloud/client';
import type { CloudSession } from '../../cloud/session';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import { errorMessage } from '../../shared/errorMessage';
import type { Notifier } from '../../ui/notify';
import { describeProblem } from '../../project/projectFile';
import {
  deployFunction,
  deployFunctions,
  discoverFunctions,
  engineLeakGuard,
  errorOutcome,
  type DeployDeps,
  type DeployStep,
  type DeployTarget,
} from '..';
import { DeployReport, type DeployResult } from './deployReport';
import type { DiscoveredProject, FunctionsModel } from './functionsModel';
import { isArgs, type FunctionTarget, type FunctionTargets } from './targets';

export interface DeployArgs {
  name?: string;
  project?: string;
  /** Upload referenced keys stored only on this machine to the vault (asked when omitted). */
  uploadMissing?: boolean;
}

export interface DeployAllArgs {
  project?: string;
  uploadMissing?: boolean;
  /** Skips the confirmation dialog that lists the functions. */
  confirmed?: boolean;
}

const STEP_ORDER: DeployStep[] = ['discover', 'bundle', 'references', 'vault', 'leak-guard', 'upload'];

type NotStarted = Extract<DeployResult, { status: 'not-signed-in' | 'untrusted' | 'forbidden' }>;

export class DeployCommands {
  private readonly report: DeployReport;

  constructor(
    private readonly targets: FunctionTargets,
    private readonly model: FunctionsModel,
    private readonly session: CloudSession,
    private readonly sync: CloudSync,
    private readonly store: KeyStore,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.report = new DeployReport(notify, log);
  }

  async deployFunction(arg?: FunctionTarget & { uploadMissing?: boolean }): Promise<DeployResult | undefined> {
    const target = await this.targets.resolve(arg, 'local', 'Which function to deploy?');
    if (!target) return undefined;
    const { data, name } = target;
    // Discovered afresh: the file may have been created a moment ago.
    const fn = data.root
      ? (await discoverFunctions(data.root, data.project.functionsDir)).find((f) => f.name === name)
      : undefined;
    if (!fn || !data.root) {
      const message = `There is no function ${name} in ${data.project.functionsDir}/ (expected ${data.project.functionsDir}/${name}.ts or ${data.project.functionsDir}/${name}/index.ts).`;
      void this.notify.error(message);
      return { name, status: 'not-found', message };
    }
    const uploadMissing = isArgs(arg) && typeof arg.uploadMissing === 'boolean' ? arg.uploadMissing : undefined;
    const prepared = await this.prepare(data, name);
    if ('status' in prepared) return prepared;
    await this.saveDirty(data);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying ${name}`, cancellable: false },
      async (progress) => {
        this.log.info(
          `Deploying ${name} (${fn.relativePath}) to project ${data.project.project} at ${this.session.endpoint}`,
        );
        try {
          return await deployFunction(
            prepared.target,
            fn,
            this.deployDeps(data, prepared.client, uploadMissing, progress),
          );
        } catch (e) {
          return errorOutcome(name, e);
        }
      },
    );
    this.report.outcome(outcome, data.project.project, data.root);
    if (outcome.status === 'deployed') this.model.invalidate();
    return outcome;
  }

  async deployAll(args: DeployAllArgs = {}): Promise<DeployResult[]> {
    const all = await this.model.discover();
    const selected = args.project
      ? all.filter((d) => d.project.project === args.project)
      : all.filter((d) => d.functions.length > 0);
    if (selected.length === 0) {
      void this.notify.info(
        args.project
          ? `There is no project named ${args.project} with functions in this workspace.`
          : 'There are no functions to deploy. Create one with CloudXLR: New Function.',
      );
      return [];
    }
    const results: DeployResult[] = [];
    const ready: Array<{ data: DiscoveredProject; prepared: { client: CloudClient; target: DeployTarget } }> = [];
    for (const data of selected) {
      const prepared = await this.prepare(data, '');
      if ('status' in prepared) results.push(prepared);
      else ready.push({ data, prepared });
    }
    if (ready.length > 0 && !args.confirmed && !(await this.confirmDeployAll(ready.map((r) => r.data)))) return results;
    for (const { data, prepared } of ready) {
      await this.saveDirty(data);
      const outcomes = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Deploying the functions of ${data.project.project}`,
          cancellable: true,
        },
        async (progress, token) => {
          const abort = new AbortController();
          const cancelled = token.onCancellationRequested(() => abort.abort());
          const deps = this.deployDeps(data, prepared.client, args.uploadMissing, undefined);
          const total = Math.max(1, data.functions.length);
          let current = '';
          try {
            return await deployFunctions(prepared.target, [], {
              ...deps,
              signal: abort.signal,
              onProgress: (p) => {
                deps.onProgress?.(p);
                if (p.function && p.function !== current) {
                  current = p.function;
                  progress.report({ message: p.function, increment: 100 / total });
                }
              },
            });
          } finally {
            cancelled.dispose();
          }
        },
      );
      this.report.summary(outcomes, data.project.project, data.root);
      results.push(...outcomes);
    }
    this.model.invalidate();
    return results;
  }

  /** Deploy All replaces what runs in the cloud for every function at once: a modal names them first. */
  private async confirmDeployAll(projects: readonly DiscoveredProject[]): Promise<boolean> {
    const names = projects.flatMap((d) => d.functions.map((f) => ({ project: d.project.project, name: f.name })));
    const one = names.length === 1;
    const where =
      projects.length === 1
        ? `of ${projects[0]!.project.project}`
        : `of ${projects.map((d) => d.project.project).join(', ')}`;
    const DEPLOY = 'Deploy All';
    const choice = await vscode.window.showWarningMessage(
      one ? `Deploy the function ${where}?` : `Deploy all ${names.length} functions ${where}?`,
      {
        modal: true,
        detail: [
          ...names.map((n) => (projects.length === 1 ? n.name : `${n.project}: ${n.name}`)),
          '',
          `Each one that deploys becomes the release its URL runs at ${this.session.endpoint}.`,
        ].join('\n'),
      },
      DEPLOY,
    );
    return choice === DEPLOY;
  }

  /** Trust and sign-in checks, and the deploy target of a project. */
  private async prepare(
    data: DiscoveredProject,
    name: string,
  ): Promise<{ client: CloudClient; target: DeployTarget } | NotStarted> {
    if (!vscode.workspace.isTrusted) {
      const message = 'Functions are not bundled or deployed in an untrusted workspace. Trust this folder to deploy.';
      void this.notify
        .warn(message, 'Manage Workspace Trust')
        .then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
      return { name, status: 'untrusted', message };
    }
    const client = await this.targets.client(data, 'to deploy', 'functions.deploy');
    if (!client) {
      const refused = this.session.refusal(data.project.project, 'functions.deploy');
      return refused
        ? { name, status: 'forbidden', message: refused }
        : { name, status: 'not-signed-in', message: this.session.notSignedIn(data.project.project, 'to deploy') };
    }
    // A function setting cloudxlr.json gets wrong is skipped: the function deploys without it.
    for (const p of data.project.problems) if (!p.fatal) this.log.warn(describeProblem(p));
    return {
      client,
      target: { root: data.root!, functionsDir: data.project.functionsDir, functions: data.project.functions },
    };
  }

  private deployDeps(
    data: DiscoveredProject,
    client: CloudClient,
    uploadMissing: boolean | undefined,
    progress: vscode.Progress<{ message?: string; increment?: number }> | undefined,
  ): DeployDeps {
    const project = data.project.project;
    let lastStep = -1;
    return {
      cloud: client,
      local: {
        names: async () => this.store.list(project).map((k) => k.name),
        value: (name) => this.store.value(project, name),
      },
      ...engineLeakGuard(),
      onProgress: (p) => {
        this.log.info(`${p.function ? `[${p.function}] ` : ''}${p.step}: ${p.message}`);
        const step = STEP_ORDER.indexOf(p.step);
        const increment = step > lastStep ? ((step - Math.max(lastStep, 0)) * 100) / STEP_ORDER.length : undefined;
        lastStep = Math.max(lastStep, step);
        progress?.report({ message: p.message, ...(increment ? { increment } : {}) });
      },
      offerUpload: async (fn, keys) => {
        let go = uploadMissing;
        if (go === undefined) {
          const UPLOAD = keys.length === 1 ? 'Upload Key and Deploy' : 'Upload Keys and Deploy';
          const choice = await vscode.window.showWarningMessage(
            `${fn} reads ${keys.join(', ')}, stored on this machine but not in the cloud vault of ${project}.`,
            {
              modal: true,
              detail:
                'Upload the value to the vault so the function can read it? Only the name is deployed with the function.',
            },
            UPLOAD,
          );
          go = choice === UPLOAD;
        }
        if (!go) return false;
        return this.uploadKeys(project, client, keys);
      },
    };
  }

  /** Uploads keys stored only on this machine (compare-and-set: they must not exist yet). */
  private async uploadKeys(project: string, client: CloudClient, keys: readonly string[]): Promise<boolean> {
    for (const name of keys) {
      const value = await this.store.value(project, name);
      if (value === undefined) {
        void this.notify.error(
          `${name} has no value on this machine to upload. Set it with Edit Value, then deploy again.`,
        );
        return false;
      }
      try {
        const r = await client.putKey(name, value, 0);
        await this.store.setCloudVersion(project, name, r.version);
        this.log.info(`vault: uploaded ${name} to project ${project} as version ${r.version}`);
      } catch (e) {
        if (e instanceof CloudError && e.code === 'version_conflict') {
          this.log.info(
            `vault: ${name} was created in the cloud meanwhile (version ${String(e.details.currentVersion)}); using it`,
          );
          continue;
        }
        void this.notify.error(`${name} was not uploaded to the vault: ${errorMessage(e)}`);
        return false;
      }
    }
    void this.sync.refresh();
    return true;
  }

  /** Saves unsaved editors of the project's functions folder: the deploy reads the files. */
  private async saveDirty(data: DiscoveredProject): Promise<void> {
    if (!data.root) return;
    const dir = path.resolve(data.root, data.project.functionsDir) + path.sep;
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && doc.uri.scheme === 'file' && path.resolve(doc.uri.fsPath).startsWith(dir)) await doc.save();
    }
  }
}
