// Every secret a plan needs, checked before anything runs (CLI: exit 2 when one is missing), each named
// by where the answers hold it and where its value comes from — never the value.
import type { AuthInfo, Plan, SecretRef } from '../../common/api/plan';
import { describeRef, secretRefs, type SecretResolver } from '../render';

export function missingSecrets(plan: Plan, resolver: SecretResolver): string[] {
  const refs: Array<{ name: string; ref: SecretRef; pattern?: string | undefined; hint?: string | undefined }> = [];
  for (const s of plan.steps) for (const p of secretRefs(s)) refs.push({ name: p.name, ref: p.secret, pattern: p.pattern, hint: p.patternHint });
  const auth = (a: AuthInfo, name: string) => {
    if (a.kind === 'password') refs.push({ name: `${name}.password`, ref: a.password });
    if (a.kind === 'privateKey' && a.passphrase) refs.push({ name: `${name}.privateKey.passphrase`, ref: a.passphrase });
  };
  plan.hosts.jumps.forEach((j) => auth(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`));
  plan.hosts.proxies?.forEach((p) => auth(p.ssh.auth, `connectivity.jumpServers[${p.index}].proxy.ssh`));
  plan.hosts.targets.forEach((t) => auth(t.ssh.auth, `targets[${t.index}]`));
  const seen = new Set<string>();
  return refs
    .flatMap((r) => {
      let v: string | undefined;
      try {
        v = resolver(r.ref);
      } catch {
        v = undefined;
      }
      if (v === undefined || v === '') return [`${r.name}: the ${describeRef(r.ref)} is not set`];
      // The profile's pattern holds for a secret too, checked here, before anything connects; the
      // message names the input and where the value came from, never the value.
      if (r.pattern !== undefined && !new RegExp(r.pattern).test(v.trim())) return [`${r.name}: the value of the ${describeRef(r.ref)} does not match the input's pattern${r.hint ? ` (${r.hint})` : ''}`];
      return [];
    })
    .filter((m) => (seen.has(m) ? false : (seen.add(m), true)));
}
