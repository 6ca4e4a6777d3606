// Answering an interactive program's questions in its PTY (the vendor's password prompts): a prompt is
// the line being written (no newline yet) that matches a pattern; each appearance is answered once,
// up to a limit (a wrong password makes the program ask again). What is typed never reaches a command line.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/** One line of terminal output as text: escape sequences and carriage returns removed. */
export function plainLine(line: string): string {
  const l = line.replace(ANSI, '');
  // A PTY ends lines with \r\n; a bare \r redraws the line, and what follows it is what shows.
  const parts = l.replace(/\r+$/, '').split('\r');
  return parts[parts.length - 1] ?? '';
}

export interface Prompt {
  re: RegExp;
  /** What to type (without the Enter). */
  answer: () => string;
  /** Answer at most this many times (a wrong password makes ssh ask again). */
  max: number;
}

/**
 * Watches a PTY's output for prompts and says what to type: a prompt is the line being written (no
 * newline yet) matching one of the patterns. Each appearance is answered once.
 */
export class PromptResponder {
  private line = '';
  private readonly counts: number[];

  constructor(private readonly prompts: readonly Prompt[]) {
    this.counts = prompts.map(() => 0);
  }

  /** Takes the next output; returns what to write to the PTY now (each answer ends with Enter), if anything. */
  push(text: string): string[] {
    const out: string[] = [];
    for (const ch of text.split(/(\n)/)) {
      if (ch === '\n') {
        this.line = '';
        continue;
      }
      this.line += ch;
      if (this.line.length > 4096) this.line = this.line.slice(-4096);
      const shown = plainLine(this.line);
      const i = this.prompts.findIndex((p, k) => p.re.test(shown) && (this.counts[k] ?? 0) < p.max);
      if (i >= 0) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        out.push(`${(this.prompts[i] as Prompt).answer()}\r`);
        this.line = '';
      }
    }
    return out;
  }

  /** How many times each prompt was answered (in the order given). */
  answered(): number[] {
    return [...this.counts];
  }
}
