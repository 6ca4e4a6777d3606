import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { parse } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { joinPosix, quotePosix, QuoteError } from '../../../electron/core/quote';

/** What a real shell passes to a program for `line`: argv, NUL-separated by printf. */
function realArgv(shell: string, line: string): string[] {
  const r = spawnSync(shell, ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const noNul = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0'));

describe('quotePosix', () => {
  it('leaves plainly safe words alone and quotes the rest', () => {
    expect(quotePosix('cn-north-4')).toBe('cn-north-4');
    expect(quotePosix('http://1.2.3.4:80/a_b.sh')).toBe('http://1.2.3.4:80/a_b.sh');
    expect(quotePosix('')).toBe("''");
    expect(quotePosix('a b')).toBe("'a b'");
    expect(quotePosix("it's")).toBe("'it'\\''s'");
    expect(quotePosix('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });

  it('refuses NUL', () => {
    expect(() => quotePosix('a\0b')).toThrow(QuoteError);
  });

  it('parses back to the same word with shell-quote, for any string', () => {
    fc.assert(
      fc.property(noNul, (s) => {
        expect(parse(quotePosix(s))).toEqual([s]);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses back to the same argv with shell-quote, for any list of strings', () => {
    fc.assert(
      fc.property(fc.array(noNul, { minLength: 1, maxLength: 6 }), (argv) => {
        expect(parse(joinPosix(argv))).toEqual(argv);
      }),
    );
  });

  const hostile = ['; rm -rf /', '$(touch /tmp/pwned)', '`id`', 'a\nb', "'", '"', '\\', '%PATH%', '^&', 'ünï©ødé 中文', '$HOME', '*', '~', '#x', '!!', '-n', '\t', "a'b\"c$d`e\\f"];
  for (const shell of ['bash', 'sh', 'dash']) {
    it(`a real ${shell} receives exactly the intended argv (hostile table and random strings)`, () => {
      expect(realArgv(shell, joinPosix(hostile))).toEqual(hostile);
      const samples = fc.sample(fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 5 }), 30);
      for (const argv of samples) expect(realArgv(shell, joinPosix(argv))).toEqual(argv);
    });
  }
});
