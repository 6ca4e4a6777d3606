// Field validators shared by the answers and profile schemas. Each returns null when the value is
// acceptable, or a message that names the value (never used for secrets) and what is expected.
// Values that reach a shell are always quoted as well; these rules keep them meaningful and keep
// the characters a given shell cannot express (cmd) out of Windows-bound fields.
import ipaddr from 'ipaddr.js';

const show = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);

/** IPv4 in four-part decimal, or IPv6 without a zone id (a `%zone` has no meaning on another host). */
export function checkIp(v: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(v)) return null;
  if (!v.includes('%') && ipaddr.IPv6.isValid(v)) return null;
  return `${show(v)} is not an IPv4 or IPv6 address`;
}

export function isIpv6(v: string): boolean {
  return !ipaddr.IPv4.isValidFourPartDecimal(v) && ipaddr.IPv6.isValid(v);
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** An RFC 1123 host name (letters, digits, hyphens; dot-separated labels of at most 63; 253 in all). */
export function checkHostname(v: string): string | null {
  const name = v.endsWith('.') ? v.slice(0, -1) : v;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l)) || /^[0-9.]+$/.test(name)) {
    return `${show(v)} is not a valid host name`;
  }
  return null;
}

/** A domain: a host name with at least two labels. */
export function checkDomain(v: string): string | null {
  if (checkHostname(v) === null && v.replace(/\.$/, '').includes('.')) return null;
  return `${show(v)} is not a valid domain name`;
}

export function checkHost(v: string): string | null {
  if (checkIp(v) === null || checkHostname(v) === null) return null;
  return `${show(v)} is neither an IP address nor a valid host name`;
}

export function checkCidr(v: string): string | null {
  try {
    ipaddr.parseCIDR(v);
    const [addr] = v.split('/');
    if (addr !== undefined && checkIp(addr) === null) return null;
  } catch {
    // fall through
  }
  return `${show(v)} is not a CIDR block (e.g. 203.0.113.0/24)`;
}

export function checkPort(v: number): string | null {
  return Number.isInteger(v) && v >= 1 && v <= 65535 ? null : `${v} is not a TCP port (1-65535)`;
}

/** `host:port` or `[ipv6]:port`. */
export function parseHostPort(v: string): { host: string; port: number } | string {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(v) ?? /^([^:[\]]+):(\d{1,5})$/.exec(v);
  if (!m || m[1] === undefined || m[2] === undefined) return `${show(v)} is not host:port (use [addr]:port for IPv6)`;
  const host = m[1];
  const port = Number(m[2]);
  const bad = (m[0].startsWith('[') ? checkIp(host) : checkHost(host)) ?? checkPort(port);
  return bad ?? { host, port };
}

export const REGION_ID = /^[a-z]{2,}(?:-[a-z0-9]+){1,4}$/;
export function checkRegionId(v: string): string | null {
  return REGION_ID.test(v) && v.length <= 40 ? null : `${show(v)} is not a region id (lower-case letters, digits and hyphens, e.g. cn-north-4)`;
}

export function checkDcName(v: string): string | null {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v) ? null : `${show(v)} is not a valid DC name (letters, digits, . _ -; at most 64)`;
}

export function checkProjectId(v: string): string | null {
  return /^[A-Za-z0-9_-]{1,64}$/.test(v) ? null : `${show(v)} is not a project ID (letters, digits, _ and -)`;
}

/** A login name usable on Linux (also safe in a systemd unit and an ssh destination). */
export function checkPosixUser(v: string): string | null {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(v) ? null : `${show(v)} is not a valid Linux user name`;
}

/** A login name for any target (Windows names may hold a domain: DOMAIN\\user or user@domain). */
export function checkLoginUser(v: string): string | null {
  return /^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,63}$/.test(v) ? null : `${show(v)} is not a valid user name`;
}

export function checkEnvName(v: string): string | null {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(v) ? null : `${show(v)} is not an environment variable name`;
}

export function checkStoredKey(v: string): string | null {
  return /^[A-Za-z0-9_.:-]{1,128}$/.test(v) ? null : `${show(v)} is not a stored-secret key`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An absolute POSIX path. Any printable character is allowed (it is quoted); no `..` segment. */
export function checkPosixAbsPath(v: string): string | null {
  if (!v.startsWith('/') || CONTROL.test(v) || v.split('/').includes('..') || v.length > 1024) {
    return `${show(v)} is not an absolute path without control characters or ".."`;
  }
  return null;
}

/** A local path (key file): any printable text; `~` is expanded by whoever opens it. */
export function checkLocalPath(v: string): string | null {
  return v.length > 0 && v.length <= 4096 && !CONTROL.test(v) ? null : `${show(v)} is not a file path`;
}

/** An absolute Windows path that cmd and batch files can carry: no % ! " & | < > ^ * ? or control characters. */
export function checkWindowsAbsPath(v: string): string | null {
  if (!/^[A-Za-z]:\\/.test(v) || (v.length > 3 && v.endsWith('\\')) || CONTROL.test(v) || /[%!"&|<>^*?/]/.test(v) || v.split('\\').includes('..') || v.length > 240) {
    return `${show(v)} is not an absolute Windows path (like C:\\Agent) without % ! " & | < > ^ * ?, ".." or a trailing backslash`;
  }
  return null;
}

export function checkSha256(v: string): string | null {
  return /^[A-Fa-f0-9]{64}$/.test(v) ? null : `${show(v)} is not a SHA-256 (64 hex digits)`;
}
