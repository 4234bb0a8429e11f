// CI service tokens from the palette (owners): create one (project, name, permissions, expiry),
// copied to the clipboard once and never kept by the extension (not in SecretStorage,
// globalState, settings or the log); list and revoke them.
import * as vscode from 'vscode';
import { PERMISSION_PHRASE, type Permission, type ServiceTokenInfo } from '../api';
import { errorMessage } from '../shared/errorMessage';
import type { Notifier } from '../ui/notify';
import { CloudError } from './client';
import { CI_PERMISSIONS, SERVICE_TOKEN_PRESETS, serviceTokenNameProblem, TOKEN_EXPIRY_DAYS } from './roles';
import type { CloudSession } from './session';

export interface CreateServiceTokenArgs {
  project?: string;
  name?: string;
  permissions?: Permission[];
  expiresInDays?: number;
}

export class ServiceTokenCommands {
  constructor(
    private readonly session: CloudSession,
    /** The named project, the only one, or the one picked. */
    private readonly pickProject: (name?: string) => Promise<string | undefined>,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Resolves with the created token's info (never the token), or undefined when nothing was created. */
  async create(args: CreateServiceTokenArgs = {}): Promise<ServiceTokenInfo | undefined> {
    const project = await this.pickProject(args.project);
    if (!project) return undefined;
    const client = await this.session.requireClient(project, 'to create a CI service token', 'tokens.manage');
    if (!client) return undefined;
    const name =
      args.name ??
      (await vscode.window.showInputBox({
        title: `CI service token for project ${project} (1/3): name`,
        prompt: 'A name that says where it is used, e.g. the CI system and repository. The audit log names it.',
        value: `ci-${project}`,
        ignoreFocusOut: true,
        validateInput: (v) => serviceTokenNameProblem(v.trim()),
      }));
    if (!name) return undefined;
    const permissions = args.permissions ?? (await this.pickPermissions(project));
    if (!permissions || permissions.length === 0) return undefined;
    const expiresInDays = args.expiresInDays ?? (await this.pickExpiry(project));
    if (!expiresInDays) return undefined;

    let created;
    try {
      created = await client.createServiceToken({ name: name.trim(), permissions, expiresInDays });
    } catch (e) {
      void this.session.reportError(
        `The CI service token was not created: ${errorMessage(e)}`,
        e instanceof CloudError && e.isUnreachable,
      );
      return undefined;
    }
    // The token goes to the clipboard and nowhere else: the log and the message name it by its hint.
    await vscode.env.clipboard.writeText(created.token);
    const { info } = created;
    this.log.info(
      `Created the CI service token ${info.name} (${info.hint}…, id ${info.id}) for project ${project}: ${info.permissions.join(', ')}, expires ${info.expiresAt}.`,
    );
    void this.notify.info(
      `The CI service token ${info.name} is on the clipboard, shown this once: the extension does not keep it. Store it in your CI's secrets as CLOUDXLR_TOKEN, with CLOUDXLR_ENDPOINT=${this.session.endpoint}: "cloudxlr deploy" reads both. It may ${info.permissions.map((p) => PERMISSION_PHRASE[p]).join(', ')} in project ${project} until ${new Date(info.expiresAt).toLocaleDateString()}.`,
    );
    return info;
  }

  /** Lists the project's service tokens; picking one offers to revoke it. Resolves with the tokens listed. */
  async list(args: { project?: string; revoke?: string; confirmed?: boolean } = {}): Promise<ServiceTokenInfo[]> {
    const project = await this.pickProject(args.project);
    if (!project) return [];
    const client = await this.session.requireClient(project, 'to manage CI service tokens', 'tokens.manage');
    if (!client) return [];
    let tokens: ServiceTokenInfo[];
    try {
      tokens = await client.listServiceTokens();
    } catch (e) {
      void this.session.reportError(
        `The CI service tokens could not be listed: ${errorMessage(e)}`,
        e instanceof CloudError && e.isUnreachable,
      );
      return [];
    }
    const now = Date.now();
    const state = (t: ServiceTokenInfo): string =>
      t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= now ? 'expired' : 'active';
    let target = args.revoke ? tokens.find((t) => t.id === args.revoke) : undefined;
    if (!args.revoke) {
      if (tokens.length === 0) {
        void this.notify.info(
          `Project ${project} has no CI service tokens. Create one with "Create CI Service Token…".`,
        );
        return tokens;
      }
      const pick = await vscode.window.showQuickPick(
        tokens.map((t) => ({
          label: `${state(t) === 'active' ? '$(key)' : '$(circle-slash)'} ${t.name}`,
          description: `${t.hint}… · ${state(t)}`,
          detail: `${t.permissions.map((p) => PERMISSION_PHRASE[p]).join(', ')} · expires ${new Date(t.expiresAt).toLocaleDateString()}${t.lastUsedAt ? ` · last used ${new Date(t.lastUsedAt).toLocaleString()}` : ' · never used'}`,
          token: t,
        })),
        { title: `CI service tokens of project ${project}: pick one to revoke it`, matchOnDescription: true },
      );
      target = pick?.token;
    }
    if (!target || state(target) !== 'active') return tokens;
    if (!args.confirmed) {
      const REVOKE = 'Revoke';
      const choice = await vscode.window.showWarningMessage(
        `Revoke the CI service token ${target.name} (${target.hint}…)?`,
        { modal: true, detail: 'Every CI job using it fails from its next request. This cannot be undone.' },
        REVOKE,
      );
      if (choice !== REVOKE) return tokens;
    }
    try {
      await client.revokeServiceToken(target.id);
    } catch (e) {
      void this.session.reportError(
        `${target.name} was not revoked: ${errorMessage(e)}`,
        e instanceof CloudError && e.isUnreachable,
      );
      return tokens;
    }
    this.notify.status(`Revoked the CI service token ${target.name}.`);
    return tokens;
  }

  private async pickPermissions(project: string): Promise<Permission[] | undefined> {
    const CHOOSE = 'Choose Permissions…';
    const preset = await vscode.window.showQuickPick(
      [
        ...SERVICE_TOKEN_PRESETS.map((p) => ({
          label: p.label,
          description: p.permissions.join(', '),
          detail: p.detail,
          permissions: p.permissions as Permission[] | undefined,
        })),
        { label: CHOOSE, description: '', detail: 'Pick each permission yourself.', permissions: undefined },
      ],
      { title: `CI service token for project ${project} (2/3): what may it do?`, ignoreFocusOut: true },
    );
    if (!preset) return undefined;
    if (preset.permissions) return [...preset.permissions];
    const picked = await vscode.window.showQuickPick(
      CI_PERMISSIONS.map((p) => ({ label: PERMISSION_PHRASE[p], description: p, permission: p })),
      {
        title: `CI service token for project ${project} (2/3): permissions`,
        canPickMany: true,
        ignoreFocusOut: true,
      },
    );
    return picked?.map((p) => p.permission);
  }

  private async pickExpiry(project: string): Promise<number | undefined> {
    const pick = await vscode.window.showQuickPick(
      TOKEN_EXPIRY_DAYS.map((days) => ({
        label: `${days} days`,
        description: `until ${new Date(Date.now() + days * 86_400_000).toLocaleDateString()}`,
        days,
      })),
      { title: `CI service token for project ${project} (3/3): expires after`, ignoreFocusOut: true },
    );
    return pick?.days;
  }
}
