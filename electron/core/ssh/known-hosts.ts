// The app's own known_hosts store, in OpenSSH's format so users can inspect it with ssh-keygen -F
// and copy entries from their ~/.ssh/known_hosts. Reads plain, [host]:port, comma-listed, negated,
// wildcard and hashed (|1|salt|hmac) entries; writes hashed entries by default, as
// HashKnownHosts=yes does, so the file does not list the user's hosts in clear.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';

export type HostKeyLookup =
  | 'match'
  | 'unknown'
  /** The host is known with other key(s): possible man-in-the-middle, or a reinstalled host. */
  | { changed: string; knownKeyType: string }
  /** The presented key is marked @revoked. */
  | { revoked: string };

export interface KnownHostEntry {
  marker: '' | '@revoked' | '@cert-authority';
  /** The host field as written: patterns, or a |1|salt|hash. */
  hosts: string;
  keyType: string;
  /** Raw key blob (SSH wire format). */
  key: Buffer;
  line: number;
}

/** OpenSSH's fingerprint form: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format key blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('host key blob too short');
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) throw new Error('host key blob malformed');
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** "ssh-ed25519 AAAA…": the public key as a known_hosts / authorized_keys line carries it. */
export function publicKeyLine(keyBlob: Buffer): string {
  return `${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** How OpenSSH names a host in known_hosts: the bare name on port 22, "[host]:port" otherwise. */
export function hostKeyName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** A hashed host field, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = '';
    if (parts[0]?.startsWith('@')) {
      const m = parts.shift();
      if (m !== '@revoked' && m !== '@cert-authority') return;
      marker = m;
    }
    const [hosts, keyType, b64] = parts;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    try {
      if (keyTypeOf(key) !== keyType) return;
    } catch {
      return;
    }
    out.push({ marker, hosts, keyType, key, line: i + 1 });
  });
  return out;
}

/** Does one known_hosts host field name this host? (OpenSSH's match_hostname, plus hashed entries.) */
export function hostFieldMatches(field: string, host: string, port = 22): boolean {
  const name = hostKeyName(host, port);
  if (field.startsWith('|1|')) {
    const [, , saltB64, macB64] = field.split('|');
    if (!saltB64 || !macB64) return false;
    const want = Buffer.from(macB64, 'base64');
    const got = createHmac('sha1', Buffer.from(saltB64, 'base64')).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  let matched = false;
  for (const pat of field.split(',')) {
    const negated = pat.startsWith('!');
    const p = (negated ? pat.slice(1) : pat).toLowerCase();
    if (!p) continue;
    if (globMatch(p, name)) {
      if (negated) return false; // a negated match wins over everything
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** Host key algorithms to offer for a known key type, best first (RSA keys sign with several). */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

export class KnownHosts {
  /** The parsed file while it is unchanged (a batch looks up hundreds of hosts in one file). */
  private cache: { mtimeMs: number; size: number; entries: KnownHostEntry[] } | null = null;

  constructor(readonly file: string) {}

  async entries(): Promise<KnownHostEntry[]> {
    try {
      const st = await fsp.stat(this.file);
      if (this.cache && this.cache.mtimeMs === st.mtimeMs && this.cache.size === st.size) return this.cache.entries;
      const entries = parseKnownHosts(await fsp.readFile(this.file, 'utf8'));
      this.cache = { mtimeMs: st.mtimeMs, size: st.size, entries };
      return entries;
    } catch (err) {
      this.cache = null;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Entries (no markers) that name this host. */
  async forHost(host: string, port = 22): Promise<KnownHostEntry[]> {
    return (await this.entries()).filter((e) => e.marker === '' && hostFieldMatches(e.hosts, host, port));
  }

  /** Key types already known for the host, so the connection can ask the server for one of them. */
  async knownKeyTypes(host: string, port = 22): Promise<string[]> {
    return [...new Set((await this.forHost(host, port)).map((e) => e.keyType))];
  }

  async lookup(host: string, port: number, keyBlob: Buffer): Promise<HostKeyLookup> {
    const all = await this.entries();
    const revoked = all.find((e) => e.marker === '@revoked' && e.key.equals(keyBlob));
    if (revoked) return { revoked: fingerprintSha256(keyBlob) };
    const known = all.filter((e) => e.marker === '' && hostFieldMatches(e.hosts, host, port));
    if (known.some((e) => e.key.equals(keyBlob))) return 'match';
    if (known.length === 0) return 'unknown';
    // Strict like OpenSSH: a host known under any key that now shows another is "changed". The
    // connection asks for the known key types first, so a different type here is suspicious too.
    const type = keyTypeOf(keyBlob);
    const sameType = known.find((e) => e.keyType === type) ?? known[0];
    if (!sameType) return 'unknown';
    return { changed: fingerprintSha256(sameType.key), knownKeyType: sameType.keyType };
  }

  /** Records an accepted key (hashed by default). Creates the file 0600 and its folder 0700. */
  async add(host: string, port: number, keyBlob: Buffer, opts: { hashed?: boolean; comment?: string } = {}): Promise<void> {
    const name = hostKeyName(host, port);
    const field = opts.hashed === false ? name : hashHostName(name);
    const line = `${field} ${publicKeyLine(keyBlob)}${opts.comment ? ` ${opts.comment.replace(/\s+/g, '_')}` : ''}\n`;
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    let prefix = '';
    try {
      const existing = await fsp.readFile(this.file, 'utf8');
      if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n';
    } catch {
      /* new file */
    }
    await fsp.appendFile(this.file, prefix + line, { mode: 0o600 });
  }

  /** Removes every plain entry naming the host (for "the host was reinstalled, trust the new key"). */
  async forget(host: string, port = 22): Promise<number> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch {
      return 0;
    }
    const drop = new Set((await this.forHost(host, port)).map((e) => e.line));
    if (drop.size === 0) return 0;
    const kept = text.split(/\r?\n/).filter((_, i) => !drop.has(i + 1));
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, kept.join('\n'), { mode: 0o600 });
    await fsp.rename(tmp, this.file);
    return drop.size;
  }
}
