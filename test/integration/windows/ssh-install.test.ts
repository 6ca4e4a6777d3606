// Windows over SSH, end to end through the built CLI (issue 22, item 1): ICAgent for Windows on a
// "Windows host" behind a jump server, and nova-agent's two services on one reached directly. The host
// is the stand-in of ./ssh-host.ts: a real OpenSSH sshd whose user's commands run in Wine's cmd.exe and
// whose SFTP shows the Wine prefix's drive_c as /C:. The package is unpacked on this computer by the
// checked unpacker, the files go over SFTP and each one's SHA-256 is checked on the host with certutil
// (a stand-in: Wine's is a stub); the vendor's .bat files create the services with Wine's sc; verify is
// `sc query`. While the steps run, another local user samples `ps`: no secret may appear.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, TEST_USERS } from '../harness/sshd';
import { startWorld, type World } from '../run/world';
import { hostServiceState, servicePid, startWindowsSshHost, type WindowsSshHost } from './ssh-host';
import { FIXTURES, icagentZip, novaZips, outpost } from './wine';

const execFileP = promisify(execFile);
const WIN = { base: 'outpost-wssh', password: 'Wssh-pass.word!61' };
const AK = 'WINSSHFIXTUREAK0123456789';
const SK = 'win+ssh/SK=with_signs-0123456789';

let host: WindowsSshHost;
let world: World;
let dir: string;
let serviceExe: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-wssh-'));
  serviceExe = path.join(dir, 'fixture-service.exe');
  await execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', serviceExe, path.join(FIXTURES, 'fixture-service.c')]);
  [host, world] = await Promise.all([startWindowsSshHost(WIN.base, WIN.password), startWorld(), ensureTestUser(TEST_USERS.t4)]).then(([h, w]) => [h, w] as const);
  env = { ...world.env, OUTPOST_AK: AK, OUTPOST_SK: SK, WIN_PASSWORD: WIN.password, NO_COLOR: '1', OUTPOST_DATA_DIR: path.join(dir, 'data') };
}, 400_000);
afterAll(async () => {
  await host?.stop();
  await world?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

const target = () => ({ host: host.sshd.host, port: host.sshd.port, user: host.user.name, password: { env: 'WIN_PASSWORD' } });

function icagentAnswers(name: string, zip: string, installDir = 'C:\\ICAgent'): string {
  const a = {
    profile: 'icagent',
    os: 'windows',
    region: 'cn-north-4',
    connectivity: (world.answers as { connectivity: unknown }).connectivity,
    inputs: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: '2a473356cca5487f8373be891bffc1cf' },
    targets: [{ ...target(), jump: 0 }],
    package: { path: zip },
    options: { installDir },
  };
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(a));
  return file;
}

/** Every command line another local user (no sudo) sees while `fn` runs, polled every ~100 ms. */
async function watchedByAnotherUser<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[]; samples: number }> {
  let stopped = false;
  let samples = 0;
  const seen = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      const r = await execFileP('runuser', ['-u', TEST_USERS.t4.name, '--', 'ps', '-ww', '-eo', 'args='], { maxBuffer: 16 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
      samples++;
      for (const l of r.stdout.split('\n')) if (l.trim()) seen.add(l.trim());
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  try {
    return { result: await fn(), lines: [...seen], samples };
  } finally {
    stopped = true;
    await loop;
  }
}

function noSecrets(...texts: string[]): void {
  for (const t of texts) for (const v of [AK, SK]) expect(t).not.toContain(v);
}

describe('Windows over SSH (Wine behind a real sshd)', () => {
  it('ICAgent behind a jump server: files sent and SHA-256 checked by certutil, keys on stdin, icagent RUNNING, no secret in ps', async () => {
    const zip = path.join(dir, 'ICProbeAgent.zip');
    await icagentZip({ serviceExe }, zip);
    const { result: r, lines, samples } = await watchedByAnotherUser(() => outpost(['run', icagentAnswers('icagent', zip), '--accept-new-hostkeys'], env));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sent 3 files into C:\\ICAgent on .*each SHA-256 checked there/);
    // The Windows preflight's facts come from PowerShell, which the stand-in does not run: said, not passed.
    expect(r.stdout).toMatch(/clock: could not check: PowerShell on the host printed no facts/);
    expect(r.stdout).toMatch(/ports: could not check: PowerShell on the host printed no facts/);
    expect(r.stdout).toContain('Service icagent installed successfully');
    expect(r.stdout).toMatch(/STATE\s*:\s*4\s+RUNNING/);
    expect(await hostServiceState(host, 'icagent')).toBe('RUNNING');
    const conf = fs.readFileSync(path.join(host.driveC, 'ICAgent', 'ICProbeAgent', 'conf', 'icagent.conf'), 'utf8');
    expect(conf).toContain(`ak=${AK}\r\n`);
    expect(conf).toContain(`sk=${SK}\r\n`);
    // The steps ran through the stand-in cmd (seen), and no value was on any command line.
    expect(samples).toBeGreaterThan(5);
    expect(lines.some((l) => /cmd(\.exe)?"? \/d \/c/i.test(l) && l.includes('.outpost')), `no step script seen in ${samples} samples`).toBe(true);
    expect(lines.filter((l) => l.includes(AK) || l.includes(SK))).toEqual([]);
    noSecrets(r.stdout, r.stderr, fs.readFileSync(/Journal: (\S+)/.exec(r.stdout)?.[1] ?? '', 'utf8'));
    // No staged part and no step script left on the host.
    expect(fs.readdirSync(path.join(host.driveC, 'ICAgent', 'ICProbeAgent', 'bin')).filter((f) => f.includes('.outpost'))).toEqual([]);
    expect(fs.readdirSync(path.join(host.driveC, 'users', host.user.name, '.outpost'))).toEqual([]);
  }, 600_000);

  it('a service that exits at once: the failure says what sc query says in words; the hint (--reinstall) with a good package ends done', async () => {
    // The agent of the first test is removed (the vendor's service name is fixed).
    await host.wine(['sc', 'stop', 'icagent']);
    await host.wine(['sc', 'delete', 'icagent']);
    const badExe = path.join(dir, 'exits-at-once.exe');
    await execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-DEXIT_AT_ONCE', '-o', badExe, path.join(FIXTURES, 'fixture-service.c')]);
    const bad = path.join(dir, 'ICProbeAgent-bad.zip');
    await icagentZip({ serviceExe: badExe }, bad);
    const failed = await outpost(['run', icagentAnswers('icagent-bad', bad, 'C:\\ICAgent2')], env);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout).toContain('icagent is STATE: 1 STOPPED (WIN32_EXIT_CODE 1077): the service has never been started since it was installed (error 1077)');
    expect(failed.stderr).toMatch(/hint: .*run again with --reinstall \(outpost run --reinstall/);
    expect(await hostServiceState(host, 'icagent')).toBe('STOPPED');
    // Without --reinstall the folder is not unpacked over; the message says how.
    const good = path.join(dir, 'ICProbeAgent-good.zip');
    await icagentZip({ serviceExe }, good);
    const refused = await outpost(['run', icagentAnswers('icagent-good', good, 'C:\\ICAgent2')], env);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout).toMatch(/C:\\ICAgent2 already exists and is not empty/);
    expect(refused.stderr).toMatch(/hint: To install over it, run again with --reinstall/);
    // Following the hint: uninstall, unpack over the folder, install: done.
    const fixed = await outpost(['run', icagentAnswers('icagent-good', good, 'C:\\ICAgent2'), '--reinstall'], env);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('ICAgent uninstalled');
    expect(fixed.stdout).toMatch(/sent 3 files into C:\\ICAgent2/);
    expect(await hostServiceState(host, 'icagent')).toBe('RUNNING');
    noSecrets(failed.stdout, failed.stderr, refused.stdout, refused.stderr, fixed.stdout, fixed.stderr);
  }, 600_000);

  it('nova-agent: both services created by the vendor .bat files and RUNNING; --reinstall replaces both (new processes)', async () => {
    const zips = await novaZips({ serviceExe }, dir);
    const a = { profile: 'nova-agent', os: 'windows', connectivity: { mode: 'direct', accessIp: '192.0.2.1' }, inputs: { agentZip: zips.agentZip, updaterZip: zips.updaterZip }, targets: [target()] };
    const file = path.join(dir, 'nova.yaml');
    fs.writeFileSync(file, YAML.stringify(a));
    const r = await outpost(['run', file, '--accept-new-hostkeys'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await hostServiceState(host, 'RackspaceCloudServersAgent')).toBe('RUNNING');
    expect(await hostServiceState(host, 'RackspaceCloudServersAgentUpdater')).toBe('RUNNING');
    const before = [await servicePid(host, 'Rackspace.Cloud.Server.Agent.Service.exe'), await servicePid(host, 'Rackspace.Cloud.Server.Agent.UpdaterService.exe')];
    expect(before.every((p) => p !== null)).toBe(true);

    const again = await outpost(['run', file, '--reinstall'], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Uninstall Rackspace nova-agent/);
    expect(await hostServiceState(host, 'RackspaceCloudServersAgent')).toBe('RUNNING');
    expect(await hostServiceState(host, 'RackspaceCloudServersAgentUpdater')).toBe('RUNNING');
    const after = [await servicePid(host, 'Rackspace.Cloud.Server.Agent.Service.exe'), await servicePid(host, 'Rackspace.Cloud.Server.Agent.UpdaterService.exe')];
    expect(after.every((p) => p !== null)).toBe(true);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  }, 600_000);
});
