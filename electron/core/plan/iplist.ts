// The vendor's "inherited installation": pure pieces. The list a host that already runs the agent is
// given (Huawei's iplist.cfg: `IP [password]` per line) and the checks a host list must pass to be
// written in that form. ./inherited.ts builds the plan; the engine runs it like any other.
import ipaddr from 'ipaddr.js';
import type { HostEntry, HostListProblem } from '../../common/hosts';

export { plainLine, PromptResponder, type Prompt } from '../exec/prompts';

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

export { normalizeIp, parseInstallerOutput, type InstallerOutcome } from '../actions/confirm';
