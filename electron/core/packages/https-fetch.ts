// A file fetched on this computer over HTTPS, for an installer the targets must not fetch over plain
// HTTP: the server's certificate is checked (Node's CAs plus NODE_EXTRA_CA_CERTS, which Node reads
// itself; rejectUnauthorized is set, so no environment variable turns the check off), a redirect is
// followed only to another https:// address, the body is bounded in size and time, hashed as it comes,
// and written under a random name in a private folder (0700), then renamed to `<sha256>-<file>`: a
// half-written or concurrent download is never the file a caller gets.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { OutpostError } from '../errors';

export interface HttpsFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Said when the failure is the network (no route, refused, a status): what else the user can do. */
  hint: string;
  userAgent?: string;
  onProgress?: (done: number, total: number) => void;
  /** The connection pool (default: Node's, with its CAs); certificates are checked whichever it is. */
  agent?: https.Agent;
}

export interface Fetched {
  path: string;
  sha256: string;
  bytes: number;
  /** The address the file came from (after https redirects). */
  url: string;
}

const MAX_REDIRECTS = 5;
/** Leftovers (other versions, interrupted parts) older than this are removed from the folder. */
const PRUNE_AFTER_MS = 60 * 60 * 1000;

const CERT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH/;

function networkError(err: NodeJS.ErrnoException, url: URL, o: HttpsFetchOptions): OutpostError {
  const code = err.code ?? '';
  if (CERT.test(code)) {
    return new OutpostError(
      'download_untrusted',
      `The HTTPS certificate of ${url.host} was not accepted (${err.message}): the installer was not fetched from ${url.href}, and nothing was sent.`,
      `If your network inspects HTTPS with its own certificate authority, give Outpost that authority's certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem. ${o.hint}`,
    );
  }
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `${url.hostname} could not be resolved (DNS)`
      : code === 'ECONNREFUSED'
        ? `${url.host} refused the connection`
        : code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH'
          ? `${url.host} could not be reached (${code})`
          : `${err.message}${code ? ` (${code})` : ''}`;
  return new OutpostError('download_failed', `This computer could not fetch ${url.href}: ${why}. Nothing was sent.`, o.hint);
}

/** The response to a GET of `url`, following redirects to https:// addresses only. */
function get(url: URL, o: HttpsFetchOptions, signal: AbortSignal, hops = 0): Promise<{ res: IncomingMessage; url: URL }> {
  if (url.protocol !== 'https:') return Promise.reject(new OutpostError('download_refused', `${url.href} is not an https:// address: Outpost fetches an installer over HTTPS only.`, o.hint));
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: true, signal, ...(o.agent ? { agent: o.agent } : {}), headers: { 'user-agent': o.userAgent ?? 'Outpost', accept: '*/*' } }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        res.resume();
        const next = res.headers.location ? new URL(res.headers.location, url) : null;
        if (!next) return reject(new OutpostError('download_failed', `${url.href} answered HTTP ${status} without a Location.`, o.hint));
        if (next.protocol !== 'https:') return reject(new OutpostError('download_refused', `${url.href} redirected to ${next.href}, which is not HTTPS: Outpost does not fetch an installer over plain HTTP. Nothing was sent.`, o.hint));
        if (hops >= MAX_REDIRECTS) return reject(new OutpostError('download_failed', `${url.href}: more than ${MAX_REDIRECTS} redirects.`, o.hint));
        return resolve(get(next, o, signal, hops + 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new OutpostError('download_failed', `${url.href} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}: the installer was not fetched. Nothing was sent.`, o.hint));
      }
      resolve({ res, url });
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(err));
  });
}

/** The private folder (0700, a real folder of this user): created, or refused when it is not one. */
async function privateDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fsp.lstat(dir);
  if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
    throw new OutpostError('download_folder', `${dir} is not a folder of this user: Outpost does not keep downloads there.`, 'Remove it (Outpost creates it again, private), then run again.');
  }
  await fsp.chmod(dir, 0o700);
}

/** Other versions of the same file and interrupted parts, when old enough not to belong to a run under way. */
async function prune(dir: string, file: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const mine = name.endsWith(`-${file}`) || (name.startsWith(`.${file}.`) && name.endsWith('.part'));
    if (!mine || path.join(dir, name) === keep) continue;
    const p = path.join(dir, name);
    const st = await fsp.lstat(p).catch(() => null);
    if (st && now - st.mtimeMs > PRUNE_AFTER_MS) await fsp.rm(p, { force: true }).catch(() => undefined);
  }
}

async function body(res: IncomingMessage, part: string, o: HttpsFetchOptions, url: URL): Promise<{ sha256: string; bytes: number }> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  const tooLarge = () => new OutpostError('download_too_large', `${url.href} is larger than ${o.maxBytes} bytes: it is not the installer Outpost expects. Nothing was sent.`, o.hint);
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const fh = await fsp.open(part, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > o.maxBytes) {
        res.destroy();
        throw tooLarge();
      }
      hash.update(chunk);
      await fh.write(chunk);
      o.onProgress?.(bytes, Number.isFinite(declared) ? declared : bytes);
    }
    if (!res.complete || (Number.isFinite(declared) && bytes !== declared)) throw new OutpostError('download_failed', `The download of ${url.href} was cut short (${bytes} bytes received). Nothing was sent.`, o.hint);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Fetches `url` into `dir` (created 0700) as `<sha256>-<file>`; with `expected`, a file with another
 * SHA-256 is refused and removed. Errors are OutpostErrors saying what happened and what else to do.
 */
export async function httpsFetch(rawUrl: string, dir: string, file: string, expected: string | null, o: HttpsFetchOptions): Promise<Fetched> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new OutpostError('download_refused', `${rawUrl} is not an address.`, o.hint);
  }
  await privateDir(dir);
  const part = path.join(dir, `.${file}.${randomBytes(6).toString('hex')}.part`);
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = AbortSignal.any([o.signal, timeout]);
  let at = url;
  try {
    const got = await get(url, o, signal);
    at = got.url;
    const r = await body(got.res, part, o, at);
    if (expected && r.sha256 !== expected.toLowerCase()) {
      throw new OutpostError('download_checksum', `${at.href} gave a file with SHA-256 ${r.sha256}, but options.downloadSha256 is ${expected.toLowerCase()}: it was not kept, and nothing was sent.`, 'Check the SHA-256 you gave (the vendor may have published a new installer), or remove it to use the file the certificate authenticates.');
    }
    const final = path.join(dir, `${r.sha256}-${file}`);
    await fsp.rename(part, final);
    await prune(dir, file, final);
    return { path: final, sha256: r.sha256, bytes: r.bytes, url: at.href };
  } catch (err) {
    await fsp.rm(part, { force: true }).catch(() => undefined);
    if (o.signal.aborted) throw new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.');
    if (timeout.aborted) throw new OutpostError('download_failed', `The download of ${at.href} did not finish within ${Math.round(o.timeoutMs / 1000)} s. Nothing was sent.`, o.hint);
    if (err instanceof OutpostError) throw err;
    throw networkError(err as NodeJS.ErrnoException, at, o);
  }
}
