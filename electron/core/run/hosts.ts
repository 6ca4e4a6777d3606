// Reaching the hosts of a plan: each jump server (and the proxy of a remote tunnel) logged in once for
// the whole run, its own steps run (the tunnel), then each target through its jump server. A target
// waiting for a jump server whose connection dropped logs in again with bounded backoff (up to a
// minute) before it fails; a failed jump server fails the targets behind it without trying them.
import os from 'node:os';
import type { AuthInfo, JumpHost, Step, TargetHost } from '../../common/api/plan';
import type { CheckResult, HostState } from '../../common/api/run';
import { hostValues, StepFailure } from '../actions';
import { OutpostError } from '../errors';
import { localExecutor, sshExecutor, type Executor } from '../exec';
import { HopError, publicKeyLine, type SshAuth, type SshConnection, type SshPool, type SshTarget } from '../ssh';
import { sshAuthFor } from '../ssh/auth';
import { Tail } from './journal';
import { runHostSteps, toFailure, type HostJob, type RunContext } from './host-job';
import type { HostResult } from './reporter';
import { withBackoff } from './scheduler';

/** How long targets wait for a jump server to come back before they fail. */
export const JUMP_WAIT_MS = 60_000;

export interface Reach {
  pool: SshPool;
  home: string;
  workDir: string;
  localEnv?: NodeJS.ProcessEnv | undefined;
  /** Jump servers' connection waits (tests shorten it). */
  jumpWaitMs?: number;
}

export type JumpState = { conn: SshConnection; ex: Executor } | StepFailure;

const connectStep = (rc: RunContext, id: string): Step => {
  const s = rc.plan.steps.find((x) => x.id === id);
  if (!s) throw new StepFailure(id, 'plan.invalid', `The plan has no step ${id}.`);
  return s;
};

function sshTarget(rc: RunContext, reach: Reach, h: { ssh: { host: string; port: number; user: string; auth: AuthInfo } }, name: string): SshTarget {
  const auth: SshAuth = sshAuthFor(h.ssh.auth, name, (ref, n) => rc.secret(ref, n), reach.home);
  return { host: h.ssh.host, port: h.ssh.port, username: h.ssh.user, auth };
}

const jumpName = (j: JumpHost) => `connectivity.jumpServers[${j.index}]${j.id.startsWith('proxy') ? '.proxy' : ''}.ssh`;

/** A connect step: log in (host key verified), as one step with its events and journal record. */
async function login(rc: RunContext, hostId: string, host: string, stepId: string, open: () => Promise<SshConnection>, via: string[]): Promise<SshConnection> {
  const s = connectStep(rc, stepId);
  const start = new Date().toISOString();
  rc.reporter.banner(s, host);
  rc.reporter.step(s, hostId, host, 'running');
  try {
    const conn = await open();
    const message = `connected${via.length ? ` through ${via.join(' > ')}` : ''}`;
    rc.reporter.stepEnded(s, hostId, host, start, { message, parts: [via.length ? { key: 'run.msg.connectedVia', params: { via: via.join(' > ') } } : { key: 'run.msg.connected', params: {} }] }, new Tail());
    return conn;
  } catch (err) {
    const f = toFailure(err, s.id, rc.signal.aborted);
    rc.reporter.stepEnded(s, hostId, host, start, { status: f.code === 'cancelled' ? 'cancelled' : 'failed', message: f.message, code: f.code }, new Tail());
    throw f;
  }
}

/** Failures of the way to the host, not of the host: running it again later is the remedy. */
const RETRYABLE = new Set(['connection_lost', 'refused', 'unreachable', 'timeout', 'jump_failed', 'jump_forward_failed']);
const RETRY_HINT = 'The host can be tried again: outpost batch --retry-failed REPORT.json (in the app: Retry failed).';

function final(rc: RunContext, r: Omit<HostResult, 'state'>, f: StepFailure): HostResult {
  const cancelled = rc.signal.aborted || f.code === 'cancelled';
  const hint = RETRYABLE.has(f.code) && !cancelled ? [f.hint, RETRY_HINT].filter(Boolean).join(' ') : f.hint;
  return { ...r, state: cancelled ? 'cancelled' : 'failed', step: f.stepId, code: f.code, reason: f.message, ...(hint ? { hint } : {}), ...(f.checks ? { checks: f.checks } : {}) };
}

/** A jump server with a proxy (remote forwards): their steps alternate (the proxy's key, the jump's authorized_keys, the proxy's tunnel), each run of consecutive steps on its own host. */
async function jumpWithProxy(rc: RunContext, reach: Reach, j: JumpHost, proxy: JumpHost, conn: SshConnection, ex: Executor, jumpPassword: string | undefined): Promise<void> {
  const pconn = await login(rc, proxy.id, proxy.label, `connect.${proxy.id}`, () => reach.pool.jumpConnection(sshTarget(rc, reach, proxy, jumpName(proxy)), { signal: rc.signal }), []);
  const pex = sshExecutor(pconn, 'linux');
  const mine = rc.plan.steps.filter((s) => (s.on === j.id || s.on === proxy.id) && s.phase !== 'connect');
  for (let i = 0; i < mine.length; ) {
    const on = mine[i]?.on ?? j.id;
    const only = new Set<string>();
    while (i < mine.length && mine[i]?.on === on) only.add(mine[i++]?.id ?? '');
    const base = { on, hostId: on, only, values: hostValues(on, { address: j.privateIp, name: j.privateIp }) };
    if (on === proxy.id) await runHostSteps(rc, { ...base, host: proxy.label, ex: pex, tunnel: { conn: pconn, listenConn: conn, jumpPassword } });
    else await runHostSteps(rc, { ...base, host: j.label, ex, tunnel: { conn, jumpPassword } });
  }
  rc.reporter.host({ hostId: proxy.id, host: proxy.label, state: 'done' });
}

/** Jump servers: log in, then their steps (the tunnel). A failed jump fails the targets behind it. */
export async function jumpPhase(rc: RunContext, reach: Reach): Promise<Map<string, JumpState>> {
  const jumps = new Map<string, JumpState>();
  for (const j of rc.plan.hosts.jumps) {
    const proxy = rc.plan.hosts.proxies?.find((p) => p.index === j.index);
    try {
      const conn = await login(rc, j.id, j.label, `connect.${j.id}`, () => reach.pool.jumpConnection(sshTarget(rc, reach, j, jumpName(j)), { signal: rc.signal }), []);
      // The tunnel's own SSH hop checks the key Outpost verified on this very connection.
      if (conn.hostKey) rc.facts[`hostkey.${j.id}`] = publicKeyLine(conn.hostKey);
      const ex = sshExecutor(conn, 'linux');
      const pw = j.ssh.auth.kind === 'password' ? rc.secret(j.ssh.auth.password, `${jumpName(j)}.password`) : undefined;
      if (proxy) await jumpWithProxy(rc, reach, j, proxy, conn, ex, pw);
      else await runHostSteps(rc, { on: j.id, hostId: j.id, host: j.label, ex, values: hostValues(j.id, { address: j.privateIp, name: j.privateIp }), tunnel: { conn, jumpPassword: pw } });
      jumps.set(j.id, { conn, ex: { ...ex, end: () => undefined } });
      rc.reporter.host({ hostId: j.id, host: j.label, state: 'done' });
    } catch (err) {
      const f = toFailure(err, `connect.${j.id}`, rc.signal.aborted);
      jumps.set(j.id, f);
      if (proxy && rc.plan.steps.find((s) => s.id === f.stepId)?.on === proxy.id) rc.reporter.host(final(rc, { hostId: proxy.id, host: proxy.label }, f));
      rc.reporter.host(final(rc, { hostId: j.id, host: j.label }, f));
    }
  }
  return jumps;
}

/** A target's login: through its jump server, waiting for that jump server to come back if its connection dropped. */
function openTarget(rc: RunContext, reach: Reach, t: TargetHost, say: (line: string) => void): () => Promise<SshConnection> {
  const j = t.via ? rc.plan.hosts.jumps.find((x) => x.id === t.via) : undefined;
  const once = () => reach.pool.connect(sshTarget(rc, reach, t, `targets[${t.index}]`), j ? [sshTarget(rc, reach, j, jumpName(j))] : [], { signal: rc.signal });
  return () =>
    withBackoff(once, {
      signal: rc.signal,
      limitMs: reach.jumpWaitMs ?? JUMP_WAIT_MS,
      retryable: (err) => err instanceof HopError && err.transient,
      onWait: (err, ms) => say(`${(err as HopError).hop} is not answering (${(err as HopError).message.split('. ')[0] ?? ''}): waiting ${Math.round(ms / 1000)} s for it to come back`),
    }).catch((err: unknown) => {
      if (err instanceof HopError && err.transient) throw new OutpostError(err.code, `${err.message} (the jump server ${err.hop} did not come back within ${Math.round((reach.jumpWaitMs ?? JUMP_WAIT_MS) / 1000)} s)`, 'Check the jump server, then retry the hosts that did not finish (outpost batch --retry-failed REPORT).');
      throw err;
    });
}

const viaLabel = (rc: RunContext, t: TargetHost): string[] => {
  const j = t.via ? rc.plan.hosts.jumps.find((x) => x.id === t.via) : undefined;
  return j ? [`${j.ssh.user}@${j.ssh.host}:${j.ssh.port}`] : [];
};

const notTried = (rc: RunContext, id: string, via: StepFailure, label?: string) => new StepFailure(via.stepId, 'jump_failed', `Not tried: ${label ?? rc.plan.hosts.jumps.find((j) => j.id === id)?.label ?? id} failed (${via.message.split('\n')[0]})`, via.hint);

/** The inherited installation's seed (the host that installs the others): log in through its jump server, run its steps. */
export async function seedPhase(rc: RunContext, reach: Reach, jumps: Map<string, JumpState>): Promise<JumpState | undefined> {
  const seed = rc.plan.hosts.seed;
  if (!seed) return undefined;
  try {
    const via = seed.via ? jumps.get(seed.via) : undefined;
    if (via instanceof StepFailure) throw notTried(rc, seed.via ?? '', via);
    const say = (l: string) => rc.reporter.step(connectStep(rc, 'inherited-connect'), 'seed', seed.label, 'running', { message: l });
    const conn = await login(rc, 'seed', seed.label, 'inherited-connect', openTarget(rc, reach, seed, say), viaLabel(rc, seed));
    const ex = sshExecutor(conn, rc.plan.os);
    await runHostSteps(rc, { on: 'seed', hostId: 'seed', host: seed.label, ex, values: hostValues('seed', { address: seed.ssh.host, name: seed.name ?? seed.ssh.host }) });
    rc.reporter.host({ hostId: 'seed', host: seed.label, state: 'done' });
    return { conn, ex: { ...ex, end: () => undefined } };
  } catch (err) {
    const f = toFailure(err, 'inherited-connect', rc.signal.aborted);
    rc.reporter.host(final(rc, { hostId: 'seed', host: seed.label }, f));
    return f;
  }
}

/**
 * This computer's own steps (an installer fetched over HTTPS), before anything connects, in plan order.
 * A failure ends the run there, as a refused local package does: nothing was sent anywhere.
 */
export async function localPhase(rc: RunContext, reach: Reach): Promise<void> {
  const only = new Set(rc.plan.steps.filter((s) => s.on === 'local' && s.action.kind !== 'instruction').map((s) => s.id));
  if (!only.size) return;
  const ex = localExecutor(reach.workDir, reach.localEnv);
  try {
    await runHostSteps(rc, { on: 'local', hostId: 'local', host: 'this computer', only, ex, values: hostValues('local', { address: '127.0.0.1', name: os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-') }) });
  } finally {
    ex.end();
  }
}

/** One target: log in (or this computer, or nothing: the seed's installer reaches it), its steps, its final state. */
/** `scan`: the host's key scan (host-keys.ts), waited for as part of connecting; a host it found not answering at all fails its login with that. */
export async function targetJob(rc: RunContext, reach: Reach, t: TargetHost | 'local', jumps: Map<string, JumpState>, seed?: JumpState, scan?: Promise<OutpostError | null>): Promise<void> {
  const hostId = t === 'local' ? 'local' : t.id;
  const host = t === 'local' ? 'this computer' : t.label;
  let state: HostState = 'queued';
  let last = '';
  const onState = (st: HostState, step: string) => {
    last = step;
    if (state === st) return;
    state = st;
    rc.reporter.host({ hostId, host, state: st, step });
  };
  let ex: Executor | undefined;
  try {
    if (rc.signal.aborted) throw new OutpostError('cancelled', 'Cancelled before it started.', 'Run it again when ready.');
    const job: Omit<HostJob, 'ex'> = { on: 'targets', hostId, host, onState, values: hostValues(hostId, t === 'local' ? { address: '127.0.0.1', name: os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-') } : { ...t.vars, address: t.ssh.host, name: t.name ?? t.ssh.host }) };
    let checks: CheckResult[];
    if (t === 'local') {
      ex = localExecutor(reach.workDir, reach.localEnv, { os: rc.plan.os });
      checks = await runHostSteps(rc, { ...job, ex });
    } else if (t.by === 'seed') {
      if (!seed || seed instanceof StepFailure) throw seed ? notTried(rc, 'seed', seed, rc.plan.hosts.seed?.label) : new StepFailure('inherited-connect', 'plan.invalid', 'The plan has no seed host.');
      ex = seed.ex;
      checks = await runHostSteps(rc, { ...job, ex });
    } else {
      const via = t.via ? jumps.get(t.via) : undefined;
      if (via instanceof StepFailure) throw notTried(rc, t.via ?? '', via);
      onState('connecting', 'connect');
      const unreached = await scan;
      const open = unreached ? () => Promise.reject(unreached) : openTarget(rc, reach, t, (l) => rc.reporter.step(connectStep(rc, 'connect'), hostId, host, 'running', { message: l }));
      const conn = await login(rc, hostId, host, 'connect', open, viaLabel(rc, t));
      ex = sshExecutor(conn, rc.plan.os);
      // A key login a step set up (keyLogin): the same way in and the same host key check, as that user with that key; closed at once.
      const relogin = async (user: string, keyPath: string) => {
        const again = await openTarget(rc, reach, { ...t, ssh: { ...t.ssh, user, auth: { kind: 'privateKey', path: keyPath } } }, () => undefined)();
        again.end();
      };
      checks = await runHostSteps(rc, { ...job, ex, jump: via?.ex, peer: t.ssh.host, relogin });
    }
    rc.reporter.host({ hostId, host, state: 'done', checks, ...(last ? { step: last } : {}) });
  } catch (err) {
    rc.reporter.host(final(rc, { hostId, host }, toFailure(err, 'run', rc.signal.aborted)));
  } finally {
    ex?.end();
  }
}
