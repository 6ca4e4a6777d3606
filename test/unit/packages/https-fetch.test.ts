// httpsFetch: the installer this computer fetches for the targets. A real HTTPS server on loopback with
// a CA the test creates: an untrusted certificate, a redirect to plain HTTP, a body over the limit, a
// server that never answers and a wrong SHA-256 are each refused, and leave nothing in the folder.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutpostError } from '../../../electron/core/errors';
import { httpsFetch, type HttpsFetchOptions } from '../../../electron/core/packages/https-fetch';
import { makeCa, startHttpsServer, type TestCa, type TestHttpsServer } from '../../integration/harness/https';

const BODY = '#!/bin/bash\necho "ICAgent install success"\n';
const SHA = createHash('sha256').update(BODY).digest('hex');
let dir: string;
let ca: TestCa;
let server: TestHttpsServer;
let plain: http.Server;
let plainPort = 0;
let agent: https.Agent;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-fetch-'));
  ca = makeCa(path.join(dir, 'ca'));
  agent = new https.Agent({ ca: ca.ca });
  plain = http.createServer((_q, r) => r.end('plain'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainPort = (plain.address() as AddressInfo).port;
  server = await startHttpsServer(ca, (req, res) => {
    const u = req.url ?? '';
    if (u === '/ok') return void res.end(BODY);
    if (u === '/to-https') return void res.writeHead(302, { location: '/ok' }).end();
    if (u === '/to-http') return void res.writeHead(302, { location: `http://127.0.0.1:${plainPort}/ok` }).end();
    if (u === '/big') return void res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    if (u === '/big-chunked') {
      res.writeHead(200);
      res.write('x'.repeat(3000));
      return void res.end('x'.repeat(3000));
    }
    if (u === '/hang') return; // never answers
    res.writeHead(404).end('no');
  });
});
afterAll(async () => {
  agent?.destroy();
  await server?.close();
  plain?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const HINT = 'give options.downloadSha256, or install offline';

function opts(o: Partial<HttpsFetchOptions> = {}): HttpsFetchOptions {
  return { maxBytes: 4096, timeoutMs: 5000, signal: new AbortController().signal, hint: HINT, agent, ...o };
}

async function refused(p: Promise<unknown>): Promise<OutpostError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OutpostError) return err;
    throw err;
  }
  throw new Error('not refused');
}

const cacheOf = (name: string) => path.join(dir, name, 'downloads');
const left = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d) : []);

describe('httpsFetch', () => {
  it('fetches into a private folder as <sha256>-<file>, mode 0600, with its SHA-256', async () => {
    const d = cacheOf('ok');
    const r = await httpsFetch(`${server.base}/ok`, d, 'apm_agent_install.sh', SHA, opts());
    expect(r).toMatchObject({ sha256: SHA, bytes: BODY.length, path: path.join(d, `${SHA}-apm_agent_install.sh`) });
    expect(fs.readFileSync(r.path, 'utf8')).toBe(BODY);
    expect(fs.statSync(r.path).mode & 0o777).toBe(0o600);
    expect(fs.statSync(d).mode & 0o777).toBe(0o700);
    expect(left(d)).toEqual([`${SHA}-apm_agent_install.sh`]);
  });

  it('follows a redirect to another https address', async () => {
    const r = await httpsFetch(`${server.base}/to-https`, cacheOf('redirect'), 'f.sh', null, opts());
    expect(r.url).toBe(`${server.base}/ok`);
    expect(r.sha256).toBe(SHA);
  });

  it('refuses a certificate nobody trusts, saying how to trust a company CA and the alternatives', async () => {
    const d = cacheOf('untrusted');
    const e = await refused(httpsFetch(`${server.base}/ok`, d, 'f.sh', null, opts({ agent: undefined })));
    expect(e.code).toBe('download_untrusted');
    expect(e.message).toContain('certificate of 127.0.0.1');
    expect(e.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(e.hint).toContain(HINT);
    expect(left(d)).toEqual([]);
  });

  it('refuses a redirect to plain HTTP', async () => {
    const e = await refused(httpsFetch(`${server.base}/to-http`, cacheOf('downgrade'), 'f.sh', null, opts()));
    expect(e.code).toBe('download_refused');
    expect(e.message).toContain('not HTTPS');
    expect(left(cacheOf('downgrade'))).toEqual([]);
  });

  it('refuses an http:// address outright', async () => {
    const e = await refused(httpsFetch(`http://127.0.0.1:${plainPort}/ok`, cacheOf('http'), 'f.sh', null, opts()));
    expect(e.code).toBe('download_refused');
  });

  it('refuses a body over the limit, declared or not, and keeps nothing', async () => {
    for (const p of ['/big', '/big-chunked']) {
      const d = cacheOf(`big${p.length}`);
      const e = await refused(httpsFetch(`${server.base}${p}`, d, 'f.sh', null, opts()));
      expect(e.code, p).toBe('download_too_large');
      expect(left(d), p).toEqual([]);
    }
  });

  it('refuses a file whose SHA-256 is not the expected one, and keeps nothing', async () => {
    const d = cacheOf('sha');
    const e = await refused(httpsFetch(`${server.base}/ok`, d, 'f.sh', '0'.repeat(64), opts()));
    expect(e.code).toBe('download_checksum');
    expect(e.message).toContain(SHA);
    expect(left(d)).toEqual([]);
  });

  it('fails with the alternatives on an HTTP error, a refused connection and a server that never answers', async () => {
    const e404 = await refused(httpsFetch(`${server.base}/missing`, cacheOf('404'), 'f.sh', null, opts()));
    expect(e404.code).toBe('download_failed');
    expect(e404.message).toContain('HTTP 404');
    expect(e404.hint).toBe(HINT);
    const closed = await refused(httpsFetch('https://127.0.0.1:1/x', cacheOf('closed'), 'f.sh', null, opts()));
    expect(closed.code).toBe('download_failed');
    expect(closed.message).toContain('refused the connection');
    const hang = await refused(httpsFetch(`${server.base}/hang`, cacheOf('hang'), 'f.sh', null, opts({ timeoutMs: 500 })));
    expect(hang.code).toBe('download_failed');
    expect(hang.message).toContain('did not finish within');
    expect(left(cacheOf('hang'))).toEqual([]);
  });
});
