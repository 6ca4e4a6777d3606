// The network a plan sets up, read from the plan itself: each jump server's forwarded ports (the
// `forward` actions) and the security-group rule to add (the `sg-rule` step's table). The wizard shows
// them on the Connectivity step, before the answers are complete: then the plan is built from what is
// given, with stand-ins for what is missing (reported as unknown: null hosts) and without the answers
// that are not valid yet, so what the user sees is what the plan will say.
import type { Network, NetworkForward, Plan } from '../../common/api/plan';
import { validateAnswers, type Problem } from '../../common/answers';
import { checkCidr, checkHost, checkIp } from '../../common/validate';
import { buildPlan, PlanError } from '../plan';
import type { Profile } from '../profiles';
import type { OutpostService } from './outpost';

type PortsOf = Pick<Profile, 'ports' | 'securityGroupDescription'>;

/** Forwards and the security-group rule of a plan (`profile`: the plan's profile, for port numbers and whose words the rule's description is). */
export function networkOf(plan: Plan, profile?: PortsOf): Omit<Network, 'complete'> {
  const order = (name: string) => profile?.ports.findIndex((p) => p.name === name) ?? -1;
  const forwards: Array<NetworkForward & { index: number }> = [];
  for (const s of plan.steps) {
    const a = s.action;
    const m = /^(?:jump|proxy)(\d+)$/.exec(s.on);
    if (a.kind !== 'forward' || !m) continue;
    for (const f of a.forwards) {
      const port = profile?.ports.find((p) => p.name === f.name)?.port ?? f.listenPort;
      forwards.push({ index: Number(m[1]), jump: `jump${m[1]}`, name: f.name, port, listenHost: f.listenHost, listenPort: f.listenPort, targetHost: f.targetHost, targetPort: f.targetPort, direction: a.direction });
    }
  }
  forwards.sort((x, y) => x.index - y.index || order(x.name) - order(y.name));
  const sg = plan.steps.find((s) => s.id === 'sg-rule')?.action;
  return {
    forwards: forwards.map(({ index: _index, ...f }) => f),
    securityGroup: sg?.kind === 'instruction' && sg.table ? { table: sg.table, ownDescription: Boolean(profile?.securityGroupDescription) } : null,
  };
}

// Stand-ins for answers not given yet (documentation addresses, RFC 5737): never shown, never run.
const standInJump = (i: number) => `192.0.2.${(i % 240) + 1}`;
const STAND_IN_ELB = '192.0.2.254';
const STAND_IN_CONNECTION = '192.0.2.253';
const STAND_IN_LOGIN = { host: '192.0.2.252', port: 22, user: 'root', agent: true };
const STAND_IN_SECRET = { stored: 'outpost.preview' };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ipOr = (v: unknown, standIn: string): string => (typeof v === 'string' && v.trim() && !checkIp(v.trim()) ? v.trim() : standIn);

interface Draft {
  answers: Record<string, unknown>;
  /** Jump servers whose private IP is a stand-in. */
  noListen: Set<number>;
  noElb: boolean;
}

/** The answers the network depends on, what is missing stood in for; the targets' addresses only; the package and options left out. */
function draftOf(a: Record<string, unknown>, c: Record<string, unknown>, profile: Profile): Draft {
  const remote = profile.ports.some((p) => p.direction === 'remote');
  const noListen = new Set<number>();
  const listed = Array.isArray(c.jumpServers) && c.jumpServers.length ? c.jumpServers : [{}];
  const jumpServers = listed.map((j: unknown, i) => {
    const privateIp = ipOr(isObj(j) ? j.privateIp : undefined, standInJump(i));
    if (privateIp === standInJump(i)) noListen.add(i);
    return { privateIp, ssh: STAND_IN_LOGIN, ...(remote ? { proxy: { ssh: STAND_IN_LOGIN } } : {}) };
  });
  const elbIp = ipOr(c.elbIp, STAND_IN_ELB);
  const allowFrom = Array.isArray(c.allowFrom) ? c.allowFrom.filter((x): x is string => typeof x === 'string' && !checkCidr(x)) : [];
  const connectivity = {
    mode: 'jump',
    jumpServers,
    elbIp,
    connectionIp: ipOr(c.connectionIp, STAND_IN_CONNECTION),
    tunnel: c.tunnel === 'vendor' ? 'vendor' : 'persistent',
    ...(isObj(c.portOverrides) ? { portOverrides: { ...c.portOverrides } } : {}),
    ...(allowFrom.length ? { allowFrom } : {}),
  };
  const keep = Object.fromEntries(['profile', 'os', 'region', 'obsDomain', 'credentials'].filter((k) => a[k] !== undefined).map((k) => [k, isObj(a[k]) ? { ...a[k] } : a[k]]));
  // A secret not given yet: a reference nothing resolves (a plan holds references only).
  const inputs: Record<string, unknown> = isObj(a.inputs) ? { ...a.inputs } : {};
  const given = { ...(isObj(a.credentials) ? a.credentials : {}), ...inputs };
  for (const i of profile.inputs) if (i.type === 'secret' && !isObj(given[i.name])) inputs[i.name] = STAND_IN_SECRET;
  // The rule's sources default to the targets' addresses: each target given an address counts.
  const targets = (Array.isArray(a.targets) ? a.targets : []).flatMap((t: unknown) => (isObj(t) && typeof t.host === 'string' && t.host.trim() && !checkHost(t.host.trim()) ? [{ ...STAND_IN_LOGIN, host: t.host.trim() }] : []));
  return { answers: { ...keep, inputs, connectivity, targets }, noListen, noElb: elbIp === STAND_IN_ELB };
}

/** Leaves out the answers a problem names when they are only in the way of a preview; false when a problem is about something the network needs. */
function dropProblems(answers: Record<string, unknown>, problems: readonly Problem[]): boolean {
  const c = answers.connectivity as Record<string, unknown>;
  let dropped = false;
  for (const p of problems) {
    const o = /^connectivity\.portOverrides\.(\d+)/.exec(p.path);
    const input = /^(inputs|credentials)\.([^.[]+)/.exec(p.path);
    if (o?.[1] && isObj(c.portOverrides) && o[1] in c.portOverrides) delete c.portOverrides[o[1]];
    else if (input?.[1] && input[2] && isObj(answers[input[1]])) delete (answers[input[1]] as Record<string, unknown>)[input[2]];
    else return false;
    dropped = true;
  }
  return dropped;
}

/** The plan of a draft: built with every input optional (the credentials come after the network); null when the network cannot be known yet. */
function draftPlan(d: Draft, profile: Profile, regions: ReturnType<OutpostService['regions']>): Plan | null {
  const lenient: Profile = { ...profile, inputs: profile.inputs.map((i) => ({ ...i, required: false })) };
  for (let attempt = 0; attempt < 4; attempt++) {
    const r = validateAnswers(d.answers);
    if (!r.ok) {
      if (!dropProblems(d.answers, r.problems)) return null;
      continue;
    }
    try {
      return buildPlan(r.answers, lenient, regions);
    } catch (err) {
      if (!(err instanceof PlanError) || !dropProblems(d.answers, err.problems)) return null;
    }
  }
  return null;
}

/**
 * The network of these answers' plan (`plan.network`): the plan's own when the answers are complete,
 * else the plan's from what is given so far (`complete: false`; hosts not given yet are null).
 */
export function planNetwork(service: OutpostService, answers: Record<string, unknown>): Network {
  const c = isObj(answers.connectivity) ? answers.connectivity : {};
  const none: Network = { forwards: [], securityGroup: null, complete: c.mode !== 'jump' };
  if (c.mode !== 'jump') return none;
  const profile = service.profiles().profiles.find((l) => l.profile.id === answers.profile)?.profile;
  if (!profile) return none;
  const regions = service.regions();
  const full = validateAnswers(answers);
  if (full.ok) {
    try {
      return { ...networkOf(buildPlan(full.answers, profile, regions), profile), complete: true };
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
    }
  }
  const d = draftOf(answers, c, profile);
  const plan = draftPlan(d, profile, regions);
  if (!plan) return none;
  const net = networkOf(plan, profile);
  const forwards = net.forwards.map((f) => {
    const i = Number(f.jump.slice('jump'.length));
    return { ...f, listenHost: d.noListen.has(i) && f.listenHost === standInJump(i) ? null : f.listenHost, targetHost: d.noElb && f.targetHost === STAND_IN_ELB ? null : f.targetHost };
  });
  return { forwards, securityGroup: net.securityGroup, complete: false };
}
