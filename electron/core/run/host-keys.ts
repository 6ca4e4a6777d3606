// A fleet's host keys, asked about together: as the targets' pool starts, every target of the run is
// reached up to its host key at once (through its jump server's connection, no login: one handshake
// each), so all the questions about unknown keys reach the person together (the app shows them in one
// dialog), and a changed key is told then too (shown apart: never a question), instead of one per host
// as the pool happens to reach them; each target's login waits for its own scan. A key trusted here is recorded (the login then finds it known); a key rejected
// here is remembered for the run (the login fails without asking again); a changed key is refused by
// the login as always. Only the app asks for this (RunDeps.askHostKeysTogether).
import type { TargetHost } from '../../common/api/plan';
import { StepFailure } from '../actions';
import { OutpostError } from '../errors';
import type { HostKeyChanged, HostKeyPolicy, KnownHosts } from '../ssh';
import { scanHostKey } from '../ssh/keyscan';
import type { RunContext } from './host-job';
import type { JumpState } from './hosts';
import { pool } from './scheduler';

/** A scan's failures that are the host's own answer to any connection (refused, nothing, timed out). */
const UNREACHED = new Set(['timeout', 'refused', 'unreachable', 'dns', 'connection_lost']);

/** Questions in flight at once: each holds a channel on its jump server (or a connection) until answered. */
export const KEY_SCAN_CONCURRENCY = 64;

export interface KeyScanDeps {
  knownHosts: KnownHosts;
  hostKeyPolicy: HostKeyPolicy;
  onHostKeyChanged?: HostKeyChanged | undefined;
}

/** The run's policy: a key rejected once in this run is not asked about again. */
export function rememberRejections(policy: HostKeyPolicy): HostKeyPolicy {
  const rejected = new Set<string>();
  return async (info) => {
    const key = `${info.host}|${info.port}|${info.fingerprint}`;
    if (rejected.has(key)) return 'reject';
    const d = await policy(info);
    if (d === 'reject') rejected.add(key);
    return d;
  };
}

/**
 * Starts every target's scan at once (at most KEY_SCAN_CONCURRENCY in flight) and gives each target's
 * own promise: a target's login waits for its own scan only, so the questions still come together
 * while a host that hangs in its handshake holds back nothing but itself (bounded by the scan's timeout).
 */
export function startTargetKeyScans(rc: RunContext, deps: KeyScanDeps, targets: readonly TargetHost[], jumps: Map<string, JumpState>): Map<string, Promise<OutpostError | null>> {
  const todo: TargetHost[] = [];
  for (const t of targets) {
    if (t.by === 'seed' || rc.signal.aborted) continue;
    const via = t.via ? jumps.get(t.via) : undefined;
    if (!(via instanceof StepFailure)) todo.push(t);
  }
  const done = new Map<string, (failure: OutpostError | null) => void>();
  const scans = new Map(todo.map((t) => [t.id, new Promise<OutpostError | null>((resolve) => done.set(t.id, resolve))]));
  void pool(todo, KEY_SCAN_CONCURRENCY, async (t) => {
    const via = t.via ? jumps.get(t.via) : undefined;
    const j = t.via ? rc.plan.hosts.jumps.find((x) => x.id === t.via) : undefined;
    let failure: OutpostError | null = null;
    try {
      const sock = via && !(via instanceof StepFailure) ? await via.conn.forwardOut(t.ssh.host, t.ssh.port) : undefined;
      await scanHostKey(
        { host: t.ssh.host, port: t.ssh.port },
        { knownHosts: deps.knownHosts, hostKeyPolicy: deps.hostKeyPolicy, onHostKeyChanged: deps.onHostKeyChanged, sock, via: j ? `${j.ssh.user}@${j.ssh.host}:${j.ssh.port}` : undefined, signal: rc.signal, timeoutMs: 20_000 },
      );
    } catch (err) {
      // The host itself did not answer (the same way in, the same bound as a login): its login fails
      // with that, instead of waiting as long again. Anything else is the login's to find and report.
      if (err instanceof OutpostError && UNREACHED.has(err.code)) failure = err;
    } finally {
      done.get(t.id)?.(failure);
    }
  }).catch(() => undefined);
  return scans;
}
