import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runImportCommand } from '../../../electron/cli/commands/import-command';
import { main } from '../../../electron/cli/main';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { AK, HUAWEI_COMMAND, INSTALL_PART, PROJECT, RESOURCES, SK } from './helpers';

let out = '';
let err = '';
let tmp = '';
const sink = { write: (s: string) => (out += s) };
const errSink = { write: (s: string) => (err += s) };

beforeEach(() => {
  out = '';
  err = '';
  process.exitCode = undefined;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-prof-'));
  vi.stubEnv('OUTPOST_DATA_DIR', tmp);
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const noSecrets = () => {
  for (const s of [AK, SK]) {
    expect(out).not.toContain(s);
    expect(err).not.toContain(s);
  }
};

/** The words after the installer in the pasted command, secrets masked, as the console runs them. */
const consoleArgs = (text: string) => {
  const after = text.slice(text.indexOf('apm_agent_install.sh -ak') + 'apm_agent_install.sh '.length);
  return after.slice(0, after.indexOf(';')).replace(AK, '****').replace(SK, '****');
};

describe('outpost import-command', () => {
  it('prints answers that plan to the install the console command does, with secrets as env references', () => {
    expect(runImportCommand(INSTALL_PART, { profile: 'icagent' }, sink, errSink)).toBe(0);
    expect(err).toBe('');
    noSecrets();
    expect(out).toContain('# before outpost run: read -rs OUTPOST_AK && export OUTPOST_AK   (the -ak value of the pasted command)');
    expect(out).toContain('# before outpost run: read -rs OUTPOST_SK && export OUTPOST_SK   (the -sk value of the pasted command)');
    expect(out).toMatch(/^targets: \[\]$/m);
    expect(out).toMatch(/--mode jump/);
    const answers = YAML.parse(out) as Record<string, unknown>;
    expect(answers).toEqual({
      profile: 'icagent',
      os: 'linux',
      region: 'cn-north-4',
      connectivity: { mode: 'direct', accessIp: '100.125.12.150' },
      inputs: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: PROJECT, accessDomain: 'lts-access.cn-north-4.myhuaweicloud.com' },
      targets: [],
    });
    // After adding a target, the plan's install runs the installer with what the console command gives it.
    answers.targets = [{ host: '10.0.0.5', user: 'root', agent: true }];
    const service = new OutpostService({ dataDir: tmp, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
    const plan = service.plan(answers);
    const install = plan.steps.find((s) => s.id === 'install')?.display ?? '';
    const args = /set -- (.*?) && /.exec(install)?.[1];
    expect(args).toBe(consoleArgs(INSTALL_PART));
    expect(args).toBe('-ak **** -sk **** -region cn-north-4 -projectid 2a473356cca5487f8373be891bffc1cf -accessip 100.125.12.150 -obsdomain obs.cn-north-4.myhuaweicloud.com -accessdomain lts-access.cn-north-4.myhuaweicloud.com');
    expect(install).toContain('REGION=cn-north-4 . "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh');
    expect(JSON.stringify(plan)).not.toMatch(new RegExp(`${AK}|${SK}`));
  });

  it('reads the whole command as copied from the console', () => {
    expect(runImportCommand(HUAWEI_COMMAND, { profile: 'icagent' }, sink, errSink)).toBe(0);
  });

  it('--mode jump and vpcep write the matching connectivity, commented where values are needed', () => {
    expect(runImportCommand(INSTALL_PART, { profile: 'icagent', mode: 'jump' }, sink, errSink)).toBe(0);
    expect((YAML.parse(out) as { connectivity: unknown }).connectivity).toEqual({ mode: 'jump', connectionIp: '100.125.12.150' });
    expect(out).toContain('# elbIp: the ELB address the console shows   (required)');
    out = '';
    expect(runImportCommand(INSTALL_PART, { profile: 'icagent', mode: 'vpcep' }, sink, errSink)).toBe(0);
    expect((YAML.parse(out) as { connectivity: unknown }).connectivity).toEqual({ mode: 'vpcep', accessIp: '100.125.12.150' });
    noSecrets();
  });

  it('exits 2 with one line per problem when the text is not the ICAgent command', () => {
    expect(runImportCommand('curl https://example.com/x.sh | bash -s -- --token abc', { profile: 'icagent' }, sink, errSink)).toBe(2);
    expect(err).toBe("outpost import-command: this is not Huawei Cloud LTS ICAgent's linux install command: it does not run apm_agent_install.sh\n");
    expect(out).toBe('');
    err = '';
    expect(runImportCommand(INSTALL_PART.replace(` -projectid ${PROJECT}`, '').replace(` -ak ${AK}`, ''), { profile: 'icagent' }, sink, errSink)).toBe(2);
    expect(err.trimEnd().split('\n')).toEqual(['outpost import-command: the command has no value for ak (-ak)', 'outpost import-command: the command has no value for projectId (-projectid)']);
    noSecrets();
    err = '';
    expect(runImportCommand(INSTALL_PART, { profile: 'nope' }, sink, errSink)).toBe(2);
    expect(err).toMatch(/^outpost import-command: There is no profile nope\./);
    err = '';
    expect(runImportCommand(INSTALL_PART, { profile: 'icagent', os: 'solaris', mode: 'teleport' }, sink, errSink)).toBe(2);
    expect(err.trimEnd().split('\n')).toHaveLength(2);
  });

  it('reads stdin through `outpost import-command`', async () => {
    const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
    Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(INSTALL_PART)]), configurable: true });
    try {
      expect(await main(['import-command', '--profile', 'icagent'])).toBe(0);
    } finally {
      if (stdin) Object.defineProperty(process, 'stdin', stdin);
    }
    expect(out).toMatch(/^profile: icagent$/m);
    expect(out).toContain('ak: { env: OUTPOST_AK }');
    noSecrets();
  });
});

describe('outpost profile', () => {
  const guide = fs.readFileSync(path.join(RESOURCES, 'PROFILES.md'), 'utf8');
  const acme = /```yaml\n([\s\S]*?)```/.exec(guide.slice(guide.indexOf('## A complete example')))?.[1] ?? '';
  const write = (name: string, text: string) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('check: ok: <id> per valid file, exit 0', async () => {
    const f = write('acme.yaml', acme);
    expect(await main(['profile', 'check', f, path.join(RESOURCES, 'profiles', 'icagent.yaml')])).toBe(0);
    expect(out).toBe('ok: acme-logd\nok: icagent\n');
    expect(err).toBe('');
  });

  it('check: file:line: field: message per problem, exit 2', async () => {
    const bad = acme.replace('    minFreeMiB: 100', '    minFreeMiB: 100\n    colour: blue');
    const f = write('bad.yaml', bad);
    const line = bad.split('\n').findIndex((l) => l.includes('colour: blue')) + 1;
    expect(await main(['profile', 'check', f])).toBe(2);
    expect(err).toBe(`${f}:${line}: linux.preflight.colour: unknown field colour (check its spelling)\n`);
    expect(out).toBe('');
  });

  it('check: a shipped id without replaces: is a problem', async () => {
    const shipped = fs.readFileSync(path.join(RESOURCES, 'profiles', 'icagent.yaml'), 'utf8');
    const f = write('mine.yaml', shipped);
    const line = shipped.split('\n').findIndex((l) => l.startsWith('id:')) + 1;
    expect(await main(['profile', 'check', f])).toBe(2);
    expect(err).toBe(`${f}:${line}: id: icagent is a shipped profile's id; add "replaces: icagent" to replace it, or choose another id\n`);
    out = '';
    err = '';
    expect(await main(['profile', 'check', write('mine2.yaml', shipped.replace('id: icagent\n', 'id: icagent\nreplaces: icagent\n'))])).toBe(0);
    expect(out).toBe('ok: icagent\n');
  });

  it('list: id, name, source (and what a user profile replaces), with --profiles DIR', async () => {
    const dir = path.join(tmp, 'mine');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'acme.yaml'), acme);
    expect(await main(['profile', 'list', '--profiles', dir])).toBe(0);
    expect(out.split('\n').slice(0, 7)).toEqual([
      expect.stringMatching(/^ID +NAME +SOURCE$/),
      expect.stringMatching(/^aops-agent +openEuler A-Ops agent +shipped$/),
      expect.stringMatching(/^cloudpods-telegraf +Cloudpods monitor agent \(telegraf\) +shipped$/),
      expect.stringMatching(/^icagent +Huawei Cloud LTS ICAgent +shipped$/),
      expect.stringMatching(/^nova-agent +Rackspace nova-agent +shipped$/),
      expect.stringMatching(/^tetra-relay +Tetra HTTP Relay Agent +shipped$/),
      expect.stringMatching(/^acme-logd +Acme log shipper +user$/),
    ]);
    out = '';
    const shipped = fs.readFileSync(path.join(RESOURCES, 'profiles', 'icagent.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'icagent.yaml'), shipped.replace('id: icagent\n', 'id: icagent\nreplaces: icagent\n'));
    expect(await main(['profile', 'list', '--profiles', dir])).toBe(0);
    expect(out).toMatch(/^icagent +Huawei Cloud LTS ICAgent +user \(replaces icagent\)$/m);
  });
});
