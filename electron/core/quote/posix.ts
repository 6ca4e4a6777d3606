// POSIX shell quoting (sh, bash, dash, zsh): one argv word per call, single-quote style.
// Inside '…' nothing is special to the shell, so the only character to handle is ' itself,
// written as '\'' (close, escaped quote, reopen). NUL cannot be part of an argv word at all.

/** Words made only of these characters need no quotes in any POSIX shell (no globbing, no expansion). */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export class QuoteError extends Error {
  constructor(
    message: string,
    /** The character that cannot be expressed (for messages that must not echo the value). */
    readonly offending: string,
  ) {
    super(message);
    this.name = 'QuoteError';
  }
}

export function quotePosix(word: string): string {
  if (word.includes('\0')) throw new QuoteError('a NUL character cannot be passed to a POSIX shell', '\\0');
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every word and joins them with spaces: the command line that runs exactly `argv`. */
export function joinPosix(argv: readonly string[]): string {
  return argv.map(quotePosix).join(' ');
}
