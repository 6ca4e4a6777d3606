// TerminalManager with the real secrets registry: a secret split across two reads of the source is
// still masked, and nothing is lost or reordered on the way to the client.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../electron/core/api/dispatcher';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { TerminalManager } from '../../../electron/core/terminal/manager';
import type { TerminalSource } from '../../../electron/core/terminal/source';

class TextSource implements TerminalSource {
  readonly label = 'text';
  private data: Array<(t: string) => void> = [];
  private exit: Array<(e: { exitCode: number | null; signal: number | null }) => void> = [];
  write(): void {}
  resize(): void {}
  pause(): void {}
  resume(): void {}
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
});
