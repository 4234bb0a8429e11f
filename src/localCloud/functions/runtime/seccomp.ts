// The seccomp filter every sandboxed worker runs under, compiled to classic BPF bytes for
// bubblewrap's `--seccomp FD`. The namespaces already keep a function away from the server;
// this refuses, on top, the system calls a function has no use for and that would let it
// accept connections (listen/accept: no inspector, no server), inspect or steer other
// processes (ptrace, process_vm_*), reach the kernel's larger attack surface (bpf,
// perf_event_open, userfaultfd, keyrings, mounts, namespaces, modules) or bypass this very
// filter (io_uring runs operations without system calls; libuv falls back without it), and
// clone() with namespace flags (no nested sandbox of its own; clone3, whose flags a classic
// filter cannot read, answers ENOSYS so that the C library falls back to clone).

const EPERM = 1;
const ENOSYS = 38;

/** Linux audit architecture numbers and the system call numbers refused there. */
interface ArchTable {
  audit: number;
  /** System call numbers at and above this are another ABI (x32): refused as a whole. */
  abiLimit?: number;
  refused: Record<string, number>;
  /** Answered with ENOSYS (so that callers fall back) rather than EPERM. */
  missing: Record<string, number>;
  /** clone(): refused when its flags ask for a new namespace. */
  clone: number;
}

const TABLES: Partial<Record<NodeJS.Architecture, ArchTable>> = {
  x64: {
    audit: 0xc000003e,
    abiLimit: 0x40000000,
    refused: {
      listen: 50,
      accept: 43,
      accept4: 288,
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      perf_event_open: 298,
      bpf: 321,
      userfaultfd: 323,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      unshare: 272,
      setns: 308,
      kexec_load: 246,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      open_by_handle_at: 304,
      name_to_handle_at: 303,
    },
    missing: { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, clone3: 435 },
    clone: 56,
  },
  arm64: {
    audit: 0xc00000b7,
    refused: {
      listen: 201,
      accept: 202,
      accept4: 242,
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      perf_event_open: 241,
      bpf: 280,
      userfaultfd: 282,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      unshare: 97,
      setns: 268,
      kexec_load: 104,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      open_by_handle_at: 265,
      name_to_handle_at: 264,
    },
    missing: { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, clone3: 435 },
    clone: 220,
  },
};

// Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
/** The low 32 bits of the first argument (little-endian), clone's flags. */
const OFFSET_ARG0 = 16;
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NEW_ANY = 0x7e020000;

/** The system calls refused on this architecture, by name (for the docs and tests). */
export function refusedSyscalls(arch: NodeJS.Architecture = process.arch): string[] {
  const t = TABLES[arch];
  return t ? [...Object.keys(t.refused), ...Object.keys(t.missing)] : [];
}

/**
 * The filter as bytes (8 per instruction, little-endian), or undefined on an architecture
 * without a table: the sandbox then runs without it and says so.
 */
export function seccompProgram(arch: NodeJS.Architecture = process.arch): Buffer | undefined {
  const t = TABLES[arch];
  if (!t) return undefined;
  type Insn = [code: number, jt: number, jf: number, k: number];
  const refused = Object.values(t.refused);
  const missing = Object.values(t.missing);
  // Layout: arch check, kill, load nr, [abi check], clone check (3), refused checks,
  // missing checks, allow, deny (EPERM), deny (ENOSYS).
  const head: Insn[] = [
    [LD_W_ABS, 0, 0, OFFSET_ARCH],
    [JEQ_K, 1, 0, t.audit],
    [RET_K, 0, 0, RET_KILL_PROCESS],
    [LD_W_ABS, 0, 0, OFFSET_NR],
  ];
  const checks = (t.abiLimit ? 1 : 0) + 3 + refused.length + missing.length;
  const allowAt = head.length + checks;
  const epermAt = allowAt + 1;
  const enosysAt = allowAt + 2;
  const prog: Insn[] = [...head];
  const jumpTo = (target: number): number => target - (prog.length + 1);
  if (t.abiLimit) prog.push([JGE_K, jumpTo(epermAt), 0, t.abiLimit]);
  prog.push([JEQ_K, 0, 2, t.clone], [LD_W_ABS, 0, 0, OFFSET_ARG0]);
  prog.push([JSET_K, jumpTo(epermAt), jumpTo(allowAt), CLONE_NEW_ANY]);
  for (const nr of refused) prog.push([JEQ_K, jumpTo(epermAt), 0, nr]);
  for (const nr of missing) prog.push([JEQ_K, jumpTo(enosysAt), 0, nr]);
  prog.push([RET_K, 0, 0, RET_ALLOW], [RET_K, 0, 0, RET_ERRNO | EPERM], [RET_K, 0, 0, RET_ERRNO | ENOSYS]);
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    if (jt > 255 || jf > 255) throw new Error('seccomp program too long for a BPF jump');
    out.writeUInt16LE(code, i * 8);
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(jf, i * 8 + 3);
    out.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return out;
}
