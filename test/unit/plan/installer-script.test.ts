// The ICAgent Linux online install, as the plan renders it and real bash runs it (a local HTTP server
// stands in for the jump server's download port): the installer lives in a fresh private folder
// (mktemp -d), only that file runs, only after the download (and the SHA-256, when given) succeeded, and
// the folder is gone on every path. A file planted in the login folder never runs. Then the plan's
// choice of where the installer comes from (options.download, options.downloadBase).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api/plan';
import { renderStep } from '../../../electron/core/plan';
import { runLocal } from '../../../electron/core/exec/local-spawn';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from './helpers';

const MARK = '__MARK__';
// A stand-in installer: says what the real one says on success and leaves a mark (the test's folder).
const installer = (body = '') => `echo "stand-in installer ran with $# arguments"\n${body}\necho "ICAgent install success" >&2\necho ran > ${MARK}/served-ran\n`;
const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-inst-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
let root: string;
let server: http.Server;
let port = 0;
let serve: { status: number; body: string } = { status: 200, body: '' };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-inst-run-'));
  server = http.createServer((_req, res) => res.writeHead(serve.status).end(serve.body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

type Options = { download?: 'local' | 'tunnel'; downloadSha256?: string; downloadBase?: string };

function jumpPlan(options: Options, extra: Record<string, unknown> = {}): Plan {
  const a = example('linux-jump.yaml');
  if (a.connectivity.mode !== 'jump') throw new Error('linux-jump is a jump example');
  return service.plan({ ...a, ...extra, connectivity: { ...a.connectivity, connectionIp: '127.0.0.1', portOverrides: { '80': { listen: port } } }, options });
}

const stepOf = (p: Plan, id: string) => {
  const s = p.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
};

/** A login folder and a private TMPDIR (what mktemp -d uses) for one run of the step's script. */
function world(name: string) {
  const base = path.join(root, name);
  const home = path.join(base, 'home');
  const tmp = path.join(base, 'tmp');
  const marks = path.join(base, 'marks');
  for (const d of [home, tmp, marks]) fs.mkdirSync(d, { recursive: true });
  return { home, tmp, marks };
}

async function run(p: Plan, w: ReturnType<typeof world>, id = 'install'): Promise<{ exitCode: number | null; out: string }> {
  const text = renderStep(stepOf(p, id), 'exec', () => 'SECRETVALUE1234567890') ?? '';
  let out = '';
  const r = await runLocal('bash', text, { cwd: w.home, env: { ...process.env, TMPDIR: w.tmp }, onData: (t) => (out += t), signal: new AbortController().signal, timeoutMs: 20_000 });
  return { exitCode: r.exitCode, out };
}

/** A file in the login folder with the installer's name, as an earlier version (or someone else) left it. */
function plant(w: ReturnType<typeof world>): void {
  fs.writeFileSync(path.join(w.home, 'apm_agent_install.sh'), `echo planted > ${w.marks}/planted-ran\necho "ICAgent install success"\n`);
}

const serving = (w: ReturnType<typeof world>, body = '') => {
  const text = installer(body).replace(MARK, w.marks);
  serve = { status: 200, body: text };
  return createHash('sha256').update(text).digest('hex');
};

describe('the install script (options.download: tunnel)', () => {
  it('after a failed download, fails without running the file in the login folder, and leaves nothing in the temporary folder', async () => {
    const w = world('failed-download');
    plant(w);
    serve = { status: 404, body: 'no such file' };
    const r = await run(jumpPlan({ download: 'tunnel' }), w);
    expect(r.out).toMatch(/curl: \(22\)/);
    expect(r.out).not.toContain('ICAgent install success');
    expect(r.exitCode).not.toBe(0);
    expect(fs.existsSync(path.join(w.marks, 'planted-ran'))).toBe(false);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
  });

  it('with options.downloadSha256 and a failed download, the planted file does not run either', async () => {
    const w = world('failed-download-sha');
    plant(w);
    const sha = serving(w);
    serve = { status: 500, body: '' };
    const r = await run(jumpPlan({ downloadSha256: sha }), w);
    expect(r.out).not.toContain('ICAgent install success');
    expect(fs.existsSync(path.join(w.marks, 'planted-ran'))).toBe(false);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
  });

  it('refuses an installer with another SHA-256 before it runs, and removes it', async () => {
    const w = world('checksum');
    plant(w);
    serving(w);
    const r = await run(jumpPlan({ downloadSha256: '0'.repeat(64) }), w);
    expect(r.out).toContain('OUTPOST_FAIL the downloaded installer does not have the expected SHA-256');
    expect(r.exitCode).toBe(1);
    expect(fs.existsSync(path.join(w.marks, 'served-ran'))).toBe(false);
    expect(fs.existsSync(path.join(w.marks, 'planted-ran'))).toBe(false);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
    // Nothing new in the login folder: only what was planted there, as it was (the refused download did not land there).
    expect(fs.readdirSync(w.home)).toEqual(['apm_agent_install.sh']);
    expect(fs.readFileSync(path.join(w.home, 'apm_agent_install.sh'), 'utf8')).toContain('echo planted');
  });

  it('runs the downloaded installer with the flags as positional parameters, and leaves no installer anywhere', async () => {
    const w = world('success');
    const sha = serving(w);
    const r = await run(jumpPlan({ downloadSha256: sha }), w);
    expect(r.out).toContain('stand-in installer ran with 14 arguments');
    expect(r.out).toContain('ICAgent install success');
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(path.join(w.marks, 'served-ran'))).toBe(true);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
    expect(fs.readdirSync(w.home)).toEqual([]);
  });

  it('removes the folder when the installer exits by itself, and when it replaces the EXIT trap and returns', async () => {
    for (const [name, body] of [
      ['exits', 'echo "ICAgent install success"; exit 0'],
      ['own-trap', "trap 'echo vendor trap' EXIT"],
    ] as const) {
      const w = world(name);
      serving(w, body);
      const r = await run(jumpPlan({ download: 'tunnel' }), w);
      expect(r.out, name).toContain('ICAgent install success');
      expect(fs.readdirSync(w.tmp), name).toEqual([]);
    }
  });

  it('keeps the keys off every command line: they are positional parameters of the sourced installer', () => {
    const d = stepOf(jumpPlan({ download: 'tunnel' }), 'install').display;
    expect(d).toMatch(/&& set -- -ak \*\*\*\* -sk \*\*\*\* /);
    expect(d).toContain('REGION=cn-north-4 . "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh; OUTPOST_RC=$?; rm -rf -- "$OUTPOST_INSTALLER_DIR"; if command -v outpost_hosts >/dev/null 2>&1; then outpost_hosts remove; fi; exit $OUTPOST_RC');
    expect(d).toContain(`OUTPOST_INSTALLER_DIR=$(mktemp -d) || exit 1; trap 'rm -rf -- "$OUTPOST_INSTALLER_DIR"' EXIT;`);
    expect(d).not.toContain('./apm_agent_install.sh');
  });
});

describe('the install script (options.download: local)', () => {
  it('runs the uploaded copy from a private temporary folder and removes it', async () => {
    const w = world('local');
    const offline = path.join(w.home, 'offline');
    fs.mkdirSync(offline);
    fs.writeFileSync(path.join(offline, 'apm_agent_install.sh'), installer().replace(MARK, w.marks));
    plant(w);
    const a = example('linux-jump.yaml');
    const p = jumpPlan({}, { inputs: { ...a.inputs, offlineDir: offline } });
    const r = await run(p, w);
    expect(r.out).toContain('ICAgent install success');
    expect(fs.existsSync(path.join(w.marks, 'served-ran'))).toBe(true);
    expect(fs.existsSync(path.join(w.marks, 'planted-ran'))).toBe(false);
    expect(fs.readdirSync(offline)).toEqual([]);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
    // The cleanup step (the login user) removes what an earlier version left in the login folder.
    await run(p, w, 'cleanup');
    expect(fs.readdirSync(w.home)).toEqual(['offline']);
  });

  it('without the uploaded copy, fails and runs nothing', async () => {
    const w = world('local-missing');
    plant(w);
    const a = example('linux-jump.yaml');
    const r = await run(jumpPlan({}, { inputs: { ...a.inputs, offlineDir: path.join(w.home, 'none') } }), w);
    expect(r.out).not.toContain('ICAgent install success');
    expect(fs.existsSync(path.join(w.marks, 'planted-ran'))).toBe(false);
    expect(fs.readdirSync(w.tmp)).toEqual([]);
  });
});

describe('where the installer comes from', () => {
  const HTTPS = 'https://icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com/ICAgent_linux/apm_agent_install.sh';

  it('jump mode without a SHA-256: this computer fetches it over HTTPS and each target receives it over SSH', () => {
    const p = jumpPlan({});
    const fetch = stepOf(p, 'fetch-installer');
    expect(fetch).toMatchObject({ on: 'local', action: { kind: 'fetch', url: HTTPS, sha256: null, fact: 'installer' } });
    // Before anything connects, after the console's manual steps.
    expect(p.steps.findIndex((s) => s.id === 'fetch-installer')).toBeLessThan(p.steps.findIndex((s) => s.phase === 'connect'));
    expect(stepOf(p, 'upload-installer')).toMatchObject({ on: 'targets', action: { kind: 'upload', fromFact: 'installer', from: HTTPS, to: '/opt/ICAgent/apm_agent_install.sh', mode: 0o700, root: true } });
    expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'upload-installer', 'install', 'remove-installer', 'cleanup', 'uninstall', 'verify']);
    // The upload is not guarded (a reinstall needs it); what the install did not take is removed as root.
    expect(stepOf(p, 'upload-installer').guard).toBeUndefined();
    expect(stepOf(p, 'remove-installer')).toMatchObject({ display: 'rm -f -- /opt/ICAgent/apm_agent_install.sh', action: { root: true } });
    expect(stepOf(p, 'cleanup')).toMatchObject({ display: 'rm -f ./apm_agent_install.sh', action: { root: false } });
    expect(stepOf(p, 'cleanup').guard).toBeUndefined();
    expect(stepOf(p, 'install').display).toContain('mv -f -- /opt/ICAgent/apm_agent_install.sh "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh && set --');
    expect(stepOf(p, 'install').display).not.toContain('curl');
    expect(p.warnings.join('\n')).not.toMatch(/plain HTTP/);
    // The offline package changes nothing: no fetch, no installer upload, the package's own steps.
    const offline = jumpPlan({}, { package: { path: path.join(RESOURCES, 'regions.yaml') } });
    expect(offline.steps.some((s) => ['fetch-installer', 'upload-installer', 'install', 'remove-installer'].includes(s.id))).toBe(false);
    expect(stepOf(offline, 'upload-package').action).toMatchObject({ kind: 'upload', to: '/opt/ICAgent/ICProbeAgent.tar.gz' });
    // It downloads nothing: no warning about a plain-HTTP download, nor about the installer's own downloads.
    const offlineTunnel = jumpPlan({ download: 'tunnel' }, { package: { path: path.join(RESOURCES, 'regions.yaml') } });
    for (const x of [offline, offlineTunnel]) {
      expect(x.warnings.join('\n')).not.toMatch(/plain HTTP|downloads the agent package/);
      expect(x.warningParts?.some((w) => w?.key === 'planWarn.plainHttp' || w?.key === 'planWarn.installerFetches')).toBe(false);
    }
  });

  it("offline: setup.sh is called as the vendor's published apm_agent_install.sh calls it (-ip <accessip>:9999, -plugoff reserved, -scene hws, -dc)", () => {
    const offline = jumpPlan({}, { package: { path: path.join(RESOURCES, 'regions.yaml') } });
    expect(stepOf(offline, 'install-offline').display).toMatch(
      /set -- -ak \*\*\*\* -sk \*\*\*\* -projectid 2a473356cca5487f8373be891bffc1cf -region cn-north-4 -ip 127\.0\.0\.1:9999 -plugoff reserved -obsdomain obs\.cn-north-4\.myhuaweicloud\.com -scene hws -dc dc-east-1 ; REGION=cn-north-4 \. \/opt\/ICAgent\/bin\/manual\/setup\.sh/,
    );
    expect(stepOf(offline, 'install-offline').display).not.toContain('-accessip');
  });

  it("through the tunnel, the bucket's name maps to the connection IP in /etc/hosts for the install only: one marked line, the file renamed over (mode kept), removed after, a stale line replaced", () => {
    const p = jumpPlan({ download: 'tunnel' });
    const display = stepOf(p, 'install').display;
    // The mapping part of the install script, then what the install's end does; run where /etc is a private folder.
    const start = display.indexOf('OUTPOST_BUCKET=');
    const map = display.slice(start, display.indexOf(' if command -v curl'));
    const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-etc-'));
    const original = '127.0.0.1 localhost\n10.0.0.9 stale.example # outpost-install-map\n::1 ip6-localhost\n';
    fs.writeFileSync(path.join(etc, 'hosts'), original, { mode: 0o640 });
    fs.chmodSync(path.join(etc, 'hosts'), 0o640);
    // awk is an alternatives link through /etc on Debian: the private /etc keeps that one link.
    fs.mkdirSync(path.join(etc, 'alternatives'));
    fs.symlinkSync(fs.realpathSync('/usr/bin/awk'), path.join(etc, 'alternatives', 'awk'));
    const script = `${map} echo "during: $(cat /etc/hosts | tr '\\n' '|')"; stat -c 'mode %a' /etc/hosts; ls -a /etc | tr '\\n' ' '; echo; if command -v outpost_hosts >/dev/null 2>&1; then outpost_hosts remove; fi; trap - EXIT`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc && exec bash -c "$2"', 'sh', etc, script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('mapped icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com to 127.0.0.1 in /etc/hosts for the install');
    expect(r.stdout).toContain('during: 127.0.0.1 localhost|::1 ip6-localhost|127.0.0.1 icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com # outpost-install-map|');
    expect(r.stdout).toContain('mode 640');
    // Renamed over, no temporary file left beside it.
    expect(r.stdout).not.toMatch(/\.hosts\.outpost\./);
    // Afterwards: the file as it was, less the stale line of an earlier run that died.
    expect(fs.readFileSync(path.join(etc, 'hosts'), 'utf8')).toBe('127.0.0.1 localhost\n::1 ip6-localhost\n');
    expect(fs.statSync(path.join(etc, 'hosts')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(etc).sort()).toEqual(['alternatives', 'hosts']);
    fs.rmSync(etc, { recursive: true, force: true });
    // Where this computer fetches the installer, or offline, nothing is mapped.
    expect(stepOf(jumpPlan({}), 'install').display).not.toContain('OUTPOST_BUCKET=');
  });

  it("the installer's own downloads (the agent package over HTTPS, 443) are not carried by the seed's tunnel: said before anything runs, with the offline package as the way", () => {
    for (const p of [jumpPlan({}), jumpPlan({ download: 'tunnel' })]) {
      const i = p.warnings.findIndex((w) => w.startsWith('the installer itself downloads the agent package'));
      expect(p.warnings[i]).toMatch(/from https:\/\/icagent-cn-north-4\.obs\.cn-north-4\.myhuaweicloud\.com \(port 443\), which the jump server's tunnel does not forward.*package\.path.*options\.download: local\) does not change/);
      expect(p.warningParts?.[i]).toEqual({ key: 'planWarn.installerFetches', params: { url: 'https://icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com', port: '443' } });
    }
  });

  it('options.download: tunnel without a SHA-256 downloads over plain HTTP, with the risk stated', () => {
    const p = jumpPlan({ download: 'tunnel' });
    expect(p.steps.some((s) => s.id === 'fetch-installer' || s.id === 'upload-installer')).toBe(false);
    expect(p.warnings.join('\n')).toMatch(/plain HTTP through the jump server \(http:\/\/127\.0\.0\.1:\d+\/ICAgent_linux\/apm_agent_install\.sh, options\.download: tunnel\).*another program.*options\.downloadSha256.*options\.download: local/);
    expect(p.warningParts?.find((x) => x?.key === 'planWarn.plainHttp')).toBeTruthy();
  });

  it('with options.downloadSha256 each target downloads it through the tunnel and checks it (no warning); download: local fetches it here and checks it', () => {
    const sha = 'a'.repeat(64);
    const tunnel = jumpPlan({ downloadSha256: sha });
    expect(tunnel.steps.some((s) => s.id === 'fetch-installer')).toBe(false);
    expect(tunnel.warnings.join('\n')).not.toMatch(/plain HTTP/);
    const local = jumpPlan({ downloadSha256: sha, download: 'local' });
    expect(stepOf(local, 'fetch-installer').action).toMatchObject({ kind: 'fetch', sha256: sha });
  });

  it('options.downloadBase (a mirror) replaces the direct base, for the fetch here and for direct targets', () => {
    expect(stepOf(jumpPlan({ downloadBase: 'https://mirror.example.com/lts/' }), 'fetch-installer').action).toMatchObject({ url: 'https://mirror.example.com/lts/ICAgent_linux/apm_agent_install.sh' });
    const direct = service.plan({ ...example('linux-direct.yaml'), options: { downloadBase: 'https://mirror.example.com:8443' } });
    expect(direct.steps.some((s) => s.id === 'fetch-installer')).toBe(false);
    expect(stepOf(direct, 'install').display).toContain('https://mirror.example.com:8443/ICAgent_linux/apm_agent_install.sh');
    expect(stepOf(service.plan({ ...example('linux-direct.yaml'), options: { download: 'local' } }), 'fetch-installer').on).toBe('local');
  });

  it('refuses a plain-HTTP mirror, the tunnel outside jump mode, and a choice for a profile that downloads nothing', () => {
    expect(() => jumpPlan({ downloadBase: 'http://mirror.example.com' })).toThrow(/options\.downloadBase.*https:\/\//s);
    expect(() => service.plan({ ...example('linux-direct.yaml'), options: { download: 'tunnel' } })).toThrow(/options\.download.*jump mode/s);
    expect(() => service.plan({ ...example('windows-direct.yaml'), options: { download: 'local' } })).toThrow(/options\.download.*downloads no installer/s);
  });
});
