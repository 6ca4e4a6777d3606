// Sharing jump connections: many targets behind the same jump chain use one connection per hop
// (channels multiplexed over it). A hop that fails on the way is reported as the jump server's failure
// (HopError), so a run can wait for it to come back instead of failing every host behind it.
import type { Duplex } from 'node:stream';
import { connectHop, SshConnection, targetLabel, validateTarget, type ConnectOptions, type SshClientOptions, type SshTarget } from './connection';
import { hopError } from './errors';

/** Connects to a target, through its jump servers if any (each hop verified). */
export async function connectSsh(opts: ConnectOptions): Promise<SshConnection> {
  const pool = new SshPool(opts);
  return pool.connect(opts, opts.jumps ?? [], { signal: opts.signal });
}

interface HopEntry {
  conn: Promise<SshConnection>;
  refs: number;
}

export interface PoolStats {
  /** Jump connections open (or opening) now. */
  openJumps: number;
  /** Every hop connection (jump or target) this pool has opened so far. */
  connectionsOpened: number;
  jumps: Array<{ key: string; refs: number }>;
}

/**
 * Shares jump connections: many targets behind the same jump chain use one connection per hop
 * (channels multiplexed over it); a jump connection ends when the last target using it ends.
 */
export class SshPool {
  private readonly hops = new Map<string, HopEntry>();
  private opened = 0;

  constructor(
    private readonly options: SshClientOptions,
    /** Keep jump connections open after their last target ends, until closeAll() (a run's many targets in turn). */
    private readonly poolOptions: { keepJumps?: boolean } = {},
  ) {}

  /** The shared connection to a jump server itself, for steps that run on it; held until closeAll(). */
  async jumpConnection(t: SshTarget, opts: { signal?: AbortSignal | undefined } = {}): Promise<SshConnection> {
    validateTarget(t, 'jump');
    return this.acquireHop(targetLabel(t), t, undefined, opts.signal);
  }

  async connect(target: SshTarget, jumps: SshTarget[] = [], opts: { signal?: AbortSignal | undefined } = {}): Promise<SshConnection> {
    jumps.forEach((j, i) => validateTarget(j, `jumps.${i}`));
    validateTarget(target, 'target');
    const held: string[] = [];
    try {
      let prev: SshConnection | undefined;
      for (let i = 0; i < jumps.length; i++) {
        const key = jumps.slice(0, i + 1).map(targetLabel).join(' > ');
        prev = await this.acquireHop(key, jumps[i] as SshTarget, prev, opts.signal).catch((err: unknown) => {
          throw hopError(err, targetLabel(jumps[i] as SshTarget));
        });
        held.push(key);
      }
      const via = prev;
      const conn = await this.open(target, prev, opts.signal).catch((err: unknown) => {
        // A jump connection that died under us (not yet noticed by the pool) is the jump's failure.
        throw via?.closed ? hopError(err, via.label) : err;
      });
      conn.onClose(() => held.splice(0).forEach((k) => this.release(k)));
      return conn;
    } catch (err) {
      held.splice(0).forEach((k) => this.release(k));
      throw err;
    }
  }

  stats(): PoolStats {
    return {
      openJumps: this.hops.size,
      connectionsOpened: this.opened,
      jumps: [...this.hops].map(([key, e]) => ({ key, refs: e.refs })),
    };
  }

  /** Ends every jump connection (targets end with them, as their streams run over the jumps). */
  closeAll(): void {
    for (const [key, e] of [...this.hops]) {
      this.hops.delete(key);
      void e.conn.then((c) => c.end(), () => {});
    }
  }

  private async acquireHop(key: string, t: SshTarget, via: SshConnection | undefined, signal?: AbortSignal): Promise<SshConnection> {
    // An entry in the map is pending or open: failed and closed ones remove themselves.
    let entry = this.hops.get(key);
    if (!entry) {
      const e: HopEntry = { conn: this.open(t, via, signal), refs: 0 };
      entry = e;
      this.hops.set(key, e);
      e.conn.then(
        (c) => c.onClose(() => this.hops.get(key) === e && this.hops.delete(key)),
        () => this.hops.get(key) === e && this.hops.delete(key),
      );
    }
    entry.refs++;
    try {
      return await entry.conn;
    } catch (err) {
      entry.refs--;
      throw err;
    }
  }

  private release(key: string): void {
    const e = this.hops.get(key);
    if (!e) return;
    e.refs--;
    if (e.refs <= 0 && !this.poolOptions.keepJumps) {
      this.hops.delete(key);
      void e.conn.then((c) => c.end(), () => {});
    }
  }

  private async open(t: SshTarget, via: SshConnection | undefined, signal?: AbortSignal): Promise<SshConnection> {
    const port = t.port ?? 22;
    let sock: Duplex | undefined;
    if (via) {
      const ch = await via.forwardOut(t.host, port);
      // SSH never half-closes its transport: EOF from the jump means the target's side is gone. Without
      // this the inner connection would only notice at the next failed keepalive.
      ch.once('end', () => ch.destroy());
      sock = ch;
    }
    this.opened++;
    return connectHop(t, this.options, { sock, via: via?.label, signal });
  }
}

