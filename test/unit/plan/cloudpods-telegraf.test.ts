// The cloudpods-telegraf profile (seed 003): telegraf under /opt/.cloud-monitor/ writing to InfluxDB
// through an SSH remote forward (`ssh -N -R <proxyVM address>:<port>:<influxdb host>:<port>`) that a
// proxy runs into the proxy VM; the forward is the same action kind as the jump tunnel's -L, with
// direction remote, persistent as a systemd unit whose key may listen on exactly that address.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService, scheduleOf } from '../../../electron/core/service';
import { keyOptions, remoteKeyOptions } from '../../../electron/core/plan/tunnel';
import { renderExec } from '../../../electron/core/render';
import { toAnswers } from '../../../renderer/src/wizard/model';
import { fromAnswers } from '../../../renderer/src/wizard/from-answers';
import { hostLabel } from '../../../renderer/src/wizard/planText';
import { example, FIXTURES, RESOURCES } from './helpers';

const base = example('cloudpods-telegraf.yaml');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudpods-plan-'));
const service = new OutpostService({ dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
// The seed's own lines (test/fixtures/seeds/cloudpods-monitor-excerpt.txt, copied from seed 003).
const SEED = fs.readFileSync(path.join(FIXTURES, 'seeds', 'cloudpods-monitor-excerpt.txt'), 'utf8');

function plan(change: (a: typeof base) => unknown = (a) => a): Plan {
  return service.plan(change(structuredClone(base)) as Record<string, unknown>);
}
function step(p: Plan, id: string): Step {
  const found = p.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${p.steps.map((s) => s.id).join(' ')}`);
  return found;
}

/** The seed's command, its en-dash made ASCII: `ssh –NfR 172.31.25.194:12345:10.127.40.251:30086  cloudroot@140.179.54.109`. */
const seedCommand = (/^ssh (\S+) (\S+)\s+(\S+)$/m.exec(SEED.split('\n').find((l) => l.startsWith('ssh ')) ?? '') ?? []).slice(1);

describe('cloudpods-telegraf plan (seed 003)', () => {
  it("reads the seed's remote forward: -NfR with an en-dash, listen 172.31.25.194:12345, destination 10.127.40.251:30086", () => {
    expect(seedCommand).toEqual(['\u2013NfR', '172.31.25.194:12345:10.127.40.251:30086', 'cloudroot@140.179.54.109']);
    expect(SEED).toContain('安装路径在 /opt/.cloud-monitor/');
  });

  it('runs the tunnel on the proxy into the proxy VM: key, authorized_keys, host key, ssh -R, then the port check', () => {
    const p = plan();
    expect(p.steps.filter((s) => s.on !== 'targets').map((s) => `${s.id}@${s.on}`)).toEqual([
      'sg-rule@console',
      'connect.jump0@jump0',
      'connect.proxy0@proxy0',
      'tunnel.jump0.gatewayports@jump0',
      'tunnel.jump0.key@proxy0',
      'tunnel.jump0.authorize@jump0',
      'tunnel.jump0.hostkey@proxy0',
      'tunnel.jump0@proxy0',
      'ports.jump0@jump0',
    ]);
    expect(p.hosts.proxies).toEqual([{ id: 'proxy0', index: 0, label: 'the proxy of jump server 1 (cloudroot@10.127.30.251:22)', privateIp: '10.127.30.251', ssh: { host: '10.127.30.251', port: 22, user: 'cloudroot', auth: { kind: 'privateKey', path: '~/.ssh/cloudroot_ed25519' } } }]);
    const t = step(p, 'tunnel.jump0').action;
    if (t.kind !== 'forward') throw new Error('not a forward');
    // One union with the jump tunnel's -L: the same action kind, direction remote.
    expect(t).toMatchObject({ kind: 'forward', direction: 'remote', form: 'persistent', via: { host: '140.179.54.109', port: 22, user: 'cloudroot' } });
    expect(t.forwards).toEqual([{ name: 'influxdb', listenHost: '172.31.25.194', listenPort: 12345, targetHost: '10.127.40.251', targetPort: 30086 }]);
    // The seed's command in ASCII, addresses from the answers (they are the seed's in the example).
    const [, spec, login] = seedCommand;
    expect(t.oneoffCommand).toBe(`ssh -f -N -R ${spec} ${login}`);
    expect(t.sshArgv.join(' ')).toBe(
      `/usr/bin/ssh -N -o ExitOnForwardFailure=yes -o ServerAliveInterval=30 -o ServerAliveCountMax=3 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%h/.outpost/known_hosts -o HostKeyAlias=outpost-tunnel-jump0 -i %h/.ssh/outpost_tunnel_cloudpods-telegraf_ed25519 -R ${spec} ${login}`,
    );
    expect(t.sshArgv.join(' ')).not.toMatch(/\u2013|StrictHostKeyChecking=no/);
    expect(t.unitName).toBe('outpost-rtunnel-cloudpods-telegraf-jump0.service');
    expect(t.unitText).toContain(`ExecStart=${t.sshArgv.join(' ')}\nRestart=always\n`);
    expect(t.unitText).toContain('# influxdb: 172.31.25.194:12345 -> 10.127.40.251:30086');
    expect(t.userUnitText).toContain('WantedBy=default.target');
    expect(step(p, 'tunnel.jump0').guard?.probes).toEqual([{ kind: 'process', name: 'remote tunnel ssh', match: `-R ${spec}`, mine: true }]);
    expect(step(p, 'ports.jump0').action).toEqual({ kind: 'probe', probes: [{ kind: 'listening', forwards: t.forwards }] });
  });

  it('the run view lists the proxy steps with the jump server\'s, in plan order, and names the proxy', () => {
    const p = plan();
    expect(scheduleOf(p, { tunnelOnly: true }).map((r) => `${r.stepId}@${r.hostId}`)).toEqual(['connect.jump0@jump0', 'connect.proxy0@proxy0', 'tunnel.jump0.gatewayports@jump0', 'tunnel.jump0.key@proxy0', 'tunnel.jump0.authorize@jump0', 'tunnel.jump0.hostkey@proxy0', 'tunnel.jump0@proxy0', 'ports.jump0@jump0']);
    const t = ((k: string, o?: Record<string, unknown>) => `${k}:${String(o?.n ?? '')}`) as Parameters<typeof hostLabel>[0];
    expect(hostLabel(t, 'proxy0', p)).toBe('where.proxyN:1 · cloudroot@10.127.30.251:22');
  });

  it("the wizard keeps the proxy in the answers for this profile only (its form holds it when the agent changes)", () => {
    const summaries = service.profileSummaries().profiles;
    const cp = summaries.find((x) => x.id === 'cloudpods-telegraf');
    const ic = summaries.find((x) => x.id === 'icagent');
    expect(cp?.ports).toEqual([{ name: 'influxdb', port: 12345, to: 'elb', download: false, direction: 'remote' }]);
    const form = fromAnswers(base, {}, [], summaries);
    const jump = (a: Record<string, unknown>) => (a.connectivity as { jumpServers: Array<Record<string, unknown>> }).jumpServers[0];
    expect(jump(toAnswers(form, cp))?.proxy).toEqual({ ssh: { host: '10.127.30.251', port: 22, user: 'cloudroot', privateKey: { path: '~/.ssh/cloudroot_ed25519' } } });
    expect(jump(toAnswers({ ...form, agent: { ...form.agent, profile: 'icagent' } }, ic))?.proxy).toBeUndefined();
  });

  it("allows the proxy's key exactly the planned listen address on the proxy VM, with the same restrictions as the jump tunnel's key", () => {
    const p = plan();
    const f = [{ name: 'influxdb', listenHost: '172.31.25.194', listenPort: 12345, targetHost: '10.127.40.251', targetPort: 30086 }];
    expect(remoteKeyOptions(f)).toBe('restrict,port-forwarding,command="/bin/false",permitlisten="172.31.25.194:12345",permitopen="127.0.0.1:1"');
    // The local tunnel's mirror image: there permitopen names the destinations and permitlisten nothing usable.
    expect(keyOptions(f, '172.31.25.194')).toMatch(/permitopen="10\.127\.40\.251:30086",permitlisten="127\.0\.0\.1:1"$/);
    const auth = step(p, 'tunnel.jump0.authorize');
    expect(auth.on).toBe('jump0');
    if (auth.action.kind !== 'exec') throw new Error('not exec');
    // The public key is the fact the proxy's key step printed; it is checked to be an ed25519 key before use.
    const text = renderExec(auth.action, 'exec', undefined, undefined, { 'tunnelkey.proxy0': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProxyKey', 'tunnelsrc.proxy0': '10.127.30.251' });
    expect(text).toContain(`set -- '${remoteKeyOptions(f)}' 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProxyKey' outpost-rtunnel:cloudpods-telegraf 10.127.30.251 ;`);
    // Only from the proxy, by the address the jump server sees it come from (the key step's fact).
    expect(text).toContain('opts="from=\\"$src\\",$opts"');
    expect(text).toContain('"ssh-ed25519 AAAA"?*) ;; *) echo "OUTPOST_FAIL');
    const key = step(p, 'tunnel.jump0.key');
    expect(key.display).toContain('; echo OUTPOST_FACT tunnelkey.proxy0 "$pub" ;');
    expect(key.display).toMatch(/ip -o route get "\$1" .*; echo OUTPOST_FACT tunnelsrc\.proxy0 "\$\{src:-\$2\}"$/);
    const hk = step(p, 'tunnel.jump0.hostkey');
    expect(hk.display).toMatch(/^set -- outpost-tunnel-jump0 <hostkey\.jump0> ; .*f="\$HOME\/\.outpost\/known_hosts"/);
  });

  it("the vendor form runs the seed's one-off command (ASCII -f -N -R) with the user's own known_hosts, no key of Outpost's", () => {
    const p = plan((a) => ({ ...a, connectivity: { ...a.connectivity, tunnel: 'vendor' } }));
    expect(p.steps.filter((s) => s.on !== 'targets').map((s) => s.id)).toEqual(['sg-rule', 'connect.jump0', 'connect.proxy0', 'tunnel.jump0.gatewayports', 'tunnel.jump0.hostkey', 'tunnel.jump0', 'ports.jump0']);
    expect(step(p, 'tunnel.jump0').display).toBe('ssh -f -N -R 172.31.25.194:12345:10.127.40.251:30086 cloudroot@140.179.54.109');
    expect(step(p, 'tunnel.jump0.hostkey').display).toMatch(/^set -- 140\.179\.54\.109 <hostkey\.jump0> ; .*f="\$HOME\/\.ssh\/known_hosts"/);
  });

  it('installs telegraf and telegraf.conf under /opt/.cloud-monitor/ writing to the forward, runs it under a systemd unit, verifies read-only (the process, InfluxDB\'s /ping, SHOW DATABASES), never writing by default', () => {
    const p = plan();
    expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'folder', 'upload', 'config', 'unit', 'install', 'uninstall', 'verify']);
    expect(step(p, 'upload').action).toEqual({ kind: 'upload', from: './telegraf', to: '/opt/.cloud-monitor/telegraf', sha256: base.inputs?.telegrafSha256, mode: 0o755, root: true });
    const conf = step(p, 'config').action;
    if (conf.kind !== 'writeFile') throw new Error('not writeFile');
    expect(conf.path).toBe('/opt/.cloud-monitor/telegraf.conf');
    const text = conf.content.join('');
    expect(text).toContain('[[outputs.influxdb]]\n  urls = ["http://172.31.25.194:12345"]\n  database = "telegraf"\n  skip_database_creation = true\n');
    expect(text).toContain('hostname = "{host.name}"');
    const unit = step(p, 'unit').action;
    if (unit.kind !== 'writeFile') throw new Error('not writeFile');
    expect(unit.path).toBe('/etc/systemd/system/cloud-monitor-telegraf.service');
    expect(unit.content.join('')).toContain('ExecStart=/opt/.cloud-monitor/telegraf --config /opt/.cloud-monitor/telegraf.conf\nRestart=always\n');
    expect(step(p, 'install').display).toBe('systemctl daemon-reload && systemctl enable cloud-monitor-telegraf.service && systemctl restart cloud-monitor-telegraf.service');
    expect(step(p, 'preflight').display).toContain('reaches influxdb 172.31.25.194:12345');
    const v = step(p, 'verify').action;
    if (v.kind !== 'probe') throw new Error('not probe');
    expect(v.probes[0]).toEqual({ kind: 'process', name: 'telegraf', match: '/opt/.cloud-monitor/telegraf --config' });
    // Read-only by default: /ping (204 and the InfluxDB version header) and SHOW DATABASES through the forward; nothing writes.
    expect(v.probes.map((x) => x.kind === 'command' ? x.name : x.kind)).toEqual(['process', 'InfluxDB answers /ping where telegraf writes (read-only)', 'the database exists (SHOW DATABASES, read-only)', "telegraf's log shows no write errors since it started"]);
    // telegraf's own log, which the last check reads: its output errors since its last start fail the host; before one interval, could not check.
    expect(text).toContain('  logfile = "/opt/.cloud-monitor/telegraf.log"\n');
    expect(v.probes[3]).toMatchObject({ kind: 'command', unknown: ['telegraf log not read'], hint: expect.stringContaining("telegraf's writes to http://172.31.25.194:12345 fail") });
    expect(step(p, 'uninstall').display).toContain('/opt/.cloud-monitor/telegraf.log');
    const verify = step(p, 'verify').display;
    expect(verify).toContain("set -- http://172.31.25.194:12345 ; h=$(curl -sS -o /dev/null -D - -w 'status=%{http_code}' --max-time 10 \"$1/ping\")");
    expect(verify).toContain("-w '\\nstatus=%{http_code}' http://172.31.25.194:12345/query --data-urlencode 'q=SHOW DATABASES' )");
    expect(v.probes[2]).toMatchObject({ kind: 'command', unknown: ['InfluxDB asks for credentials'] });
    expect(verify).toContain("set -- /opt/.cloud-monitor/telegraf.log '/opt/.cloud-monitor/telegraf --config' 60 ;");
    expect(verify).toMatch(/\/E! \\\[\(outputs\\\.\|agent\\\] Error writing\)\//);
    expect(JSON.stringify(p.steps)).not.toMatch(/\/write|XPOST/);
  });

  it('writes a test point only when the answers ask for it (writeTest), as a step the plan names', () => {
    const p = plan((a) => ({ ...a, inputs: { ...a.inputs, writeTest: true } }));
    expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'folder', 'upload', 'config', 'unit', 'install', 'write-test', 'uninstall', 'verify']);
    const w = step(p, 'write-test');
    expect(w.title).toBe('Write one test point (outpost_check) into telegraf at http://172.31.25.194:12345 (asked: writeTest)');
    expect(w.inferred).toBe(true);
    expect(w.display).toBe("curl -sSf -o /dev/null -XPOST 'http://172.31.25.194:12345/write?db=telegraf' --data-binary 'outpost_check,host={host.name} ok=1i' && echo 'write accepted'");
  });

  it("checks GatewayPorts on the jump server before anything is made for the remote tunnel, read-only, 'could not check' when unreadable", () => {
    const p = plan();
    const g = step(p, 'tunnel.jump0.gatewayports');
    expect(g.on).toBe('jump0');
    expect(p.steps.indexOf(g)).toBeLessThan(p.steps.findIndex((s) => s.id === 'tunnel.jump0.key'));
    expect(g.title).toBe('Check GatewayPorts clientspecified in the sshd of jump server 1 (cloudroot@140.179.54.109:22) (the remote forward listens on 172.31.25.194:12345)');
    if (g.action.kind !== 'probe') throw new Error('not probe');
    const c = g.action.probes[0];
    expect(c).toMatchObject({ kind: 'command', name: 'GatewayPorts', shell: 'sh', exitCode: 0, unknown: ['GatewayPorts not read'] });
    expect(g.display).toContain('sudo -n "$bin" -T -f "$cfg"');
    // Nothing it runs changes the host: no write, no reload.
    expect(g.display).not.toMatch(/>\s*[^&/]|\bsed -i|systemctl|kill/);
  });

  it('asks for the proxy when a profile forwards remotely, and refuses one where nothing uses it', () => {
    expect(() => plan((a) => { const c = a.connectivity as { jumpServers: Array<Record<string, unknown>> }; delete c.jumpServers[0]?.proxy; return a; })).toThrow(/connectivity\.jumpServers\[0\]\.proxy: is required: Cloudpods monitor agent \(telegraf\) forwards influxdb remotely/);
    const icagent = example('linux-jump.yaml');
    const withProxy = structuredClone(icagent) as unknown as { connectivity: { jumpServers: Array<Record<string, unknown>> } };
    if (withProxy.connectivity.jumpServers[0]) withProxy.connectivity.jumpServers[0].proxy = { ssh: { host: '10.0.0.9', port: 22, user: 'root', agent: true } };
    expect(() => service.plan(withProxy as unknown as Record<string, unknown>)).toThrow(/connectivity\.jumpServers\[0\]\.proxy: is only used by profiles with remote forwards/);
  });

  it('a remote port cannot be the download port (the schema says so, with the field)', async () => {
    const { parseProfile } = await import('../../../electron/core/profiles');
    const text = fs.readFileSync(path.join(RESOURCES, 'profiles', 'cloudpods-telegraf.yaml'), 'utf8').replace('    direction: remote\n', '    direction: remote\n    download: true\n');
    const r = parseProfile(text, 'cloudpods-telegraf.yaml');
    expect('problems' in r && r.problems).toEqual([expect.stringMatching(/^cloudpods-telegraf\.yaml:\d+: ports\[0\]\.download: the download goes through a local forward, not a remote one$/)]);
  });
  describe('direct reporting (seed: 直接上报): no proxy, no forward; telegraf writes to influxUrl', () => {
    const direct = (inputs: Record<string, unknown> = {}) =>
      plan((a) => ({ ...a, connectivity: { mode: 'direct' }, inputs: { ...a.inputs, ...inputs } }));

    it("writes to the seed's metadata endpoint by default, checks reach and InfluxDB's answers from each VM to that URL, and plans nothing on a jump server", () => {
      const p = direct();
      expect(p.steps.every((s) => s.on === 'targets')).toBe(true);
      expect(p.hosts.proxies ?? []).toEqual([]);
      expect(JSON.stringify(p.steps)).not.toMatch(/-R |tunnel|gatewayports|12345/);
      expect(p.steps.map((s) => s.id)).toEqual(['connect', 'preflight', 'folder', 'upload', 'config', 'unit', 'install', 'uninstall', 'verify']);
      const conf = step(p, 'config');
      expect(conf.title).toBe('Write /opt/.cloud-monitor/telegraf.conf (output: http://169.254.169.254/monitor)');
      if (conf.action.kind !== 'writeFile') throw new Error('not writeFile');
      expect(conf.action.content.join('')).toContain('[[outputs.influxdb]]\n  urls = ["http://169.254.169.254/monitor"]\n  database = "telegraf"\n');
      // Before anything changes, the VM reaches the URL (any HTTP answer); after, InfluxDB answers there (read-only).
      expect(step(p, 'preflight').display).toContain("the VM reaches where telegraf writes: set -- http://169.254.169.254/monitor ; c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \"$1/ping\")");
      const verify = step(p, 'verify').display;
      expect(verify).toContain('set -- http://169.254.169.254/monitor ; h=$(curl');
      expect(verify).toContain('http://169.254.169.254/monitor/query --data-urlencode');
      expect(JSON.stringify(p.steps)).not.toMatch(/\/write|XPOST/);
    });

    it("takes InfluxDB's own URL for VMs that reach it, and refuses a URL that is not plain http(s)", () => {
      const p = direct({ influxUrl: 'http://10.127.40.251:30086', writeTest: true });
      expect(step(p, 'write-test').display).toBe("curl -sSf -o /dev/null -XPOST 'http://10.127.40.251:30086/write?db=telegraf' --data-binary 'outpost_check,host={host.name} ok=1i' && echo 'write accepted'");
      expect(step(p, 'verify').display).toContain('set -- http://10.127.40.251:30086 ;');
      for (const bad of ['ftp://10.0.0.1/', 'http://u:p@10.0.0.1:30086', 'http://10.0.0.1/x?db=y', 'http://10.0.0.1/$(id)'])
        expect(() => direct({ influxUrl: bad }), bad).toThrow(/inputs\.influxUrl: .*an http:\/\/ or https:\/\/ URL/);
    });

    it('through a jump server influxUrl is not used: telegraf writes to the forward', () => {
      const p = plan((a) => ({ ...a, inputs: { ...a.inputs, influxUrl: 'http://10.127.40.251:30086' } }));
      expect(step(p, 'config').title).toBe('Write /opt/.cloud-monitor/telegraf.conf (output: http://172.31.25.194:12345)');
      expect(JSON.stringify(p.steps)).not.toContain('10.127.40.251:30086/');
      expect(step(p, 'preflight').display).not.toContain('the VM reaches where telegraf writes');
    });

    it('the shipped direct example plans, and the wizard offers both modes without asking for an address', () => {
      expect(service.plan(example('cloudpods-telegraf-direct.yaml') as unknown as Record<string, unknown>).mode).toBe('direct');
      const cp = service.profileSummaries().profiles.find((x) => x.id === 'cloudpods-telegraf');
      expect(cp?.connectivity).toEqual(['jump', 'direct']);
      expect(cp?.uses.accessIp).toBe(false);
    });
  });
  describe("the seed's user-assisted passwordless login (cloudrootKey)", () => {
    const KEY = '/home/admin/.ssh/cloudroot_ed25519';
    const withKey = (more: (a: typeof base) => unknown = (a) => a) => plan((a) => more({ ...a, inputs: { ...a.inputs, cloudrootKey: KEY } } as typeof base));

    it('is planned only when asked: cloudroot made (never over a foreign one), the key put in place, sudo, then a key login as cloudroot in the verify', () => {
      expect(JSON.stringify(plan().steps)).not.toMatch(/cloudroot-|keyLogin/);
      const p = withKey();
      expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'cloudroot-user', 'cloudroot-key', 'cloudroot-sudo', 'cloudroot-sudo-check', 'folder', 'upload', 'config', 'unit', 'install', 'uninstall', 'verify']);
      const user = step(p, 'cloudroot-user');
      expect(user.inferred).toBe(true);
      expect(user.display).toMatch(/^PATH="\$PATH:\/usr\/sbin:\/sbin"; set -- cloudroot 'Outpost cloudroot \(cloudpods-telegraf\)' ; /);
      // An existing cloudroot without Outpost's comment is another's: stop, touching nothing (the check comes before any change).
      const d = user.display;
      expect(d.indexOf('exists that Outpost did not create')).toBeLessThan(d.indexOf('useradd'));
      expect(d.indexOf('exit 3')).toBeLessThan(d.indexOf('usermod'));
      expect(d).toContain("usermod -p '*' \"$u\"");
      expect(d).toContain('chmod 0700 "$h/.ssh"');
      expect(step(p, 'cloudroot-key').action).toEqual({ kind: 'upload', from: `${KEY}.pub`, to: '/home/cloudroot/.ssh/authorized_keys', sha256: null, mode: 0o600, root: true, owner: 'cloudroot' });
      const sudo = step(p, 'cloudroot-sudo').action;
      if (sudo.kind !== 'writeFile') throw new Error('not writeFile');
      expect([sudo.path, sudo.mode, sudo.content.join('')]).toEqual(['/etc/sudoers.d/outpost-cloudroot', 0o440, "# Generated by Outpost (profile cloudpods-telegraf): cloudroot's key login, user-assisted.\ncloudroot ALL=(ALL) NOPASSWD:ALL\n"]);
      expect(step(p, 'cloudroot-sudo-check').display).toContain('visudo -c -f /etc/sudoers.d/outpost-cloudroot || { rm -f /etc/sudoers.d/outpost-cloudroot;');
      const v = step(p, 'verify').action;
      if (v.kind !== 'probe') throw new Error('not probe');
      expect(v.probes[0]).toMatchObject({ kind: 'keyLogin', user: 'cloudroot', keyPath: KEY });
      expect(step(p, 'verify').display).toContain(`log in as cloudroot with the key ${KEY} (host key verified)`);
      // The login the user gives is the SSH login's: its password is never a word of any step.
      const withPassword = withKey((a) => ({ ...a, targets: [{ host: '172.31.25.10', port: 22, user: 'admin', password: { env: 'ADMIN_PW' } }] }));
      expect(withPassword.hosts.targets[0]?.ssh.auth).toEqual({ kind: 'password', password: { env: 'ADMIN_PW' } });
      expect(JSON.stringify(withPassword.steps)).not.toContain('ADMIN_PW');
    });

    it('takes only an absolute path for the key', () => {
      expect(() => withKey((a) => ({ ...a, inputs: { ...a.inputs, cloudrootKey: 'id_ed25519' } }))).toThrow(/inputs\.cloudrootKey: .*an absolute path on this computer/);
    });

    it('the Ansible export logs in again as cloudroot with the key (its ping, no become)', async () => {
      const { exportOf, allTasks } = await import('../export/helpers');
      const p = withKey((a) => ({ ...a, connectivity: { mode: 'direct' } }));
      const sums = new Map(p.steps.flatMap((s) => (s.action.kind === 'upload' ? [[s.action.from, 'a'.repeat(64)] as [string, string]] : [])));
      const x = exportOf(p, { packages: { byLocal: sums, byRemote: new Map(), checkedArchives: new Set() } });
      const t = allTasks(x).find((k) => String(k.name).includes('log in as cloudroot with the key'));
      expect(t).toMatchObject({ 'ansible.builtin.ping': {}, vars: { ansible_user: 'cloudroot', ansible_ssh_private_key_file: KEY, ansible_become: false } });
    });
  });
});
