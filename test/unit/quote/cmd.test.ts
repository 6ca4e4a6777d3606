import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinCmd, quoteCmd, QuoteError } from '../../../electron/core/quote';

/**
 * A model of how cmd.exe reads one line: `"` toggles quoting, `^` outside quotes escapes the next
 * character, and & | < > ( ) outside quotes are operators. Returns the words (as the CRT would split
 * them, with quotes removed) or the first operator found.
 */
function cmdModel(line: string): { words: string[] } | { operator: string } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quoted) {
      if (c === '"') quoted = false;
      else cur += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === '^') {
      cur += line[++i] ?? '';
      inWord = true;
    } else if ('&|<>()'.includes(c)) {
      return { operator: c };
    } else if (c === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return { words };
}

describe('quoteCmd', () => {
  it('keeps safe words bare, quotes words with spaces and batch delimiters', () => {
    expect(quoteCmd('C:\\ICAgent')).toBe('C:\\ICAgent');
    expect(quoteCmd('cn-north-4')).toBe('cn-north-4');
    expect(quoteCmd('C:\\Program Files (x86)\\x')).toBe('"C:\\Program Files (x86)\\x"');
    expect(quoteCmd('a=b')).toBe('"a=b"');
    expect(quoteCmd('a,b;c')).toBe('"a,b;c"');
    expect(quoteCmd('')).toBe('""');
  });

  it('uses ^ escapes in line mode for metacharacters that need no quotes', () => {
    expect(quoteCmd('a&b', 'line')).toBe('a^&b');
    expect(quoteCmd('x|y>z<w^v', 'line')).toBe('x^|y^>z^<w^^v');
    expect(quoteCmd('a & b', 'line')).toBe('"a & b"');
  });

  it('refuses what cmd cannot carry: % ! " newlines NUL, and metacharacters bound for a batch file', () => {
    for (const bad of ['%PATH%', '100%', 'wow!', 'say "hi"', 'a\nb', 'a\rb', 'a\0b']) {
      expect(() => quoteCmd(bad, 'line')).toThrow(QuoteError);
      expect(() => quoteCmd(bad, 'batch')).toThrow(QuoteError);
    }
    for (const bad of ['^&', 'a&b', 'a|b', 'a>b', 'a<b']) expect(() => quoteCmd(bad, 'batch')).toThrow(QuoteError);
    expect(() => quoteCmd('C:\\dir with space\\')).toThrow(/backslash/);
  });

  it('never leaves an operator outside quotes, and the words come back intact (model of cmd)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), fc.constantFrom('line', 'batch'), (argv, mode) => {
        let line: string;
        try {
          line = joinCmd(argv, mode as 'line' | 'batch');
        } catch (err) {
          expect(err).toBeInstanceOf(QuoteError);
          return;
        }
        expect(cmdModel(line)).toEqual({ words: argv });
      }),
      { numRuns: 3000 },
    );
  });
});
