// Which project and function a Cloud Functions command is about. A handler gets a tree node
// (view menus), a file URI (explorer menu, CodeLens) or a plain argument object (keybindings,
// tasks, tests), and asks only for what it was not given.
import * as vscode from 'vscode';
import * as path from 'path';
import type { Permission } from '../../api';
import type { CloudClient } from '../../cloud/client';
import type { CloudSession } from '../../cloud/session';
import { errorMessage } from '../../shared/errorMessage';
import type { Notifier } from '../../ui/notify';
import type { DiscoveredProject, FunctionsModel } from './functionsModel';
import type { FunctionNode } from './functionsTree';

/** Which function: from a view node, a file, or by name. */
export interface FunctionArgs {
  name?: string;
  project?: string;
}

export type FunctionTarget = FunctionNode | vscode.Uri | FunctionArgs | undefined;

export interface ResolvedTarget {
  data: DiscoveredProject;
  name: string;
}

export class FunctionTargets {
  constructor(
    private readonly model: FunctionsModel,
    private readonly session: CloudSession,
    private readonly notify: Notifier,
  ) {}

  /** The project and function a command is about; asks for what is missing. */
  async resolve(arg: FunctionTarget, kind: 'local' | 'deployed', title: string): Promise<ResolvedTarget | undefined> {
    if (arg instanceof vscode.Uri) {
      let found = await this.model.functionAt(arg);
      if (!found) {
        this.model.invalidate();
        found = await this.model.functionAt(arg);
      }
      if (!found) {
        void this.notify.error(
          `${path.basename(arg.fsPath)} is not a function: functions are <functionsDir>/<name>.ts|js or <functionsDir>/<name>/index.ts|js.`,
        );
        return undefined;
      }
      return { data: found.data, name: found.fn.name };
    }
    if (isNode(arg)) {
      const data = (await this.model.discover()).find((d) => d.project.project === arg.project);
      return data ? { data, name: arg.name } : undefined;
    }
    const data = await this.project(arg?.project);
    if (!data) return undefined;
    if (arg?.name) return { data, name: arg.name };
    const names = new Set<string>();
    if (kind === 'local') for (const f of data.functions) names.add(f.name);
    else {
      const client = await this.client(data);
      if (!client) return undefined;
      try {
        for (const f of await client.listFunctions()) names.add(f.name);
      } catch (e) {
        void this.notify.error(`The functions of ${data.project.project} could not be listed: ${errorMessage(e)}`);
        return undefined;
      }
    }
    if (names.size === 0) {
      void this.notify.info(
        kind === 'local'
          ? `There are no functions in ${data.project.functionsDir}/. Create one with CloudXLR: New Function.`
          : `No function of ${data.project.project} is deployed yet.`,
      );
      return undefined;
    }
    const pick = await vscode.window.showQuickPick([...names].sort(), { title });
    return pick ? { data, name: pick } : undefined;
  }

  /** The named project, the only one, or the one picked. */
  async project(name?: string): Promise<DiscoveredProject | undefined> {
    const all = await this.model.discover();
    if (name) {
      const found = all.find((d) => d.project.project === name);
      if (!found) void this.notify.error(`There is no CloudXLR project named ${name} in this workspace.`);
      return found;
    }
    if (all.length === 1) return all[0];
    const pick = await vscode.window.showQuickPick(
      all.map((d) => d.project.project),
      { title: 'Which CloudXLR project?' },
    );
    return all.find((d) => d.project.project === pick);
  }

  /** The project's client; offers Sign In when there is none. */
  client(data: DiscoveredProject, purpose?: string, needed?: Permission): Promise<CloudClient | undefined> {
    return this.session.requireClient(data.project.project, purpose, needed);
  }
}

export function isNode(arg: unknown): arg is FunctionNode {
  return typeof arg === 'object' && arg !== null && (arg as FunctionNode).type === 'function';
}

/** A plain argument object (not a node, not a URI), whose other properties a command may read. */
export function isArgs(arg: unknown): arg is FunctionArgs & Record<string, unknown> {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !isNode(arg);
}
