// Is a secret already committed? Reads the file as of HEAD with `git show HEAD:./<file>` and
// searches it in memory: the value never appears in a command line (visible to other
// processes) or in a log. Results are cached per file and HEAD commit, so typing costs nothing.
// Node only (no `vscode`).

import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';

export interface Committed {
  /** Short hash of the HEAD commit that holds the value. */
  commit: string;
}

interface HeadBlob {
  commit: string;
  /** The file's text at HEAD; undefined when the file is not tracked or not in a repository. */
  text: string | undefined;
  readAt: number;
}

const MAX_BLOB = 16 * 1024 * 1024;

function git(cwd: string, args: string[], maxBuffer = 1024 * 1024): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer, encoding: 'utf8', windowsHide: true, timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout);
    });
  });
}

export class GitHistory {
  private readonly blobs = new Map<string, Promise<HeadBlob>>();
  /** file → digest of value → result (a digest, so the cache holds no value). */
  private readonly results = new Map<string, Map<string, Committed | null>>();
  private readonly readAt = new Map<string, number>();

  /** How long a HEAD read stays fresh (ms): a commit made meanwhile is seen after this. */
  constructor(private readonly freshMs = 5_000, private readonly now: () => number = Date.now) {}

  /** The cached answer for a value in a file, without waiting; undefined when not known yet. */
  cached(file: string, value: string): Committed | null | undefined {
    return this.results.get(file)?.get(digest(value));
  }

  /** Whether `value` is in the HEAD version of `file`. Resolves to null when it is not. */
  async lookup(file: string, value: string): Promise<Committed | null> {
    const blob = await this.headBlob(file);
    const result = blob.text !== undefined && blob.text.includes(value) ? { commit: blob.commit } : null;
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
      if (!head) return { commit: '', text: undefined, readAt: this.now() };
      if (previous && previous.commit === head) return { ...previous, readAt: this.now() };
      // A new HEAD: answers cached for the old one may be wrong now.
      this.results.delete(file);
      const text = await git(cwd, ['show', `HEAD:./${path.basename(file)}`], MAX_BLOB);
      return { commit: head, text, readAt: this.now() };
    })();
    this.blobs.set(file, promise);
    return promise;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}
