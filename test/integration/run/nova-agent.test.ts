// The nova-agent profile (seed 004) on Linux, run for real over SSH against loopback sshd targets,
// through the API as the wizard drives it. Real: sshd, the login as an unprivileged user (no sudo),
// bash running the profile's own scripts (package manager detection, unit detection, the verify probe),
// background processes for the started services. Stand-ins (a XenServer guest cannot exist here), first
// on the target's PATH: `apt-get` (installs the package's unit, as Debian's python3-nova-agent does) and
// `systemctl` (cat/enable/start/is-active/status over a folder of known units; a started unit is a
// process whose pid file it checks, and nova-agent refuses to start before the guest tools run, as it
// needs XenStore). The rest of PATH is /usr/bin without any package manager, so only the stand-in
// apt-get can be found (and on the second target, none at all).
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
const targets: Record<'apt' | 'none', { sshd: SshdInstance; state: string }> = {} as never;

function script(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** A target whose PATH is `bin` then /usr/bin without package managers; its units start as `units`. */
async function makeTarget(name: string, withAptGet: boolean): Promise<{ sshd: SshdInstance; state: string }> {
  const bin = path.join(dir, `bin-${name}`);
  const state = path.join(dir, `state-${name}`);
  fs.mkdirSync(bin, { mode: 0o755 });
  fs.mkdirSync(path.join(state, 'units'), { recursive: true, mode: 0o777 });
  for (const d of [state, path.join(state, 'units')]) fs.chmodSync(d, 0o777);
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
  const sshd = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:${farm} NOVA_STATE=${state} NOVA_DIR=${dir}`] });
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
  targets.none = await makeTarget('none', false);
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

async function runNova(t: { sshd: SshdInstance }): Promise<{ end: EventPayload<'run.end'>; events: Ev[] }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-nova-run-')));
  const answers = {
    profile: 'nova-agent',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: '192.0.2.1' },
    inputs: {},
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
      'systemctl cat nova-agent',
      'systemctl cat python3-nova-agent',
      'systemctl enable python3-nova-agent',
      'systemctl start python3-nova-agent',
      'systemctl is-active --quiet nova-agent',
      'systemctl is-active --quiet python3-nova-agent',
    ]);
    expect(alive(targets.apt.state, 'xe-daemon')).toBe(true);
    expect(alive(targets.apt.state, 'python3-nova-agent')).toBe(true);

    const verify = events.find((e) => e.name === 'run.step' && (e.payload as EventPayload<'run.step'>).stepId === 'verify' && (e.payload as EventPayload<'run.step'>).status === 'done');
    expect((verify?.payload as EventPayload<'run.step'> | undefined)?.checks).toEqual([{ name: 'nova-agent service', status: 'pass', detail: 'python3-nova-agent is active' }]);
  }, 120_000);

  it('without yum or apt-get, the run fails at the install step and says so; the agent is not started', async () => {
    const { end } = await runNova(targets.none);
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'install', code: 'package_manager_missing' });
    expect(end.reason).toMatch(/^Install Rackspace nova-agent with the host's package manager \(yum or apt-get\) failed on .*: neither yum nor apt-get is on this host: nova-agent is packaged for yum and apt only \(it exited with code 1\)\./);
    expect(end.hint).toMatch(/^This host has neither yum nor apt-get\./);
    expect(calls(targets.none.state)).toEqual(['systemctl cat xe-linux-distribution', 'systemctl cat xe-daemon', 'systemctl enable xe-daemon', 'systemctl start xe-daemon']);
    expect(fs.existsSync(path.join(targets.none.state, 'python3-nova-agent.pid'))).toBe(false);
  }, 120_000);
});
