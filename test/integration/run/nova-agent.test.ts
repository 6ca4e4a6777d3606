// The nova-agent profile (seed 004) on Linux, run for real over SSH against loopback sshd targets,
// through the API as the wizard drives it. Real: sshd, the login as an unprivileged user (no sudo),
// bash running the profile's own scripts (package manager detection, unit detection, the verify probe),
// background processes for the started services. Stand-ins (a XenServer guest cannot exist here), first
// on the target's PATH: `apt-get` (installs the package's unit, as Debian's python3-nova-agent does) and
// `systemctl` (cat/enable/start/is-active/status over a folder of known units; a started unit is a
// process whose pid file it checks, and nova-agent refuses to start before the guest tools run, as it
// needs XenStore). The rest of PATH is /usr/bin without any package manager, so only the stand-in
// apt-get can be found (and on the second target, none at all). `systemctl show -p After` reads the
// boot-order drop-in as systemd does (an After= line counts only in its [Unit] section); `ip` prints the
// interfaces recorded from a real `ip -o -d link show` (test/fixtures/nova: lo only, or lo and a tap
// device made with `ip tuntap`), since the machine's own interfaces are not the test's. A target with
// the 1.x layout has /usr/share/nova-agent/1.39.1 in an overlay of its own (nothing written to the
// machine's /usr/share); a FreeBSD host is a `uname` that says FreeBSD.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, startSshd, stopAll, type SshdInstance, type TestUser, TEST_USERS } from '../harness/sshd';
import { opts, session, type Ev } from './api-session';

const PACKAGE_MANAGERS = new Set(['apt', 'apt-get', 'yum', 'dnf', 'microdnf', 'zypper', 'systemctl']);

let user: TestUser;
let dir: string;
let farm: string;
const targets: Record<'apt' | 'none' | 'v1' | 'freebsd', { sshd: SshdInstance; state: string }> = {} as never;
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'nova');

function script(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** A target whose PATH is `bin` then /usr/bin without package managers; its units start as `units`. */
async function makeTarget(name: string, withAptGet: boolean, o: { links?: 'lo' | 'tap'; uname?: string; novaV1?: boolean } = {}): Promise<{ sshd: SshdInstance; state: string }> {
  const bin = path.join(dir, `bin-${name}`);
  const state = path.join(dir, `state-${name}`);
  fs.mkdirSync(bin, { mode: 0o755 });
  fs.mkdirSync(path.join(state, 'units'), { recursive: true, mode: 0o777 });
  fs.mkdirSync(path.join(state, 'systemd'), { recursive: true, mode: 0o777 });
  for (const d of [state, path.join(state, 'units'), path.join(state, 'systemd')]) fs.chmodSync(d, 0o777);
  // The interfaces a real `ip -o -d link show` printed (other ip commands: the real one).
  fs.copyFileSync(path.join(FIXTURES, `ip-link-${o.links ?? 'lo'}.txt`), path.join(state, 'ip-link.txt'));
  script(path.join(bin, 'ip'), `#!/bin/sh\nif [ "$*" = "-o -d link show" ]; then cat "$NOVA_STATE/ip-link.txt"; exit 0; fi\nexec /usr/bin/ip "$@"\n`);
  if (o.uname) script(path.join(bin, 'uname'), o.uname);
  let overlays: Array<{ on: string; upper: string }> | undefined;
  if (o.novaV1) {
    // What the 1.x installer leaves (rackerlabs' openstack-guest-agents-unix): /usr/share/nova-agent/<version>/.
    const upper = path.join(dir, `share-${name}`);
    fs.mkdirSync(path.join(upper, 'nova-agent', '1.39.1', 'sbin'), { recursive: true });
    fs.writeFileSync(path.join(upper, 'nova-agent', 'nova-agent.py'), '# nova-agent 1.x\n');
    overlays = [{ on: '/usr/share', upper }];
  }
  // The stand-ins log as root (install steps, through sudo) and as the login user (checks): both append.
  fs.writeFileSync(path.join(state, 'calls.log'), '', { mode: 0o666 });
  fs.chmodSync(path.join(state, 'calls.log'), 0o666);
  // The host has the newer guest tools unit only (xe-daemon), not xe-linux-distribution.
  fs.writeFileSync(path.join(state, 'units', 'xe-daemon'), '', { mode: 0o666 });
  script(path.join(bin, 'systemctl'), SYSTEMCTL);
  if (withAptGet) {
    script(
      path.join(bin, 'apt-get'),
      `#!/bin/bash\necho "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "$NOVA_STATE/calls.log"\n[ "$1 $2 $3" = "install -y nova-agent" ] || { echo "E: unexpected arguments"; exit 100; }\n: > "$NOVA_STATE/units/python3-nova-agent"\necho "Setting up python3-nova-agent (2.1.22) ..."\n`,
    );
  }
  const sshd = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:${farm} NOVA_STATE=${state} NOVA_DIR=${dir}`], ...(overlays ? { overlays } : {}) });
  return { sshd, state };
}

// Units are files in $NOVA_STATE/units; a running unit has $NOVA_STATE/<unit>.pid naming a live process.
const SYSTEMCTL = `#!/bin/bash
echo "systemctl $*" >> "$NOVA_STATE/calls.log"
units="$NOVA_STATE/units"
# A killed service may linger as a zombie here (no init reaps it): that is not running.
running() { local f="$NOVA_STATE/$1.pid" p; [ -f "$f" ] && p=$(cat "$f") && [ -r "/proc/$p/status" ] && ! grep -q '^State:.*Z' "/proc/$p/status"; }
quiet=; [ "$2" = --quiet ] && { quiet=1; set -- "$1" "$3"; }
u="$2"
case "$1" in
  daemon-reload) exit 0;;
  show)
    # show -p After --value UNIT: the After= of the unit's drop-ins, in their [Unit] sections only.
    [ "$2 $3 $4" = "-p After --value" ] || { echo "systemctl stand-in: show $* is not supported" >&2; exit 1; }
    after=
    for f in "$NOVA_STATE/systemd/$5.service.d"/*.conf; do
      [ -f "$f" ] || continue
      after="$after $(awk '/^\\[/ { s = $0 } s == "[Unit]" && /^After=/ { sub(/^After=/, ""); printf "%s ", $0 }' "$f")"
    done
    echo $after; exit 0;;
  cat) [ -f "$units/$u" ] || { echo "No files found for $u.service." >&2; exit 1; }; echo "# /lib/systemd/system/$u.service";;
  enable) [ -f "$units/$u" ] || { echo "Failed to enable unit: Unit file $u.service does not exist." >&2; exit 1; };;
  start)
    [ -f "$units/$u" ] || { echo "Failed to start $u.service: Unit $u.service not found." >&2; exit 5; }
    running "$u" && exit 0
    case "$u" in *nova-agent) running xe-daemon || running xe-linux-distribution || { echo "Job for $u.service failed: xenstore is not available" >&2; exit 1; };; esac
    rm -f "$NOVA_STATE/$u.pid"
    setsid ${process.execPath} "$NOVA_DIR/daemon.mjs" "$u" "$NOVA_STATE/$u.pid" >/dev/null 2>&1 < /dev/null &
    for i in $(seq 50); do [ -s "$NOVA_STATE/$u.pid" ] && exit 0; sleep 0.1; done
    echo "Job for $u.service failed" >&2; exit 1;;
  is-active|status)
    if running "$u"; then [ -n "$quiet" ] || echo active; exit 0; fi
    [ -n "$quiet" ] || echo inactive; exit 3;;
  *) echo "systemctl stand-in: $1 is not supported" >&2; exit 1;;
esac
exit 0
`;

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-nova-'));
  fs.chmodSync(dir, 0o755);
  // /usr/bin without any package manager (nor the real systemctl): what a host without yum and apt-get has.
  farm = path.join(dir, 'usr-bin');
  fs.mkdirSync(farm, { mode: 0o755 });
  for (const name of fs.readdirSync('/usr/bin')) if (!PACKAGE_MANAGERS.has(name)) fs.symlinkSync(path.join('/usr/bin', name), path.join(farm, name));
  // A service: keeps running until killed, its pid in the file systemctl checks.
  fs.writeFileSync(path.join(dir, 'daemon.mjs'), "import fs from 'node:fs';\nfs.writeFileSync(process.argv[3], String(process.pid));\nsetInterval(() => undefined, 60_000);\n", { mode: 0o644 });
  targets.apt = await makeTarget('apt', true);
  targets.none = await makeTarget('none', false, { links: 'tap' });
  targets.v1 = await makeTarget('v1', true, { novaV1: true });
  targets.freebsd = await makeTarget('freebsd', true, { uname: '#!/bin/sh\ncase "$1" in -m) echo amd64;; -r) echo 13.2-RELEASE;; *) echo FreeBSD;; esac\n' });
});

afterAll(async () => {
  for (const t of Object.values(targets)) {
    for (const f of fs.readdirSync(t.state).filter((x) => x.endsWith('.pid'))) {
      try {
        process.kill(Number(fs.readFileSync(path.join(t.state, f), 'utf8')), 'SIGKILL');
      } catch {
        /* not running */
      }
    }
  }
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runNova(t: { sshd: SshdInstance; state: string }): Promise<{ end: EventPayload<'run.end'>; events: Ev[] }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-nova-run-')));
  const answers = {
    profile: 'nova-agent',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: '192.0.2.1' },
    inputs: { unitDir: path.join(t.state, 'systemd') },
    targets: [{ name: 'cloud-01', host: t.sshd.host, port: t.sshd.port, user: user.name, password: { stored: 'TARGET_PASSWORD' } }],
    // The login user is unprivileged (no sudo) and the stand-ins need no root: the install folder, which
    // only sizes the preflight's disk and privilege checks, is one this user may write.
    options: { installDir: path.join(user.home, 'nova-usr') },
  };
  const started = await s.call('run.start', { answers, options: opts() });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  return { end: await s.waitEnd(), events: s.events };
}

const calls = (state: string) => fs.readFileSync(path.join(state, 'calls.log'), 'utf8').trim().split('\n');
const alive = (state: string, unit: string) => {
  const pid = fs.readFileSync(path.join(state, `${unit}.pid`), 'utf8');
  return !/^State:.*Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
};

describe('nova-agent on a real sshd target', () => {
  it('starts the guest tools, installs with the apt-get it finds, starts python3-nova-agent, and verify passes', async () => {
    const { end, events } = await runNova(targets.apt);
    expect(end.outcome, `${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');

    // The seed's order: guest tools first (the newer xe-daemon, as xe-linux-distribution is absent),
    // then the package from the package manager the host has, then the agent's own unit.
    expect(calls(targets.apt.state)).toEqual([
      'systemctl cat xe-linux-distribution',
      'systemctl cat xe-daemon',
      'systemctl enable xe-daemon',
      'systemctl start xe-daemon',
      'apt-get install -y nova-agent DEBIAN_FRONTEND=noninteractive',
      // The boot order: the agent's unit and the guest tools' unit found, the drop-in read back by systemd.
      'systemctl cat nova-agent',
      'systemctl cat python3-nova-agent',
      'systemctl cat xe-linux-distribution',
      'systemctl cat xe-daemon',
      'systemctl daemon-reload',
      'systemctl show -p After --value python3-nova-agent',
      'systemctl cat nova-agent',
      'systemctl cat python3-nova-agent',
      'systemctl enable python3-nova-agent',
      'systemctl start python3-nova-agent',
      'systemctl is-active --quiet nova-agent',
      'systemctl is-active --quiet python3-nova-agent',
    ]);
    expect(fs.readFileSync(path.join(targets.apt.state, 'systemd', 'python3-nova-agent.service.d', 'outpost-boot-order.conf'), 'utf8')).toBe(
      '# Outpost (nova-agent profile): the XenServer guest tools start before the agent.\n[Unit]\nAfter=xe-daemon.service\nWants=xe-daemon.service\n',
    );
    const boot = events.find((e) => e.name === 'run.step' && (e.payload as EventPayload<'run.step'>).stepId === 'boot-order' && (e.payload as EventPayload<'run.step'>).status === 'done');
    expect(boot, JSON.stringify(events.filter((e) => JSON.stringify(e).includes('boot-order')))).toBeDefined();
    // The preflight's own checks: Linux, no 1.x, and no tun/tap interface (the recorded lo-only list).
    const pre = events.find((e) => e.name === 'run.step' && (e.payload as EventPayload<'run.step'>).stepId === 'preflight' && (e.payload as EventPayload<'run.step'>).status === 'done');
    const preChecks = (pre?.payload as EventPayload<'run.step'> | undefined)?.checks ?? [];
    expect(preChecks.filter((c) => ['not FreeBSD', 'no nova-agent 1.x installed', 'no tun or tap interfaces'].includes(c.name))).toEqual([
      { name: 'not FreeBSD', status: 'pass', detail: 'Linux' },
      { name: 'no nova-agent 1.x installed', status: 'pass', detail: 'no nova-agent 1.x (/usr/share/nova-agent/<version>)' },
      { name: 'no tun or tap interfaces', status: 'pass', detail: 'no tun or tap interface' },
    ]);
    expect(alive(targets.apt.state, 'xe-daemon')).toBe(true);
    expect(alive(targets.apt.state, 'python3-nova-agent')).toBe(true);

    const verify = events.find((e) => e.name === 'run.step' && (e.payload as EventPayload<'run.step'>).stepId === 'verify' && (e.payload as EventPayload<'run.step'>).status === 'done');
    expect((verify?.payload as EventPayload<'run.step'> | undefined)?.checks).toEqual([{ name: 'nova-agent service', status: 'pass', detail: 'python3-nova-agent is active' }]);
  }, 120_000);

  it('without yum or apt-get, the run fails at the install step and says so; the agent is not started (a tap device only warned)', async () => {
    const { end, events } = await runNova(targets.none);
    // A warning does not stop the run: the preflight ends as a warning.
    const pre = events.find((e) => e.name === 'run.step' && (e.payload as EventPayload<'run.step'>).stepId === 'preflight' && (e.payload as EventPayload<'run.step'>).status === 'warning');
    expect((pre?.payload as EventPayload<'run.step'> | undefined)?.checks?.find((c) => c.name === 'no tun or tap interfaces')).toEqual({
      name: 'no tun or tap interfaces',
      status: 'warn',
      detail: 'exit code 1: tun/tap interfaces: tap0. The vendor warns that nova-agent does not handle unexpected interfaces: tun and tap devices (VPN software) can make it hang',
    });
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'install', code: 'package_manager_missing' });
    expect(end.reason).toMatch(/^Install Rackspace nova-agent with the host's package manager \(yum or apt-get\) failed on .*: neither yum nor apt-get is on this host: nova-agent is packaged for yum and apt only \(it exited with code 1\)\./);
    expect(end.hint).toMatch(/^This host has neither yum nor apt-get\./);
    expect(calls(targets.none.state)).toEqual(['systemctl cat xe-linux-distribution', 'systemctl cat xe-daemon', 'systemctl enable xe-daemon', 'systemctl start xe-daemon']);
    expect(fs.existsSync(path.join(targets.none.state, 'python3-nova-agent.pid'))).toBe(false);
  }, 120_000);

  it('an existing nova-agent 1.x stops the run in the preflight, before anything changes (the seed: do not upgrade 1.x to 2.x)', async () => {
    const { end } = await runNova(targets.v1);
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'preflight' });
    expect(end.reason).toContain('no nova-agent 1.x installed (exit code 1: nova-agent 1.39.1 (the 1.x branch) is installed in /usr/share/nova-agent: the vendor advises against upgrading 1.x to 2.x');
    // Nothing ran: no guest tools started, no package manager.
    expect(fs.readFileSync(path.join(targets.v1.state, 'calls.log'), 'utf8')).toBe('');
    // The 1.x files were the target's own (its overlay): the machine's /usr/share has none.
    expect(fs.existsSync('/usr/share/nova-agent')).toBe(false);
  }, 120_000);

  it('a FreeBSD host is told what to do (the 1.x branch by hand, or cloud-init) and nothing runs', async () => {
    const { end } = await runNova(targets.freebsd);
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'preflight' });
    expect(end.reason).toContain("not FreeBSD (exit code 1: this host runs FreeBSD: nova-agent 2.x (yum, apt) does not support it. The vendor's answer for FreeBSD is the 1.x branch (1.3.9)");
    expect(fs.readFileSync(path.join(targets.freebsd.state, 'calls.log'), 'utf8')).toBe('');
  }, 120_000);
});
