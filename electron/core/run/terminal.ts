// The run's view in the embedded terminal: all step output flows through it (so the terminal's
// flow control applies), and what the user types goes to the step that is running, if it takes input.
import { InterruptDiscard } from '../terminal/interrupt';
import type { TerminalSource } from '../terminal/source';

export { INTERRUPT_ECHO_WAIT } from '../terminal/interrupt';

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
  /** After an interrupt: output is dropped until the remote echoes it (see discardQueued). */
  private readonly discard = new InterruptDiscard();

  /** The running step's channel; null between steps. */
  setSink(sink: InputSink | null): void {
    this.sink = sink;
    if (sink && this.paused) sink.pause?.();
  }

  push(output: string): void {
    const text = this.discard.filter(output);
    if (!text) return;
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
   * control, holds up to its SSH window of output produced before the interrupt; it is drained and not
   * shown, nor what is still on its way up to the remote's echo of the interrupt (InterruptDiscard, the
   * same as a host's login shell). Only the view skips it: the run's journal and output events still
   * get everything.
   */
  discardQueued(input: string): void {
    if (!this.sink) return;
    this.discard.interrupt(input, this.sink.drain ? () => this.sink?.drain?.() : undefined);
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
