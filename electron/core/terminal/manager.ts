// Owns every open terminal: wires a source to its client through flow control, and closes the
// terminals of a client that goes away. The runner attaches SSH channels here the same way.
import { randomUUID } from 'node:crypto';
import type { Client } from '../api/dispatcher';
import { OutpostError } from '../errors';
import type { SecretRegistry } from '../secrets/registry';
import { FlowController } from './flow';
import type { TerminalSource } from './source';

interface Entry {
  id: string;
  client: Client;
  source: TerminalSource;
  flow: FlowController;
}

export class TerminalManager {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly secrets?: SecretRegistry) {}

  attach(client: Client, source: TerminalSource, id: string = randomUUID()): string {
    const flow = new FlowController(source, (data) => client.emit('terminal.data', { id, data }));
    const entry: Entry = { id, client, source, flow };
    this.entries.set(id, entry);
    // Secrets typed by the user or echoed by a host are masked on the way out like everywhere else.
    source.onData((text) => flow.push(this.secrets ? this.secrets.redact(text) : text));
    source.onExit(({ exitCode, signal }) => {
      flow.flush();
      flow.dispose();
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

  write(id: string, data: string): void {
    this.get(id).source.write(data);
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
    e.source.kill();
  }
  closeAll(): void {
    for (const id of [...this.entries.keys()]) this.close(id);
  }
  get size(): number {
    return this.entries.size;
  }
}
