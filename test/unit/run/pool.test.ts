// The pool's pause gate: paused, no new item starts; items in flight finish; resume starts the rest;
// opening the gate (what cancel does) lets every worker through.
import { describe, expect, it } from 'vitest';
import { PauseGate, pool } from '../../../electron/core/run';

const tick = () => new Promise((r) => setTimeout(r, 5));

function deferredJobs(n: number) {
  const release = new Map<number, () => void>();
  const started: number[] = [];
  const finished: number[] = [];
  const fn = (i: number) =>
    new Promise<void>((resolve) => {
      started.push(i);
      release.set(i, () => {
        finished.push(i);
        resolve();
      });
    });
  return { items: Array.from({ length: n }, (_, i) => i), release, started, finished, fn };
}

describe('pool pause gate', () => {
  it('starts no new item while paused, lets items in flight finish, and starts the rest after resume', async () => {
    const gate = new PauseGate();
    const j = deferredJobs(6);
    const all = pool(j.items, 2, j.fn, gate);
    await tick();
    expect(j.started).toEqual([0, 1]);
    expect(gate.close()).toBe(true);
    expect(gate.close()).toBe(false);
    j.release.get(0)?.();
    j.release.get(1)?.();
    await tick();
    expect(j.finished).toEqual([0, 1]);
    expect(j.started).toEqual([0, 1]); // paused: nothing new
    expect(gate.open()).toBe(true);
    expect(gate.open()).toBe(false);
    await tick();
    expect(j.started).toEqual([0, 1, 2, 3]);
    for (const i of [2, 3]) j.release.get(i)?.();
    await tick();
    for (const i of [4, 5]) j.release.get(i)?.();
    await all;
    expect(j.finished.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a gate closed before the pool starts holds every item until opened', async () => {
    const gate = new PauseGate();
    gate.close();
    const seen: number[] = [];
    const all = pool([1, 2, 3], 2, async (i) => void seen.push(i), gate);
    await tick();
    expect(seen).toEqual([]);
    gate.open();
    await all;
    expect(seen).toEqual([1, 2, 3]);
  });

  it('without a gate the pool runs at most n at once, in order', async () => {
    let running = 0;
    let max = 0;
    const order: number[] = [];
    await pool([0, 1, 2, 3, 4], 2, async (i) => {
      running++;
      max = Math.max(max, running);
      order.push(i);
      await tick();
      running--;
    });
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
