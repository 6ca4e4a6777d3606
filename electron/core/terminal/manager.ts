// Owns every open terminal: wires a source to its client through flow control, and closes the
// terminals of a client that goes away. The runner attaches SSH channels here the same way.
import { randomUUID } from 'node:crypto';
import type { Client } from '../client';
import { OutpostError } from '../errors';
import { INTERRUPT_CHARS } from '../../common/terminal-flow';
import { FlowController } from './flow';
import type { TerminalSource } from './source';

/**
 * What the manager needs of the secrets registry: `redact(text)` for whole texts and, where the
 * registry offers it, `stream()` — a redactor for one stream of output that holds back a tail that
 * could still be the start of a secret, so a secret split across two reads is masked too.
 */
export interface TerminalRedactor {
  redact(text: string): string;
  stream?(opts: { onFlush?: (text: string) => void }): { push(chunk: string): string; flush(): string; dispose(): void };
}

interface Entry {
  id: string;
  client: Client;
  source: TerminalSource;
  flow: FlowController;
  stream: { dispose(): void } | undefined;
}

export class TerminalManager {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly secrets?: TerminalRedactor) {}

  attach(client: Client, source: TerminalSource, id: string = randomUUID()): string {
    const flow = new FlowController(source, (data) => client.emit('terminal.data', { id, data }));
    // Secrets typed by the user or echoed by a host are masked on the way out like everywhere else,
    // across chunk boundaries where the registry can stream: a tail that could still be the start of a
    // secret waits for the next output or the end, however long that takes (released on a timer, a
    // secret typed in two pieces showed). `onFlush` only gets what stopped being such a tail.
    const secrets = this.secrets;
    const stream = secrets?.stream?.({ onFlush: (t) => flow.push(t) });
    const redact = stream ? (t: string) => stream.push(t) : secrets ? (t: string) => secrets.redact(t) : (t: string) => t;
    this.entries.set(id, { id, client, source, flow, stream });
    source.onData((text) => flow.push(redact(text)));
    source.onExit(({ exitCode, signal }) => {
      if (stream) flow.push(stream.flush());
      flow.flush();
      flow.dispose();
      stream?.dispose();
      this.entries.delete(id);
      client.emit('terminal.exit', { id, exitCode, signal });
    });
    client.onClose(() => this.close(id));
    return id;
  }

  private get(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new OutpostError('terminal_not_found', `Terminal ${id} is not open.`, 'Open a new terminal.');
    return e;
  }

  /**
   * Input from the view. An interrupt (INTERRUPT_CHARS) typed during a flood drops the output queued
   * ahead of it, here and in the source (see FLOW's comment), so the prompt comes back at once instead
   * of after the backlog: when the view says so (`flush`: it dropped its own queue, and the answer to
   * this write marks the end of what it drops), or when the output is flooding here (the view kept up
   * but the backlog is on this side, e.g. an SSH channel's window).
   */
  write(id: string, data: string, flush = false): void {
    const e = this.get(id);
    e.source.write(data);
    if (flush || (e.flow.flooding && INTERRUPT_CHARS.test(data))) {
      e.source.discardQueued?.(data);
      e.flow.interrupt();
    }
  }
  resize(id: string, cols: number, rows: number): void {
    this.get(id).source.resize(cols, rows);
  }
  ack(id: string, chars: number): void {
    this.entries.get(id)?.flow.ack(chars);
  }
  close(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.flow.dispose();
    e.stream?.dispose();
    e.source.kill();
  }
  closeAll(): void {
    for (const id of [...this.entries.keys()]) this.close(id);
  }
  get size(): number {
    return this.entries.size;
  }
}
