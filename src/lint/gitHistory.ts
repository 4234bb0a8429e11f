// Is a secret already committed? Reads the file's recent versions (HEAD and up to 20 commits
// that touched it) with `git cat-file --batch`, the paths given on stdin, and searches them in
// memory: the value never appears in a command line (visible to other processes) or in a log.
// Results are cached per file and HEAD commit, so typing costs nothing. Node only (no `vscode`).

import { execFile, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';

export interface Committed {
  /** Short hash of the newest commit whose version of the file holds the value. */
  commit: string;
}

interface HeadBlob {
  commit: string;
  /** The file's committed versions, newest first; empty when untracked or not in a repository. */
  versions: Array<{ commit: string; text: string }>;
  readAt: number;
}

/** Versions of a file read per HEAD, and the bytes they may hold together. */
const MAX_VERSIONS = 20;
const MAX_BYTES = 32 * 1024 * 1024;

function git(cwd: string, args: string[], maxBuffer = 1024 * 1024): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer, encoding: 'utf8', windowsHide: true, timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout);
    });
  });
}

/** `git cat-file --batch` over the object names written to its stdin; undefined entries were missing. */
function catFiles(cwd: string, names: string[], maxBytes: number): Promise<Array<string | undefined>> {
  return new Promise((resolve) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, windowsHide: true, stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill(), 10_000);
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > maxBytes + 64 * names.length) child.kill();
      else chunks.push(b);
    });
    child.on('error', () => resolve([]));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(parseBatch(Buffer.concat(chunks), names.length));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(names.map((n) => `${n}\n`).join(''));
  });
}

/** Parses `cat-file --batch` output: `<oid> blob <size>\n<content>\n` or `<name> missing\n`. */
export function parseBatch(out: Buffer, count: number): Array<string | undefined> {
  const result: Array<string | undefined> = [];
  let at = 0;
  while (result.length < count && at < out.length) {
    const nl = out.indexOf(10, at);
    if (nl < 0) break;
    const header = out.subarray(at, nl).toString('utf8').split(' ');
    at = nl + 1;
    if (header.length !== 3) {
      result.push(undefined);
      continue;
    }
    const n = Number(header[2]);
    if (!Number.isFinite(n) || at + n > out.length) break;
    result.push(header[1] === 'blob' ? out.subarray(at, at + n).toString('utf8') : undefined);
    at += n + 1;
  }
  return result;
}

export class GitHistory {
  private readonly blobs = new Map<string, Promise<HeadBlob>>();
  /** file → digest of value → result (a digest, so the cache holds no value). */
  private readonly results = new Map<string, Map<string, Committed | null>>();
  private readonly readAt = new Map<string, number>();

  /** How long a HEAD read stays fresh (ms): a commit made meanwhile is seen after this. */
  constructor(
    private readonly freshMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached answer for a value in a file, without waiting; undefined when not known yet. */
  cached(file: string, value: string): Committed | null | undefined {
    return this.results.get(file)?.get(digest(value));
  }

  /** Whether `value` is in a committed version of `file`. Resolves to null when it is not. */
  async lookup(file: string, value: string): Promise<Committed | null> {
    const blob = await this.headBlob(file);
    const hit = blob.versions.find((v) => v.text.includes(value));
    const result = hit ? { commit: hit.commit } : null;
    let byValue = this.results.get(file);
    if (!byValue) this.results.set(file, (byValue = new Map()));
    byValue.set(digest(value), result);
    return result;
  }

  /** True when the file's HEAD was read longer ago than the freshness window (or never). */
  isStale(file: string): boolean {
    const read = this.readAt.get(file);
    return read === undefined || this.now() - read >= this.freshMs;
  }

  /** Forgets a file's answers (its document closed). */
  forget(file: string): void {
    this.results.delete(file);
    this.blobs.delete(file);
    this.readAt.delete(file);
  }

  private headBlob(file: string): Promise<HeadBlob> {
    const cached = this.blobs.get(file);
    if (cached) {
      return cached.then((b) => {
        if (this.now() - b.readAt < this.freshMs) return b;
        return this.refresh(file, b);
      });
    }
    return this.refresh(file, undefined);
  }

  private refresh(file: string, previous: HeadBlob | undefined): Promise<HeadBlob> {
    this.readAt.set(file, this.now());
    const promise = (async (): Promise<HeadBlob> => {
      const cwd = path.dirname(file);
      const head = (await git(cwd, ['rev-parse', '--short=12', 'HEAD']))?.trim();
      if (!head) return { commit: '', versions: [], readAt: this.now() };
      if (previous && previous.commit === head) return { ...previous, readAt: this.now() };
      // A new HEAD: answers cached for the old one may be wrong now.
      this.results.delete(file);
      const base = path.basename(file);
      const log = await git(cwd, ['log', `-n${MAX_VERSIONS}`, '--format=%h', '--', `./${base}`]);
      const commits = (log ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^[0-9a-f]{4,64}$/.test(l));
      const texts = commits.length
        ? await catFiles(
            cwd,
            commits.map((c) => `${c}:./${base}`),
            MAX_BYTES,
          )
        : [];
      const versions: HeadBlob['versions'] = [];
      commits.forEach((commit, i) => {
        const text = texts[i];
        if (text !== undefined) versions.push({ commit, text });
      });
      return { commit: head, versions, readAt: this.now() };
    })();
    this.blobs.set(file, promise);
    return promise;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}
