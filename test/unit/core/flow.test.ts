import { describe, expect, it, vi } from 'vitest';
import { FlowController } from '../../../electron/core/terminal/flow';

const limits = { batchMs: 5, highWatermark: 100, lowWatermark: 10, maxEventChars: 40 };

function setup() {
  const source = { pause: vi.fn(), resume: vi.fn() };
  const sent: string[] = [];
  const flow = new FlowController(source, (d) => sent.push(d), limits);
  return { source, sent, flow };
}

describe('FlowController', () => {
  it('batches small writes into one event', async () => {
    const { sent, flow } = setup();
    flow.push('a');
    flow.push('b');
    flow.push('c');
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toEqual(['abc']);
  });

  it('pauses above the high watermark and resumes only below the low one', () => {
    const { source, flow } = setup();
    flow.push('x'.repeat(101));
    expect(source.pause).toHaveBeenCalledTimes(1);
    flow.ack(50);
    expect(source.resume).not.toHaveBeenCalled();
    flow.ack(45);
    expect(source.resume).toHaveBeenCalledTimes(1);
    expect(flow.isPaused).toBe(false);
  });

  it('splits large output into bounded events without breaking surrogate pairs', () => {
    const { sent, flow } = setup();
    const text = 'a'.repeat(39) + '😀' + 'b'.repeat(30);
    flow.push(text);
    flow.flush();
    expect(sent.join('')).toBe(text);
    for (const chunk of sent) {
      expect(chunk.length).toBeLessThanOrEqual(40);
      expect(/[\ud800-\udbff]$/.test(chunk)).toBe(false);
    }
  });

  it('never lets unacknowledged count go negative', () => {
    const { flow } = setup();
    flow.ack(1000);
    expect(flow.unacknowledged).toBe(0);
  });

  it('an interrupt drops what was not sent yet and counts it as acknowledged, never what was sent', async () => {
    const { source, sent, flow } = setup();
    flow.push('x'.repeat(80)); // two events sent at once (40 each)
    flow.push('y'.repeat(30)); // above the high watermark: paused, 30 waiting for the batch
    expect(source.pause).toHaveBeenCalledTimes(1);
    expect(sent.join('')).toBe('x'.repeat(80));
    flow.interrupt();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.join('')).toBe('x'.repeat(80));
    expect(flow.unacknowledged).toBe(80);
    flow.ack(80);
    expect(source.resume).toHaveBeenCalledTimes(1);
    flow.push('z');
    flow.flush();
    expect(sent.join('')).toBe('x'.repeat(80) + 'z');
  });
});
