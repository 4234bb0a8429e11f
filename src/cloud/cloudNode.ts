// Finds the Node.js that runs the local cloud for the editor, and checks its version before
// anything starts: the cloud keeps its data in node:sqlite (Node 22.13+). Plain Node, no
// `vscode`: the extension passes in the setting and the extension host's facts.
import { execFile } from 'child_process';
import * as path from 'path';
import { CLOUD_MIN_NODE, INSTALL_ADVICE, satisfies, tooOldMessage } from '../shared/nodeVersion';

export interface CloudNodeQuery {
  /** cloudxlr.localCloud.nodePath; empty when unset. */
  setting: string;
  /** The setting's name, for messages. */
  settingName: string;
  /** The extension host's executable and Node version (a real `node` in code-server and remote hosts, Electron on the desktop). */
  hostExecPath: string;
  hostNodeVersion: string;
  /** Asks a Node binary its version; the default runs it with `-p process.versions.node`. */
  probe?: (node: string) => Promise<string>;
}

export type CloudNodeChoice = { ok: true; node: string; version: string } | { ok: false; message: string };

const PROBE_TIMEOUT_MS = 10_000;

/** Runs `node -p process.versions.node`; rejects with a message for people. */
export function probeNodeVersion(node: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(node, ['-p', 'process.versions.node'], { timeout: PROBE_TIMEOUT_MS }, (err, stdout) => {
      if (!err) return resolve(stdout.trim());
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') reject(new Error(`no Node.js at "${node}"`));
      else if (code === 'EACCES') reject(new Error(`"${node}" cannot be run (permission denied)`));
      else reject(new Error(`"${node}" did not answer as Node.js does (${err.message.split('\n')[0]})`));
    });
  });
}

/**
 * The Node to run the cloud with: the setting when set (and then only it), else the extension
 * host's own Node when it is a real one that fits, else `node` on PATH.
 */
export async function findCloudNode(q: CloudNodeQuery): Promise<CloudNodeChoice> {
  const probe = q.probe ?? probeNodeVersion;
  const setting = q.setting.trim();
  if (setting) {
    let version: string;
    try {
      version = await probe(setting);
    } catch (e) {
      return {
        ok: false,
        message: `The local cloud cannot start: ${q.settingName} points at ${(e as Error).message}. ${INSTALL_ADVICE}, and set ${q.settingName} to its node (or clear it to use the node on your PATH).`,
      };
    }
    if (!satisfies(version, CLOUD_MIN_NODE))
      return {
        ok: false,
        message: tooOldMessage('The local cloud', CLOUD_MIN_NODE, version, `${setting}, from ${q.settingName}`),
      };
    return { ok: true, node: setting, version };
  }
  if (/^node(\.exe)?$/i.test(path.basename(q.hostExecPath)) && satisfies(q.hostNodeVersion, CLOUD_MIN_NODE)) {
    return { ok: true, node: q.hostExecPath, version: q.hostNodeVersion };
  }
  let version: string;
  try {
    version = await probe('node');
  } catch {
    return {
      ok: false,
      message: `The local cloud needs Node.js ${CLOUD_MIN_NODE.major}.${CLOUD_MIN_NODE.minor} or newer, and there is no “node” on your PATH. ${INSTALL_ADVICE}, or set ${q.settingName} to a node you have.`,
    };
  }
  if (!satisfies(version, CLOUD_MIN_NODE)) {
    return {
      ok: false,
      message:
        tooOldMessage('The local cloud', CLOUD_MIN_NODE, version, `the node on your PATH`) +
        ` Or set ${q.settingName} to a newer node you have.`,
    };
  }
  return { ok: true, node: 'node', version };
}
