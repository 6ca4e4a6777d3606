import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { Plan as PlanSchema, type Action, type Probe } from '../../../electron/common/api/plan';
import { localExecutor } from '../../../electron/core/exec';
import { installUnitScript } from '../../../electron/core/actions/forward/unit';
import { buildPlan, PlanError, planFromAnswers, renderExec, renderStep, type Answers, type Plan, type Step } from '../../../electron/core/plan';
import { runProbes } from '../../../electron/core/actions';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { EXAMPLE_FILES, example, icagent, profiles, regions, SEED } from './helpers';

const build = (a: Answers) => planFromAnswers(a, { profiles, regions });
const step = (p: Plan, id: string): Step => {
  const s = p.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${p.steps.map((x) => x.id).join(',')}`);
  return s;
};
type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;
function action<K extends Action['kind']>(s: Step, kind: K): Of<K> {
  if (s.action.kind !== kind) throw new Error(`${s.id} is a ${s.action.kind} step, not ${kind}`);
  return s.action as Of<K>;
}
const probes = (s: Step): Probe[] => action(s, 'probe').probes;
function probe<K extends Probe['kind']>(s: Step, kind: K): Extract<Probe, { kind: K }> {
  const p = probes(s).find((x) => x.kind === kind);
  if (!p) throw new Error(`${s.id} has no ${kind} probe`);
  return p as Extract<Probe, { kind: K }>;
}
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

const FACTS = { 'hostkey.jump0': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample', 'hostkey.jump1': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample' };

describe('plans for the six examples', () => {
  const targetSteps = (_windows: boolean, extra: string[]) => ['connect', 'preflight', ...extra];
  const expectedIds: Record<string, string[]> = {
    // No SHA-256 given: this computer fetches the installer over HTTPS, each target receives it over SSH.
    'linux-jump.yaml': ['sg-rule', 'fetch-installer', 'connect.jump0', 'tunnel.jump0.hostkey', 'tunnel.jump0.key', 'tunnel.jump0.authorize', 'tunnel.jump0', 'ports.jump0', ...targetSteps(false, ['upload-installer', 'install', 'remove-installer', 'cleanup', 'uninstall', 'verify'])],
    'linux-vpcep.yaml': ['vpcep.records', ...targetSteps(false, ['vpcep.dns', 'install', 'cleanup', 'uninstall', 'verify'])],
    'linux-direct.yaml': targetSteps(false, ['install', 'cleanup', 'uninstall', 'verify']),
    'windows-jump.yaml': [
      'sg-rule', 'lb-listeners',
      'connect.jump0', 'tunnel.jump0.hostkey', 'tunnel.jump0', 'ports.jump0',
      'connect.jump1', 'tunnel.jump1.hostkey', 'tunnel.jump1', 'ports.jump1',
      ...targetSteps(true, ['unpack', 'install', 'uninstall', 'verify']),
    ],
    'windows-vpcep.yaml': ['vpcep.records', ...targetSteps(true, ['vpcep.dns', 'unpack', 'install', 'uninstall', 'verify'])],
    'windows-direct.yaml': targetSteps(true, ['unpack-manual', 'install', 'uninstall', 'verify']),
  };
  for (const file of EXAMPLE_FILES) {
    it(`${file}: expected steps, masked, valid per the API schema, bash steps pass bash -n`, () => {
      const plan = build(example(file));
      expect(plan.steps.map((s) => s.id)).toEqual(expectedIds[file]);
      expect(PlanSchema.safeParse(plan).success).toBe(true);
      const json = JSON.stringify(plan);
      expect(json).not.toMatch(/"(ak|sk)":"[^{]/);
      // The uninstall remedy is a step that only runs when a run asks for it.
      expect(step(plan, 'uninstall')).toMatchObject({ phase: 'remedy', optional: true });
      expect(step(plan, 'install').onFailure?.remedy).toBe('uninstall');
      for (const s of plan.steps) {
        expect(s.display).toBe(renderStep(s, 'display') ?? s.display);
        if (s.action.kind === 'exec' && (s.action.shell === 'bash' || s.action.shell === 'sh')) {
          const text = renderExec(s.action, 'exec', () => 'secret-value', new SecretRegistry(), FACTS);
          const r = spawnSync(s.action.shell, ['-n', '-c', text], { encoding: 'utf8' });
          expect(r.status, `${s.id}: ${r.stderr}`).toBe(0);
        }
      }
    });
  }

  it('Linux via jump: the install runs the published installer with its flags, downloading through the overridden port', () => {
    const plan = build({ ...example('linux-jump.yaml'), options: { download: 'tunnel' } });
    expect(step(plan, 'install').display).toBe(
      `set +o history; OUTPOST_INSTALLER_DIR=$(mktemp -d) || exit 1; trap 'rm -rf -- "$OUTPOST_INSTALLER_DIR"' EXIT; ` +
        // The installer's own downloads reach the bucket too: its name mapped to the connection IP for the install.
        'OUTPOST_BUCKET=icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com ; OUTPOST_VIA=192.168.0.10 ; outpost_hosts() { ' +
        `H=$(readlink -f /etc/hosts) && T=$(mktemp "$(dirname "$H")/.hosts.outpost.XXXXXX") || return 1; awk 'index($0, "# outpost-install-map") == 0' "$H" > "$T" || { rm -f -- "$T"; return 1; }; ` +
        `if [ "$1" = add ]; then printf '%s %s # outpost-install-map\\n' "$OUTPOST_VIA" "$OUTPOST_BUCKET" >> "$T"; fi; chmod --reference="$H" "$T" 2>/dev/null || chmod 644 "$T"; chown --reference="$H" "$T" 2>/dev/null; ` +
        `mv -f -- "$T" "$H" 2>/dev/null || { cat -- "$T" > "$H"; rm -f -- "$T"; }; }; outpost_hosts add || { echo 'OUTPOST_FAIL could not map the bucket name to the connection IP in /etc/hosts'; exit 1; }; ` +
        `echo "mapped $OUTPOST_BUCKET to $OUTPOST_VIA in /etc/hosts for the install"; trap 'rm -rf -- "$OUTPOST_INSTALLER_DIR"; outpost_hosts remove' EXIT; ` +
        // Through the tunnel, the request names the bucket: its Host is icagent-{region}.{obsDomain}, not the jump's IP.
        "if command -v curl >/dev/null 2>&1; then curl -fsS --connect-timeout 20 -o \"$OUTPOST_INSTALLER_DIR\"/apm_agent_install.sh -H 'Host: icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com' http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh ; else wget -q -T 20 -t 2 -O \"$OUTPOST_INSTALLER_DIR\"/apm_agent_install.sh '--header=Host: icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com' http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh ; fi && " +
        'set -- -ak **** -sk **** -region cn-north-4 -projectid 2a473356cca5487f8373be891bffc1cf -accessip 192.168.0.10 -obsdomain obs.cn-north-4.myhuaweicloud.com -dc dc-east-1 && REGION=cn-north-4 . "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh; OUTPOST_RC=$?; rm -rf -- "$OUTPOST_INSTALLER_DIR"; if command -v outpost_hosts >/dev/null 2>&1; then outpost_hosts remove; fi; exit $OUTPOST_RC',
    );
    const install = action(step(plan, 'install'), 'exec');
    expect(install.success).toEqual({ markers: ['ICAgent install success', 'Install ICAgent success'] });
    expect(install.failureMarkers).toContain('ICAgent install failed');
    // "Already installed": the files in this host's install folder, and the process running from it.
    expect(step(plan, 'install').guard?.probes).toEqual([
      { kind: 'command', name: 'ICAgent files', command: ['test', '-d', '/opt/oss/servicemgr/ICAgent/bin'], exitCode: 0, shell: 'bash' },
      { kind: 'process', name: 'icagent', match: '/opt/oss/servicemgr/ICAgent/bin/' },
    ]);
    // Verify adds the network's verdicts, each host's own first: [check] icagent's ESTABLISHED connections to
    // 30200 and 30201 on the host, then its traffic at the jump server (attributed by its address).
    expect(probes(step(plan, 'verify')).map((p) => p.kind)).toEqual(['command', 'process', 'connections', 'tunnelTraffic']);
    expect(probe(step(plan, 'verify'), 'connections')).toEqual({ kind: 'connections', name: 'icagent connections', process: 'icagent', ports: [30200, 30201] });
    expect(probe(step(plan, 'verify'), 'process')).toEqual({ kind: 'process', name: 'icagent', match: '/opt/oss/servicemgr/ICAgent/bin/' });
    expect(step(plan, 'uninstall').display).toBe('bash /opt/oss/servicemgr/ICAgent/bin/manual/uninstall.sh');
    expect(probe(step(plan, 'preflight'), 'reach').targets).toEqual([
      { name: 'icagent-8149', host: '192.168.0.10', port: 8149 },
      { name: 'icagent-8102', host: '192.168.0.10', port: 8102 },
      { name: 'icagent-8923', host: '192.168.0.10', port: 8923 },
      { name: 'icagent-30200', host: '192.168.0.10', port: 30200 },
      { name: 'icagent-30201', host: '192.168.0.10', port: 30201 },
      { name: 'icagent-obs', host: '192.168.0.10', port: 8080 },
    ]);
    expect(probe(step(build(example('linux-direct.yaml')), 'preflight'), 'reach').targets).toEqual([
      { name: 'icagent-8149', host: '100.125.0.94', port: 8149 },
      { name: 'icagent-8102', host: '100.125.0.94', port: 8102 },
      { name: 'icagent-8923', host: '100.125.0.94', port: 8923 },
      { name: 'icagent-30200', host: '100.125.0.94', port: 30200 },
      { name: 'icagent-30201', host: '100.125.0.94', port: 30201 },
      { name: 'icagent-obs', host: 'icagent-ap-southeast-3.obs.ap-southeast-3.myhuaweicloud.com', port: 443 },
    ]);
    expect(plan.hosts.targets).toEqual([
      { id: 'target0', index: 0, label: 'host 1 (root@10.1.0.21:22)', ssh: { host: '10.1.0.21', port: 22, user: 'root', auth: { kind: 'password', password: { env: 'TARGET_PASSWORD' } } }, via: 'jump0' },
    ]);
    expect(plan.values).toMatchObject({ accessIp: '192.168.0.10', installDir: '/opt/oss/servicemgr', region: 'cn-north-4', obsDomain: 'obs.cn-north-4.myhuaweicloud.com' });
  });

  it('Windows: unpack the package, install in cmd with the vendor marker, sc query, uninstall.bat', () => {
    const plan = build(example('windows-vpcep.yaml'));
    expect(action(step(plan, 'unpack'), 'unpack')).toEqual({
      kind: 'unpack',
      archive: 'C:\\Temp\\ICProbeAgent.zip',
      dest: 'D:\\Agents\\ICAgent',
      format: 'zip',
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      root: false,
    });
    expect(action(step(plan, 'install'), 'exec')).toMatchObject({ shell: 'cmd', success: { markers: ['Service icagent installed successfully'] } });
    expect(step(plan, 'install').display).toMatch(/^cd \/d D:\\Agents\\ICAgent && ICProbeAgent\\bin\\manual\\win\\install\.bat -ak \*\*\*\* -sk \*\*\*\* -region ap-southeast-1 /);
    const sc = probe(step(plan, 'verify'), 'command');
    expect(sc).toMatchObject({ shell: 'cmd', command: ['sc', 'query', 'icagent'], exitCode: 0, markers: ['RUNNING'] });
    expect(step(plan, 'uninstall').display).toBe('cd /d D:\\Agents\\ICAgent && ICProbeAgent\\bin\\manual\\win\\uninstall.bat');
    // Without a package path the unpack is an instruction, and a warning says so.
    const manual = build(example('windows-direct.yaml'));
    expect(step(manual, 'unpack-manual').action.kind).toBe('instruction');
    expect(manual.warnings.some((w) => w.startsWith('no package.path given'))).toBe(true);
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
    const f = action(s, 'forward');
    expect(f.oneoffCommand).toBe(want);
    expect(f.form).toBe('oneoff');
    expect(s.display).toBe(want);
    // and for each jump server of a two-server setup
    const plan = build(example('windows-jump.yaml'));
    expect(action(step(plan, 'tunnel.jump1'), 'forward').oneoffCommand).toBe(seedTunnel('192.168.0.11', '100.125.12.150', 'cn-north-4', 'obs.cn-north-4.myhuaweicloud.com'));
    expect(plan.warnings.some((w) => w.includes('the vendor tunnel (ssh -f -N …) stops when the jump server reboots'))).toBe(true);
  });

  it("the seed's own words: Table 2 (Linux) and Table 3 (Windows) for the security group rule, the load balancer's bandwidth, where the console shows the agent", () => {
    const desc = (a: Answers) => action(step(build(a), 'sg-rule'), 'instruction').table?.rows[0]?.[4];
    expect(desc(example('linux-jump.yaml'))).toBe('Ports used by ICAgent to send data to the jump server, ensuring data connectivity between VMs in other regions and the jump server.');
    expect(desc(example('windows-jump.yaml'))).toBe('ICAgent will send data to the jump server through the listed ports.');
    const win = build(example('windows-jump.yaml'));
    expect(action(step(win, 'lb-listeners'), 'instruction').text).toMatch(/with an EIP .*apply for the bandwidth the agents' traffic needs, add these TCP listeners/);
    expect(win.profile.consoleCheck?.en).toBe('In the LTS console, choose Host Management > Hosts: the host is listed with ICAgent running.');
    expect(win.profile.consoleCheck?.['zh-CN']).toContain('主机管理 > 主机');
  });

  it('steps whose source says [inferred] carry the mark the Review page shows; those from the vendor do not', () => {
    const plan = build({ ...example('linux-jump.yaml'), options: { download: 'tunnel' } });
    expect(step(plan, 'install').inferred).toBe(true);
    expect(step(plan, 'cleanup').inferred).toBe(true);
    expect(step(plan, 'uninstall').inferred).toBeUndefined();
    expect(step(plan, 'install').description).toContain('[inferred]');
    const offline = build({ ...example('linux-jump.yaml'), package: { path: 'ICProbeAgent.tar.gz' } } as Answers);
    expect(step(offline, 'install-offline').inferred).toBe(true);
  });

  it("VPC endpoint as the vendor builds it: the DNS record named first; the host's ping of the endpoint fails the check (a preflight, overridable)", () => {
    const plan = build(example('linux-vpcep.yaml'));
    const conn = example('linux-vpcep.yaml').connectivity as Extract<Answers['connectivity'], { mode: 'vpcep' }>;
    const rec = action(step(plan, 'vpcep.records'), 'instruction');
    expect(step(plan, 'vpcep.records')).toMatchObject({ on: 'console', phase: 'prepare' });
    expect(rec.table?.rows[0]?.[0]).toBe(conn.vpcepDomain);
    expect(rec.table?.rows[0]?.[1]).toMatch(/^(A|AAAA)$/);
    expect(rec.text).toContain('With your network engineers, add this record');
    const dns = step(plan, 'vpcep.dns');
    expect(dns.phase).toBe('preflight');
    expect(dns.display).toContain("OUTPOST_FAIL the VPC endpoint did not answer ping (it resolves)'; exit 1");
    expect(dns.display).not.toContain('OUTPOST_WARN');
    expect(action(dns, 'exec').diagnosis.map((d) => d.code)).toEqual(['vpcep_dns', 'vpcep_unreachable']);
    // The download does not go through the endpoint: said before anything runs, each host's reach of it
    // checked in the preflight, and the offline package named; an offline install downloads nothing.
    expect(plan.warnings.join('\n')).toMatch(/the installer and the agent package it downloads come from https:\/\/icagent-cn-north-4\.obs\.cn-north-4\.myhuaweicloud\.com: the preflight checks that each host reaches it.*install offline/);
    const reach = probes(step(plan, 'preflight')).find((p) => p.kind === 'reach');
    expect(JSON.stringify(reach)).toContain('icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com');
    const offline = build({ ...example('linux-vpcep.yaml'), package: { path: '/tmp/ICProbeAgent.tar.gz' } });
    expect(offline.warnings.join('\n')).not.toMatch(/through the VPC endpoint/);
  });

  it('the seed advises VPCEP for high traffic: a jump server for production traffic is said before anything runs, the test line is not', () => {
    const jump = example('linux-jump.yaml');
    const conn = (traffic: 'test' | 'production') => ({ ...jump, connectivity: { ...(jump.connectivity as object), traffic } }) as Answers;
    expect(build(conn('production')).warnings.join('\n')).toMatch(/production traffic: the vendor advises a VPC endpoint for high log traffic/);
    expect(build(conn('test')).warnings.join('\n')).not.toMatch(/production traffic/);
    expect(build({ ...example('linux-vpcep.yaml'), connectivity: { ...(example('linux-vpcep.yaml').connectivity as object), traffic: 'production' } } as Answers).warnings.join('\n')).not.toMatch(/production traffic/);
  });

  it('persistent form: a systemd unit with the same forwards, keepalive, Restart=always, host keys checked', () => {
    const s = step(build(example('linux-jump.yaml')), 'tunnel.jump0');
    const t = action(s, 'forward');
    expect(t.form).toBe('persistent');
    expect(t.unitName).toBe('outpost-tunnel-icagent.service');
    expect(t.unitText).toContain('Restart=always\nRestartSec=5\n');
    expect(t.unitText).toContain('WantedBy=multi-user.target');
    expect(t.userUnitText).toContain('WantedBy=default.target');
    const exec = /^ExecStart=(.*)$/m.exec(t.unitText)?.[1];
    expect(exec?.split(' ')).toEqual(t.sshArgv);
    expect(t.sshArgv).toEqual(expect.arrayContaining(['-N', 'ExitOnForwardFailure=yes', 'ServerAliveInterval=30', 'ServerAliveCountMax=3', 'StrictHostKeyChecking=yes', 'root@192.168.0.10']));
    expect(t.sshArgv).not.toContain('-f');
    const system = installUnitScript(t.unitName, t.unitText, false);
    const user = installUnitScript(t.unitName, t.userUnitText, true);
    for (const text of [t.unitText, t.userUnitText, system, user, s.display]) {
      expect(text).not.toMatch(/StrictHostKeyChecking\s*=?\s*no|UserKnownHostsFile=\/dev\/null/i);
    }
    expect(s.display.split('\n')[0]).toBe(t.sshArgv.join(' '));
    // the printf argument carries the unit text exactly
    const words = parse(system).filter((w): w is string => typeof w === 'string');
    expect(words).toContain(t.unitText);
    // The tunnel steps are skipped when the tunnel is already healthy: held by this ssh (its forwards
    // and this profile's own key, the unit's process) and carrying.
    expect(s.guard?.probes[0]).toEqual({ kind: 'tunnelHealthy', forwards: t.forwards, argv: [...t.forwards.map((f) => `-L ${f.listenHost}:${f.listenPort}:${f.targetHost}:${f.targetPort}`), '-i %h/.ssh/outpost_tunnel_icagent_ed25519'], unit: 'outpost-tunnel-icagent.service' });
    // ssh only reads its key and known_hosts: the system unit may touch nothing else; a user manager
    // cannot apply filesystem protections, only NoNewPrivileges.
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=read-only', 'PrivateTmp=yes', 'PrivateDevices=yes']) expect(t.unitText).toContain(`\n${line}\n`);
    expect(t.userUnitText).toContain('\nNoNewPrivileges=yes\n');
    expect(t.userUnitText).not.toContain('ProtectSystem');
  });

  it("the security group rule allows the targets' own addresses unless allowFrom says otherwise", () => {
    const rows = (a: Answers) => action(step(build(a), 'sg-rule'), 'instruction').table?.rows.map((r) => r[3]);
    const a = example('linux-jump.yaml');
    expect(rows(a)).toEqual(['10.1.0.21/32']);
    expect(rows({ ...a, targets: [...a.targets, { ...a.targets[0]!, host: 'fd00::21' }] })).toEqual(['10.1.0.21/32', 'fd00::21/128']);
    // A host name says nothing about where its traffic comes from: anyone, said plainly.
    expect(rows({ ...a, targets: [...a.targets, { ...a.targets[0]!, host: 'db1.example.com' }] })).toEqual(['0.0.0.0/0']);
    expect(rows(withJump(a, (c) => (c.allowFrom = ['10.0.0.0/8'])))).toEqual(['10.0.0.0/8']);
  });

  it('systemd-analyze verify accepts the unit', () => {
    const t = action(step(build(example('linux-jump.yaml')), 'tunnel.jump0'), 'forward');
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
    const plan = build({ ...a, options: { download: 'tunnel' } });
    const t = action(step(plan, 'tunnel.jump0'), 'forward');
    expect(t.oneoffCommand).toContain('-L 192.168.0.10:8080:mirror.example.com:8081 ');
    expect(t.oneoffCommand).toContain('-L 192.168.0.10:18149:100.125.12.150:8149 ');
    expect(t.unitText).toContain('-L 192.168.0.10:8080:mirror.example.com:8081 ');
    expect(t.forwards.find((f) => f.name === 'icagent-obs')).toEqual({ name: 'icagent-obs', listenHost: '192.168.0.10', listenPort: 8080, targetHost: 'mirror.example.com', targetPort: 8081, http: true });
    expect(probe(step(plan, 'ports.jump0'), 'listening').forwards).toContainEqual({ name: 'icagent-8149', listenHost: '192.168.0.10', listenPort: 18149, targetHost: '100.125.12.150', targetPort: 8149 });
    expect(step(plan, 'install').display).toContain('http://192.168.0.10:8080/ICAgent_linux/apm_agent_install.sh');
    expect(action(step(plan, 'sg-rule'), 'instruction').table?.rows[0]?.[2]).toBe('18149, 8102, 8923, 30200, 30201, 8080');
    expect(plan.warnings.some((w) => w.includes('agents connect to 192.168.0.10:8149'))).toBe(true);
  });

  it('the jump server talks to its own sshd on the port given when ssh.host is its private IP', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      const j = c.jumpServers[0];
      if (j) j.ssh.port = 2222;
    });
    const t = action(step(build(a), 'tunnel.jump0'), 'forward');
    expect(t.sshArgv.slice(-3)).toEqual(['-p', '2222', 'root@192.168.0.10']);
    expect(t.via).toEqual({ host: '192.168.0.10', port: 2222, user: 'root' });
  });

  it('IPv6 addresses are bracketed in forward specs', () => {
    const a = withJump(example('linux-jump.yaml'), (c) => {
      c.jumpServers = [{ privateIp: 'fd00::10', ssh: { host: 'fd00::10', port: 22, user: 'root', agent: true } }];
      c.connectionIp = 'fd00::10';
    });
    const plan = build({ ...a, options: { download: 'tunnel' } });
    expect(action(step(plan, 'tunnel.jump0'), 'forward').oneoffCommand).toContain("-L '[fd00::10]:8149:100.125.12.150:8149'");
    expect(step(plan, 'install').display).toContain("'http://[fd00::10]:8080/ICAgent_linux/apm_agent_install.sh'");
  });

  it('the port check reports each port by name and fails when one is missing (real shell, fake ss)', async () => {
    const listening = probe(step(build(example('linux-jump.yaml')), 'ports.jump0'), 'listening');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ss-'));
    const run = async (ports: string[]) => {
      fs.writeFileSync(path.join(dir, 'ss'), `#!/bin/sh\necho 'State Recv-Q Send-Q Local Address:Port Peer Address:Port'\n${ports.map((p) => `echo 'LISTEN 0 128 ${p} 0.0.0.0:* users:(("ssh",pid=1,fd=4))'`).join('\n')}\n`, { mode: 0o755 });
      const ex = localExecutor(dir, { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });
      try {
        return await runProbes([listening], { ex, signal: new AbortController().signal, resolver: () => undefined, secrets: new SecretRegistry(), facts: {} });
      } finally {
        ex.end();
      }
    };
    const ports = ['192.168.0.10:8149', '192.168.0.10:8102', '192.168.0.10:8923', '192.168.0.10:30200', '192.168.0.10:30201'];
    const bad = await run(ports);
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c) => c.name === 'icagent-obs')).toMatchObject({ status: 'fail', detail: 'NOT listening on 192.168.0.10:8080' });
    expect(bad.checks.find((c) => c.name === 'icagent-8149')).toMatchObject({ status: 'pass' });
    const good = await run([...ports, '192.168.0.10:8080']);
    expect(good.ok).toBe(true);
    expect(good.checks.map((c) => c.name)).toEqual(['icagent-8149', 'icagent-8102', 'icagent-8923', 'icagent-30200', 'icagent-30201', 'icagent-obs']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('plan problems', () => {
  it('unknown profile, unsupported port override, custom region', () => {
    const a = example('linux-jump.yaml');
    expect(() => build({ ...a, profile: 'nope' })).toThrow(/profile: unknown profile "nope" \(known: aops-agent, cloudpods-telegraf, icagent, nova-agent, tetra-relay\)/);
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
    expect(custom.region).toMatchObject({ id: 'xx-newplace-7', listed: false });
    expect(custom.values.obsDomain).toBe('obs.xx-newplace-7.myhuaweicloud.com');
    expect(custom.warnings[0]).toMatch(/not in the catalog/);
    const given = buildPlan({ ...a, region: 'xx-newplace-7', obsDomain: 'obs.xx-newplace-7.example.net' }, icagent, regions);
    expect(step(given, 'install').display).toContain('-obsdomain obs.xx-newplace-7.example.net');
  });

  it('installDir override moves verify/uninstall and tells the installer', () => {
    const a = { ...example('linux-jump.yaml'), options: { installDir: '/home/agent user/icagent' } };
    const plan = build(a);
    expect(probe(step(plan, 'verify'), 'process').match).toBe('/home/agent user/icagent/ICAgent/bin/');
    expect(step(plan, 'uninstall').display).toBe("bash '/home/agent user/icagent/ICAgent/bin/manual/uninstall.sh'");
    expect(step(plan, 'install').display).toContain(`&& ICAGENT_INSTALL_DIR='/home/agent user/icagent' REGION=cn-north-4 . "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh;`);
    expect(probe(step(plan, 'preflight'), 'disk').path).toBe('/home/agent user/icagent');
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
    expect(() => renderStep(s, 'exec', () => undefined)).toThrow('inputs.ak: the environment variable OUTPOST_AK is not set.');
    const w = step(build(example('windows-direct.yaml')), 'install');
    let message = '';
    try {
      renderStep(w, 'exec', () => 'abc%PATH%def', new SecretRegistry());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('inputs.ak contains "%", which cannot be passed safely to cmd.');
  });
});

describe('this computer as a target', () => {
  it('is carried in the plan and silences the "no targets" warning', () => {
    const a = example('windows-direct.yaml');
    const plan = build({ ...a, targets: [], thisComputer: true });
    expect(plan.hosts.thisComputer).toBe(true);
    expect(plan.warnings.some((w) => w.startsWith('no targets are listed'))).toBe(false);
    expect(build({ ...a, targets: [] }).warnings.some((w) => w.startsWith('no targets are listed'))).toBe(true);
    expect(build(a).hosts.thisComputer).toBe(false);
  });
});
