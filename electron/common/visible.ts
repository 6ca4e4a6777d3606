// Text that came from a remote host or a file (host names from answers or a CSV, archive entry names,
// a host's messages) can hold terminal escapes, carriage returns or bidirectional overrides that
// rewrite what a terminal, a log or a report shows: a fake "✔ done" line, a cleared screen, a name
// that reads backwards. Printed outside the live terminal, such text goes through showControls, which
// makes every such character visible instead of acting on it. No Node module: the renderer uses it too.

/**
 * Characters that act instead of showing: C0/C1 controls and DEL, format characters (bidirectional
 * overrides and isolates, zero-width spaces, the BOM…; not the zero-width (non-)joiners scripts and
 * emoji need), line and paragraph separators, and unpaired surrogates.
 */
const ACTING = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/gu;

/** Whether `text` is one line of printable characters (no control, format or line-separator character). */
export function isPrintableLine(text: string): boolean {
  ACTING.lastIndex = 0;
  const found = ACTING.test(text);
  ACTING.lastIndex = 0;
  return !found;
}

/** One acting character, visible: a Control Picture for C0 and DEL (`␛`, `␍`, `␡`), else `\uXXXX`. */
export function visibleChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every acting character made visible (`\x1b[2J` → `␛[2J`, `\u202e` → `\\u202e`). With
 * `multiline`, line feeds, tabs and the CR of a CRLF stay as they are (a host's output keeps its
 * lines); a lone CR, which returns to the start of the line and lets the rest overwrite it, is shown.
 */
export function showControls(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(ACTING, (c, offset: number) => {
    if (opts.multiline && (c === '\n' || c === '\t' || (c === '\r' && text[offset + 1] === '\n'))) return c;
    return visibleChar(c);
  });
}

/** Null when `v` is one line of printable characters, else what is wrong with it (the character shown). */
export function checkPrintableLine(v: string): string | null {
  ACTING.lastIndex = 0;
  const m = ACTING.exec(v);
  ACTING.lastIndex = 0;
  if (!m) return null;
  const c = m[0];
  const what = c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029' ? 'a line break' : c === '\t' ? 'a tab' : 'a control character';
  return `has ${what} (${visibleChar(c)} at character ${m.index + 1}): it must be one line of printable characters`;
}
