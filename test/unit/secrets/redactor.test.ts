// The redactor against the two ways a secret slipped past it: split across chunks of a stream, and
// JSON-escaped (a secret holding `"` or `\`) in log details and journal lines. Property-tested: any
// secret, split at any points, in any sink, never appears.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../electron/core/log/logger';
import { Journal } from '../../../electron/core/run/journal';
import { MASK, SecretRegistry, secretForms } from '../../../electron/core/secrets/registry';

// Secrets people use: printable ASCII including quotes and backslashes, some non-ASCII and control
// characters. A secret made of the mask's own character cannot be told apart from the mask.
const secretArb = fc
  .string({ minLength: 1, maxLength: 24, unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\t', '\u0001', 'é', '密'), fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))) })
  .filter((s) => !s.includes('*'));
const textArb = fc.string({ maxLength: 40 });
// For whole sinks: long enough not to be a piece of the sink's own fixed text ("runId", "failed"…).
const sinkSecretArb = secretArb.filter((s) => s.length >= 6);

/** Cuts `text` at the given points (any order, duplicates and out-of-range points allowed). */
function splitAt(text: string, points: number[]): string[] {
  const cuts = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const c of cuts) {
    parts.push(text.slice(last, c));
    last = c;
  }
  parts.push(text.slice(last));
  return parts;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-redact-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('streaming redactor', () => {
  it('masks a secret printed in two chunks (it reached the terminal whole before)', () => {
    const reg = new SecretRegistry();
    reg.add('AKIA-SECRET-1234');
    const s = reg.stream();
    const shown = s.push('key: AKIA-SEC') + s.push('RET-1234 done\r\n$ ') + s.flush();
    expect(shown).toBe(`key: ${MASK} done\r\n$ `);
  });

  it('holds back only what can still become a secret, until the next chunk or the end, never on a timer alone', () => {
    vi.useFakeTimers();
    try {
      const reg = new SecretRegistry();
      reg.add('hunter2');
      const flushed: string[] = [];
      const s = reg.stream({ onFlush: (t) => flushed.push(t), flushAfterMs: 30 });
      expect(s.push('plain output\n$ ')).toBe('plain output\n$ ');
      expect(s.pending).toBe(0);
      expect(s.push('echo hun')).toBe('echo ');
      expect(s.pending).toBe(3);
      vi.advanceTimersByTime(29);
      expect(s.push('ter')).toBe('');
      // A long quiet time releases nothing that could still become the secret.
      vi.advanceTimersByTime(60_000);
      expect(flushed).toEqual([]);
      expect(s.pending).toBe(6);
      expect(s.push('2 ok')).toBe(`${MASK} ok`);
      expect(s.push('hunt')).toBe('');
      expect(s.push('ed')).toBe('hunted');
      expect(s.push('hunt')).toBe('');
      expect(s.flush()).toBe('hunt');
      vi.advanceTimersByTime(60_000);
      expect(flushed).toEqual([]);
      s.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a secret written in two pieces 300 ms apart (real timers) is masked; what it held shows once the output goes on', async () => {
    const reg = new SecretRegistry();
    reg.add('AKIA-SPLIT-SECRET-42');
    const shown: string[] = [];
    const s = reg.stream({ onFlush: (t) => shown.push(t) });
    shown.push(s.push('key=AKIA-SPL'));
    await new Promise((r) => setTimeout(r, 300));
    shown.push(s.push('IT-SECRET-42\r\n$ '));
    shown.push(s.flush());
    expect(shown.join('')).toBe(`key=${MASK}\r\n$ `);
    expect(shown.join('')).not.toContain('AKIA-SPL');
  });

  it('on a long quiet time releases what stopped being a possible prefix (the secret was removed), and only that', () => {
    vi.useFakeTimers();
    try {
      const reg = new SecretRegistry();
      reg.add('hunter2');
      reg.add('hunXYZ-other');
      const flushed: string[] = [];
      const s = reg.stream({ onFlush: (t) => flushed.push(t), flushAfterMs: 30 });
      expect(s.push('a hunt')).toBe('a ');
      reg.remove('hunter2');
      vi.advanceTimersByTime(30);
      // "hunt" is no prefix of what is left ("hun" is, but "hunt" is not): released.
      expect(flushed).toEqual(['hunt']);
      expect(s.push('$ hun')).toBe('$ ');
      reg.remove('hunXYZ-other');
      vi.advanceTimersByTime(30);
      expect(flushed).toEqual(['hunt', 'hun']);
      expect(s.pending).toBe(0);
      s.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes text straight through when nothing is registered', () => {
    const s = new SecretRegistry().stream();
    expect(s.push('abc')).toBe('abc');
    expect(s.pending).toBe(0);
  });

  it('property: any secret, split at any points, never appears in the output', () => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, textArb, fc.array(fc.nat(200), { maxLength: 8 }), fc.boolean(), (secret, a, b, c, points, escaped) => {
        const reg = new SecretRegistry();
        reg.add(secret);
        reg.add('other-secret');
        const form = escaped ? JSON.stringify(secret).slice(1, -1) : secret;
        const text = `${a}${form}${b}${form}${c}`;
        const s = reg.stream();
        let out = '';
        for (const chunk of splitAt(text, points)) out += s.push(chunk);
        out += s.flush();
        expect(out).not.toContain(secret);
        expect(out).not.toContain(form);
        // Nothing but the secrets is lost: the stream says what a whole-text redaction says.
        expect(out).toBe(reg.redact(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redact(): JSON-escaped forms', () => {
  it('masks a secret holding " or \\ after JSON escaping', () => {
    const reg = new SecretRegistry();
    reg.add('pa"ss\\word');
    expect(reg.redact(JSON.stringify({ sk: 'pa"ss\\word' }))).toBe(`{"sk":"${MASK}"}`);
    expect(reg.redact(JSON.stringify(JSON.stringify({ sk: 'pa"ss\\word' })))).not.toContain('ss\\\\');
  });

  it('lists raw, escaped and twice-escaped forms without repeats', () => {
    expect(secretForms('plain')).toEqual(['plain']);
    expect(secretForms('a"b')).toEqual(['a"b', 'a\\"b', 'a\\\\\\"b']);
  });
});

describe('sinks: logger and journal', () => {
  it('property: a secret never reaches a log line, whatever detail carries it', () => {
    fc.assert(
      fc.property(sinkSecretArb, textArb, (secret, around) => {
        const reg = new SecretRegistry();
        reg.add(secret);
        const lines: string[] = [];
        const log = createLogger((_l, line) => lines.push(line), { level: 'debug', secrets: reg });
        log.info(`msg ${around}${secret}`, { sk: secret, nested: [{ v: `${around}${secret}` }], json: JSON.stringify({ sk: secret }) });
        log.error('failed', new Error(`auth ${secret} refused`), secret);
        for (const line of lines) {
          for (const form of secretForms(secret)) expect(line).not.toContain(form);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: a secret never reaches a journal line, escaped or not', () => {
    let n = 0;
    fc.assert(
      fc.property(sinkSecretArb, textArb, (secret, around) => {
        const reg = new SecretRegistry();
        reg.add(secret);
        const runId = `r${++n}`;
        const j = new Journal(tmp, runId, reg);
        j.write({ type: 'step', runId, step: 'install', host: 'h', start: '', end: '', outcome: 'failed', message: `${around}${secret}`, tail: [secret, `x${secret}y`] });
        j.write({ type: 'run.end', runId, at: '', outcome: 'failed', reason: JSON.stringify({ secret }) });
        const raw = fs.readFileSync(j.file, 'utf8');
        for (const form of secretForms(secret)) expect(raw).not.toContain(form);
        // Still one JSON object per line.
        for (const line of raw.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
