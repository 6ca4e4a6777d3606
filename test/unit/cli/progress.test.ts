// `outpost batch` progress: the live line's text (counts per state, finished/total, elapsed, cut to the
// terminal's width) and how it is written: rewritten in place on a terminal with hosts that did not end
// done printed above it; one plain line per finished host anywhere else.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchProgress, formatElapsed, formatLiveLine } from '../../../electron/cli/progress';

describe('formatElapsed', () => {
  it('reads as seconds, minutes and seconds, hours and minutes', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(42_900)).toBe('42s');
    expect(formatElapsed(65_000)).toBe('1m05s');
    expect(formatElapsed(3_720_000)).toBe('1h02m');
    expect(formatElapsed(-5)).toBe('0s');
  });
});

describe('formatLiveLine', () => {
  it('shows finished/total, the non-zero states in a fixed order (final first, waiting last) and the elapsed time', () => {
    expect(formatLiveLine({ counts: { installing: 16, done: 10, failed: 2, queued: 3 }, total: 200, elapsedMs: 65_000 })).toBe('[12/200] 10 done · 2 failed · 16 installing · 172 queued · 1m05s');
  });
  it('counts hosts not heard of yet as queued', () => {
    expect(formatLiveLine({ counts: {}, total: 5, elapsedMs: 0 })).toBe('[0/5] 5 queued · 0s');
    expect(formatLiveLine({ counts: { done: 5 }, total: 5, elapsedMs: 3000 })).toBe('[5/5] 5 done · 3s');
  });
  it('is cut to the terminal width so \\r rewrites the whole line', () => {
    const line = formatLiveLine({ counts: { done: 1, failed: 1, cancelled: 1, connecting: 1, verifying: 1 }, total: 100, elapsedMs: 1000 }, 30);
    expect(line.length).toBe(29);
    expect(line.endsWith('…')).toBe(true);
    expect(line.startsWith('[3/100] 1 done')).toBe(true);
  });
});

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 200, write: (t: string) => chunks.push(t) }, chunks, text: () => chunks.join('') };
}

describe('BatchProgress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plain (not a terminal): one line per finished host, no control characters, nothing for states in flight', () => {
    const s = sink(false);
    const p = new BatchProgress(s.out, 2);
    p.note('Journal: /j');
    p.start();
    p.host('target0', 'connecting');
    p.host('target0', 'done', '[1/2] a: done');
    p.host('target1', 'failed', '[2/2] b: failed — wrong password');
    p.stop();
    expect(s.text()).toBe('Journal: /j\n[1/2] a: done\n[2/2] b: failed — wrong password\n');
    expect(p.isLive).toBe(false);
  });

  it('on a terminal: one line rewritten in place; hosts that fail are printed above it; done hosts only counted', () => {
    vi.useFakeTimers();
    let now = 0;
    const s = sink(true);
    const p = new BatchProgress(s.out, 3, () => now, 100);
    p.note('Journal: /j');
    p.start();
    expect(s.text()).toBe('Journal: /j\n\r\x1b[2K[0/3] 3 queued · 0s');
    s.chunks.length = 0;
    now = 500;
    p.host('target0', 'connecting');
    expect(s.text()).toBe('\r\x1b[2K[0/3] 1 connecting · 2 queued · 0s');
    s.chunks.length = 0;
    // Within 100 ms of the last draw: held back, then drawn once.
    now = 550;
    p.host('target0', 'done', '[1/3] a: done');
    p.host('target1', 'installing');
    expect(s.text()).toBe('');
    now = 700;
    vi.advanceTimersByTime(100);
    expect(s.text()).toBe('\r\x1b[2K[1/3] 1 done · 1 installing · 1 queued · 0s');
    s.chunks.length = 0;
    // A failure: its line replaces the live line, which is drawn again under it.
    now = 2500;
    p.host('target1', 'failed', '[2/3] b: failed — nope');
    expect(s.text()).toBe('\r\x1b[2K[2/3] b: failed — nope\n\r\x1b[2K[2/3] 1 done · 1 failed · 1 queued · 2s');
    s.chunks.length = 0;
    // The elapsed time moves once a second even when no host does.
    now = 3600;
    vi.advanceTimersByTime(1000);
    expect(s.text()).toContain('· 3s');
    s.chunks.length = 0;
    p.host('target2', 'done', '[3/3] c: done');
    p.stop();
    expect(s.text().endsWith('[3/3] 2 done · 1 failed · 3s\n')).toBe(true);
    // Stopped: no more drawing.
    s.chunks.length = 0;
    vi.advanceTimersByTime(5000);
    p.stop();
    expect(s.text()).toBe('');
  });
});
