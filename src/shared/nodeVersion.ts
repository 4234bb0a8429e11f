// Which Node.js each part of CloudXLR needs, and the message when the one given is too old.
// Shared by the command line, the local cloud and the editor's Start Local Cloud (which
// checks the Node it is about to use), so all three say the same thing.

export interface NodeVersion {
  major: number;
  minor: number;
}

/** `cloudxlr scan` and `cloudxlr deploy`. */
export const CLI_MIN_NODE: NodeVersion = { major: 20, minor: 19 };
/** The local cloud: node:sqlite without a flag arrived in Node 22.13. */
export const CLOUD_MIN_NODE: NodeVersion = { major: 22, minor: 13 };

export const INSTALL_ADVICE =
  'Install Node.js 24 LTS (or 22.13 or newer) from https://nodejs.org or with a version manager (for example “nvm install 24”)';

export function parseNodeVersion(text: string): NodeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function satisfies(version: string, min: NodeVersion): boolean {
  const v = parseNodeVersion(version);
  return !!v && (v.major > min.major || (v.major === min.major && v.minor >= min.minor));
}

export function nodeSupportsCloud(version = process.versions.node): boolean {
  return satisfies(version, CLOUD_MIN_NODE);
}

/** "The local cloud needs Node.js 22.13 or newer; found Node.js 20.20.2. Install …". */
export function tooOldMessage(what: string, min: NodeVersion, found: string, where = ''): string {
  const foundText = parseNodeVersion(found) ? `Node.js ${found.replace(/^v/, '')}` : found;
  return `${what} needs Node.js ${min.major}.${min.minor} or newer; found ${foundText}${where ? ` (${where})` : ''}. ${INSTALL_ADVICE}, then try again.`;
}

/** The Node running this code is older than `min`. */
export class UnsupportedNodeError extends Error {
  constructor(what: string, min: NodeVersion, found = process.versions.node) {
    super(tooOldMessage(what, min, found, process.execPath));
    this.name = 'UnsupportedNodeError';
  }
}
