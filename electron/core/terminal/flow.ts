// Flow control between a terminal source (local PTY, SSH channel) and the view, as in VS Code's
// terminal: output is batched for a few ms, the sender counts characters the view has not yet
// acknowledged, pauses the source above the high watermark and resumes it below the low one.
// The view acknowledges only after xterm.js has processed the data (term.write callback), so a
// flood (`yes`) can never outrun the renderer and Ctrl-C always gets through. The constants, and why
// they are what they are, live in electron/common/terminal-flow.ts (the renderer reads them too).
import { FLOW, type FlowLimits } from '../../common/terminal-flow';

export { FLOW };


export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FlowController {
  private buffer: string[] = [];
  private buffered = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unacked = 0;
  private paused = false;
  private disposed = false;
  /** Characters pushed since `recentSince` (a window of FLOW.floodWindowMs): whether output is flooding. */
  private recent = 0;
  private recentSince = 0;

  constructor(
    private readonly source: Pausable,
    private readonly send: (data: string) => void,
    private readonly limits: { [K in keyof FlowLimits]: number } = FLOW,
  ) {}

  get unacknowledged(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Whether output is flooding: the source is paused, or a full event's worth arrived within the last
   * FLOW.floodWindowMs or two. An interrupt typed now drops what is queued ahead of it (TerminalManager.write).
   */
  get flooding(): boolean {
    return this.paused || (performance.now() - this.recentSince < 2 * FLOW.floodWindowMs && this.recent >= this.limits.maxEventChars);
  }

  push(data: string): void {
    if (this.disposed || data.length === 0) return;
    const now = performance.now();
    if (now - this.recentSince > FLOW.floodWindowMs) {
      this.recentSince = now;
      this.recent = 0;
    }
    this.recent += data.length;
    this.buffer.push(data);
    this.buffered += data.length;
    this.unacked += data.length;
    if (!this.paused && this.unacked > this.limits.highWatermark) {
      this.paused = true;
      this.source.pause();
    }
    if (this.buffered >= this.limits.maxEventChars) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.limits.batchMs);
  }

  /** Sends whatever is buffered now (also called before an exit event, so no output is lost). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffered === 0) return;
    const all = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    let i = 0;
    while (i < all.length) {
      let end = Math.min(i + this.limits.maxEventChars, all.length);
      // Never split a UTF-16 surrogate pair across two events.
      if (end < all.length && isHighSurrogate(all.charCodeAt(end - 1))) end -= 1;
      this.send(all.slice(i, end));
      i = end;
    }
  }

  /**
   * The user typed an interrupt during a flood (see INTERRUPT_CHARS and TerminalManager.write): drops
   * what has not been sent yet, as a line discipline flushes its output queue on ISIG.
   */
  interrupt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const dropped = this.buffered;
    this.buffer = [];
    this.buffered = 0;
    this.ack(dropped);
  }

  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked < this.limits.lowWatermark) {
      this.paused = false;
      this.source.resume();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = [];
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
