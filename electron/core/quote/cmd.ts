// cmd.exe quoting, for commands run by Windows' cmd (OpenSSH for Windows' default shell).
//
// cmd has no quoting that makes every string literal, so this module refuses what it cannot express:
//  - CR, LF, NUL: a newline ends the command; there is no way to escape it.
//  - `%`: cmd expands %NAME% on the command line even inside double quotes, and `^%` only works outside
//    quotes and not at all inside .bat files (where `%%` is the escape). One rule for both: refuse.
//  - `!`: expanded when delayed expansion is on, which we cannot know from here.
//  - a trailing backslash in a word that needs quotes: programs read \" as a literal quote (CRT rules).
//  - `"`: cmd toggles its quote state on every `"` while the program's own parser (CRT) reads `\"`;
//    the two disagree, so an embedded quote can end the quoting early.
//
// Otherwise a word is written
//  - as is, when made of plainly safe characters;
//  - in double quotes, when it holds a space, a tab or a batch argument delimiter (`,` `;` `=`), or
//    anything outside the safe set: inside "…" cmd treats & | < > ^ ( ) literally;
//  - with `^` before each metacharacter (`line` mode only) when it has metacharacters but nothing that
//    needs quotes, so the program receives the bare value.
//
// The .bat rules: a batch file re-parses its arguments when it uses %1 in its own commands, so a
// metacharacter that survived our quoting could run there. In `batch` mode (any word passed to a .bat
// or .cmd, which is the default) metacharacters & | < > ^ are refused outright; parentheses are
// allowed only inside quotes. The batch receives quoted words with their quotes (%1 = "a b"; %~1 strips).
import { QuoteError } from './posix';

export type CmdMode = 'batch' | 'line';

const SAFE = /^[A-Za-z0-9_.:\\/@+-]+$/;
const NEEDS_QUOTES = /[\s,;=()\u0080-\uffff'`~#$[\]{}*?]/;
const META = /[&|<>^()]/g;

export function quoteCmd(word: string, mode: CmdMode = 'batch'): string {
  for (const [ch, why] of [
    ['\0', 'a NUL character'],
    ['\r', 'a line break'],
    ['\n', 'a line break'],
    ['%', '"%" (cmd expands %NAME% even inside quotes)'],
    ['!', '"!" (expanded when delayed expansion is on)'],
    ['"', 'a double quote (cmd and the program would disagree on where quoting ends)'],
  ] as const) {
    if (word.includes(ch)) throw new QuoteError(`${why} cannot be passed safely on a cmd command line`, ch);
  }
  if (mode === 'batch') {
    const m = /[&|<>^]/.exec(word);
    if (m) throw new QuoteError(`"${m[0]}" cannot be passed safely to a batch file`, m[0]);
  }
  if (word === '') return '""';
  if (SAFE.test(word)) return word;
  if (NEEDS_QUOTES.test(word) || mode === 'batch') {
    // Programs parse \" as a literal quote (CRT rules), so a trailing backslash would eat the closing quote.
    if (word.endsWith('\\')) throw new QuoteError('a value that needs quotes cannot end with a backslash on a cmd command line', '\\');
    return `"${word}"`;
  }
  return word.replace(META, '^$&');
}

export function joinCmd(argv: readonly string[], mode: CmdMode = 'batch'): string {
  return argv.map((w) => quoteCmd(w, mode)).join(' ');
}
