import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { buildPlan, PlanError, planFromAnswers, renderStep, type Answers, type Plan, type Step } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { EXAMPLE_FILES, example, icagent, profiles, regions, SEED } from './helpers';

const build = (a: Answers) => planFromAnswers(a, { profiles, regions });
const step = (p: Plan, id: string): Step => {
  const s = p.steps.find((x) => x.id === id) ?? (p.remedies.uninstall.id === id ? p.remedies.uninstall : undefined);
  if (!s) throw new Error(`no step ${id} in ${p.steps.map((x) => x.id).join(',')}`);
  return s;
};
const withJump = (a: Answers, f: (c: Extract<Answers['connectivity'], { mode: 'jump' }>) => void): Answers => {
  const copy = structuredClone(a);
  if (copy.connectivity.mode !== 'jump') throw new Error('not jump');
  f(copy.connectivity);
  return copy;
};

/** The seed's tunnel command with its placeholders filled in. */
function seedTunnel(jump: string, elb: string, region: string, obs: string): string {
  const text = fs.readFileSync(SEED, 'utf8');
  const line = text.split('\n').find((l) => l.trim().startsWith('ssh -f -N -L {Jump server IP address}'));
  if (!line) throw new Error('seed tunnel command not found');
  return line
    .trim()
    .replaceAll('{Jump server IP address}', jump)
    .replaceAll('{ELB IP address}', elb)
    .replaceAll('{Region}', region)
    .replaceAll('{OBS domain name}', obs);
}

describe('plans for the six examples', () => {
  const expectedIds: Record<string, string[]> = {
    'linux-jump.yaml': ['sg-rule', 'tunnel.jump0', 'ports.jump0', 'install', 'verify'],
    'linux-vpcep.yaml': ['vpcep.dns', 'install', 'verify'],
    'linux-direct.yaml': ['install', 'verify'],
    'windows-jump.yaml': ['sg-rule', 'tunnel.jump0', 'tunnel.jump1', 'ports.jump0', 'ports.jump1', 'lb-listeners', 'unpack', 'install', 'verify'],
    'windows-vpcep.yaml': ['vpcep.dns', 'unpack', 'install', 'verify'],
    'windows-direct.yaml': ['unpack', 'install', 'verify'],
  };
  for (const file of EXAMPLE_FILES) {
    it(`${file}: expected steps, masked, valid per the API schema, bash steps pass bash -n`, async () => {
      const plan = build(example(file));
      expect(plan.steps.map((s) => s.id)).toEqual(expectedIds[file]);
      const { Plan: PlanSchema } = await import('../../../electron/common/api/plan');
      expect(PlanSchema.safeParse(plan).success).toBe(true);
      const json = JSON.stringify(plan);
      expect(json).not.toMatch(/"(ak|sk)":"[^{]/);
      for (const s of [...plan.steps, plan.remedies.uninstall]) {
        expect(s.display).toBe(renderStep(s, 'display') ?? s.display);
        if (s.shell === 'bash' || s.shell === 'sh') {
          const r = spawnSync(s.shell, ['-n', '-c', s.display], { encoding: 'utf8' });
          expect(r.status, `${s.id}: ${r.stderr}`).toBe(0);
        }
      }
    });
  }

  it('Linux via jump: the install command is the published form, downloading through the overridden port', () => {
    const plan = build(example('linux-jump.yaml'));
    expect(step(plan, 'install').display).toBe(
      'set +o history; if command -v curl >/dev/null 2>&1; then curl -fsS --connect-timeout 20 -o apm_agent_install.sh http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh ; else wget -q -T 20 -t 2 -O apm_agent_install.sh http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh ; fi && ' +
        'REGION=cn-north-4 bash apm_agent_install.sh -ak **** -sk **** -region cn-north-4 -projectid 2a473356cca5487f8373be891bffc1cf -accessip 192.168.0.10 -obsdomain obs.cn-north-4.myhuaweicloud.com ; set -o history;',
    );
    expect(step(plan, 'install').success).toEqual({ markers: ['ICAgent install success'] });
    expect(step(plan, 'verify').display).toBe('bash /opt/oss/servicemgr/ICAgent/bin/manual/status.sh');
    expect(plan.remedies.uninstall.display).toBe('bash /opt/oss/servicemgr/ICAgent/bin/manual/uninstall.sh');
    expect(plan.reach).toEqual([
      { name: 'icagent-8149', host: '192.168.0.10', port: 8149 },
      { name: 'icagent-8102', host: '192.168.0.10', port: 8102 },
      { name: 'icagent-8923', host: '192.168.0.10', port: 8923 },
      { name: 'icagent-30200', host: '192.168.0.10', port: 30200 },
      { name: 'icagent-30201', host: '192.168.0.10', port: 30201 },
      { name: 'icagent-obs', host: '192.168.0.10', port: 8080 },
    ]);
    expect(build(example('linux-direct.yaml')).reach).toEqual([
      { name: 'icagent-8149', host: '100.125.0.94', port: 8149 },
      { name: 'icagent-8102', host: '100.125.0.94', port: 8102 },
      { name: 'icagent-8923', host: '100.125.0.94', port: 8923 },
      { name: 'icagent-30200', host: '100.125.0.94', port: 30200 },
      { name: 'icagent-30201', host: '100.125.0.94', port: 30201 },
      { name: 'icagent-obs', host: 'icagent-ap-southeast-3.obs.ap-southeast-3.myhuaweicloud.com', port: 443 },
    ]);
    expect(plan.targets).toEqual([{ index: 0, host: '10.1.0.21', port: 22, user: 'root', auth: { kind: 'password', password: { env: 'TARGET_PASSWORD' } }, jump: 0 }]);
  });

  it('Windows: unpack with PowerShell, install in cmd with the vendor marker, sc query, uninstall.bat', () => {
    const plan = build(example('windows-vpcep.yaml'));
    expect(step(plan, 'unpack').shell).toBe('powershell');
    expect(renderStep(step(plan, 'unpack'), 'exec')).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/);
    expect(step(plan, 'install')).toMatchObject({ shell: 'cmd', success: { markers: ['Service icagent installed successfully'] } });
    expect(step(plan, 'install').display).toMatch(/^cd \/d D:\\Agents\\ICAgent && ICProbeAgent\\bin\\manual\\win\\install\.bat -ak \*\*\*\* -sk \*\*\*\* -region ap-southeast-1 /);
    expect(step(plan, 'verify').display).toBe('sc query icagent');
    expect(plan.remedies.uninstall.display).toBe('cd /d D:\\Agents\\ICAgent && ICProbeAgent\\bin\\manual\\win\\uninstall.bat');
  });
});

describe('tunnel', () => {
  it('vendor form is the seed command character for character (one jump, default ports)', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      c.tunnel = 'vendor';
      delete c.portOverrides;
    });
    const s = step(build(a), 'tunnel.jump0');
    const want = seedTunnel('192.168.0.10', '100.125.12.150', 'cn-north-4', 'obs.cn-north-4.myhuaweicloud.com');
    expect(s.display).toBe(want);
    expect(s.tunnel?.vendorCommand).toBe(want);
    expect(s.interactive).toBe(true);
    // and for each jump server of a two-server setup
    const plan = build(example('windows-jump.yaml'));
    expect(step(plan, 'tunnel.jump1').display).toBe(seedTunnel('192.168.0.11', '100.125.12.150', 'cn-north-4', 'obs.cn-north-4.myhuaweicloud.com'));
  });

  it('persistent form: a systemd unit with the same forwards, keepalive, Restart=always, host keys checked', () => {
    const s = step(build(example('linux-jump.yaml')), 'tunnel.jump0');
    const t = s.tunnel;
    if (!t) throw new Error('no tunnel info');
    expect(t.form).toBe('persistent');
    expect(t.unitName).toBe('outpost-tunnel-icagent.service');
    expect(t.unitText).toContain('Restart=always\nRestartSec=5\n');
    expect(t.unitText).toContain('WantedBy=multi-user.target');
    expect(t.userUnitText).toContain('WantedBy=default.target');
    const exec = /^ExecStart=(.*)$/m.exec(t.unitText)?.[1];
    expect(exec?.split(' ')).toEqual(t.sshArgv);
    expect(t.sshArgv).toEqual(expect.arrayContaining(['-N', 'ExitOnForwardFailure=yes', 'ServerAliveInterval=30', 'ServerAliveCountMax=3', 'root@192.168.0.10']));
    expect(t.sshArgv).not.toContain('-f');
    for (const text of [t.unitText, t.installUnitScript, t.installUserUnitScript, s.display]) {
      expect(text).not.toMatch(/StrictHostKeyChecking\s*=?\s*no|UserKnownHostsFile=\/dev\/null/i);
    }
    expect(s.interactive).toBe(false);
    expect(s.display).toBe(t.installUnitScript);
    // the printf argument carries the unit text exactly
    const words = parse(t.installUnitScript).filter((w): w is string => typeof w === 'string');
    expect(words).toContain(t.unitText);
  });

  it('systemd-analyze verify accepts the unit', () => {
    const t = step(build(example('linux-jump.yaml')), 'tunnel.jump0').tunnel;
    if (!t) throw new Error('no tunnel');
    const complaints = (text: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-unit-'));
      const file = path.join(dir, t.unitName);
      fs.writeFileSync(file, text);
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
      fs.rmSync(dir, { recursive: true });
      // Only lines about the unit file itself (the host may lack systemd as PID 1).
      return `${r.stdout}${r.stderr}`.split('\n').filter((l) => new RegExp(`${t.unitName}:\\d+:|Unknown key|Invalid|Failed to parse|not absolute`, 'i').test(l));
    };
    expect(complaints(t.unitText)).toEqual([]);
    expect(complaints(t.userUnitText)).toEqual([]);
    // the check can fail: a broken unit is reported
    expect(complaints(t.unitText.replace('Restart=always', 'Restart=sometimes')).length).toBeGreaterThan(0);
  });

  it('port overrides change listen ports and destinations in every form, the checks and the download URL', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      c.portOverrides = { '80': { listen: 8080, target: 'mirror.example.com:8081' }, '8149': { listen: 18149 } };
    });
    const plan = build(a);
    const t = step(plan, 'tunnel.jump0').tunnel;
    if (!t) throw new Error('no tunnel');
    expect(t.vendorCommand).toContain('-L 192.168.0.10:8080:mirror.example.com:8081 ');
    expect(t.vendorCommand).toContain('-L 192.168.0.10:18149:100.125.12.150:8149 ');
    expect(t.unitText).toContain('-L 192.168.0.10:8080:mirror.example.com:8081 ');
    expect(t.forwards.find((f) => f.name === 'icagent-obs')).toEqual({ name: 'icagent-obs', listenHost: '192.168.0.10', listenPort: 8080, targetHost: 'mirror.example.com', targetPort: 8081 });
    expect(step(plan, 'ports.jump0').expectPorts).toContainEqual({ name: 'icagent-8149', host: '192.168.0.10', port: 18149 });
    expect(step(plan, 'install').display).toContain('http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh');
    expect(step(plan, 'sg-rule').table?.rows[0]?.[2]).toBe('18149, 8102, 8923, 30200, 30201, 8080');
    expect(plan.warnings.some((w) => w.includes('agents connect to 192.168.0.10:8149'))).toBe(true);
  });

  it('the jump server talks to its own sshd on the port given when ssh.host is its private IP', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      const j = c.jumpServers[0];
      if (j) j.ssh.port = 2222;
    });
    const t = step(build(a), 'tunnel.jump0').tunnel;
    expect(t?.sshArgv.slice(-3)).toEqual(['-p', '2222', 'root@192.168.0.10']);
  });

  it('IPv6 addresses are bracketed in forward specs', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      c.jumpServers = [{ privateIp: 'fd00::10', ssh: { host: 'fd00::10', port: 22, user: 'root', agent: true } }];
      c.connectionIp = 'fd00::10';
    });
    const plan = build(a);
    expect(step(plan, 'tunnel.jump0').tunnel?.vendorCommand).toContain("-L '[fd00::10]:8149:100.125.12.150:8149'");
    expect(step(plan, 'install').display).toContain("'http://[fd00::10]:8080/ICAgent_linux/apm_agent_install.sh'");
  });

  it('the port check reports each port by name and fails when one is missing (real bash, fake ss)', () => {
    const s = step(build(example('linux-jump.yaml')), 'ports.jump0');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ss-'));
    const listening = ['192.168.0.10:8149', '192.168.0.10:8102', '192.168.0.10:8923', '192.168.0.10:30200', '192.168.0.10:30201'];
    const run = (ports: string[]) => {
      fs.writeFileSync(path.join(dir, 'ss'), `#!/bin/sh\necho 'State Recv-Q Send-Q Local Address:Port Peer Address:Port'\n${ports.map((p) => `echo 'LISTEN 0 128 ${p} 0.0.0.0:* users:(("ssh",pid=1,fd=4))'`).join('\n')}\n`, { mode: 0o755 });
      return spawnSync('bash', ['-c', s.display], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    };
    const bad = run(listening);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('NOT listening: icagent-obs 192.168.0.10:8080');
    expect(bad.stdout).toContain('listening: icagent-8149 192.168.0.10:8149');
    const good = run([...listening, '192.168.0.10:8080']);
    expect(good.status).toBe(0);
    expect(good.stdout.trim().split('\n')).toHaveLength(6);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('plan problems', () => {
  it('unknown profile, unsupported port override, custom region', () => {
    const a = example('linux-jump.yaml');
    expect(() => build({ ...a, profile: 'nope' })).toThrow(/profile: unknown profile "nope" \(known: icagent\)/);
    const bad = withJump(a, (c) => {
      c.portOverrides = { '22': { listen: 2222 } };
    });
    expect(() => build(bad)).toThrow(PlanError);
    try {
      build(bad);
    } catch (err) {
      expect((err as PlanError).problems).toEqual([{ path: 'connectivity.portOverrides.22', message: 'port 22 is not forwarded by Huawei Cloud LTS ICAgent (ports: 8149, 8102, 8923, 30200, 30201, 80)' }]);
    }
    const custom = buildPlan({ ...a, region: 'xx-newplace-7' }, icagent, regions);
    expect(custom.region).toMatchObject({ id: 'xx-newplace-7', obsDomain: 'obs.xx-newplace-7.myhuaweicloud.com', listed: false });
    expect(custom.warnings[0]).toMatch(/not in the catalog/);
    const given = buildPlan({ ...a, region: 'xx-newplace-7', obsDomain: 'obs.xx-newplace-7.example.net' }, icagent, regions);
    expect(step(given, 'install').display).toContain('-obsdomain obs.xx-newplace-7.example.net');
  });

  it('installDir override moves verify/uninstall and tells the installer', () => {
    const a = { ...example('linux-jump.yaml'), options: { installDir: '/home/agent user/icagent' } };
    const plan = build(a);
    expect(step(plan, 'verify').display).toBe("bash '/home/agent user/icagent/ICAgent/bin/manual/status.sh'");
    expect(step(plan, 'install').display).toContain("ICAGENT_INSTALL_DIR='/home/agent user/icagent' REGION=cn-north-4 bash apm_agent_install.sh");
  });
});

describe('rendering secrets', () => {
  it('display masks; exec resolves, registers with the redactor, and parses back exactly', () => {
    const s = step(build(example('linux-jump.yaml')), 'install');
    const reg = new SecretRegistry();
    const values: Record<string, string> = { OUTPOST_AK: 'AK123', OUTPOST_SK: "s'k $(id) `x`" };
    const exec = renderStep(s, 'exec', (r) => ('env' in r ? values[r.env] : undefined), reg);
    expect(s.display).not.toContain('AK123');
    const words = parse(exec ?? '').filter((w): w is string => typeof w === 'string');
    expect(words.slice(words.indexOf('-ak'), words.indexOf('-ak') + 4)).toEqual(['-ak', 'AK123', '-sk', "s'k $(id) `x`"]);
    expect(reg.redact(exec ?? '')).not.toContain('AK123');
    expect(reg.redact(exec ?? '')).toContain('-ak ****');
  });

  it('a missing secret names the field and the variable; an unquotable one does not echo the value', () => {
    const s = step(build(example('linux-jump.yaml')), 'install');
    expect(() => renderStep(s, 'exec', () => undefined)).toThrow('credentials.ak: the environment variable OUTPOST_AK is not set.');
    const w = step(build(example('windows-direct.yaml')), 'install');
    let message = '';
    try {
      renderStep(w, 'exec', () => 'abc%PATH%def', new SecretRegistry());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('credentials.ak contains "%", which cannot be passed safely to cmd.');
  });
});

describe('this computer as a target', () => {
  it('is carried in the plan and silences the "no targets" warning', () => {
    const a = example('windows-direct.yaml');
    const plan = build({ ...a, targets: [], thisComputer: true });
    expect(plan.thisComputer).toBe(true);
    expect(plan.warnings.some((w) => w.startsWith('no targets are listed'))).toBe(false);
    expect(build({ ...a, targets: [] }).warnings.some((w) => w.startsWith('no targets are listed'))).toBe(true);
    expect(build(a).thisComputer).toBe(false);
  });
});

