// The wizard's host lists: a pasted or imported list read as `outpost batch --hosts` reads it, and the
// vendor's iplist.cfg lines.
import { checkIp } from '../../../electron/common/validate';
import { parseHostList, type HostListResult } from '../../../electron/common/hosts';

export interface ParsedLine {
  line: number;
  host: string;
  password: string | null;
  problem: string | null;
}

/**
 * A pasted or imported host list, read as `outpost batch --hosts` reads it: iplist.cfg (`IP [password]`)
 * or CSV with a header row (host,port,user,password,privateKey,name,jump), ranges and CIDR blocks
 * expanded; each problem with its line number (never quoting a password). `columns`: the profile's
 * per-host values, CSV columns of those names (each host's `vars`).
 */
export function readHostList(text: string, defaults: { user: string; port: number }, columns: readonly string[] = []): HostListResult {
  if (!text.trim()) return { format: 'iplist', hosts: [], problems: [] };
  return parseHostList(text, { defaults, hostColumns: columns });
}

/** `IP [password]` per line, as the vendor's iplist.cfg; blank lines and `#` comments are skipped. */
export function parseIpList(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const s = raw.trim();
    if (!s || s.startsWith('#')) return;
    const m = /^(\S+)(?:\s+(.+))?$/.exec(s);
    const host = m?.[1] ?? '';
    const password = m?.[2]?.trim() || null;
    out.push({ line: i + 1, host, password, problem: checkIp(host) });
  });
  return out;
}
