// `--profiles DIR` on every command that reads profiles: init, plan, run, batch, import-command,
// profile check/list, serve. Each is run with a profile that exists only in DIR (an agent Outpost has
// never seen): without the option the profile is unknown, with it the command uses it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../electron/cli/main';
import { createCoreDispatcher } from '../../../electron/core/api/handlers';
import type { Client } from '../../../electron/core/client';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { RESOURCES } from './helpers';

const ZETA = `schema: 2
id: zeta-metrics
name: Zeta metrics agent
os: [linux]
connectivity: [direct]
inputs:
  - { name: apiKey, type: secret, required: true, label: API key }
linux:
  shell: bash
  installDir: /opt/zeta
  steps:
    - id: install
      phase: install
      title: Install Zeta
      action:
        exec:
          script: [/opt/zeta/install.sh, --key, { secret: apiKey }]
consoleCommand:
  linux:
    program: zeta-install.sh
    flags: { --key: apiKey }
`;

let out = '';
let err = '';
let tmp = '';
let dir = '';
let answers = '';

beforeEach(() => {
  out = '';
  err = '';
  process.exitCode = undefined;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-profiles-opt-'));
  dir = path.join(tmp, 'my-profiles');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'zeta.yaml'), ZETA);
  answers = path.join(tmp, 'answers.yaml');
  // No targets: a run has nothing to connect to, so it only shows that the plan was built.
  fs.writeFileSync(answers, 'profile: zeta-metrics\nos: linux\nconnectivity: { mode: direct, accessIp: 203.0.113.7 }\ninputs: { apiKey: { env: OUTPOST_ZETA_KEY } }\ntargets: []\n');
  vi.stubEnv('OUTPOST_DATA_DIR', path.join(tmp, 'data'));
  vi.stubEnv('OUTPOST_ZETA_KEY', 'zeta-secret-value');
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  out = '';
  err = '';
  process.exitCode = undefined;
  const code = await main(args);
  return { code, out, err };
}

describe('--profiles DIR on every command', { timeout: 60_000 }, () => {
  it('every command that reads profiles takes it (--help)', async () => {
    for (const cmd of [['init'], ['plan'], ['run'], ['batch'], ['import-command'], ['profile', 'check'], ['profile', 'list'], ['serve']]) {
      const r = await cli([...cmd, '--help']);
      expect(r.out, cmd.join(' ')).toMatch(/--profiles <dir>/);
    }
  });

  it('init and plan use a profile found only in DIR', async () => {
    expect((await cli(['init', '--profile', 'zeta-metrics'])).code).toBe(2);
    const init = await cli(['init', '--profile', 'zeta-metrics', '--profiles', dir]);
    expect(init.code, init.err).toBe(0);
    expect(init.out).toMatch(/^profile: zeta-metrics$/m);

    const without = await cli(['plan', answers]);
    expect(without.code).toBe(2);
    expect(without.err).toMatch(/profile: unknown profile "zeta-metrics"/);
    const plan = await cli(['plan', answers, '--profiles', dir]);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain('/opt/zeta/install.sh --key ****');
    expect(plan.out).not.toContain('zeta-secret-value');
  });

  it('run and batch build their plan from DIR', async () => {
    expect((await cli(['run', answers])).code).toBe(2);
    // A target nobody listens on: the run is planned from DIR, then fails to connect (exit 1, not 2).
    const run = await cli(['run', answers, '--profiles', dir, '--target', 'root@127.0.0.1:1', '--accept-new-hostkeys']);
    expect(run.err).not.toMatch(/unknown profile/);
    expect(run.code, run.err).toBe(1);

    const hosts = path.join(tmp, 'hosts.csv');
    fs.writeFileSync(hosts, 'host,port,user\n127.0.0.1,1,root\n');
    vi.stubEnv('OUTPOST_DEFAULT_PASSWORD', 'not-used');
    const noProfile = await cli(['batch', answers, '--hosts', hosts]);
    expect(noProfile.code).toBe(2);
    expect(noProfile.err).toMatch(/unknown profile "zeta-metrics"/);
    const batch = await cli(['batch', answers, '--hosts', hosts, '--profiles', dir, '--accept-new-hostkeys']);
    expect(batch.err).not.toMatch(/unknown profile/);
    expect(batch.code, batch.err).toBe(1);
    expect(batch.err).toMatch(/root@127\.0\.0\.1:1: failed — Connection refused/);
  });

  it('import-command reads the console command with the profile from DIR', async () => {
    const paste = (args: string[]) => {
      vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from(['bash zeta-install.sh --key K3y-value-123\n']) as unknown as typeof process.stdin);
      return cli(args);
    };
    expect((await paste(['import-command', '--profile', 'zeta-metrics'])).code).toBe(2);
    const r = await paste(['import-command', '--profile', 'zeta-metrics', '--profiles', dir]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^profile: zeta-metrics$/m);
    expect(r.out).not.toContain('K3y-value-123');
  });

  it('profile check checks every file of DIR; profile list lists them', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yml'), ZETA.replace('id: zeta-metrics', 'id: zeta-bad').replace('shell: bash', 'shell: fish'));
    const check = await cli(['profile', 'check', '--profiles', dir]);
    expect(check.code).toBe(2);
    expect(check.err).toContain(`${path.join(dir, 'bad.yml')}:9: linux.shell: must be one of "bash", "sh", "cmd", "powershell"`);
    expect(check.out).toBe('ok: zeta-metrics\n');
    expect((await cli(['profile', 'check'])).err).toMatch(/give profile files, or --profiles DIR/);
    fs.rmSync(path.join(dir, 'bad.yml'));
    const list = await cli(['profile', 'list', '--profiles', dir]);
    expect(list.out).toMatch(/^zeta-metrics +Zeta metrics agent +user$/m);
  });

  it('serve: the UI lists the profiles of DIR and shows that folder (what serve --profiles sets)', async () => {
    const dispatcher = createCoreDispatcher({ appName: 'Outpost', version: 'test', mode: 'browser', locale: 'en', dataDir: path.join(tmp, 'data'), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry(), profilesDir: dir });
    const r = (await dispatcher.call('profiles.list', {}, { id: 't', emit: () => undefined, onClose: () => undefined } as Client)) as { ok: boolean; value: { folder: string; profiles: Array<{ id: string; source: string }> } };
    expect(r.value.folder).toBe(dir);
    expect(r.value.profiles.find((p) => p.id === 'zeta-metrics')?.source).toBe('user');
  });
});
