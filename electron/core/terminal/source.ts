/** Anything that can back an embedded terminal: a local PTY or an SSH shell channel. */
export interface TerminalSource {
  readonly label: string;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /**
   * Drops output the source has read but not emitted yet (an SSH channel paused by flow control holds
   * up to its window) and what is still on its way, after the user typed an interrupt during a flood:
   * what a line discipline's ISIG does to its output queue (InterruptDiscard, for every SSH-backed
   * source). Optional: a local PTY's kernel already did it.
   */
  discardQueued?(input: string): void;
  /** Ends the process / closes the channel. */
  kill(): void;
  onData(listener: (text: string) => void): void;
  onExit(listener: (exit: { exitCode: number | null; signal: number | null }) => void): void;
}
