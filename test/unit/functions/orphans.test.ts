// No sandbox outlives a server killed while its function workers were starting. bwrap arms
// --die-with-parent only after it has created the sandbox, and the sandbox's first process arms
// its own only after it has been set up; a server killed in between used to leave that process
// behind, adopted by init and waiting forever. Here a process starts workers exactly as the
// cloud does (FunctionRuntime, its pool and sandbox launcher) and is killed with SIGKILL at a
// random moment, again and again; whatever it started must be gone shortly after.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { probeIsolation } from '../../../src/localCloud/functions/runtime';
import { GUARD_PARENT_GONE, guarded } from '../../../src/localCloud/functions/runtime/sandbox';
import { ensureSystemPackages } from '../../host/codeServer';

const RUNTIME = path.join(__dirname, '../../../src/localCloud/functions/runtime');
const SANDBOX = path.join(RUNTIME, 'sandbox');
const SETPRIV = '/usr/bin/setpriv';

/** Processes whose command line contains `marker` (host view). */
function processesWith(marker: string): Array<{ pid: number; ppid: number; command: string }> {
  const out: Array<{ pid: number; ppid: number; command: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!command.includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(entry), ppid, command: command.split('\0').slice(0, 3).join(' ') });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

async function goneWithin(marker: string, ms: number): Promise<Array<{ pid: number; ppid: number; command: string }>> {
  const end = Date.now() + ms;
  let left = processesWith(marker);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesWith(marker);
  }
  return left;
}

function killAll(processes: Array<{ pid: number }>): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

describe('functions: no sandbox outlives its server', function () {
  this.timeout(180_000);

  before(function () {
    this.timeout(600_000);
    ensureSystemPackages();
    const info = probeIsolation({ nodePath: process.execPath, mode: 'auto' }).info;
    assert.equal(info.level, 'sandbox', info.summary);
  });

  it('leaves no process behind when the server is killed with SIGKILL while workers start (30 rounds)', async () => {
    const ROUNDS = 30;
    let caught = 0;
    const leaks: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The sandbox's files live under this process's temporary folder, so every process of
      // this round's sandboxes names it on its command line.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-orphan-'));
      const script = `const { FunctionRuntime } = require(${JSON.stringify(RUNTIME)});
        new FunctionRuntime({ prewarm: 1 });
        process.stdout.write('starting\\n');
        const more = () => { new FunctionRuntime({ prewarm: 1 }); setImmediate(more); };
        more();`;
      const server = spawn(process.execPath, ['-e', script], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((r) => server.once('exit', r));
      await new Promise((r) => server.stdout.once('data', r));
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 300));
      if (processesWith(tmp).length > 0) caught++;
      server.kill('SIGKILL');
      await exited;
      const left = await goneWithin(tmp, 3000);
      if (left.length > 0) leaks.push(`round ${round + 1}: ${JSON.stringify(left)}`);
      killAll(left);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`      ${caught} of ${ROUNDS} kills left sandbox processes to end; ${leaks.length} outlived 3 s`);
    assert.ok(caught > ROUNDS / 2, `the server was killed while sandboxes were running in only ${caught} rounds`);
    assert.deepEqual(leaks, [], 'sandbox processes outlived the server');
  });

  it('the guard starts nothing when its server is already gone', () => {
    const marker = `${process.pid}.${Date.now()}`;
    const [cmd, ...args] = guarded(SETPRIV, 1, ['/bin/echo', `started ${marker}`]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => {
        try {
          assert.equal(code, GUARD_PARENT_GONE);
          assert.equal(out, '');
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  });

  it('the guard ends its whole process group with its server, processes that never armed a death signal included', async () => {
    // Two sleeps stand for the sandbox's processes that have not armed --die-with-parent yet.
    const marker = `3600.${process.pid}${Date.now() % 100000}`;
    const script = `const { spawn } = require('child_process');
      const { guarded } = require(${JSON.stringify(SANDBOX)});
      const [cmd, ...args] = guarded(${JSON.stringify(SETPRIV)}, process.pid, ['/bin/sh', '-c', 'sleep ${marker} & sleep ${marker}']);
      spawn(cmd, args, { stdio: 'ignore', detached: true });
      setInterval(() => undefined, 1000);`;
    const server = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const exited = new Promise((r) => server.once('exit', r));
    const started = Date.now();
    while (processesWith(`sleep\0${marker}`).length < 2 && Date.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(processesWith(`sleep\0${marker}`).length, 2, 'both stand-ins started');
    server.kill('SIGKILL');
    await exited;
    const left = await goneWithin(`sleep\0${marker}`, 3000);
    killAll(left);
    assert.deepEqual(left, [], 'processes of the group outlived their server');
  });
});
