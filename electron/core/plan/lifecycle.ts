// After the install: the check and the uninstall of an installed fleet, as Plans derived from the
// install plan of the same answers (one engine: the same scheduler, host jobs, journal and report).
// - check: read-only. Each jump server: its tunnel's health, with the forward step's own guard (our
//   ssh, our key, carrying: actions/forward/health.ts), a failure said as a warning so the targets
//   behind it are still checked; each target: log in (host key verified), the profile's verify probes.
// - uninstall: each target: the profile's uninstall steps (phase remedy, id `uninstall` or
//   `uninstall-…`), then proof the agent is gone (the verify probes now fail: expect absent).
// - the tunnel's removal (uninstall --remove-tunnel): on each jump server, what the tunnel steps put
//   there, taken off again: the unit (or the background ssh), Outpost's authorized_keys line (only
//   that line, atomically, with a backup while the file is edited), the key files, Outpost's
//   known_hosts and log. A plan of its own: it runs only after every target was removed.
import type { Action, Plan, Probe, Step } from '../../common/api/plan';
import { processPattern } from '../actions/forward/run';
import { PlanError } from './build';
import { step } from './step';
import { keyComment, remoteHostKeyAlias, remoteKeyComment, tunnelIdentityFile, TUNNEL_HOSTKEY_ALIAS, TUNNEL_KNOWN_HOSTS } from './tunnel';

type ForwardAction = Extract<Action, { kind: 'forward' }>;

/** The uninstall steps of a profile: its remedy steps named `uninstall` or `uninstall-…`, in profile order. */
export const isUninstallStep = (s: Step): boolean => s.on === 'targets' && s.phase === 'remedy' && /^uninstall(-[A-Za-z0-9_.-]+)?$/.test(s.id);

const verifyStep = (plan: Plan): Step | undefined => plan.steps.find((s) => s.on === 'targets' && s.id === 'verify' && s.action.kind === 'probe');

const forwardSteps = (plan: Plan) => plan.steps.filter((s): s is Step & { action: ForwardAction } => s.action.kind === 'forward');

/** The read-only check of an installed fleet (`outpost check`). */
export function checkPlan(plan: Plan): Plan {
  const verify = verifyStep(plan);
  if (!verify) throw new PlanError([{ path: 'profile', message: `the profile ${plan.profile.id} has no verify probes for ${plan.os}: there is nothing to check an installed host with` }]);
  const steps: Step[] = [];
  for (const s of plan.steps) {
    if (s.phase === 'connect' && s.on !== 'console' && s.on !== 'local') steps.push(s);
    // The forward step's guard is "our tunnel, healthy": the same probes, read-only, here a verdict.
    if (s.action.kind === 'forward' && s.guard?.probes.length) {
      const host = /^jump\d+$|^proxy\d+$/.test(s.on) ? (plan.hosts.jumps.find((j) => j.id === s.on) ?? plan.hosts.proxies?.find((p) => p.id === s.on))?.label ?? s.on : s.on;
      steps.push(
        step({
          id: `check.${s.id}`,
          on: s.on,
          phase: 'verify',
          title: `Check the tunnel on ${host} (nothing is changed)`,
          titleKey: 'plan.step.checkTunnel',
          params: { host },
          action: { kind: 'probe', probes: s.guard.probes },
          warnOnly: true,
          description: "The tunnel's health as its install step judges it: every forward held by the tunnel's own ssh (the jump user's, this profile's key, the unit's process) and carrying. A broken tunnel is reported, and the hosts behind it are still checked: their state says the tunnel is the cause.",
        }),
      );
    }
  }
  steps.push({ ...verify, title: `Check that ${plan.profile.name} runs on the target (nothing is changed)` });
  return { ...plan, lifecycle: 'check', steps };
}

/**
 * A jump server's tunnel repaired, then proved (the Installed view's Repair; the ICAgent guide: "if the
 * jump server powers off and restarts, run the preceding command again"): the check of the hosts behind
 * it, with the jump server's tunnel steps of the install (guarded: a healthy tunnel is left alone) before
 * its tunnel's check. A host ends done only when its agent passes its checks through the tunnel again.
 */
export function repairPlan(plan: Plan): Plan {
  const check = checkPlan(plan);
  const tunnelSteps = plan.steps.filter((s) => s.phase === 'tunnel' && s.on !== 'targets' && s.on !== 'console' && s.on !== 'local');
  const steps: Step[] = [];
  for (const s of check.steps) {
    if (/^check\./.test(s.id)) steps.push(...tunnelSteps.filter((t) => t.on === s.on && !steps.includes(t)));
    steps.push(s);
  }
  return { ...check, lifecycle: 'repair', steps };
}

/** The uninstall of the targets (`outpost uninstall`, `outpost plan --uninstall`): the profile's uninstall steps, then proof. */
export function uninstallPlan(plan: Plan): Plan {
  const remove = plan.steps.filter(isUninstallStep);
  if (!remove.length) throw new PlanError([{ path: 'profile', message: `the profile ${plan.profile.id} has no uninstall step for ${plan.os} (a step with phase: remedy and id: uninstall, see PROFILES.md)` }]);
  const verify = verifyStep(plan);
  const probes: Probe[] = verify?.action.kind === 'probe' ? verify.action.probes.filter((p) => p.kind !== 'tunnelTraffic') : [];
  if (!probes.length) throw new PlanError([{ path: 'profile', message: `the profile ${plan.profile.id} has no verify probes for ${plan.os}: nothing could prove the agent gone after the uninstall` }]);
  const steps: Step[] = plan.steps.filter((s) => s.phase === 'connect' && s.on !== 'console' && s.on !== 'local');
  // Each uninstall step's failure is a warning: the proof after it decides (an agent already gone
  // makes a vendor's uninstall script fail, and is removed all the same).
  for (const s of remove) steps.push({ ...s, optional: false, warnOnly: true });
  steps.push(
    step({
      id: 'verify.removed',
      on: 'targets',
      phase: 'verify',
      title: `Check that ${plan.profile.name} is gone from the target`,
      titleKey: 'plan.step.verifyRemoved',
      params: { agent: plan.profile.name },
      action: { kind: 'probe', probes, expect: 'absent' },
      description: "The profile's verify probes, turned round: the host counts as removed only when every one of them now fails there.",
    }),
  );
  return { ...plan, lifecycle: 'uninstall', steps };
}

const sh = (op: string): Action => ({ kind: 'exec', shell: 'bash', command: [{ op }], success: { exitCode: 0 }, failureMarkers: ['OUTPOST_FAIL'], timeoutSec: 60, interactive: false, root: false, diagnosis: [] });

/** Single-quoted for bash (the words here are Outpost's own: ids, fixed paths, a regex). */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Takes Outpost's line (ending in `comment`) out of this user's authorized_keys: only it, atomically, the rest byte for byte. */
export function dropKeyLineScript(comment: string): string {
  return [
    'set -e; umask 077; cd "$HOME"',
    `c=${q(comment)}; a=.ssh/authorized_keys`,
    'if [ -f "$a" ] && grep -q -- " $c$" "$a"; then',
    '  cp -p "$a" "$a.outpost-backup"; t=$(mktemp "$a.XXXXXX")',
    '  awk -v c=" $c" \'{ n = length($0); if (n >= length(c) && substr($0, n - length(c) + 1) == c) next; print }\' "$a" > "$t"',
    // Every other line kept: only then does the new file replace the original (the backup goes after).
    '  if [ "$(grep -v -c -- " $c$" "$a" || true)" != "$(wc -l < "$t" | tr -d " ")" ]; then rm -f "$t"; echo "OUTPOST_FAIL authorized_keys changed while it was edited: left as it was (backup: ~/$a.outpost-backup)"; exit 1; fi',
    '  chmod 600 "$t"; mv -f "$t" "$a"; rm -f "$a.outpost-backup"; echo "authorized_keys: Outpost\'s line $c removed, other lines kept"',
    'else rm -f "$a.outpost-backup"; echo "authorized_keys: no line of Outpost\'s ($c)"; fi',
  ].join('\n');
}

/** Stops one tunnel (its unit, or this user's background ssh) and removes its files where its ssh runs. */
export function stopTunnelScript(profileId: string, a: ForwardAction, hostKeyAlias: string): string {
  const unit = a.unitName;
  const key = tunnelIdentityFile(profileId).replace(/^%h\//, '');
  const kh = TUNNEL_KNOWN_HOSTS.replace(/^%h\//, '');
  const log = `.outpost/${unit.replace(/\.service$/, '')}.log`;
  return [
    'set -e; umask 077; cd "$HOME"',
    `unit=${q(unit)}`,
    // The unit, system or user, where systemd runs; the background ssh where it does not. Only this user's.
    'if [ -d /run/systemd/system ]; then',
    '  if [ "$(id -u)" = 0 ]; then systemctl disable --now "$unit" >/dev/null 2>&1 || true; if [ -e "/etc/systemd/system/$unit" ]; then rm -f "/etc/systemd/system/$unit"; systemctl daemon-reload || true; echo "unit removed: /etc/systemd/system/$unit"; fi',
    '  else systemctl --user disable --now "$unit" >/dev/null 2>&1 || true; if [ -e ".config/systemd/user/$unit" ]; then rm -f ".config/systemd/user/$unit"; systemctl --user daemon-reload || true; echo "unit removed: ~/.config/systemd/user/$unit"; fi; fi',
    'fi',
    `if pkill -u "$(id -u)" -f -- ${q(processPattern(a))} 2>/dev/null; then echo "tunnel ssh stopped"; fi`,
    `rm -f ${q(key)} ${q(`${key}.pub`)} ${q(log)}`,
    // Outpost's own known_hosts: its alias line; the file and folder go when nothing else is in them.
    `f=${q(kh)}; if [ -f "$f" ]; then t=$(mktemp "$f.XXXXXX"); awk -v n=${q(hostKeyAlias)} '$1 != n' "$f" > "$t"; if [ -s "$t" ]; then mv -f "$t" "$f"; else rm -f "$t" "$f"; fi; fi`,
    'rmdir .outpost 2>/dev/null || true',
    'rmdir .config/systemd/user/default.target.wants .config/systemd/user .config/systemd 2>/dev/null || true',
    'echo "tunnel stopped, its files removed"',
  ].join('\n');
}

/** The tunnel's removal on each jump server (and its proxy) (`outpost uninstall --remove-tunnel`): no target. */
export function untunnelPlan(plan: Plan): Plan {
  const steps: Step[] = [];
  const connect = (on: string) => plan.steps.find((s) => s.id === (on === 'targets' ? 'connect' : `connect.${on}`));
  for (const j of plan.hosts.jumps) {
    const proxy = plan.hosts.proxies?.find((p) => p.index === j.index);
    const local = forwardSteps(plan).filter((s) => s.on === j.id && s.action.direction === 'local');
    const remote = proxy ? forwardSteps(plan).filter((s) => s.on === proxy.id && s.action.direction === 'remote') : [];
    if (!local.length && !remote.length) continue;
    for (const on of [j.id, ...(remote.length && proxy ? [proxy.id] : [])]) {
      const c = connect(on);
      if (c) steps.push(c);
    }
    const mk = (id: string, on: string, host: string, title: string, script: string, display: string, description: string) =>
      step({ id, on, phase: 'tunnel', title, titleKey: 'plan.step.untunnel', params: { host }, action: sh(script), display, description });
    for (const f of remote) {
      if (!proxy) continue;
      steps.push(
        mk(`untunnel.${proxy.id}`, proxy.id, proxy.label, `Remove Outpost's remote tunnel into ${j.label} from ${proxy.label}`, stopTunnelScript(plan.profile.id, f.action, remoteHostKeyAlias(j.id)), `stop and remove ${f.action.unitName} (or the background ssh); remove the tunnel key, Outpost's known_hosts line and log`, `Takes off the proxy what the remote tunnel steps put there: the unit (system or user) or this user's tunnel ssh, the key files, the ${remoteHostKeyAlias(j.id)} line of ~/.outpost/known_hosts and the log; empty folders Outpost made go too.`),
        mk(`untunnel.${j.id}.rkey`, j.id, j.label, `Remove the remote tunnel's key line from authorized_keys on ${j.label}`, dropKeyLineScript(remoteKeyComment(plan.profile.id)), `remove the authorized_keys line ending in "${remoteKeyComment(plan.profile.id)}" (atomically, backup while edited)`, 'Only that line; the other lines are kept byte for byte; a backup exists while the file is edited and goes once the new file is in place.'),
      );
    }
    for (const f of local) {
      steps.push(
        mk(
          `untunnel.${j.id}`,
          j.id,
          j.label,
          `Remove Outpost's tunnel from ${j.label}`,
          `${stopTunnelScript(plan.profile.id, f.action, TUNNEL_HOSTKEY_ALIAS)}\n${dropKeyLineScript(keyComment(plan.profile.id))}`,
          `stop and remove ${f.action.unitName} (or the background ssh); remove the authorized_keys line ending in "${keyComment(plan.profile.id)}" (atomically, backup while edited); remove the tunnel key, Outpost's known_hosts line and log`,
          `Takes off what the tunnel steps put on the jump server, nothing else: the unit (system or user) or this user's tunnel ssh, the line of ${keyComment(plan.profile.id)} in authorized_keys (other lines kept byte for byte; a backup exists while the file is edited and goes once the new file is in place), the key files, the ${TUNNEL_HOSTKEY_ALIAS} line of ~/.outpost/known_hosts and the tunnel's log; empty folders Outpost made go too. Lingering (user units) is left as it is.`,
        ),
      );
    }
  }
  if (!steps.some((s) => s.id.startsWith('untunnel.'))) throw new PlanError([{ path: 'connectivity', message: 'these answers set up no tunnel (jump mode with forwarded ports): there is no tunnel to remove' }]);
  return { ...plan, lifecycle: 'uninstall', hosts: { ...plan.hosts, targets: [], thisComputer: false }, steps };
}
