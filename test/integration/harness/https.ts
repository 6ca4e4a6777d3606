// An HTTPS server on loopback with a certificate authority the test creates (openssl): the CA's
// certificate is what a test passes as NODE_EXTRA_CA_CERTS (a child process) or in an https.Agent (this
// process); without it, the server's certificate is one nobody trusts. Only files under `dir`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { RequestListener } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TestCa {
  /** The CA certificate (PEM file): NODE_EXTRA_CA_CERTS. */
  caFile: string;
  ca: string;
  key: string;
  cert: string;
}

/** A CA and a server certificate it signed, for `host` (an IP address or a name). */
export function makeCa(dir: string, host = '127.0.0.1'): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Outpost test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', `/CN=${host}`]);
  const san = /^[0-9.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`;
  fs.writeFileSync(f('ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  ssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { caFile: f('ca.pem'), ca: fs.readFileSync(f('ca.pem'), 'utf8'), key: fs.readFileSync(f('server.key'), 'utf8'), cert: fs.readFileSync(f('server.pem'), 'utf8') };
}

export interface TestHttpsServer {
  port: number;
  base: string;
  /** Requests served, by path. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `handler` over HTTPS with the CA's server certificate on `host`. */
export async function startHttpsServer(ca: TestCa, handler: RequestListener, host = '127.0.0.1'): Promise<TestHttpsServer> {
  const requests: string[] = [];
  const server = https.createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `https://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
