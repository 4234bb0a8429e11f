// What the editor says about an identity and its role: who is signed in, what the role may do,
// and the sentence that answers a command the role lacks. Pure: no `vscode`.
import { CommandId } from '../constants';
import { isLoopback } from './client';
import { PERMISSION_PHRASE, PERMISSIONS, TOKEN_PREFIX, allows, type IdentityInfo, type Permission } from '../api';

/** How an identity is named in a view: "alice@example.com · developer". */
export function identityLabel(identity: IdentityInfo): string {
  if (identity.kind === 'project-token') return `project token · ${identity.role ?? 'owner'}`;
  if (identity.kind === 'service-token') return `${identity.name} · service token`;
  return identity.role ? `${identity.name} · ${identity.role}` : identity.name;
}

/** A hover's lines: who, which role, what it may and may not do. */
export function identityTooltip(project: string, identity: IdentityInfo): string {
  const may = identity.permissions.map((p) => PERMISSION_PHRASE[p]);
  const mayNot = PERMISSIONS.filter((p) => !allows(identity.permissions, p)).map((p) => PERMISSION_PHRASE[p]);
  const who =
    identity.kind === 'member'
      ? `Signed in to project ${project} as ${identity.name}${identity.role ? `, role ${identity.role}` : ''}.`
      : identity.kind === 'project-token'
        ? `Signed in to project ${project} with its project token (owner).`
        : `Signed in to project ${project} with the service token ${identity.name}.`;
  return [who, `May: ${may.join(', ') || 'nothing'}.`, mayNot.length ? `May not: ${mayNot.join(', ')}.` : '']
    .filter(Boolean)
    .join('\n');
}

/**
 * The answer to a command the identity may not run, naming the role: "Your role in project
 * demo is viewer, which cannot write keys. Ask an owner of the project." Undefined
 * when the identity may (or is not known: an older cloud without roles decides by itself).
 */
export function refusal(project: string, identity: IdentityInfo | undefined, needed: Permission): string | undefined {
  if (!identity || allows(identity.permissions, needed)) return undefined;
  const what = PERMISSION_PHRASE[needed];
  if (identity.kind === 'service-token')
    return `The service token ${identity.name} cannot ${what} in project ${project}: it was created without that permission.`;
  // The same sentence the cloud answers a 403 with.
  return `Your role in project ${project} is ${identity.role ?? 'owner'}, which cannot ${what}. Ask an owner of the project.`;
}

/** What kind of token a pasted text is, by its prefix. */
export function tokenKind(token: string): 'member' | 'service' | 'project' {
  if (token.startsWith(TOKEN_PREFIX.service)) return 'service';
  if (token.startsWith(TOKEN_PREFIX.member)) return 'member';
  return 'project';
}

/** The sign-in box's answer to a CI service token. */
export const SERVICE_TOKEN_REFUSED = `That is a CI service token (${TOKEN_PREFIX.service}…): it is for machines, as CLOUDXLR_TOKEN in CI for “cloudxlr deploy”, not for signing in. Paste your member token (${TOKEN_PREFIX.member}…) or the project's token.`;

/**
 * The permissions for which a command is hidden: none of the identities grants them. An
 * identity not known (an older cloud) grants everything, so nothing is hidden for it.
 */
export function deniedEverywhere(identities: readonly (IdentityInfo | undefined)[]): Permission[] {
  if (identities.length === 0) return [];
  return PERMISSIONS.filter((p) => identities.every((i) => i !== undefined && !allows(i.permissions, p)));
}

/**
 * Why `url` cannot be a team cloud's address, or undefined. A token crosses the network with
 * every request, so a cloud on another machine is reached over https only.
 */
export function teamCloudAddressProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `“${url}” is not an address. Enter the team cloud's URL, e.g. https://cloud.example.com.`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return `“${url}” is not an http(s) address. Enter the team cloud's URL, e.g. https://cloud.example.com.`;
  if (parsed.username || parsed.password || parsed.search || parsed.hash)
    return 'Enter the cloud’s address only, without a user, password, query or fragment: the token is asked for next.';
  if (parsed.protocol === 'http:' && !isLoopback(parsed.origin))
    return `Use https:// for a cloud on another machine: a token sent over plain http can be read on the way (${parsed.host}).`;
  return undefined;
}

/** The address as the setting keeps it: no trailing slash. */
export function normaliseCloudUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * The permission each cloud command needs: its menus carry `!cloudxlr.denied.<permission>` in
 * their `when` clauses (checked by the manifest test), and the command refuses with refusal().
 */
export const COMMAND_PERMISSION: Readonly<Partial<Record<(typeof CommandId)[keyof typeof CommandId], Permission>>> = {
  [CommandId.pushKey]: 'keys.write',
  [CommandId.pushAllKeys]: 'keys.write',
  [CommandId.deleteKeyFromCloud]: 'keys.write',
  [CommandId.deployFunction]: 'functions.deploy',
  [CommandId.deployAll]: 'functions.deploy',
  [CommandId.rollbackFunction]: 'functions.deploy',
  [CommandId.deleteFunction]: 'functions.deploy',
  [CommandId.invokeFunction]: 'functions.invoke',
  [CommandId.showFunctionLogs]: 'logs.read',
  [CommandId.createServiceToken]: 'tokens.manage',
  [CommandId.listServiceTokens]: 'tokens.manage',
};

/** What a CI service token may be given: everything but managing people and tokens. */
export const CI_PERMISSIONS: readonly Permission[] = PERMISSIONS.filter(
  (p) => p !== 'members.manage' && p !== 'tokens.manage',
);

/** The quick pick's presets, the narrowest first. "Deploy only" is what `cloudxlr deploy` needs. */
export const SERVICE_TOKEN_PRESETS: readonly { label: string; detail: string; permissions: readonly Permission[] }[] = [
  {
    label: 'Deploy only',
    detail: 'For "cloudxlr deploy" in CI: list key names and functions, deploy functions. No key writes, no invoke.',
    permissions: ['keys.describe', 'functions.describe', 'functions.deploy'],
  },
  {
    label: 'Deploy and invoke',
    detail: 'Deploy, then call a function (a smoke test after the deploy) and read its logs.',
    permissions: ['keys.describe', 'functions.describe', 'functions.deploy', 'functions.invoke', 'logs.read'],
  },
  {
    label: 'Read only',
    detail: 'List key names, functions and logs: for a dashboard or a check.',
    permissions: ['keys.describe', 'functions.describe', 'logs.read'],
  },
];

/** A service token lives 7 to 365 days: one of these. */
export const TOKEN_EXPIRY_DAYS: readonly number[] = [7, 30, 90, 365];

/** Why a service token's name is not usable, or undefined. */
export function serviceTokenNameProblem(name: string): string | undefined {
  if (!name) return 'The name cannot be empty.';
  if (name.length > 100) return 'Use at most 100 characters.';
  if (/[\p{Cc}\p{Cf}]/u.test(name)) return 'The name cannot hold control characters.';
  return undefined;
}
