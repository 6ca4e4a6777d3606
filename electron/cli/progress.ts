// `outpost batch` progress on stderr. On a terminal: one line rewritten in place (counts per state,
// finished/total, elapsed), with hosts that did not end done printed above it as they finish. Anywhere
// else (a pipe, a log file): one plain line per finished host, nothing rewritten.

/** The order states are shown in: final states first, then the ones in flight, then those waiting. */
const ORDER = ['done', 'failed', 'skipped', 'cancelled', 'connecting', 'preflight', 'transferring', 'installing', 'verifying', 'queued'] as const;
const FINAL = new Set(['done', 'failed', 'skipped', 'cancelled']);

/** 42s, 3m05s, 1h02m. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface LiveFigures {
  /** Hosts per state (hosts not heard of yet count as queued). */
  counts: Record<string, number>;
  total: number;
  elapsedMs: number;
}

/** `[12/200] 10 done · 2 failed · 16 installing · 172 queued · 1m05s`, cut to `width` columns. */
export function formatLiveLine(f: LiveFigures, width = 0): string {
  const finished = [...FINAL].reduce((n, s) => n + (f.counts[s] ?? 0), 0);
  const known = Object.entries(f.counts).reduce((n, [s, v]) => n + (s === 'queued' ? 0 : v), 0);
  const counts: Record<string, number> = { ...f.counts, queued: Math.max(0, f.total - known) };
  const parts = ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  const extra = Object.keys(counts).filter((s) => !(ORDER as readonly string[]).includes(s) && (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  const line = `[${finished}/${f.total}] ${[...parts, ...extra].join(' · ')} · ${formatElapsed(f.elapsedMs)}`;
  // A line wider than the terminal wraps, and \r then rewrites only its last row.
  return width > 1 && line.length > width - 1 ? `${line.slice(0, Math.max(0, width - 2))}…` : line;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class BatchProgress {
  private readonly states = new Map<string, string>();
  private readonly live: boolean;
  private readonly t0: number;
  private shown = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastDraw = 0;
  private pending: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly out: ProgressStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
    /** Redraws a second at least (the elapsed time), at most every `minMs`. */
    private readonly minMs = 100,
  ) {
    this.live = Boolean(out.isTTY);
    this.t0 = now();
  }

  /** Whether the live line is used (stderr is a terminal). */
  get isLive(): boolean {
    return this.live;
  }

  /** Starts the once-a-second redraw on a terminal (elapsed time moves even when no host does). */
  start(): void {
    if (!this.live || this.timer) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref?.();
  }

  /** A host's new state; `line` is what a finished host prints (always when plain; on a terminal, unless done). */
  host(hostId: string, state: string, line?: string): void {
    this.states.set(hostId, state);
    if (line !== undefined && FINAL.has(state) && (!this.live || state !== 'done')) this.note(line);
    else this.schedule();
  }

  /** A message of its own line (on a terminal: above the live line, which is drawn again under it). */
  note(text: string): void {
    if (!this.live) {
      this.out.write(`${text}\n`);
      return;
    }
    this.out.write(`${this.shown ? '\r\x1b[2K' : ''}${text}\n`);
    this.shown = false;
    if (this.timer) this.draw();
  }

  /** The figures as they stand. */
  figures(): LiveFigures {
    const counts: Record<string, number> = {};
    for (const s of this.states.values()) counts[s] = (counts[s] ?? 0) + 1;
    return { counts, total: this.total, elapsedMs: this.now() - this.t0 };
  }

  /** Stops redrawing; on a terminal the last figures stay, on their own line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.timer = null;
    this.pending = null;
    if (this.live && this.shown) {
      this.draw();
      this.out.write('\n');
      this.shown = false;
    }
  }

  private schedule(): void {
    if (!this.live || !this.timer || this.pending) return;
    const wait = this.minMs - (this.now() - this.lastDraw);
    if (wait <= 0) return this.draw();
    this.pending = setTimeout(() => {
      this.pending = null;
      this.draw();
    }, wait);
    this.pending.unref?.();
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.out.write(`\r\x1b[2K${formatLiveLine(this.figures(), this.out.columns ?? 0)}`);
    this.shown = true;
  }
}
