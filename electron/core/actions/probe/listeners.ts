// Reading which TCP ports a host listens on, from `ss -ltnp` or, on older hosts, `netstat -lnpt`
// (the seed's own check), so the tunnel can be reported port by port.

export interface Listener {
  host: string;
  port: number;
  /** Process name when the tool could tell (root, or the user's own processes). */
  process?: string;
  pid?: number;
}

/** The script run on the jump server: prefers ss, falls back to netstat as the vendor's guide does. */
export const LISTENERS_SCRIPT =
  'if command -v ss >/dev/null 2>&1; then echo "#tool ss"; ss -ltnp 2>/dev/null || ss -ltn; ' +
  'elif command -v netstat >/dev/null 2>&1; then echo "#tool netstat"; netstat -lnpt 2>/dev/null || netstat -lnt; ' +
  'else echo "#tool none"; fi';

function splitHostPort(s: string): { host: string; port: number } | null {
  const m = /^(.*)[:.](\d+)$/.exec(s);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  let host = m[1];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // ss prints "*" and netstat "0.0.0.0"/":::" for the wildcard; IPv4-mapped "::ffff:1.2.3.4".
  if (host === '*' || host === '::' || host === '') host = '0.0.0.0';
  host = host.replace(/^::ffff:/, '').replace(/%.*$/, '');
  return { host, port: Number(m[2]) };
}

export function parseListeners(output: string): { tool: 'ss' | 'netstat' | 'none' | 'unknown'; listeners: Listener[] } {
  let tool: 'ss' | 'netstat' | 'none' | 'unknown' = 'unknown';
  const listeners: Listener[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const t = /^#tool (ss|netstat|none)$/.exec(line);
    if (t) {
      tool = t[1] as typeof tool;
      continue;
    }
    const cols = line.split(/\s+/);
    let local: string | undefined;
    let procInfo = '';
    if (cols[0] === 'LISTEN' && cols.length >= 5) {
      local = cols[3];
      procInfo = cols.slice(5).join(' ');
    } else if (/^tcp6?$/.test(cols[0] ?? '') && cols.includes('LISTEN')) {
      local = cols[3];
      procInfo = cols[cols.indexOf('LISTEN') + 1] ?? '';
    }
    if (!local) continue;
    const hp = splitHostPort(local);
    if (!hp) continue;
    const l: Listener = { ...hp };
    const ssProc = /\("([^"]+)",pid=(\d+)/.exec(procInfo);
    const nsProc = /^(\d+)\/(\S+)/.exec(procInfo);
    if (ssProc?.[1] && ssProc[2]) Object.assign(l, { process: ssProc[1], pid: Number(ssProc[2]) });
    else if (nsProc?.[1] && nsProc[2]) Object.assign(l, { process: nsProc[2], pid: Number(nsProc[1]) });
    listeners.push(l);
  }
  return { tool, listeners };
}

/** Is something listening where a forward should (exact address, or the wildcard)? */
export function findListener(listeners: Listener[], host: string, port: number): Listener | undefined {
  return listeners.find((l) => l.port === port && (host === '*' || l.host === host || l.host === '0.0.0.0' || l.host === '::'));
}
