// What a deploy outcome says to a person, in one place: the log lines (describeOutcome), the
// notification with its actions (deployNotice) and the short reason of a Deploy All summary.
// The editor turns actions into buttons; the CLI prints the log lines. Never a value.
import * as path from 'path';
import type { DeployOutcome } from './plan';
import type { SourceLocation } from './references';

/** One or more lines for a person about an outcome (never a value). */
export function describeOutcome(o: DeployOutcome, root?: string): string {
  const where = (l: SourceLocation): string =>
    `${root ? path.relative(root, l.file).split(path.sep).join('/') : l.file}:${l.line}:${l.column}`;
  switch (o.status) {
    case 'deployed':
      return o.unchanged
        ? `${o.name}: no changes, release ${o.release} already runs this code → ${o.url}`
        : `${o.name}: deployed release ${o.release} → ${o.url}`;
    case 'not-found':
    case 'invalid':
      return `${o.name}: ${o.message}`;
    case 'bundle-failed':
      return [
        `${o.name}: bundling failed`,
        ...o.errors.map((e) => `  ${e.location ? `${where(e.location)}: ` : ''}${e.message}`),
      ].join('\n');
    case 'invalid-references':
      return [
        `${o.name}: key references must be string literals`,
        ...o.problems.map((p) => `  ${where(p)}: ${p.message}`),
      ].join('\n');
    case 'offer-upload':
      return `${o.name}: not deployed: ${o.keys.join(', ')} ${o.keys.length === 1 ? 'is' : 'are'} stored locally but not in the cloud yet. Upload ${o.keys.length === 1 ? 'it' : 'them'} (CloudXLR: Push Key) and deploy again.`;
    case 'missing-keys':
      return o.checkedLocal
        ? `${o.name}: not deployed: ${o.missing.join(', ')} ${o.missing.length === 1 ? 'exists' : 'exist'} neither in the cloud nor locally. Add ${o.missing.length === 1 ? 'it' : 'them'} first.`
        : `${o.name}: not deployed: ${o.missing.join(', ')} ${o.missing.length === 1 ? 'does' : 'do'} not exist in the cloud. Add ${o.missing.length === 1 ? 'it' : 'them'} to the project's vault first.`;
    case 'leak':
      return [
        `${o.name}: not deployed: the bundle would hold a secret`,
        ...o.findings.map((f) => `  ${where(f.location)}${f.inBundle ? ' (in the bundle)' : ''}: ${f.message}`),
      ].join('\n');
    case 'cloud-refused':
      return `${o.name}: the cloud refused the deploy (${o.code}): ${o.message}`;
    case 'error':
      return `${o.name}: ${o.message}`;
  }
}

/** What a button under a deploy notification does. */
export type DeployAction =
  | { label: string; kind: 'invoke' }
  | { label: string; kind: 'copy-url'; url: string }
  | { label: string; kind: 'open'; location: SourceLocation }
  | { label: string; kind: 'add-key'; name: string }
  | { label: string; kind: 'sign-in' };

export interface DeployNotice {
  severity: 'info' | 'warning' | 'error';
  message: string;
  actions: DeployAction[];
}

/** The notification for one function's outcome: the URL and what to do next, or why and where it stopped. */
export function deployNotice(o: DeployOutcome, root?: string): DeployNotice {
  const rel = (l: SourceLocation): string =>
    `${root ? path.relative(root, l.file).split(path.sep).join('/') : l.file}:${l.line}`;
  const open = (l: SourceLocation | undefined): DeployAction[] =>
    l ? [{ label: 'Open Location', kind: 'open', location: l }] : [];
  const signIn: DeployAction = { label: 'Sign In', kind: 'sign-in' };
  const error = (message: string, actions: DeployAction[] = []): DeployNotice => ({
    severity: 'error',
    message,
    actions,
  });
  switch (o.status) {
    case 'deployed':
      return {
        severity: 'info',
        message: o.unchanged
          ? `No changes to deploy: ${o.name} release ${o.release} already runs this code. ${o.url}`
          : `Deployed ${o.name} (release ${o.release}): ${o.url}`,
        actions: [
          { label: 'Invoke…', kind: 'invoke' },
          { label: 'Copy URL', kind: 'copy-url', url: o.url },
        ],
      };
    case 'leak': {
      const first = o.findings[0]!;
      const more = o.findings.length > 1 ? ` (and ${o.findings.length - 1} more in the log)` : '';
      return error(
        `${o.name} was not deployed: ${first.message} At ${rel(first.location)}${first.inBundle ? ' (in the bundle)' : ''}${more}. Nothing was uploaded.`,
        open(first.location),
      );
    }
    case 'invalid-references': {
      const first = o.problems[0]!;
      return error(
        `${o.name} was not deployed: ${first.message} At ${rel(first)}. Key names must be string literals so the deploy knows every key up front.`,
        open(first),
      );
    }
    case 'bundle-failed': {
      const first = o.errors[0];
      return error(
        `${o.name} was not deployed: bundling failed: ${first?.message ?? 'unknown error'}${first?.location ? ` At ${rel(first.location)}.` : ''}`,
        open(first?.location),
      );
    }
    case 'missing-keys': {
      const one = o.missing.length === 1;
      return error(
        `${o.name} was not deployed: ${o.missing.join(', ')} ${one ? 'exists' : 'exist'} neither in the cloud vault nor on this machine. Add ${one ? 'it' : 'them'}, then deploy again.`,
        [{ label: 'Add Key', kind: 'add-key', name: o.missing[0]! }],
      );
    }
    case 'offer-upload': {
      const one = o.keys.length === 1;
      return {
        severity: 'warning',
        message: `${o.name} was not deployed: ${o.keys.join(', ')} ${one ? 'is' : 'are'} stored on this machine but not in the cloud vault. Push ${one ? 'it' : 'them'} (or deploy again and accept the upload).`,
        actions: [],
      };
    }
    case 'cloud-refused':
      return o.code === 'unauthorized'
        ? error(`${o.name} was not deployed: ${o.message}`, [signIn])
        : error(`${o.name} was not deployed: the cloud refused it (${o.code}): ${o.message}`);
    case 'error':
    case 'not-found':
    case 'invalid':
      // A token the cloud no longer accepts: offer to sign in again.
      return error(
        `${o.name} was not deployed: ${o.message}`,
        o.status === 'error' && o.code === 'unauthorized' ? [signIn] : [],
      );
  }
}

/** Why a function was not deployed, in a few words (for a Deploy All summary). */
export function shortReason(o: { status: string; missing?: string[]; keys?: string[]; code?: string }): string {
  switch (o.status) {
    case 'leak':
      return 'a key value in the code';
    case 'missing-keys':
      return `missing ${(o.missing ?? []).join(', ')}`;
    case 'offer-upload':
      return `${(o.keys ?? []).join(', ')} not in the cloud`;
    case 'invalid-references':
      return 'non-literal key names';
    case 'bundle-failed':
      return 'bundling failed';
    case 'cloud-refused':
      return o.code ?? o.status;
    default:
      return o.status;
  }
}

/** The one-line summary of deploying every function of a project. */
export function deployAllSummary(
  project: string,
  outcomes: ReadonlyArray<{
    name: string;
    status: string;
    missing?: string[];
    keys?: string[];
    code?: string;
    unchanged?: boolean;
  }>,
): DeployNotice {
  const failed = outcomes.filter((o) => o.status !== 'deployed');
  const unchanged = outcomes.filter((o) => o.status === 'deployed' && o.unchanged).length;
  const summary = `Deployed ${outcomes.length - failed.length} of ${outcomes.length} functions of ${project}${unchanged ? ` (${unchanged} without changes)` : ''}.`;
  if (failed.length === 0) return { severity: 'info', message: summary, actions: [] };
  return {
    severity: 'warning',
    message: `${summary} Not deployed: ${failed.map((o) => `${o.name} (${shortReason(o)})`).join(', ')}. The log has the details.`,
    actions: [],
  };
}
