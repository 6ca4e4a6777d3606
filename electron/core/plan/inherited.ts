// The vendor's inherited installation as a Plan: a host that already runs the agent (the seed, reached
// like a target of the answers: their jump server and login) installs it on the listed hosts with its
// own script. Every step is in the plan, so `outpost plan` shows it, the journal names it and the same
// engine runs it: log in to the seed, check the script is there, write the list there (0600, removed
// after the script whatever happened), run the script in a PTY answering its password question from a
// secret, then one step per listed host that passes only on the script's line confirming that host.
import type { Answers } from './answers';
import type { Piece, Plan, PromptAnswer, SecretPiece, SecretRef, Step, TargetHost } from '../../common/api/plan';
import { bracket } from '../../common/forward';
import { inLang, type Profile } from '../profiles/schema';
import { buildPlan, PlanError } from './build';
import { step } from './step';
import { INHERITED_PORT, INHERITED_USER } from './iplist';
import type { RegionInfo } from './regions';

export interface InheritedHost {
  ip: string;
  name?: string | undefined;
  /** Absent: the script uses the default password it asks for. */
  password?: SecretRef | undefined;
}

export interface InheritedInput {
  answers: Answers;
  profile: Profile;
  regions: readonly RegionInfo[];
  seed: { user: string; host: string; port: number };
  hosts: readonly InheritedHost[];
  /** Typed at the script's default-password question (absent: Enter). */
  defaultPassword?: SecretRef | undefined;
}

/** The seed as a target of the answers: their jump server, and the login of the answers' target with that address (else the first). */
function seedAnswers(i: InheritedInput): Answers {
  const { answers, seed } = i;
  // Answers that name the seed (inheritFrom) give its login; else the answers' target with that address.
  const same = answers.inheritFrom ?? answers.targets.find((t) => t.host === seed.host && t.port === seed.port && t.user === seed.user) ?? answers.targets.find((t) => t.host === seed.host);
  const model = same ?? answers.targets[0];
  const auth = model?.password ? { password: model.password } : model?.privateKey ? { privateKey: model.privateKey } : { agent: true as const };
  const { thisComputer: _local, package: _pkg, inheritFrom: _inh, ...rest } = answers;
  void _local;
  void _pkg;
  void _inh;
  return { ...rest, targets: [{ host: seed.host, port: seed.port, user: seed.user, ...auth, ...(typeof same?.jump === 'number' ? { jump: same.jump } : {}) }] };
}

const secret = (ref: SecretRef, name: string): SecretPiece => ({ secret: ref, name });

function seedSteps(i: InheritedInput, seedLabel: string): Step[] {
  const inh = i.profile.inherited;
  if (!inh) throw new PlanError([{ path: 'profile', message: `${i.profile.id} (${i.profile.name}) has no \`inherited\` section: it does not describe an inherited installation` }]);
  const one = i.hosts.length === 1 ? i.hosts[0] : undefined;
  const single = Boolean(one && inh.ipFlag && inh.promptPassword && inh.singleDone);
  const answer = (ref: SecretRef | undefined, name: string, pattern: string, max: number): PromptAnswer => ({ pattern, answer: ref ? secret(ref, name) : '', max });
  const steps: Step[] = [
    step({ id: 'inherited-connect', on: 'seed', phase: 'connect', title: `Connect to the host that has the agent, ${seedLabel}`, titleKey: 'plan.step.connect', params: { host: seedLabel }, action: { kind: 'probe', probes: [{ kind: 'login' }] }, description: 'SSH login through the answers\' jump server; host keys verified.' }),
    step({
      id: 'inherited-check',
      on: 'seed',
      phase: 'preflight',
      title: inh.package ? `Check that the vendor's installer ${inh.script} and the package ${inh.package} are on that host` : `Check that the vendor's installer ${inh.script} is on that host`,
      action: {
        kind: 'exec',
        shell: 'sh',
        command: [
          { op: 'set --' },
          inh.script,
          ...(inh.package ? [inh.package] : []),
          { op: '; if [ -f "$1" ]; then echo "found $1"; else echo "OUTPOST_FAIL this host has no $1: is the agent installed here?"; exit 1; fi; if [ -n "${2:-}" ]; then if [ -s "$2" ]; then echo "found $2"; else echo "OUTPOST_FAIL this host has no $2 (or it is empty): the vendor\'s script installs the others from it; put the agent package there first"; exit 1; fi; fi' },
        ],
        success: { exitCode: 0 },
        failureMarkers: ['OUTPOST_FAIL'],
        timeoutSec: 30,
        interactive: false,
        root: false,
        diagnosis: [],
      },
      description: 'Read-only, before anything runs: the host that installs the others must already have the agent, its installer and the package the installer sends.',
    }),
  ];
  if (!single) {
    const content: Array<string | SecretPiece> = i.hosts.flatMap((h, n) => (h.password ? [`${h.ip} `, secret(h.password, `hosts[${n}].password`), '\n'] : [`${h.ip}\n`]));
    steps.push(step({ id: 'inherited-upload', on: 'seed', phase: 'transfer', title: `Write the host list to ${inh.listPath} (mode 0600, removed after the installer)`, action: { kind: 'writeFile', path: inh.listPath, content, mode: 0o600, transient: true, escape: 'none', root: false }, description: "The vendor's iplist.cfg: `IP [password]` per line. It holds passwords: written 0600 and removed after the next step whatever happened." }));
  }
  const command: Piece[] = ['bash', inh.script, ...(single && one ? [inh.ipFlag ?? '-ip', one.ip] : [inh.batchFlag, inh.listPath])];
  const respond = single && one ? [answer(one.password ?? i.defaultPassword, 'hosts[0].password', inh.promptPassword ?? '', 3)] : [answer(i.defaultPassword, 'defaultPassword', inh.promptDefaultPassword, 1)];
  steps.push(
    step({
      id: 'inherited-run',
      on: 'seed',
      phase: 'install',
      title: `Run the vendor's installer on that host for ${i.hosts.length} host(s)`,
      action: {
        kind: 'exec',
        shell: 'bash',
        command,
        success: {},
        failureMarkers: [],
        timeoutSec: inh.timeoutSec,
        interactive: true,
        root: false,
        diagnosis: [],
        respond,
        confirms: { hostDone: inh.hostDone, ...(inh.singleDone ? { singleDone: inh.singleDone } : {}), ...(inh.finished ? { finished: inh.finished } : {}), ...(single && one ? { single: one.ip } : {}) },
      },
      description: `In a PTY; its password question is answered from a secret, typed, never on a command line. ${inLang(inh.constraint)}`.trim(),
    }),
  );
  return steps;
}

/** The plan of an inherited installation (throws PlanError naming what is wrong). */
export function buildInheritedPlan(i: InheritedInput): Plan {
  if (i.answers.os !== 'linux') throw new PlanError([{ path: 'os', message: `the inherited installation runs on Linux hosts; the answers say ${i.answers.os}` }]);
  if (!i.hosts.length) throw new PlanError([{ path: 'hosts', message: 'lists no host' }]);
  const base = buildPlan(seedAnswers(i), i.profile, i.regions);
  const at = base.hosts.targets[0];
  if (!at) throw new PlanError([{ path: 'targets', message: 'the answers give no way to reach that host' }]);
  const seedLabel = `${i.seed.user}@${bracket(i.seed.host)}:${i.seed.port}`;
  const seed: TargetHost = { ...at, id: 'seed', label: `the host that has the agent (${seedLabel})` };
  const targets: TargetHost[] = i.hosts.map((h, index) => ({
    id: `target${index}`,
    index,
    label: `${h.name ?? `host ${index + 1}`} (${INHERITED_USER}@${bracket(h.ip)}:${INHERITED_PORT})`,
    ...(h.name ? { name: h.name } : {}),
    ssh: { host: h.ip, port: INHERITED_PORT, user: INHERITED_USER, auth: h.password ?? i.defaultPassword ? { kind: 'password', password: (h.password ?? i.defaultPassword) as SecretRef } : { kind: 'agent' } },
    via: null,
    by: 'seed',
  }));
  const confirm = step({
    id: 'inherited-install',
    on: 'targets',
    phase: 'verify',
    title: 'Check that the installer confirmed this host',
    action: { kind: 'probe', probes: [{ kind: 'confirmed', step: 'inherited-run', address: '{host.address}' }] },
    description: `Done only on the installer's own line for this host (${i.profile.inherited?.hostDone ?? ''}); its last line only means its loop ended.`,
  });
  const jumpConnects = base.steps.filter((s) => /^connect\.jump\d+$/.test(s.id));
  const constraint = inLang(i.profile.inherited?.constraint);
  return {
    ...base,
    hosts: { jumps: base.hosts.jumps.filter((j) => j.id === at.via), targets, seed, thisComputer: false },
    steps: [...jumpConnects.filter((s) => s.on === at.via), ...seedSteps(i, seedLabel), confirm],
    warnings: constraint ? [constraint] : [],
    warningParts: constraint ? [null] : [],
  };
}

/** The inherited plan the answers describe (`inheritFrom`): the targets are the hosts the seed's script installs. */
export function inheritedFromAnswers(answers: Answers, profile: Profile, regions: readonly RegionInfo[]): Plan {
  const from = answers.inheritFrom;
  if (!from) throw new PlanError([{ path: 'inheritFrom', message: 'is required' }]);
  const wrong = answers.targets.findIndex((t) => t.port !== INHERITED_PORT || t.user !== INHERITED_USER);
  if (wrong >= 0) throw new PlanError([{ path: `targets[${wrong}]`, message: `the vendor's script logs in as ${INHERITED_USER} on port ${INHERITED_PORT}: give that user and port (or install this host without inheritFrom)` }]);
  const bad = answers.targets.findIndex((t) => t.privateKey !== undefined || t.agent !== undefined);
  if (bad >= 0) throw new PlanError([{ path: `targets[${bad}]`, message: "the vendor's script logs in with a password: give this host's password (or none, for the default password)" }]);
  return buildInheritedPlan({
    answers,
    profile,
    regions,
    seed: { user: from.user, host: from.host, port: from.port },
    hosts: answers.targets.map((t) => ({ ip: t.host, ...(t.name ? { name: t.name } : {}), ...(t.password ? { password: t.password } : {}) })),
  });
}
