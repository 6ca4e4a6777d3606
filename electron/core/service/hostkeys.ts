// Host key questions from runs, answered by the user: the run waits on a promise, the UI gets a
// hostkey.unknown event and answers with hostkey.decide. Unanswered questions end as "reject".
import { randomUUID } from 'node:crypto';
import type { HostKeyInfo, HostKeyPolicy } from '../ssh';

export interface HostKeyAsker {
  emit(payload: { requestId: string; runId: string; host: string; port: number; keyType: string; fingerprint: string; via?: string }): void;
}

export class HostKeyBroker {
  private readonly pending = new Map<string, { resolve: (d: 'accept' | 'reject') => void; runId: string; timer: ReturnType<typeof setTimeout> }>();
  constructor(private readonly timeoutMs = 10 * 60_000) {}

  policy(runId: string, asker: HostKeyAsker, opts: { acceptNew: boolean }): HostKeyPolicy {
    return (info: HostKeyInfo) => {
      if (opts.acceptNew) return Promise.resolve('accept');
      return new Promise((resolve) => {
        const requestId = randomUUID();
        const timer = setTimeout(() => this.decide(requestId, 'reject'), this.timeoutMs);
        this.pending.set(requestId, { resolve, runId, timer });
        asker.emit({ requestId, runId, host: info.host, port: info.port, keyType: info.keyType, fingerprint: info.fingerprint, ...(info.via ? { via: info.via } : {}) });
      });
    };
  }

  decide(requestId: string, decision: 'accept' | 'reject'): boolean {
    const p = this.pending.get(requestId);
    if (!p) return false;
    this.pending.delete(requestId);
    clearTimeout(p.timer);
    p.resolve(decision);
    return true;
  }

  /** A cancelled run's open questions are rejected. */
  rejectRun(runId: string): void {
    for (const [id, p] of [...this.pending]) if (p.runId === runId) this.decide(id, 'reject');
  }
}
