// Whether a file is ignored by git, and making it so. Runs git; never reads file contents.
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';

function git(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000 }, (err, stdout) => {
      // execFile reports git's exit status as a numeric `code`; a missing git has a string code.
      const status = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof status === 'number' ? status : -1) : 0, stdout: String(stdout) });
    });
  });
}

export type IgnoreState = 'ignored' | 'not-ignored' | 'no-repo';

export async function gitIgnoreState(file: string): Promise<IgnoreState> {
  const dir = path.dirname(file);
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (top.code !== 0) return 'no-repo';
  const r = await git(['check-ignore', '-q', '--', path.basename(file)], dir);
  return r.code === 0 ? 'ignored' : 'not-ignored';
}

/** Whether the file is in git's history or index, so removing it now would not remove the secret. */
export async function isTrackedByGit(file: string): Promise<boolean> {
  const r = await git(['ls-files', '--error-unmatch', '--', path.basename(file)], path.dirname(file));
  return r.code === 0;
}

/** Adds the file's name to the .gitignore beside it (creating it), unless a line already names it. */
export async function addToGitignore(file: string): Promise<string> {
  const gitignore = path.join(path.dirname(file), '.gitignore');
  const entry = path.basename(file);
  let text = '';
  try {
    text = await fs.readFile(gitignore, 'utf8');
  } catch {
    /* created below */
  }
  if (!text.split(/\r?\n/).some((l) => l.trim() === entry || l.trim() === `/${entry}`)) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await fs.writeFile(gitignore, `${text}${sep}${entry}\n`);
  }
  return gitignore;
}
