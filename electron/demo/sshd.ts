// One OpenSSH sshd process on a loopback address (127.0.0.0/8): spawned in the foreground with its
// own config and log file, ready once it logs that it listens, stopped together with every
// per-connection sshd it forked. The `outpost demo` sandbox (sshd run as the current user, keys only)
// and the integration tests' harness (sshd run as root, PAM and passwords) both run their servers
// through it; each writes its own sshd_config.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True when this process may run the file. */
export function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True for a dotted IPv4 address in 127.0.0.0/8. */
export function isLoopbackV4(host: string): boolean {
  return net.isIPv4(host) && host.split('.')[0] === '127';
}

/** A TCP port nothing listens on at host right now (the OS picks it; another process may take it before you do). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The process table (Linux: /proc; elsewhere: ps).

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  uid: number;
  /** The command line, arguments joined by spaces. */
  args: string;
}

const hasProc = () => fs.existsSync('/proc/self/stat');
const PROC_FILES = ['stat', 'status', 'cmdline'] as const;
const PS_ARGS = ['-A', '-o', 'pid=,ppid=,pgid=,uid=,command='];
const PS_MAX_BUFFER = 16 * 1024 * 1024;

function fromProc(pid: string, [stat, status, cmdline]: string[]): ProcInfo {
  // Fields after the ")" that ends the command name: state ppid pgrp ...
  const f = (stat ?? '').slice((stat ?? '').lastIndexOf(')') + 2).split(' ');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status ?? '')?.[1] ?? -1);
  return { pid: Number(pid), ppid: Number(f[1]), pgid: Number(f[2]), uid, args: (cmdline ?? '').split('\0').join(' ').trim() };
}

function fromPs(stdout: string): ProcInfo[] {
  return stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), uid: Number(m[4]), args: m[5] ?? '' }));
}

const isPid = (entry: string) => /^\d+$/.test(entry);

/** Every process on this machine. */
export async function listProcesses(): Promise<ProcInfo[]> {
  if (!hasProc()) return fromPs((await run('ps', PS_ARGS, { maxBuffer: PS_MAX_BUFFER })).stdout);
  const out: ProcInfo[] = [];
  for (const e of (await fsp.readdir('/proc')).filter(isPid)) {
    const files = await Promise.all(PROC_FILES.map((f) => fsp.readFile(`/proc/${e}/${f}`, 'utf8'))).catch(() => null);
    if (files) out.push(fromProc(e, files)); // else it ended while scanning
  }
  return out;
}

/** listProcesses(), blocking: for callers that must act at once (e.g. freeze a server's sessions). */
export function listProcessesSync(): ProcInfo[] {
  if (!hasProc()) return fromPs(execFileSync('ps', PS_ARGS, { encoding: 'utf8', maxBuffer: PS_MAX_BUFFER }));
  const out: ProcInfo[] = [];
  for (const e of fs.readdirSync('/proc').filter(isPid)) {
    try {
      out.push(fromProc(e, PROC_FILES.map((f) => fs.readFileSync(`/proc/${e}/${f}`, 'utf8'))));
    } catch {
      /* ended while scanning */
    }
  }
  return out;
}

/** The children of pid, their children, and so on, from a process list. */
export function descendantsIn(all: ProcInfo[], pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out = new Set<number>();
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      if (c === pid || out.has(c)) continue; // ps lists pid 0 as its own parent
      out.add(c);
      walk(c);
    }
  };
  walk(pid);
  return [...out];
}

export async function descendants(pid: number): Promise<number[]> {
  return descendantsIn(await listProcesses(), pid);
}

export function descendantsSync(pid: number): number[] {
  return descendantsIn(listProcessesSync(), pid);
}

/** Sends sig, ignoring a process that is gone already. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already */
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// One sshd.

export interface SshdStartOptions {
  /** Listen on this port: a bind failure is then an error, not a reason to try another port. */
  fixedPort?: number;
  /** How long to wait for sshd's "Server listening" line (default 8 s). */
  readyTimeoutMs?: number;
  /** Free ports to try when another process takes the picked one first (default 4). */
  attempts?: number;
}

/** sshd did not come up: what it printed, and whether the port was taken (a bind race). */
export class SshdStartError extends Error {
  constructor(
    readonly host: string,
    /** The port of the last attempt (0 when none was made). */
    readonly port: number,
    readonly stderr: string,
    /** The log sshd wrote during the last attempt. */
    readonly log: string,
    readonly bindRace: boolean,
  ) {
    super(`sshd on ${host}:${port} did not start${bindRace ? ' (the port was taken)' : ''}.\n${stderr}\n${log.split('\n').slice(-20).join('\n')}`);
    this.name = 'SshdStartError';
  }

  /** The last lines sshd printed, for a one-line message. */
  tail(lines: number): string {
    return (this.stderr + this.log).trim().split('\n').slice(-lines).join(' | ');
  }
}

const BIND_FAILED = /Address already in use|Bind to port|Cannot bind/i;

/**
 * One sshd listening on host (127.0.0.0/8 only), with its config (`sshd_config`) and log (`sshd.log`)
 * in dir. The log is appended to across restarts; readiness is looked for in what each start adds.
 */
export class LoopbackSshd {
  port = 0;
  private proc: ChildProcess | null = null;

  constructor(
    readonly host: string,
    readonly dir: string,
    readonly sshdPath: string,
  ) {
    if (!isLoopbackV4(host)) throw new Error(`A loopback sshd listens on 127.0.0.0/8 only, not ${host}`);
  }

  get logFile(): string {
    return path.join(this.dir, 'sshd.log');
  }

  get configFile(): string {
    return path.join(this.dir, 'sshd_config');
  }

  /** The listener's pid while it runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /**
   * Writes config(port) and starts sshd; resolves once it listens. On a bind race (the free port
   * was taken before sshd bound it) it tries another port, unless fixedPort is set.
   */
  async start(config: (port: number) => string, opts: SshdStartOptions = {}): Promise<void> {
    if (this.proc) return;
    let failure: SshdStartError | null = null;
    for (let attempt = 0; attempt < (opts.attempts ?? 4); attempt++) {
      this.port = opts.fixedPort ?? (await freePort(this.host));
      await fsp.writeFile(this.configFile, config(this.port), { mode: 0o600 });
      const logStart = await fsp.stat(this.logFile).then(
        (st) => st.size,
        () => 0,
      );
      // -D: foreground, so this process owns its pid; -E: log to a file (readiness, diagnostics).
      const proc = spawn(this.sshdPath, ['-D', '-E', this.logFile, '-f', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let spawnFailed = false;
      proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.on('error', (err) => {
        spawnFailed = true;
        stderr += `${err.message}\n`;
      });
      this.proc = proc;
      if (await this.waitReady(proc, logStart, opts.readyTimeoutMs ?? 8000, () => spawnFailed)) return;
      await this.stop();
      const log = (await fsp.readFile(this.logFile).catch(() => Buffer.alloc(0))).subarray(logStart).toString('utf8');
      failure = new SshdStartError(this.host, this.port, stderr, log, BIND_FAILED.test(log + stderr));
      if (!failure.bindRace || opts.fixedPort !== undefined) break;
    }
    throw failure ?? new SshdStartError(this.host, 0, '', '', true);
  }

  // Ready when sshd logs that it listens: probing with a TCP connection would add a "Connection from"
  // line to the log (which the tests count).
  private async waitReady(proc: ChildProcess, logStart: number, timeoutMs: number, failed: () => boolean): Promise<boolean> {
    const want = `Server listening on ${this.host} port ${this.port}.`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (failed() || proc.exitCode !== null || proc.signalCode !== null) return false;
      const log = await fsp.readFile(this.logFile).catch(() => Buffer.alloc(0));
      if (log.subarray(logStart).toString('utf8').includes(want)) return true;
      await sleep(25);
    }
    return false;
  }

  /** The per-connection sshd processes (and what they run) below the listener. */
  descendantPids(): number[] {
    return this.proc?.pid ? descendantsSync(this.proc.pid) : [];
  }

  /** Stops the listener and every process below it: SIGCONT (in case they were frozen), SIGTERM, then SIGKILL after 3 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
    const pids = [...(await descendants(proc.pid)), proc.pid];
    for (const p of pids) signal(p, 'SIGCONT');
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    for (const p of pids) signal(p, 'SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    for (const p of pids) if (alive(p)) signal(p, 'SIGKILL');
  }
}
