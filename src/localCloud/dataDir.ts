// The data directory's protection: owner-only permissions on everything in it, and a lock that
// keeps a second server off a directory in use.
//
// The lock is a file created with O_EXCL holding the owner's PID, its process start time and
// its address. Node offers no flock/fcntl without a native module, so liveness is checked
// instead: a lock whose process is gone (or whose PID now belongs to another process, told
// apart by its start time on Linux) is stale and taken over.
import * as fs from 'fs';
import * as path from 'path';

export const LOCK_FILE = 'cloud.lock';

/** Thrown when the directory cannot be prepared or is in use; the message says what to do. */
export class DataDirError extends Error {}

interface LockContent {
  pid: number;
  /** Process start time (Linux, clock ticks since boot), to tell a reused PID apart. */
  started?: string;
  url?: string;
}

export interface DataDirLock {
  /** Records the server's address in the lock, for the message another server shows. */
  setUrl(url: string): void;
  release(): void;
}

/**
 * Creates the directory (0700), tightens what already exists in it (directories 0700, files
 * 0600; each change is logged), then takes the lock. Call before the database is opened.
 */
export function prepareDataDir(dataDir: string, log: (line: string) => void): DataDirLock {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new DataDirError(fsProblem(dataDir, e));
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(dataDir);
  } catch (e) {
    throw new DataDirError(fsProblem(dataDir, e));
  }
  if (!st.isDirectory()) throw new DataDirError(`${dataDir} is not a directory. Choose another --data directory.`);
  tightenPermissions(dataDir, log);
  return takeLock(dataDir, log);
}

/**
 * Owner-only modes: the directory and its subdirectories 0700, every file 0600. Symbolic links
 * are left alone (chmod would follow them out of the directory). No-op on Windows, where modes
 * do not apply.
 */
export function tightenPermissions(dataDir: string, log: (line: string) => void): void {
  if (process.platform === 'win32') return;
  const fix = (p: string, wanted: number, isDir: boolean): void => {
    let mode: number;
    try {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      mode = st.mode & 0o777;
    } catch {
      return; // Gone meanwhile (a -shm file, say).
    }
    if ((mode & 0o077) === 0) return;
    try {
      fs.chmodSync(p, wanted);
      log(
        `Tightened the permissions of ${p} from ${mode.toString(8).padStart(4, '0')} to ${wanted.toString(8).padStart(4, '0')} (${isDir ? 'directories' : 'files'} of the data directory are for its owner only).`,
      );
    } catch (e) {
      throw new DataDirError(
        `${p} is readable by other users and its permissions cannot be changed (${(e as NodeJS.ErrnoException).code ?? 'error'}). Run the cloud as the owner of the data directory.`,
      );
    }
  };
  const walk = (dir: string, depth: number): void => {
    fix(dir, 0o700, true);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 4) walk(p, depth + 1);
      } else if (e.isFile()) {
        fix(p, 0o600, false);
      }
    }
  };
  walk(dataDir, 0);
}

function takeLock(dataDir: string, log: (line: string) => void): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, started: startTime(process.pid) };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(fsProblem(dataDir, e));
      if (attempt >= 3)
        throw new DataDirError(
          `The lock ${file} keeps coming back: another local cloud is starting on the same data directory. Start only one.`,
        );
      const other = readLock(file);
      if (other && isAlive(other)) {
        const where = other.url ? `listening on ${other.url}` : 'starting';
        throw new DataDirError(
          `The data directory ${dataDir} is in use by another local cloud (PID ${other.pid}, ${where}). Stop that server first, or choose another --data directory.`,
        );
      }
      // Stale: its process is gone. Remove it and try again (another starter may win the race).
      try {
        fs.unlinkSync(file);
        log(
          `Removed a stale lock of the data directory${other ? ` left by PID ${other.pid}, which is no longer running` : ''}.`,
        );
      } catch {
        // Someone else removed it first.
      }
      continue;
    }
    try {
      fs.writeSync(fd, JSON.stringify(mine));
    } finally {
      fs.closeSync(fd);
    }
    break;
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Only our own lock is removed (never one another process took over).
    if (readLock(file)?.pid === process.pid) {
      try {
        fs.unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  // A process that exits without closing the cloud still frees its directory.
  process.on('exit', release);
  return {
    setUrl: (url) => {
      if (released) return;
      try {
        fs.writeFileSync(file, JSON.stringify({ ...mine, url }), { mode: 0o600 });
      } catch {
        // The address is a courtesy for the message; the lock holds without it.
      }
    },
    release,
  };
}

function readLock(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8').slice(0, 4096)) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || !Number.isSafeInteger(parsed.pid) || parsed.pid <= 0) return undefined;
    return {
      pid: parsed.pid,
      started: typeof parsed.started === 'string' ? parsed.started : undefined,
      url: typeof parsed.url === 'string' ? parsed.url.slice(0, 200) : undefined,
    };
  } catch {
    // Empty (its writer died between creating and writing it) or damaged: stale.
    return undefined;
  }
}

function isAlive(lock: LockContent): boolean {
  try {
    process.kill(lock.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Alive; on Linux, make sure the PID was not reused by another process since.
  const now = startTime(lock.pid);
  return lock.started === undefined || now === undefined || now === lock.started;
}

/** A process's start time from /proc (Linux), else undefined. */
function startTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function fsProblem(dataDir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `The data directory ${dataDir} cannot be written. Fix its permissions or choose another --data directory.`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `${dataDir} is not a directory. Choose another --data directory.`;
  return `The data directory ${dataDir} cannot be used (${code || 'unknown error'}). Choose another --data directory.`;
}
