// Every secret a plan needs, checked before anything runs (CLI: exit 2 when one is missing), each named
// by where the answers hold it and where its value comes from — never the value.
import type { AuthInfo, Plan, SecretRef } from '../../common/api/plan';
import { describeRef, secretRefs, type SecretResolver } from '../render';

export function missingSecrets(plan: Plan, resolver: SecretResolver): string[] {
  const refs: Array<{ name: string; ref: SecretRef }> = [];
  for (const s of plan.steps) for (const p of secretRefs(s)) refs.push({ name: p.name, ref: p.secret });
  const auth = (a: AuthInfo, name: string) => {
    if (a.kind === 'password') refs.push({ name: `${name}.password`, ref: a.password });
    if (a.kind === 'privateKey' && a.passphrase) refs.push({ name: `${name}.privateKey.passphrase`, ref: a.passphrase });
  };
  plan.hosts.jumps.forEach((j) => auth(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`));
  plan.hosts.proxies?.forEach((p) => auth(p.ssh.auth, `connectivity.jumpServers[${p.index}].proxy.ssh`));
  plan.hosts.targets.forEach((t) => auth(t.ssh.auth, `targets[${t.index}]`));
  const seen = new Set<string>();
  return refs
    .filter((r) => {
      let v: string | undefined;
      try {
        v = resolver(r.ref);
      } catch {
        v = undefined;
      }
      return v === undefined || v === '';
    })
    .map((r) => `${r.name}: the ${describeRef(r.ref)} is not set`)
    .filter((m) => (seen.has(m) ? false : (seen.add(m), true)));
}
