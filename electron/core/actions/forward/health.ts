// What makes a tunnel ours and healthy, from its forward action: the same words for the tunnel step
// (after it starts the tunnel), its guard (tunnelHealthy: keep a healthy tunnel) and the playbook.
import type { Action, Probe } from '../../../common/api/plan';
import { forwardSpec } from '../../../common/forward';
import type { PortCheckOptions } from '../probe/ports';

type ForwardAction = Extract<Action, { kind: 'forward' }>;

/**
 * The argv pairs only our tunnel's ssh has: every forward, and for the persistent forms the
 * profile's own key (the vendor's one-off command has no key of ours).
 */
export function holderArgv(a: Pick<ForwardAction, 'forwards' | 'form' | 'identityFile' | 'direction'>): string[] {
  const flag = a.direction === 'remote' ? '-R' : '-L';
  return [...a.forwards.map((f) => `${flag} ${forwardSpec(f)}`), ...(a.form === 'persistent' ? [`-i ${a.identityFile}`] : [])];
}

/** How the ports of this tunnel are checked where they listen (the jump server): who may hold them. */
export function holdOf(a: Pick<ForwardAction, 'forwards' | 'form' | 'identityFile' | 'direction' | 'unitName'>): Omit<PortCheckOptions, 'carry' | 'verdict'> {
  // A remote forward listens in the jump server's sshd, a session of the login user whose process
  // that user cannot see: the socket's owner is the evidence there.
  if (a.direction === 'remote') return { forwards: a.forwards, hold: 'user' };
  return { forwards: a.forwards, hold: 'tunnel', argv: holderArgv(a), ...(a.form === 'persistent' ? { unit: a.unitName } : {}) };
}

/** The guard of the tunnel steps: every forward held by the tunnel's ssh, and carrying. */
export function healthProbe(a: ForwardAction): Extract<Probe, { kind: 'tunnelHealthy' }> {
  return { kind: 'tunnelHealthy', forwards: a.forwards, argv: holderArgv(a), ...(a.form === 'persistent' ? { unit: a.unitName } : {}) };
}
