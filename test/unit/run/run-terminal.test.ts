// RunTerminal: an interrupt during a flood drops what the step's paused channel holds back (drained
// synchronously), and only that: output before and after reaches the view in order.
import { describe, expect, it } from 'vitest';
import { INTERRUPT_ECHO_WAIT, RunTerminal } from '../../../electron/core/run/terminal';
import { skippedNote } from '../../../electron/core/terminal/interrupt';

describe('RunTerminal.discardQueued', () => {
  it('drops what the sink drains, keeps what came before and after', () => {
    const t = new RunTerminal();
    const seen: string[] = [];
    t.onData((d) => seen.push(d));
    const held = ['held-1 ', 'held-2 '];
    const writes: string[] = [];
    t.setSink({
      write: (d) => writes.push(d),
      pause: () => undefined,
      resume: () => undefined,
      // As drainPaused: the channel's buffered chunks go to its data listener (the step's onData) at once.
      drain: () => held.splice(0).forEach((h) => t.push(h)),
    });
    t.push('before ');
    t.write('\x03');
    t.discardQueued('\x03');
    // Still on its way when the interrupt was sent: dropped up to the remote's echo, even split.
    t.push('in flight ');
    t.push('more ^');
    t.push('C\r\n$ ');
    t.push('next');
    expect(writes).toEqual(['\x03']);
    // A note takes the place of what was skipped.
    expect(seen.join('')).toBe(`before ${skippedNote('^C')}^C\r\n$ next`);
    expect(held).toEqual([]);
  });

  it('stops waiting for an echo that never comes (raw mode) after INTERRUPT_ECHO_WAIT', () => {
    const t = new RunTerminal();
    const seen: string[] = [];
    t.onData((d) => seen.push(d));
    t.setSink({ write: () => undefined, drain: () => undefined });
    t.discardQueued('\x1c');
    t.push('x'.repeat(INTERRUPT_ECHO_WAIT.chars));
    t.push('shown');
    expect(seen).toEqual([skippedNote('^\\'), 'shown']);
  });

  it('an echo arriving first drops nothing and shows no note', () => {
    const t = new RunTerminal();
    const seen: string[] = [];
    t.onData((d) => seen.push(d));
    t.setSink({ write: () => undefined, drain: () => undefined });
    t.discardQueued('\x03');
    t.push('^C\r\n$ ');
    expect(seen).toEqual(['^C\r\n$ ']);
  });

  it('without a running step there is nothing to drop', () => {
    const t = new RunTerminal();
    const seen: string[] = [];
    t.onData((d) => seen.push(d));
    t.discardQueued('\x03');
    t.push('next');
    expect(seen).toEqual(['next']);
  });
});
