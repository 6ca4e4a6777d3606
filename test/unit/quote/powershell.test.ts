import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePowerShell, encodePowerShell, POWERSHELL_STDIN_READER, powershellStdinCommand, quotePowerShell, QuoteError } from '../../../electron/core/quote';

/** PowerShell's single-quoted literal: '' (or a doubled typographic quote) is one quote, nothing else is special. */
function unquoteLiteral(q: string): string {
  expect(q.startsWith("'") && q.endsWith("'")).toBe(true);
  const body = q.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if ("'\u2018\u2019\u201a\u201b".includes(c)) {
      expect(body[i + 1]).toBe(c); // every quote char inside is doubled
      i++;
    }
    out += c;
  }
  return out;
}

describe('PowerShell quoting', () => {
  it('single-quotes literals and doubles quote characters, including typographic ones', () => {
    expect(quotePowerShell("it's")).toBe("'it''s'");
    expect(quotePowerShell('$env:PATH; rm')).toBe("'$env:PATH; rm'");
    expect(quotePowerShell('a\u2019b')).toBe("'a\u2019\u2019b'");
    expect(() => quotePowerShell('a\0b')).toThrow(QuoteError);
  });

  it('round-trips any string through the literal form', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), (s) => {
      expect(unquoteLiteral(quotePowerShell(s))).toBe(s);
    }), { numRuns: 2000 });
  });

  it('-EncodedCommand is base64 of UTF-16LE and round-trips (a test aid: nothing is run that way)', () => {
    expect(encodePowerShell('dir')).toBe('ZABpAHIA');
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(decodePowerShell(encodePowerShell(s))).toBe(s);
    }));
  });

  it('the command line for a script on stdin is fixed: one quoted reader, no part of any script', () => {
    expect(powershellStdinCommand()).toBe(`powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "${POWERSHELL_STDIN_READER}"`);
    expect(POWERSHELL_STDIN_READER).toContain('[Console]::OpenStandardInput()');
    // Inside cmd.exe's "…" (Windows OpenSSH runs the exec request with cmd /c) only " and % would act.
    expect(POWERSHELL_STDIN_READER).not.toMatch(/["%!]/);
  });
});
