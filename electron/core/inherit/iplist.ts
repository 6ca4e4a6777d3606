// The vendor's "inherited installation": pure pieces. The list a host that already runs the agent is
// given (Huawei's iplist.cfg: `IP [password]` per line), the checks a host list must pass to be
// written in that form, the prompts the vendor's script asks in its PTY, and which hosts its output
// confirms. No I/O here: electron/core/inherit/run.ts does the SSH side.
import ipaddr from 'ipaddr.js';
import type { HostEntry, HostListProblem } from '../../common/hosts';

/** What the vendor's script logs in as (the list cannot say another user or port). */
export const INHERITED_USER = 'root';
export const INHERITED_PORT = 22;

export interface IplistLine {
  ip: string;
  /** Absent: the script uses the default password it asks for. */
  password?: string | undefined;
}

/** A password iplist.cfg can carry: fields are separated by whitespace, lines by newlines. */
export function iplistPasswordOk(pw: string): boolean {
  // eslint-disable-next-line no-control-regex
  return pw.length > 0 && !/[\s\u0000-\u001f\u007f\u2028\u2029\ufeff]/u.test(pw);
}

/**
 * Problems that keep a parsed host list from becoming iplist.cfg: the vendor's script takes IP
 * addresses and logs in as root on port 22 itself, with a password (no key). Never quotes a password.
 */
export function iplistProblems(hosts: readonly HostEntry[]): HostListProblem[] {
  const problems: HostListProblem[] = [];
  const seen = new Set<string>();
  for (const h of hosts) {
    const say = (message: string) => problems.push({ line: h.line, message });
    if (!ipaddr.isValid(h.host)) say(`${h.host} is not an IP address: the vendor's iplist.cfg takes IP addresses`);
    if (h.port !== INHERITED_PORT) say(`gives port ${h.port}: the vendor's script logs in on port ${INHERITED_PORT} itself`);
    if (h.user !== INHERITED_USER) say(`gives user ${h.user}: the vendor's script logs in as ${INHERITED_USER} itself`);
    if (h.privateKey) say("gives a private key: the vendor's script logs in with a password");
    if (h.jump !== undefined) say('names a jump server: the hosts are reached from the host that has the agent, in its subnet');
    if (h.password !== undefined && !iplistPasswordOk(h.password)) say('has a password with a space or control character, which iplist.cfg cannot carry');
    if (seen.has(h.host)) say(`${h.host} is listed twice`);
    seen.add(h.host);
  }
  return problems;
}

/** iplist.cfg's text: `IP password` or `IP` per line, with a trailing newline (the vendor's script reads lines). */
export function iplistText(lines: readonly IplistLine[]): string {
  return lines
    .map((l) => {
      if (!ipaddr.isValid(l.ip)) throw new Error(`${l.ip} is not an IP address`);
      if (l.password === undefined) return `${l.ip}\n`;
      if (!iplistPasswordOk(l.password)) throw new Error(`the password for ${l.ip} cannot be written in iplist.cfg`);
      return `${l.ip} ${l.password}\n`;
    })
    .join('');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/** One line of terminal output as text: escape sequences and carriage returns removed. */
export function plainLine(line: string): string {
  const l = line.replace(ANSI, '');
  // A PTY ends lines with \r\n; a bare \r redraws the line, and what follows it is what shows.
  const parts = l.replace(/\r+$/, '').split('\r');
  return parts[parts.length - 1] ?? '';
}

export interface InstallerOutcome {
  /** Addresses the output confirmed (a line matching hostDone with that ip). */
  confirmed: Set<string>;
  /** The script's last line (finished), when it printed it. */
  finishedLine: string | null;
}

/** Reads the installer's whole output: which hosts it confirmed, and whether it printed its last line. */
export function parseInstallerOutput(output: string, re: { hostDone: RegExp; singleDone?: RegExp | undefined; finished?: RegExp | undefined }, singleIp?: string): InstallerOutcome {
  const confirmed = new Set<string>();
  let finishedLine: string | null = null;
  for (const raw of output.split('\n')) {
    const line = plainLine(raw);
    const m = re.hostDone.exec(line);
    const ip = m?.groups?.ip;
    if (ip && ipaddr.isValid(ip)) confirmed.add(normalizeIp(ip));
    if (singleIp && re.singleDone?.test(line)) confirmed.add(normalizeIp(singleIp));
    if (re.finished?.test(line)) finishedLine = line.trim();
  }
  return { confirmed, finishedLine };
}

/** One form per address (IPv6 compressed), so the output and the list compare equal. */
export function normalizeIp(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.parse(ip).toString() : ip;
}

export interface Prompt {
  re: RegExp;
  /** What to type (without the Enter). */
  answer: () => string;
  /** Answer at most this many times (a wrong password makes ssh ask again). */
  max: number;
}

/**
 * Watches a PTY's output for prompts and says what to type: a prompt is the line being written (no
 * newline yet) matching one of the patterns. Each appearance is answered once.
 */
export class PromptResponder {
  private line = '';
  private readonly counts: number[];

  constructor(private readonly prompts: readonly Prompt[]) {
    this.counts = prompts.map(() => 0);
  }

  /** Takes the next output; returns what to write to the PTY now (each answer ends with Enter), if anything. */
  push(text: string): string[] {
    const out: string[] = [];
    for (const ch of text.split(/(\n)/)) {
      if (ch === '\n') {
        this.line = '';
        continue;
      }
      this.line += ch;
      if (this.line.length > 4096) this.line = this.line.slice(-4096);
      const shown = plainLine(this.line);
      const i = this.prompts.findIndex((p, k) => p.re.test(shown) && (this.counts[k] ?? 0) < p.max);
      if (i >= 0) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        out.push(`${(this.prompts[i] as Prompt).answer()}\r`);
        this.line = '';
      }
    }
    return out;
  }

  /** How many times each prompt was answered (in the order given). */
  answered(): number[] {
    return [...this.counts];
  }
}
