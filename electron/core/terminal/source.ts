/** Anything that can back an embedded terminal: a local PTY or an SSH shell channel. */
export interface TerminalSource {
  readonly label: string;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Ends the process / closes the channel. */
  kill(): void;
  onData(listener: (text: string) => void): void;
  onExit(listener: (exit: { exitCode: number | null; signal: number | null }) => void): void;
}
