// TerminalManager with the real secrets registry: a secret split across two reads of the source is
// still masked, and nothing is lost or reordered on the way to the client.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../electron/core/client';
import { MASK, SecretRegistry } from '../../../electron/core/secrets/registry';
import { spawnLocalPty } from '../../../electron/core/terminal/local-pty';
import { TerminalManager } from '../../../electron/core/terminal/manager';
import type { TerminalSource } from '../../../electron/core/terminal/source';
import { FLOW } from '../../../electron/common/terminal-flow';

/** Just over the high watermark: what pauses a source. */
const OVER = FLOW.highWatermark + 100_000;

class TextSource implements TerminalSource {
  readonly label = 'text';
  private data: Array<(t: string) => void> = [];
  private exit: Array<(e: { exitCode: number | null; signal: number | null }) => void> = [];
  readonly written: string[] = [];
  discarded = 0;
  paused = false;
  write(d: string): void {
    this.written.push(d);
  }
  resize(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  discardQueued(input: string): void {
    if (input === '\x03') this.discarded += 1;
  }
  kill(): void {}
  onData(l: (t: string) => void): void {
    this.data.push(l);
  }
  onExit(l: (e: { exitCode: number | null; signal: number | null }) => void): void {
    this.exit.push(l);
  }
  emit(t: string): void {
    for (const l of this.data) l(t);
  }
  end(): void {
    for (const l of this.exit) l({ exitCode: 0, signal: null });
  }
}

function client() {
  const received: string[] = [];
  let exited = false;
  const c: Client = {
    id: 'c1',
    emit: (name, payload) => {
      if (name === 'terminal.data') received.push((payload as { data: string }).data);
      if (name === 'terminal.exit') exited = true;
    },
    onClose: () => undefined,
  };
  return { c, received, exited: () => exited };
}

describe('TerminalManager', () => {
  it('masks a secret split across two reads and delivers everything else in order', () => {
    const secrets = new SecretRegistry();
    secrets.add('hunter2-Secret');
    const manager = new TerminalManager(secrets);
    const source = new TextSource();
    const { c, received, exited } = client();
    manager.attach(c, source, 't1');
    source.emit('password is hunt');
    source.emit('er2-Secret, ok\r\n');
    source.emit('é€😀 tail hunter');
    source.end();
    expect(exited()).toBe(true);
    expect(received.join('')).toBe('password is ****, ok\r\né€😀 tail hunter');
  });

  it('a flushing interrupt drops the unsent backlog and asks the source to drop its own; a plain write drops nothing', async () => {
    const manager = new TerminalManager();
    const source = new TextSource();
    const { c, received } = client();
    manager.attach(c, source, 't2');
    source.emit('a'.repeat(OVER)); // over the high watermark: sent in events, source paused
    expect(source.paused).toBe(true);
    source.emit('b'.repeat(1000)); // waits for the batch timer
    manager.write('t2', 'ls');
    expect(source.written).toEqual(['ls']);
    expect(source.discarded).toBe(0);
    manager.write('t2', '\x03', true);
    expect(source.written).toEqual(['ls', '\x03']);
    expect(source.discarded).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(received.join('')).toBe('a'.repeat(OVER));
    // Everything sent is acknowledged: the source runs again, and what follows is delivered.
    manager.ack('t2', OVER);
    expect(source.paused).toBe(false);
    source.emit('^C\r\n$ ');
    source.end();
    expect(received.join('')).toBe('a'.repeat(OVER) + '^C\r\n$ ');
  });

  it('an interrupt while output floods drops the backlog even when the view kept up; outside a flood nothing is dropped', async () => {
    const manager = new TerminalManager();
    const source = new TextSource();
    const { c, received } = client();
    manager.attach(c, source, 't3');
    source.emit('q'.repeat(10)); // quiet: a prompt
    manager.write('t3', '\x03');
    expect(source.discarded).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    for (let i = 0; i < 10; i++) source.emit('f'.repeat(10_000)); // 100k in an instant: a flood
    manager.ack('t3', 100_010); // the view keeps up: never paused
    manager.write('t3', '\x03');
    expect(source.discarded).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    // Seven reads made full events and went out; the last three were waiting for the batch.
    expect(received.join('')).toBe('q'.repeat(10) + 'f'.repeat(70_000));
  });
});

describe('TerminalManager on a real PTY', () => {
  it('masks a secret a program prints in two pieces 300 ms apart (the held piece used to show after 50 ms)', async () => {
    const secrets = new SecretRegistry();
    secrets.add('AKIA-SPLIT-SECRET-42');
    const manager = new TerminalManager(secrets);
    const { c, received, exited } = client();
    const source = spawnLocalPty({ cols: 80, rows: 24, file: '/bin/bash', args: ['--norc', '--noprofile', '-c', "printf 'key=AKIA-SPL'; sleep 0.3; printf 'IT-SECRET-42\\n'; sleep 0.2; printf 'end\\n'"] });
    manager.attach(c, source, 'pty1');
    const deadline = Date.now() + 10_000;
    while (!exited() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const shown = received.join('');
    expect(shown).toContain(`key=${MASK}`);
    expect(shown).toContain('end');
    expect(shown).not.toContain('AKIA');
    expect(shown).not.toContain('SECRET-42');
  });
});
