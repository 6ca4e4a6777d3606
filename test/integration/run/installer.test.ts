// Where the ICAgent Linux installer comes from and what runs as root, through the built CLI against real
// sshd (a jump server and a target on loopback, the tunnel's download port in front of a bucket):
//  - options.download: tunnel — a file planted in the login folder never runs: not after a failed
//    download, not after a checksum refusal; no installer stays in the login folder or the temporary
//    folder, and one an earlier version left there is removed, also where the agent already runs.
//  - the default in jump mode (no SHA-256): this computer fetches the installer over HTTPS (a server with
//    a CA the test creates, the mirror given as options.downloadBase), the certificate checked: not
//    trusted, the run stops before anything connects and nothing is sent; trusted (NODE_EXTRA_CA_CERTS),
//    the file is uploaded to the target through the jump server and installed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, startHttpsServer, type TestCa, type TestHttpsServer } from '../harness/https';
import { FIXTURE_DIR, killAgents, ROOT, SECRETS, startWorld, type World } from './world';

const INSTALLER = fs.readFileSync(path.join(FIXTURE_DIR, 'apm_agent_install.sh'));
const SHA = createHash('sha256').update(INSTALLER).digest('hex');

let world: World;
let marks: string;
let offlineDir: string;
let stamp: string;
let ca: TestCa;
let bucket: TestHttpsServer;
let broken: http.Server;
let brokenPort = 0;

function outpost(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

/** The world's answers with these options (and the uploaded installer's folder in the target user's home). */
function answers(name: string, options: Record<string, unknown>, connectivity: Record<string, unknown> = {}): string {
  const a: Record<string, unknown> = {
    ...world.answers,
    credentials: undefined,
    inputs: { ...(world.answers.credentials as Record<string, unknown>), offlineDir },
    connectivity: { ...(world.answers.connectivity as Record<string, unknown>), ...connectivity },
    options: { installDir: world.installDir, ...options },
  };
  delete a.credentials;
  const file = path.join(world.dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(a));
  return file;
}

const home = () => world.targetUser.home;
const planted = () => path.join(home(), 'apm_agent_install.sh');

/** A file with the installer's name in the login folder, as an earlier version (or another program) left it: it leaves a mark if it runs. */
function plant(): void {
  fs.writeFileSync(planted(), `echo "planted file ran as $(id -un)" > ${marks}/planted-ran\necho "ICAgent install success"\n`, { mode: 0o644 });
  execFileSync('chown', [`${world.targetUser.name}:`, planted()]);
}

/** Installer files anywhere in the login folder, the temporary folder or the uploaded installer's folder, newer than the test's start (this computer's own cache excluded). */
function installersLeft(): string[] {
  const r = spawnSync('find', [home(), '/tmp', '-path', world.dir, '-prune', '-o', '-name', 'apm_agent_install.sh', '-newer', stamp, '-print'], { encoding: 'utf8' });
  // The other integration process's temporary folders come and go while find walks /tmp: one gone
  // before find reads it is not an error here (find exits 1 for it); anything else is.
  const errors = r.stderr.split('\n').filter((l) => l && !/No such file or directory$/.test(l));
  if (r.error || errors.length > 0) throw new Error(`find: ${r.error?.message ?? errors.join('; ')}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** What a run left on the target: the agent (run as root), its folders, the upload staging cache. */
function clean(): void {
  killAgents();
  for (const d of [path.join(home(), 'oss'), offlineDir, path.join(home(), '.cache', 'outpost'), planted(), path.join(marks, 'planted-ran')]) fs.rmSync(d, { recursive: true, force: true });
}

const journalSteps = (out: string): Array<{ type: string; step?: string; host?: string; outcome?: string; code?: string }> => {
  const journal = /Journal: (\S+)/.exec(out)?.[1];
  if (!journal || !fs.existsSync(journal)) return [];
  return fs.readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
};

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  world = await startWorld();
  execFileSync('chmod', ['755', world.dir]);
  marks = path.join(world.dir, 'marks');
  fs.mkdirSync(marks, { mode: 0o777 });
  fs.chmodSync(marks, 0o777);
  offlineDir = path.join(home(), 'ICAgent-installer');
  stamp = path.join(world.dir, 'stamp');
  fs.writeFileSync(stamp, '');
  clean();
  ca = makeCa(path.join(world.dir, 'ca'));
  bucket = await startHttpsServer(ca, (req, res) => {
    if (req.url === '/ICAgent_linux/apm_agent_install.sh') res.writeHead(200, { 'content-length': INSTALLER.length }).end(INSTALLER);
    else res.writeHead(404).end();
  });
  // A bucket that has no installer: what a download through the tunnel finds when it fails.
  broken = http.createServer((_q, r) => r.writeHead(404).end('Not Found\n'));
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  brokenPort = (broken.address() as AddressInfo).port;
}, 120_000);
afterAll(async () => {
  if (world) clean();
  broken?.close();
  await bucket?.close();
  await world?.stop();
});

describe('options.download: tunnel — nothing but the downloaded file runs, and nothing stays', () => {
  it('after a failed download the step fails and a file planted in the login folder never runs', async () => {
    clean();
    plant();
    const overrides = (world.answers.connectivity as { portOverrides: Record<string, { listen: number }> }).portOverrides;
    const file = answers('failed-download', { download: 'tunnel' }, { portOverrides: { '80': { listen: overrides['80']?.listen, target: `127.0.0.1:${brokenPort}` } } });
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/curl: \(22\)/);
    expect(r.out).toMatch(/✖ failed.*install/);
    expect(fs.existsSync(path.join(marks, 'planted-ran')), r.out).toBe(false);
    // The planted file is still there (the run stopped at the install); nothing else.
    expect(installersLeft()).toEqual([planted()]);
  });

  it('refuses an installer with another SHA-256: it never runs, and no installer remains in the login folder or the temporary folder', async () => {
    clean();
    const file = answers('checksum', { downloadSha256: '0'.repeat(64) });
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('the downloaded installer does not have the expected SHA-256');
    expect(r.out).not.toMatch(/^ICAgent install success/m);
    expect(fs.existsSync(path.join(world.installDir, 'ICAgent'))).toBe(false);
    expect(installersLeft(), r.out.slice(-3000)).toEqual([]);
  });

  it('installs from the checked download, leaves no installer, and removes one an earlier version left — also where the agent already runs', async () => {
    clean();
    plant();
    const file = answers('success', { downloadSha256: SHA });
    const before = world.backend.stats().http;
    const hostsBefore = fs.readFileSync(world.etcHosts, 'utf8');
    const machineHosts = fs.readFileSync('/etc/hosts', 'utf8');
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(0);
    // Through the tunnel the request named the bucket: the stand-in serves the installer only to that Host
    // (the tunnel's own health check asks it without one, and gets NoSuchBucket: an answer is all it needs).
    expect(world.backend.stats().http?.downloads).toBe((before?.downloads ?? 0) + 1);
    // The bucket's name led to the connection IP on the target for the install (the installer's own
    // downloads), and its /etc/hosts is as it was afterwards; this machine's own was never touched.
    expect(r.out).toContain(`mapped icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com to ${world.jump.host} in /etc/hosts for the install`);
    expect(r.out).toContain(`bucket icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com resolves to ${world.jump.host}`);
    expect(fs.readFileSync(world.etcHosts, 'utf8')).toBe(hostsBefore);
    expect(fs.readFileSync('/etc/hosts', 'utf8')).toBe(machineHosts);
    expect(r.out).toContain('ICAgent install success');
    expect(r.out).not.toContain('planted file ran');
    expect(fs.existsSync(path.join(marks, 'planted-ran'))).toBe(false);
    expect(installersLeft(), r.out.slice(-3000)).toEqual([]);
    expect(fs.existsSync(planted())).toBe(false);
    // Ctrl-C or a crash left one behind; the next run (or --resume) finds the agent running: still removed.
    plant();
    const again = await outpost(['run', file], world.env);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/already installed and running/);
    expect(fs.existsSync(planted())).toBe(false);
    expect(fs.existsSync(path.join(marks, 'planted-ran'))).toBe(false);
  });
});

describe('the default in jump mode: this computer fetches the installer over HTTPS', () => {
  it('refuses a certificate this computer does not trust: the run stops before anything connects, and nothing is sent', async () => {
    clean();
    const file = answers('untrusted', { downloadBase: bucket.base });
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`The HTTPS certificate of 127.0.0.1:${bucket.port} was not accepted`);
    expect(r.out).toContain('NODE_EXTRA_CA_CERTS');
    expect(r.out).toContain('options.downloadSha256');
    expect(r.out).toContain('package.path');
    expect(bucket.requests).toEqual([]);
    const steps = journalSteps(r.out).filter((l) => l.type === 'step');
    expect(steps.map((l) => l.step)).toEqual(['sg-rule', 'fetch-installer']);
    expect(steps.at(-1)).toMatchObject({ step: 'fetch-installer', host: 'local', outcome: 'failed', code: 'download_untrusted' });
    expect(fs.existsSync(offlineDir)).toBe(false);
    // Nothing kept on this computer either.
    expect(fs.readdirSync(path.join(world.dir, 'data', 'cache', 'downloads'))).toEqual([]);
  });

  it('trusted (NODE_EXTRA_CA_CERTS): fetched here, uploaded to the target through the jump server, checked there, installed; no installer left on the target', async () => {
    clean();
    const file = answers('trusted', { downloadBase: bucket.base });
    const tunnelDownloads = world.backend.stats().http?.downloads ?? 0;
    const r = await outpost(['run', file, '--accept-new-hostkeys'], { ...world.env, NODE_EXTRA_CA_CERTS: ca.caFile });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`${bucket.base}/ICAgent_linux/apm_agent_install.sh fetched over HTTPS, certificate checked (${INSTALLER.length} bytes, SHA-256 ${SHA})`);
    expect(r.out).toMatch(new RegExp(`apm_agent_install\\.sh → .*${offlineDir}/apm_agent_install\\.sh .*SHA-256 ${SHA.slice(0, 12)}… checked on the host`));
    expect(r.out).toContain('ICAgent install success');
    expect(bucket.requests).toEqual(['/ICAgent_linux/apm_agent_install.sh']);
    // The plain-HTTP bucket behind the tunnel was not asked for it.
    expect(world.backend.stats().http?.downloads ?? 0).toBe(tunnelDownloads);
    const steps = journalSteps(r.out).filter((l) => l.type === 'step');
    expect(steps.find((l) => l.step === 'fetch-installer')).toMatchObject({ host: 'local', outcome: 'done' });
    expect(steps.find((l) => l.step === 'upload-installer')).toMatchObject({ host: 'target0', outcome: 'done' });
    expect(steps.find((l) => l.step === 'install')).toMatchObject({ host: 'target0', outcome: 'done' });
    expect(installersLeft(), r.out.slice(-3000)).toEqual([]);
    expect(fs.readdirSync(offlineDir)).toEqual([]);
    // This computer's copy: in its private cache, named by its SHA-256.
    const cache = path.join(world.dir, 'data', 'cache', 'downloads');
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(cache)).toEqual([`${SHA}-apm_agent_install.sh`]);
    for (const v of Object.values(SECRETS)) expect(r.out).not.toContain(v);
  });
});
