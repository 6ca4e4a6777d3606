// Scheduling: which host runs when. One pool for 1 host and for 1,000 (concurrency 1 is the interactive
// run with its live terminal), a pause gate (hosts in flight finish, none starts), and bounded backoff
// for hosts waiting on a jump server that dropped: they wait for it to come back instead of all failing
// within the outage.
import { OutpostError } from '../errors';

/**
 * The pool's pause gate: while closed, no worker takes a new item (items in flight go on). `wait()`
 * resolves at once when open, else when `open()` is called (resume, or cancel: a cancelled run must
 * let its workers through so every item not started ends as cancelled).
 */
export class PauseGate {
  private waiters: Array<() => void> = [];
  private closed = false;
  get paused(): boolean {
    return this.closed;
  }
  /** Closes the gate; false when it was already closed. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }
  /** Opens the gate and releases every waiting worker; false when it was already open. */
  open(): boolean {
    if (!this.closed) return false;
    this.closed = false;
    for (const w of this.waiters.splice(0)) w();
    return true;
  }
  wait(): Promise<void> {
    return this.closed ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

/** Runs `fn` over items with at most `n` at once, in order of start; a closed `gate` holds back items not started. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>, gate?: PauseGate): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (gate?.paused) {
        await gate.wait();
        continue;
      }
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

export interface BackoffOptions {
  signal: AbortSignal;
  /** Give up after this long in all (ms). */
  limitMs: number;
  /** First wait (ms); doubles up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Whether this failure is worth waiting out. */
  retryable: (err: unknown) => boolean;
  /** Told before each wait (for a line in the output). */
  onWait?: (err: unknown, delayMs: number) => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.'));
    const t = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** `fn` again after growing waits while it fails with a retryable error, until the limit; then its last error. */
export async function withBackoff<T>(fn: () => Promise<T>, o: BackoffOptions): Promise<T> {
  const deadline = Date.now() + o.limitMs;
  let delay = o.firstDelayMs ?? 1000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const left = deadline - Date.now();
      if (o.signal.aborted || !o.retryable(err) || left <= 0) throw err;
      const wait = Math.min(delay, left);
      o.onWait?.(err, wait);
      await sleep(wait, o.signal);
      delay = Math.min(delay * 2, o.maxDelayMs ?? 8000);
    }
  }
}
