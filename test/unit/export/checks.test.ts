// The export's probe checks say what `outpost run` says: the same probes, run on this machine by the
// runner (runProbes, local executor) and as the playbook's sh scripts, give the same lines —
// status, name, detail and hint, word for word.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Probe } from '../../../electron/common/api';
import { localExecutor } from '../../../electron/core/exec';
import { connectedExpr, hostChecks, trafficCheck, type CheckContext } from '../../../electron/core/actions/probe/ansible';
import type { JText } from '../../../electron/core/actions/jinja';
import { runProbes } from '../../../electron/core/actions';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

const ctx: CheckContext = { env: () => 'UNUSED', facts: {}, stepId: 'test', localNow: 'NOW', localTz: 'TZ', peer: 'PEER' };
const values: Record<string, string> = { 'NOW | quote': String(Math.round(Date.now() / 1000)), 'TZ | quote': "'+0000'", 'PEER | quote': '127.0.0.1' };

/** The template as the host receives it, with the controller's values filled in. */
function shell(text: JText): string {
  return text.map((s) => ('t' in s ? s.t : (values[s.j] ?? (() => { throw new Error(`no value for ${s.j}`); })()))).join('');
}

/** Runs a script with sh/bash -s, without blocking this process (its servers must keep answering). */
function sh(shellName: string, script: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(shellName, ['-s'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out));
    p.stdin.end(script);
  });
}

async function exported(probes: Probe[]): Promise<string[]> {
  const c = hostChecks(probes, ctx);
  values['NOW | quote'] = String(Math.round(Date.now() / 1000));
  values['TZ | quote'] = `'${spawnSync('date', ['+%z'], { encoding: 'utf8' }).stdout.trim()}'`;
  const out = await sh(c.shell, shell(c.text));
  return out.split('\n').filter((l) => l.startsWith('OUTPOST_CHECK ')).map((l) => l.slice('OUTPOST_CHECK '.length));
}

async function runner(probes: Probe[]): Promise<string[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-checks-'));
  const r = await runProbes(probes, { ex: localExecutor(work), signal: new AbortController().signal, resolver: () => undefined, secrets: new SecretRegistry(), facts: {} });
  return r.checks.map((c) => `${c.status === 'fail' ? 'FAIL' : c.status} ${c.name}: ${c.detail}${c.hint && c.status !== 'pass' ? ` — ${c.hint}` : ''}`);
}

let server: net.Server;
let web: http.Server;
let open = 0;
let closed = 0;
let httpPort = 0;
let sleeper: ReturnType<typeof spawn>;
const mark = `${(Math.random() * 1e6).toFixed(0)}.5`;

beforeAll(async () => {
  server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open = (server.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closed = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  web = http.createServer((_q, res) => res.writeHead(404).end());
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  httpPort = (web.address() as net.AddressInfo).port;
  sleeper = spawn('sleep', [mark], { stdio: 'ignore' });
});

afterAll(() => {
  sleeper?.kill();
  server?.close();
  web?.close();
});

/** Probes with a profile's hint (`hint:`), which replaces Outpost's words when a check does not pass. */
const hinted = (): Probe[] => [
  { kind: 'command', name: 'bad', shell: 'sh', command: ['false'], exitCode: 0, hint: 'See /var/log/aops/aops.log.' },
  { kind: 'command', name: 'good', shell: 'sh', command: ['true'], exitCode: 0, hint: 'never said' },
  { kind: 'service', name: 'outpost-no-such.service', expect: 'active', hint: "Read the service's log, then restart it." },
  { kind: 'http', name: 'down', url: `http://127.0.0.1:${closed}/`, status: [200], hint: "Start the agent's API." },
  { kind: 'listening', forwards: [{ name: 'gone', listenHost: '*', listenPort: closed, targetHost: '', targetPort: 0 }], hint: 'Nothing listens: restart the agent.' },
  { kind: 'process', name: 'ghost', match: 'no-such-process-2f9c', hint: "It's 'down': start it." },
];

describe('probe checks: the export and outpost run agree', () => {
  it("a probe's hint replaces Outpost's words when its check fails, and is never said when it passes", async () => {
    const lines = await runner(hinted());
    expect(lines.find((l) => l.startsWith('FAIL bad:'))).toMatch(/ — See \/var\/log\/aops\/aops\.log\.$/);
    expect(lines.find((l) => l.startsWith('pass good:'))).not.toContain('never said');
    expect(lines.find((l) => l.startsWith('FAIL down:'))).toMatch(/ — Start the agent's API\.$/);
    expect(lines.find((l) => l.startsWith('FAIL service outpost-no-such.service:'))).toMatch(/ — Read the service's log, then restart it\.$/);
    expect(lines.find((l) => l.startsWith('FAIL process ghost:'))).toMatch(/ — It's 'down': start it\.$/);
    expect(lines.filter((l) => l.includes('Nothing listens: restart the agent.'))).toHaveLength(1);
  });

  const cases: Array<[string, () => Probe[]]> = [
    ['preflight (clock, system, disk, tools, privilege, ports)', () => [
      { kind: 'clock' },
      { kind: 'platform', os: 'linux', arch: ['x86_64', 'aarch64'] },
      { kind: 'disk', path: os.tmpdir(), minFreeMiB: 1 },
      { kind: 'tools', anyOf: [['bash'], ['no-such-tool-xyz', 'sh'], ['no-such-tool-abc']] },
      { kind: 'privilege' },
      { kind: 'reach', targets: [{ name: 'open', host: '127.0.0.1', port: open }, { name: 'closed', host: '127.0.0.1', port: closed }] },
    ]],
    ['a disk too small', () => [{ kind: 'disk', path: '/nonexistent/dir', minFreeMiB: 100_000_000 }]],
    ['processes', () => [{ kind: 'process', name: 'sleeper', match: `sleep ${mark}` }, { kind: 'process', name: 'ghost', match: 'no-such-process-2f9c' }, { kind: 'process', name: 'empty', match: '' }, { kind: 'process', name: 'mine', match: `sleep ${mark}`, mine: true }]],
    ['commands: exit code, markers, last lines', () => [
      { kind: 'command', name: 'ok', shell: 'bash', command: ['test', '-d', '/tmp'], exitCode: 0 },
      { kind: 'command', name: 'says', shell: 'sh', command: ['printf', 'one\\ntwo\\nthree\\nfour\\n'], markers: ['three'] },
      { kind: 'command', name: 'missing', shell: 'sh', command: ['echo', '  hello  '], markers: ['NEVER', 'NOPE'] },
      { kind: 'command', name: 'exit', shell: 'bash', command: ['false'], exitCode: 0 },
    ]],
    ['commands that could not check (unknown markers, or nothing printed): a warning, never a pass, alike in both', () => [
      { kind: 'command', name: 'unsure', shell: 'sh', command: [{ op: 'echo "tool not read: no netsh"; exit 0' }], exitCode: 0, unknown: ['tool not read'] },
      { kind: 'command', name: 'unsure-failing', shell: 'sh', command: [{ op: 'echo "tool not read"; exit 1' }], exitCode: 0, unknown: ['tool not read'] },
      { kind: 'command', name: 'silent', shell: 'sh', command: ['true'], exitCode: 0, unknown: ['tool not read'] },
      { kind: 'command', name: 'sure', shell: 'sh', command: ['echo', 'all read'], exitCode: 0, markers: ['all read'], unknown: ['tool not read'] },
      { kind: 'command', name: 'silent-without-unknown', shell: 'sh', command: ['true'], exitCode: 0 },
    ]],
    ['listening', () => [{ kind: 'listening', forwards: [{ name: 'svc', listenHost: '*', listenPort: open, targetHost: '', targetPort: 0 }, { name: 'gone', listenHost: '*', listenPort: closed, targetHost: '', targetPort: 0 }, { name: 'tun', listenHost: '127.0.0.9', listenPort: closed, targetHost: 'x', targetPort: 1 }] }]],
    ['a tunnel that listens but is not ours, one that does not listen', () => [
      { kind: 'tunnelHealthy', forwards: [{ name: 'a', listenHost: '127.0.0.1', listenPort: open, targetHost: '10.0.0.1', targetPort: 80 }] },
      { kind: 'tunnelHealthy', forwards: [{ name: 'a', listenHost: '127.0.0.1', listenPort: open, targetHost: '10.0.0.1', targetPort: 80 }, { name: 'b', listenHost: '127.0.0.1', listenPort: closed, targetHost: '10.0.0.1', targetPort: 81 }] },
    ]],
    ['service, http, connections', () => [
      { kind: 'service', name: 'outpost-no-such.service', expect: 'active' },
      { kind: 'http', name: 'web', url: `http://127.0.0.1:${httpPort}/x`, status: [404] },
      { kind: 'http', name: 'down', url: `http://127.0.0.1:${closed}/`, status: [200] },
      { kind: 'connections', name: 'conns', process: 'no-such-proc', ports: [open] },
    ]],
    ["a profile's own hint instead of Outpost's, on the checks that did not pass only", () => hinted()],
  ];
  for (const [what, probes] of cases) {
    it(what, async () => {
      // Free space is read twice, a moment apart, on a machine where other work writes: the words must
      // agree, the figure may move by a few MiB.
      const free = (lines: string[]) => lines.map((l) => l.replace(/\b\d+ MiB free\b/, 'N MiB free'));
      const want = await runner(probes());
      expect(want.length).toBeGreaterThan(0);
      expect(free(await exported(probes()))).toEqual(free(want));
    });
  }

  it('unknown markers: "could not check" is a warning whatever the exit code; a silent check that can be unsure could not check', async () => {
    const got = await runner([
      { kind: 'command', name: 'unsure', shell: 'sh', command: [{ op: 'echo "tool not read: no netsh"; exit 0' }], exitCode: 0, unknown: ['tool not read'] },
      { kind: 'command', name: 'silent', shell: 'sh', command: ['true'], exitCode: 0, unknown: ['tool not read'] },
      { kind: 'command', name: 'sure', shell: 'sh', command: ['echo', 'all read'], exitCode: 0, markers: ['all read'], unknown: ['tool not read'] },
      { kind: 'command', name: 'silent-without-unknown', shell: 'sh', command: ['true'], exitCode: 0 },
    ]);
    expect(got).toEqual(['warn unsure: could not check: tool not read: no netsh', 'warn silent: could not check: the check could not run', 'pass sure: all read', 'pass silent-without-unknown: ok']);
  });

  it("agent traffic: what the jump server cannot attribute is said in the light of the host's own connections, alike in both", async () => {
    // A connection held by this process (its name in the table is this process's): the host's own check passes.
    const holder = net.createServer(() => undefined);
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const hport = (holder.address() as net.AddressInfo).port;
    const client = net.connect(hport, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    try {
      const comm = fs.readFileSync('/proc/self/comm', 'utf8').trim();
      const traffic: Probe = { kind: 'tunnelTraffic', forwards: [{ name: `x-${hport}`, listenHost: '127.0.0.1', listenPort: hport, targetHost: 'y', targetPort: 1 }], ports: [hport] };
      const conns: Probe = { kind: 'connections', name: 'agent conns', process: comm, ports: [hport] };
      for (const [probes, connected] of [[[conns, traffic], '1'], [[traffic], '']] as const) {
        // The jump server sees traffic from 127.0.0.1 only; this host is said to be 127.0.0.77.
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-checks-'));
        const r = await runProbes(probes, { ex: localExecutor(work), jump: localExecutor(work), peerAddress: '127.0.0.77', signal: new AbortController().signal, resolver: () => undefined, secrets: new SecretRegistry(), facts: {} });
        const want = r.checks.map((c) => `${c.status === 'fail' ? 'FAIL' : c.status} ${c.name}: ${c.detail}${c.hint && c.status !== 'pass' ? ` — ${c.hint}` : ''}`);
        const last = want.at(-1) ?? '';
        if (connected) expect(last).toMatch(/^warn agent traffic: agent connected from the target; not attributable at the jump server \(the forwarded ports carry traffic from 127\.0\.0\.1, none from 127\.0\.0\.77: NAT or a load balancer\)/);
        else expect(last).toMatch(/^warn agent traffic: agent traffic on the forwarded ports comes from 127\.0\.0\.1, none from 127\.0\.0\.77: not attributable to this host/);
        // The playbook: the host's checks registered, then the jump server's look with the same words.
        const expr = connectedExpr(probes, 'REG');
        expect(Boolean(expr)).toBe(connected === '1');
        values['PEER | quote'] = '127.0.0.77';
        if (expr) values[`(${expr}) | quote`] = connected;
        const hostLines = connected ? await exported([conns]) : [];
        expect(hostLines).toEqual(want.slice(0, -1));
        const t = trafficCheck(traffic as Extract<Probe, { kind: 'tunnelTraffic' }>, ctx, expr);
        const out = (await sh('sh', shell(t))).split('\n').filter((l) => l.startsWith('OUTPOST_CHECK ')).map((l) => l.slice('OUTPOST_CHECK '.length));
        expect(out).toEqual([last]);
      }
      // Traffic from the host's own address passes.
      values['PEER | quote'] = '127.0.0.1';
      const t = trafficCheck(traffic as Extract<Probe, { kind: 'tunnelTraffic' }>, ctx);
      expect((await sh('sh', shell(t))).trim()).toBe('OUTPOST_CHECK pass agent traffic: agent traffic seen through the tunnel from 127.0.0.1');
    } finally {
      values['PEER | quote'] = '127.0.0.1';
      client.destroy();
      holder.close();
    }
  }, 40_000);

  it('the Jinja test of the host\'s own connections reads their pass lines', () => {
    expect(connectedExpr([{ kind: 'process', name: 'p', match: 'x' }], 'r')).toBeUndefined();
    expect(connectedExpr([{ kind: 'connections', name: "it's", process: 'a', ports: [1] }], 'r')).toBe("'1' if (('OUTPOST_CHECK pass it\\'s: ' in (r.stdout | default('')))) else ''");
  });

  it('agent traffic seen from the jump server warns when none is seen', async () => {
    const t = trafficCheck({ kind: 'tunnelTraffic', forwards: [{ name: 'x-8149', listenHost: '127.0.0.1', listenPort: closed, targetHost: 'y', targetPort: 1 }], ports: [8149] }, ctx);
    const out = await sh('sh', shell(t));
    expect(out.trim()).toBe('OUTPOST_CHECK warn agent traffic: no agent connection seen on the forwarded ports yet — The agent may not have connected yet; check again later, and check the security group rule.');
  }, 20_000);
});
