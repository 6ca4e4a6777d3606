// Text from a remote host or a file, printed outside the live terminal, cannot act on the terminal or
// fake lines: control characters are made visible. Target names are one line of printable characters.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { stderrSink } from '../../../electron/core/log/logger';
import { validateAnswers, formatProblem } from '../../../electron/common/answers';
import { checkPrintableLine, isPrintableLine, showControls } from '../../../electron/common/visible';

const answers = (name: string) => ({
  profile: 'icagent',
  os: 'linux',
  region: 'cn-north-4',
  connectivity: { mode: 'direct', accessIp: '100.125.4.25' },
  targets: [{ host: '10.0.0.5', user: 'root', password: { env: 'PW' }, name }],
});
const problems = (name: string) => {
  const r = validateAnswers(answers(name));
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe('showControls', () => {
  it('shows escapes, a lone CR, DEL, C1 and bidi overrides instead of letting them act', () => {
    expect(showControls('web1\x1b[1A\x1b[2K\r✔ done\x7f')).toBe('web1␛[1A␛[2K␍✔ done␡');
    expect(showControls('a\u0085b\u202ec\u2028d\u0000')).toBe('a\\u0085b\\u202ec\\u2028d␀');
    expect(showControls('line 1\r\nline 2\n\tx\ry', { multiline: true })).toBe('line 1\r\nline 2\n\tx␍y');
    expect(showControls('line 1\nline 2')).toBe('line 1␊line 2');
  });

  it('leaves printable text alone: any script, emoji with joiners, combining marks', () => {
    for (const s of ['plain', '日本語 web-1', '👩‍💻 dev', 'é (e\u0301)', 'نام']) {
      expect(showControls(s)).toBe(s);
      expect(isPrintableLine(s)).toBe(true);
    }
  });

  it('property: the result never holds a character that acts, and one-line results stay one line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (s, multiline) => {
        const out = showControls(s, { multiline });
        const left = multiline ? out.replace(/\r\n|\n|\t/g, '') : out;
        expect(isPrintableLine(left)).toBe(true);
        if (!multiline) for (const c of ['\n', '\r', '\x1b']) expect(out).not.toContain(c);
      }),
      { numRuns: 1000 },
    );
  });

  it('checkPrintableLine names the first offending character, visibly', () => {
    expect(checkPrintableLine('ok name')).toBeNull();
    expect(checkPrintableLine('a\nb')).toBe('has a line break (␊ at character 2): it must be one line of printable characters');
    expect(checkPrintableLine('\x1b[31mred')).toBe('has a control character (␛ at character 1): it must be one line of printable characters');
  });
});

describe('targets[].name in answers', () => {
  it('refuses terminal escapes, line breaks and bidi overrides (a fake "✔ done" line), and accepts any printable name', () => {
    expect(problems('web\x1b[1A\x1b[2K✔ done')).toEqual(['targets[0].name: has a control character (␛ at character 4): it must be one line of printable characters']);
    expect(problems('web\n✔ host-2: done')).toEqual(['targets[0].name: has a line break (␊ at character 4): it must be one line of printable characters']);
    expect(problems('evil\u202egnp.exe')).toEqual(['targets[0].name: has a control character (\\u202e at character 5): it must be one line of printable characters']);
    expect(problems('数据库 db-1 (primary)')).toEqual([]);
    expect(problems('x'.repeat(101))).toHaveLength(1);
  });
});

describe('the stderr log sink (CLI, browser mode)', () => {
  it('writes a host\'s escapes and lone CRs visibly, keeping its lines', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      stderrSink('warn', 'host said: \x1b]0;pwned\x07\rfine\nsecond line');
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/ warn {2}host said: ␛\]0;pwned␇␍fine\nsecond line\n$/);
  });
});
