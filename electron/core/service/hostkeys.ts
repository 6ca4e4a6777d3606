// Host key questions from runs, answered by the user: the run waits on a promise, the UI gets a
// hostkey.unknown event and answers with hostkey.decide. Unanswered questions end as "reject".
import { randomUUID } from 'node:crypto';
import type { Plan } from '../../common/api/plan';
import type { HostKeyRole } from '../../common/api/run';
import type { HostKeyInfo, HostKeyPolicy } from '../ssh';

export interface HostKeyAsker {
  emit(payload: { requestId: string; runId: string; host: string; port: number; keyType: string; fingerprint: string; via?: string; role?: HostKeyRole; name?: string }): void;
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

/**
 * Which of a plan's machines presents a host key, as the dialog names it: a target by its CSV name (else
 * user@host:port, as the batch view does), a jump server, its proxy or the seed by their login. Nothing
 * when the address is none of them (a key asked about outside a plan's hosts).
 */
export function keyOwner(plan: Plan, host: string, port: number): { role?: HostKeyRole; name?: string } {
  const at = (s: { ssh: { host: string; port: number } }) => s.ssh.host === host && s.ssh.port === port;
  // user@host:port: the role says what it is, in the UI's language (a plan's labels are English).
  const login = (s: { ssh: { host: string; port: number; user: string } }) => `${s.ssh.user}@${s.ssh.host.includes(':') ? `[${s.ssh.host}]` : s.ssh.host}:${s.ssh.port}`;
  const j = plan.hosts.jumps.find(at);
  if (j) return { role: 'jump', name: login(j) };
  const p = plan.hosts.proxies?.find(at);
  if (p) return { role: 'proxy', name: login(p) };
  if (plan.hosts.seed && at(plan.hosts.seed)) return { role: 'seed', name: plan.hosts.seed.name?.trim() || login(plan.hosts.seed) };
  const t = plan.hosts.targets.find(at);
  if (t) return { role: 'target', name: t.name?.trim() ? t.name : login(t) };
  return {};
}
