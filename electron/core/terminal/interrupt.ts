// After an interrupt typed during a flood, the output an SSH channel still delivers was produced
// before the remote saw the interrupt. Shared by every SSH-backed terminal source (a run step's
// channel, RunTerminal; a host's login shell, openSshShell): the same mechanism, the same limits.
//
// Why discard instead of a smaller window: ssh2 (1.17) opens every channel with a fixed 2 MiB receive
// window and tops it up to 2 MiB whenever half is used (MAX_WINDOW in ssh2/lib/Channel.js; no option
// for a channel or a client), and the paused stream buffers up to the same again. So after a pause up
// to ~4 MB of a `yes` flood sit between the remote PTY and the view, and at the view's 5–15 MB/s
// that is ~0.3–1 s before the prompt after ^C (host terminal before this: 0.68–1.26 s). A remote
// tty does the same on ISIG without NOFLSH: it flushes its output queue, so output produced before
// the ^C never shows. Here: what the paused channel holds is drained and dropped, and what is still
// on its way (TCP, sshd, the remote PTY until its line discipline saw the ^C) is dropped up to the
// remote's echo of the interrupt ("^C"), which a PTY in canonical mode writes right after flushing
// its queue; at most INTERRUPT_ECHO_WAIT characters or milliseconds, in case nothing echoes (raw
// mode, -echoctl). A dim note (skippedNote) takes their place, so nothing is dropped unannounced.
// Nothing is dropped outside a flood (TerminalManager.write decides), and only the view skips it:
// a run's journal and output events still get everything.
import { INTERRUPT_CHARS } from '../../common/terminal-flow';

/** How long, at most, output is dropped after an interrupt while waiting for its echo. */
export const INTERRUPT_ECHO_WAIT = { ms: 2000, chars: 4_000_000 } as const;

/** Shown in the terminal where output was skipped after an interrupt (dim, on a line of its own). */
export const skippedNote = (key: string): string => `\r\n\x1b[2m[output produced before ${key} skipped]\x1b[0m\r\n`;

export class InterruptDiscard {
  private dropping = false;
  /** Whether anything was dropped since the interrupt (the note is shown only then). */
  private dropped = false;
  private echoWait: { echo: string; deadline: number; left: number; tail: string } | null = null;

  /**
   * Filters one chunk of output: returns what is to be shown (possibly nothing, possibly preceded by
   * the skipped-output note once the discard is over).
   */
  filter(text: string): string {
    if (this.dropping) {
      this.dropped ||= text.length > 0;
      return '';
    }
    const w = this.echoWait;
    if (!w) return text;
    const s = w.tail + text;
    const at = s.indexOf(w.echo);
    if (at >= 0) {
      this.echoWait = null;
      this.dropped ||= at > 0;
      return this.note(w.echo) + s.slice(at);
    }
    w.left -= text.length;
    this.dropped ||= text.length > 0;
    w.tail = s.slice(-(w.echo.length - 1));
    if (w.left <= 0 || Date.now() > w.deadline) {
      this.echoWait = null;
      return this.note(w.echo);
    }
    return '';
  }

  /**
   * The user typed `input` (holding an interrupt) during a flood: `drain` hands over, synchronously
   * and through `filter`, what the paused channel holds; then output is dropped up to the echo.
   */
  interrupt(input: string, drain: (() => void) | undefined): void {
    this.dropping = true;
    try {
      drain?.();
    } finally {
      this.dropping = false;
    }
    const m = INTERRUPT_CHARS.exec(input);
    if (m) this.echoWait = { echo: `^${String.fromCharCode(m[0].charCodeAt(0) + 64)}`, deadline: Date.now() + INTERRUPT_ECHO_WAIT.ms, left: INTERRUPT_ECHO_WAIT.chars, tail: '' };
  }

  private note(key: string): string {
    const had = this.dropped;
    this.dropped = false;
    return had ? skippedNote(key) : '';
  }
}
