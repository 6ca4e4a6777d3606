// Preflight on a target, before anything is changed: one read-only POSIX script gathers facts,
// a pure function judges them. Each check is pass / warn / fail with a hint.
import type { CheckResult } from '../../../common/api/run';
import { quotePosix } from '../../quote';

export interface ReachTarget {
  name: string;
  host: string;
  port: number;
}

export interface PreflightInput {
  installDir: string;
  reach: ReachTarget[];
  /** Commands whose presence is reported (tool_<name>=yes|no). */
  tools?: string[];
  /** Minimum free space in the install folder's file system, in MiB. */
  minFreeMiB?: number;
  /** Whether sudo is asked about (false: no step runs as root, so the privilege check is not made). */
  sudo?: boolean;
}

/**
 * Read-only: prints `key=value` lines. Never writes anything on the target. Each process costs on a
 * busy host and a batch runs this on hundreds: one `date`, one `uname`, one `id` (split by the shell),
 * one `df`; sudo only when a step runs as root.
 */
export function preflightScript(input: PreflightInput): string {
  const lines = [
    'export LC_ALL=C',
    "date '+now=%s%ntz=%z'",
    'set -- $(uname -sm); echo "os=$1"; echo "arch=$2"',
    // `id` prints uid=0(root) gid=…: both facts from one process.
    'i=$(id); i=${i%% *}; u=${i#uid=}; echo "uid=${u%%(*}"; u=${u#*\\(}; echo "user=${u%\\)}"',
    `d=${quotePosix(input.installDir)}`,
    'while [ ! -d "$d" ]; do d=$(dirname "$d"); done',
    'echo "diskdir=$d"',
    // df -P: a header line, then filesystem, size, used, available, …
    'set -- $(df -Pk "$d" 2>/dev/null); echo "diskfree_kb=${11:-}"',
    'if [ -w "$d" ]; then echo writable=yes; else echo writable=no; fi',
    `for t in ${[...new Set(['bash', 'timeout', ...(input.tools ?? [])])].filter((t) => /^[A-Za-z0-9_.+-]+$/.test(t)).join(' ')}; do if command -v "$t" >/dev/null 2>&1; then echo "tool_$t=yes"; else echo "tool_$t=no"; fi; done`,
    ...(input.sudo === false ? [] : ['if command -v sudo >/dev/null 2>&1; then if sudo -n true 2>/dev/null; then echo sudo=yes; else echo sudo=password; fi; else echo sudo=none; fi']),
  ];
  for (const r of input.reach) {
    const probe = `exec 3<>/dev/tcp/${r.host}/${r.port}`;
    lines.push(
      `if timeout 5 bash -c ${quotePosix(probe)} 2>/dev/null; then echo ${quotePosix(`reach_${r.port}=open`)}; else echo ${quotePosix(`reach_${r.port}=closed`)}; fi`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Windows' PROCESSOR_ARCHITECTURE (or Node's arch) in the names profiles use. */
export function windowsArch(a: string): string {
  const m: Record<string, string> = { AMD64: 'x86_64', x64: 'x86_64', ARM64: 'aarch64', arm64: 'aarch64', x86: 'i686', ia32: 'i686' };
  return m[a] ?? a;
}

export function parseFacts(output: string): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^([a-z_0-9]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) facts.set(m[1], m[2] ?? '');
  }
  return facts;
}

function tzOffsetMinutes(z: string): number | null {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(z);
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export interface JudgeContext {
  /** Workstation time (seconds since epoch) at the middle of the round trip. */
  localNowSec: number;
  /** Workstation UTC offset in minutes east (e.g. +480 for UTC+8). */
  localTzMinutes: number;
  supportedArch: string[];
  reach: ReachTarget[];
  minFreeMiB: number;
  installDir: string;
  /** Each group: at least one of these commands must exist (none: tools are not judged). */
  tools?: string[][];
  /** Which checks to make (all when absent). */
  only?: Set<'clock' | 'platform' | 'disk' | 'tools' | 'privilege' | 'reach'>;
  /** The target's OS (default linux): Windows facts come from PowerShell or, on this computer, from Node. */
  os?: 'linux' | 'windows';
}

export function judgePreflight(facts: Map<string, string>, c: JudgeContext): CheckResult[] {
  const out: CheckResult[] = [];
  const remoteNow = Number(facts.get('now'));
  if (Number.isFinite(remoteNow)) {
    const skew = Math.round(remoteNow - c.localNowSec);
    const abs = Math.abs(skew);
    const detail = abs <= 2 ? 'in step with this computer' : `${abs} s ${skew > 0 ? 'ahead of' : 'behind'} this computer`;
    out.push(
      abs > 300
        ? { name: 'clock', status: 'fail', detail, hint: 'Set the host clock right (chrony/ntpdate): log reporting breaks when the times differ.' }
        : abs > 30
          ? { name: 'clock', status: 'warn', detail, hint: 'Synchronise the host clock with NTP; the agent\'s reports may be rejected.' }
          : { name: 'clock', status: 'pass', detail },
    );
  } else {
    out.push({ name: 'clock', status: 'warn', detail: 'the host did not report its time', hint: 'Check `date` on the host.' });
  }
  const tz = tzOffsetMinutes(facts.get('tz') ?? '');
  if (tz !== null && tz !== c.localTzMinutes) {
    out.push({ name: 'time zone', status: 'warn', detail: `host is UTC${facts.get('tz')}, this computer is UTC${formatTz(c.localTzMinutes)}`, hint: 'The vendor asks for the same time zone on both sides; logs may show shifted times.' });
  } else if (tz !== null) {
    out.push({ name: 'time zone', status: 'pass', detail: `UTC${facts.get('tz')}` });
  }

  const os = facts.get('os') ?? '?';
  const arch = facts.get('arch') ?? '?';
  if (c.os === 'windows') {
    const a = windowsArch(arch);
    if (os !== 'Windows') out.push({ name: 'system', status: 'warn', detail: 'the host did not say its system', hint: 'Check that PowerShell runs for this login.' });
    else if (!c.supportedArch.includes(a)) out.push({ name: 'system', status: 'fail', detail: `Windows ${arch}`, hint: `The agent supports ${c.supportedArch.join(', ')}.` });
    else out.push({ name: 'system', status: 'pass', detail: `Windows ${arch}` });
  } else if (os !== 'Linux') out.push({ name: 'system', status: 'fail', detail: `${os} ${arch}`, hint: 'This profile installs on Linux hosts; use the Windows flow for Windows.' });
  else if (!c.supportedArch.includes(arch)) out.push({ name: 'system', status: 'fail', detail: `Linux ${arch}`, hint: `The agent supports ${c.supportedArch.join(', ')}.` });
  else out.push({ name: 'system', status: 'pass', detail: `Linux ${arch}` });

  const freeKb = Number(facts.get('diskfree_kb'));
  const dir = facts.get('diskdir') ?? c.installDir;
  if (!Number.isFinite(freeKb)) out.push({ name: 'disk', status: 'warn', detail: `free space in ${dir} unknown`, hint: 'Check `df -h` on the host.' });
  else if (freeKb / 1024 < c.minFreeMiB) out.push({ name: 'disk', status: 'fail', detail: `${Math.floor(freeKb / 1024)} MiB free in ${dir}`, hint: `Free at least ${c.minFreeMiB} MiB there.` });
  else out.push({ name: 'disk', status: 'pass', detail: `${Math.floor(freeKb / 1024)} MiB free in ${dir}` });

  if (c.tools?.length) {
    const has = (t: string) => facts.get(`tool_${t}`) === 'yes';
    const missing = c.tools.filter((g) => !g.some(has)).map((g) => g.join(' or '));
    if (missing.length) out.push({ name: 'tools', status: 'fail', detail: `missing: ${missing.join(', ')}`, hint: "Install them with the host's package manager." });
    else out.push({ name: 'tools', status: 'pass', detail: c.tools.map((g) => g.find(has) ?? '').join(', ') });
  }

  const uid = facts.get('uid');
  const user = facts.get('user') ?? '?';
  const sudo = facts.get('sudo');
  // Steps marked root run as root (sudo -n when the login user is not root): being able to write the
  // install folder is not enough.
  // Windows: elevation is its own check (run.ts windowsElevation), not root or sudo.
  if (c.os === 'windows') {
    /* nothing here */
  } else if (uid === '0') out.push({ name: 'privilege', status: 'pass', detail: 'root' });
  else if (sudo === 'yes') out.push({ name: 'privilege', status: 'pass', detail: `${user}, with sudo (no password)` });
  else
    out.push({
      name: 'privilege',
      status: 'fail',
      detail: sudo === 'password' ? `${user} is not root and sudo asks for a password` : `${user} is not root and has no sudo`,
      hint: 'Log in as root (the vendor installs as root), or allow this user `sudo` without a password (NOPASSWD).',
    });

  if (c.reach.length) {
    const closed = c.reach.filter((r) => facts.get(`reach_${r.port}`) !== 'open');
    if (c.os === 'windows' ? c.reach.some((r) => !facts.has(`reach_${r.port}`)) : facts.get('tool_timeout') !== 'yes' || facts.get('tool_bash') !== 'yes') {
      out.push({ name: 'ports', status: 'warn', detail: c.os === 'windows' ? 'could not check: the host did not report its connection tests' : 'cannot probe ports (bash or timeout missing)', hint: 'Check reachability by hand.' });
    } else if (closed.length) {
      out.push({
        name: 'ports',
        status: 'fail',
        detail: `not reachable from the host: ${closed.map((r) => `${r.name} (${r.host}:${r.port})`).join(', ')}`,
        hint: 'Check the tunnel on the jump server ("check tunnel"), the security group rule, and firewalls between the host and the connection IP.',
      });
    } else {
      out.push({ name: 'ports', status: 'pass', detail: `all ${c.reach.length} agent ports reachable at ${[...new Set(c.reach.map((r) => r.host))].join(', ')}` });
    }
  }
  return c.only ? out.filter((x) => c.only?.has(CHECK_OF[x.name] ?? 'clock')) : out;
}

const CHECK_OF: Record<string, 'clock' | 'platform' | 'disk' | 'tools' | 'privilege' | 'reach'> = {
  clock: 'clock',
  'time zone': 'clock',
  system: 'platform',
  disk: 'disk',
  tools: 'tools',
  privilege: 'privilege',
  ports: 'reach',
};

function formatTz(min: number): string {
  const s = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${s}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}
