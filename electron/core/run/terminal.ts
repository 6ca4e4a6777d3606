// The run's view in the embedded terminal: all step output flows through it (so the terminal's
// flow control applies), and what the user types goes to the step that is running, if it takes input.
import { INTERRUPT_CHARS } from '../../common/terminal-flow';
import type { TerminalSource } from '../terminal/source';

/** How long, at most, output is dropped after an interrupt while waiting for its echo (RunTerminal.discardQueued). */
export const INTERRUPT_ECHO_WAIT = { ms: 2000, chars: 4_000_000 } as const;

export interface InputSink {
  write(data: string): void;
  pause?(): void;
  resume?(): void;
  /** Hands over, synchronously, the output the channel holds back while paused (see discardQueued). */
  drain?(): void;
}

export class RunTerminal implements TerminalSource {
  readonly label = 'run';
  private dataListeners: Array<(t: string) => void> = [];
  private exitListeners: Array<(e: { exitCode: number | null; signal: number | null }) => void> = [];
  private sink: InputSink | null = null;
  private paused = false;
  private backlog: string[] = [];
  private dropping = false;
  /** After an interrupt: output is dropped until the remote echoes it (see discardQueued). */
  private echoWait: { echo: string; deadline: number; left: number; tail: string } | null = null;

  /** The running step's channel; null between steps. */
  setSink(sink: InputSink | null): void {
    this.sink = sink;
    if (sink && this.paused) sink.pause?.();
  }

  push(text: string): void {
    if (this.dropping) return;
    if (this.echoWait) {
      const w = this.echoWait;
      const s = w.tail + text;
      const at = s.indexOf(w.echo);
      if (at >= 0) {
        this.echoWait = null;
        text = s.slice(at);
      } else {
        w.left -= text.length;
        w.tail = s.slice(-(w.echo.length - 1));
        if (w.left <= 0 || Date.now() > w.deadline) this.echoWait = null;
        return;
      }
    }
    if (this.dataListeners.length === 0) this.backlog.push(text);
    else for (const l of this.dataListeners) l(text);
  }

  end(exitCode: number | null): void {
    for (const l of this.exitListeners) l({ exitCode, signal: null });
    this.exitListeners = [];
  }

  write(data: string): void {
    this.sink?.write(data);
  }
  resize(): void {
    // Step channels have fixed PTY sizes; nothing to do.
  }
  pause(): void {
    this.paused = true;
    this.sink?.pause?.();
  }
  resume(): void {
    this.paused = false;
    this.sink?.resume?.();
  }
  /**
   * After an interrupt typed during a flood (`input` holds it): the step's channel, paused by flow
   * control, holds up to its 2 MB SSH window of output produced before the interrupt; it is drained
   * and not shown. What is still on its way (TCP, sshd, the remote PTY until its line discipline has
   * seen the ^C) is dropped too, up to the remote's echo of the interrupt ("^C"), which a PTY in
   * canonical mode writes right after flushing its output queue; at most INTERRUPT_ECHO_WAIT
   * characters or milliseconds, in case nothing echoes (raw mode, -echoctl). Only the view skips it:
   * the run's journal and output events still get everything.
   */
  discardQueued(input: string): void {
    this.dropping = true;
    try {
      this.sink?.drain?.();
    } finally {
      this.dropping = false;
    }
    const m = INTERRUPT_CHARS.exec(input);
    if (this.sink && m) {
      this.echoWait = { echo: `^${String.fromCharCode(m[0].charCodeAt(0) + 64)}`, deadline: Date.now() + INTERRUPT_ECHO_WAIT.ms, left: INTERRUPT_ECHO_WAIT.chars, tail: '' };
    }
  }
  kill(): void {
    // Closing the view does not cancel the run; run.cancel does.
  }
  onData(listener: (text: string) => void): void {
    this.dataListeners.push(listener);
    for (const t of this.backlog.splice(0)) listener(t);
  }
  onExit(listener: (e: { exitCode: number | null; signal: number | null }) => void): void {
    this.exitListeners.push(listener);
  }
}
