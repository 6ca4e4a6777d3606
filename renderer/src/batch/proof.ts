// Live proof per host, as cloud consoles show it: "waiting for the agent…" while the host's verify
// probes run, then "first heartbeat seen" on their pass (the evidence: the last check that passed, the
// strongest of a profile's verify list, e.g. the agent's connections to the collector), or "no heartbeat"
// when they fail. Read from the run's own per-host step events, never guessed from the run's outcome.
import type { CheckResult, StepStatus } from '../../../electron/common/api';

export type Proof = 'waiting' | 'seen' | 'missing';

/** The verify steps of a plan that prove an agent runs (an uninstall's "removed" check proves the opposite). */
export function proofStepIds(steps: ReadonlyArray<{ id: string; phase: string; on: string }> | undefined): string[] {
  const ids = (steps ?? []).filter((s) => s.phase === 'verify' && s.on === 'targets' && !s.id.endsWith('.removed')).map((s) => s.id);
  return ids.length ? ids : ['verify'];
}

export function proofOf(status: StepStatus, checks: readonly CheckResult[] | undefined): { proof: Proof; evidence: string } | null {
  const passed = (checks ?? []).filter((c) => c.status === 'pass');
  const failed = (checks ?? []).find((c) => c.status === 'fail');
  const line = (c: CheckResult | undefined) => (c ? `${c.name}: ${c.detail}`.trim() : '');
  if (status === 'running') return { proof: 'waiting', evidence: '' };
  if (status === 'done') return { proof: 'seen', evidence: line(passed.at(-1)) };
  if (status === 'warning') return failed || !passed.length ? { proof: 'missing', evidence: line(failed ?? checks?.find((c) => c.status === 'warn')) } : { proof: 'seen', evidence: line(passed.at(-1)) };
  if (status === 'failed') return { proof: 'missing', evidence: line(failed) };
  return null;
}
