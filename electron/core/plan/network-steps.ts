// The plan's steps about the network around the targets: connecting, the security group, the load
// balancer, the jump servers' listening ports, the VPC endpoint's DNS (split from build.ts).
import { isIP } from 'node:net';
import type { Forward, JumpHost, Piece, Step } from '../../common/api/plan';
import { inLang, type Profile } from '../profiles/schema';
import type { Answers, JumpAnswers } from './answers';
import { step, subst, type Ctx } from './step';

export function connectStep(on: string, label: string): Step {
  return step({
    id: on === 'targets' ? 'connect' : `connect.${on}`,
    on,
    phase: 'connect',
    title: `Connect to ${label}`,
    titleKey: 'plan.step.connect',
    params: { host: label },
    action: { kind: 'probe', probes: [{ kind: 'login' }] },
    description: "SSH login; an unknown host key is shown with its SHA256 fingerprint and accepted only by you; a changed key is refused.",
  });
}

// ---- jump mode -------------------------------------------------------------------------------

export function forwardsFor(ctx: Ctx, conn: JumpAnswers, listenHost: string): Forward[] {
  return ctx.profile.ports.map((p) => {
    const o = conn.portOverrides?.[String(p.port)];
    let targetHost = p.to === 'elb' ? conn.elbIp : subst(p.to, ctx.values);
    let targetPort = p.toPort ?? p.port;
    if (o?.target) {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(o.target) ?? /^([^:]+):(\d+)$/.exec(o.target);
      if (m?.[1] && m[2]) {
        targetHost = m[1];
        targetPort = Number(m[2]);
      }
    }
    return { name: p.name, listenHost, listenPort: o?.listen ?? p.port, targetHost, targetPort, ...(p.download ? { http: true } : {}) };
  });
}

/** The profile's security group rule description for this OS (one text for all, or one per OS; each in English or per language). */
export function sgDescription(d: Profile['securityGroupDescription'], os: Answers['os'], lang = 'en'): string {
  const own = typeof d === 'string' || 'en' in d ? d : d[os];
  return inLang(own, lang);
}

/** The languages other than English a profile's description is written in. */
function sgLanguages(d: Profile['securityGroupDescription'], os: Answers['os']): string[] {
  const own = typeof d === 'string' || 'en' in d ? d : d[os];
  return own && typeof own !== 'string' ? (['zh-CN', 'fr'] as const).filter((l) => own[l] !== undefined) : [];
}

export function sgRuleStep(ctx: Ctx, conn: JumpAnswers, forwards: Forward[], targetHosts: string[]): Step {
  const ports = forwards.map((f) => String(f.listenPort)).join(', ');
  // Without allowFrom: the targets' own addresses when every one is an address (the jump server sees
  // them come from there), else anyone, said plainly.
  const known = targetHosts.length > 0 && targetHosts.every((h) => isIP(h) !== 0) ? [...new Set(targetHosts)].map((h) => (isIP(h) === 6 ? `${h}/128` : `${h}/32`)) : null;
  const sources = conn.allowFrom ?? known ?? ['0.0.0.0/0'];
  const d = ctx.profile.securityGroupDescription;
  const rows = (lang: string) => sources.map((s) => ['Inbound', 'TCP', ports, s, sgDescription(d, ctx.answers.os, lang) || `Ports used by ${ctx.profile.name} to reach the jump server`]);
  const langs = sgLanguages(d, ctx.answers.os);
  const table = {
    columns: ['Direction', 'Protocol', 'Port', 'Source', 'Description'],
    rows: rows('en'),
    ...(langs.length ? { l10n: Object.fromEntries(langs.map((l) => [l, rows(l)])) } : {}),
  };
  const text = `In the cloud console, add these inbound rules to the security group of every jump server:\n${formatTable(table)}${conn.allowFrom ? '' : known ? "\n(the targets' addresses; other sources: connectivity.allowFrom)" : "\n(0.0.0.0/0 allows anyone: narrow it to your hosts' addresses with connectivity.allowFrom)"}`;
  return step({ id: 'sg-rule', on: 'console', phase: 'prepare', title: 'Add the security group rule for the jump servers', titleKey: 'plan.step.sgRule', params: { ports }, action: { kind: 'instruction', text, table }, description: text });
}

export function lbStep(ctx: Ctx, conn: JumpAnswers, forwards: Forward[]): Step {
  const wanted = ctx.profile.lbListenerPorts;
  const list = forwards.filter((f) => !wanted || wanted.includes(ctx.profile.ports.find((p) => p.name === f.name)?.port ?? -1) || ctx.profile.ports.find((p) => p.name === f.name)?.download);
  const backends = conn.jumpServers.map((j) => j.privateIp).join(', ');
  const table = { columns: ['Protocol', 'Listener port', 'Backend port', 'Backend servers'], rows: list.map((f) => ['TCP', String(f.listenPort), String(f.listenPort), backends]) };
  const text =
    `Create a load balancer in the jump servers' VPC with an EIP (give that EIP as connectionIp: ${conn.connectionIp}), ` +
    `apply for the bandwidth the agents' traffic needs, add these TCP listeners and put every jump server in the backend server group:\n${formatTable(table)}`;
  return step({ id: 'lb-listeners', on: 'console', phase: 'prepare', title: 'Add the load balancer listeners for the jump servers', titleKey: 'plan.step.lbListeners', params: { count: conn.jumpServers.length }, action: { kind: 'instruction', text, table }, description: text });
}

export function portsStep(j: JumpHost, forwards: Forward[]): Step {
  return step({
    id: `ports.${j.id}`,
    on: j.id,
    phase: 'tunnel',
    title: `Check that every forwarded port is listening on ${j.label}`,
    titleKey: 'plan.step.ports',
    params: { index: j.index, count: forwards.length },
    action: { kind: 'probe', probes: [{ kind: 'listening', forwards }] },
    description: "The vendor's manual check is netstat -lnp | grep ssh.",
  });
}

/**
 * [seed] "With the assistance of network engineers, configure DNS domain name resolution rules on other
 * clouds to resolve VPCEP domain names to specified IP addresses": the records, named, before anything runs.
 */
export function vpcepRecordsStep(domain: string, endpoint: string | undefined): Step {
  const to = endpoint && isIP(endpoint) ? endpoint : "the VPC endpoint's private IP address (VPC Endpoint console > the endpoint > Private IP)";
  const table = { columns: ['Name', 'Type', 'Value'], rows: [[domain, endpoint && isIP(endpoint) === 6 ? 'AAAA' : 'A', to]] };
  const text = `With your network engineers, add this record to the DNS the hosts use on their side (the other cloud or data center), so that the VPC endpoint domain resolves to the endpoint:\n${formatTable(table)}\nOutpost then checks on each host that the name resolves and answers ping, as the console's ping command does.`;
  return step({ id: 'vpcep.records', on: 'console', phase: 'prepare', title: `Add the DNS record for the VPC endpoint ${domain}`, titleKey: 'plan.step.vpcepRecords', params: { domain }, action: { kind: 'instruction', text, table }, description: text });
}

export function vpcepStep(os: Answers['os'], domain: string): Step {
  const linux = os === 'linux';
  // [seed] "A successful ping test indicates that the network configuration is correct": no answer fails
  // the check (a preflight the user may override, where ICMP is blocked on purpose).
  const command: Piece[] = linux
    ? [{ op: '{' }, 'getent', 'hosts', domain, { op: '||' }, 'nslookup', domain, { op: "|| { echo 'OUTPOST_FAIL the VPC endpoint domain does not resolve on this host'; exit 1; }; } &&" }, { op: '{' }, 'ping', '-c', '3', '-W', '2', domain,
       { op: "|| { echo 'OUTPOST_FAIL the VPC endpoint did not answer ping (it resolves)'; exit 1; }; }" }]
    : ['nslookup', domain, { op: '&&' }, { op: '(' }, 'ping', '-n', '3', domain, { op: '|| (echo OUTPOST_FAIL the VPC endpoint did not answer ping& exit /b 1))' }];
  return step({
    id: 'vpcep.dns',
    on: 'targets',
    phase: 'preflight',
    title: `Check that the target resolves and reaches the VPC endpoint ${domain}`,
    titleKey: 'plan.step.vpcepDns',
    params: { domain },
    action: {
      kind: 'exec', shell: linux ? 'sh' : 'cmd', command, success: { exitCode: 0 }, failureMarkers: [], timeoutSec: 30, interactive: false, root: false,
      diagnosis: [
        { pattern: 'does not resolve', code: 'vpcep_dns', hint: `Add the DNS record for ${domain} (the step "Add the DNS record for the VPC endpoint"), then run again.` },
        { pattern: 'did not answer ping', code: 'vpcep_unreachable', hint: 'Check the route and security group between this host and the VPC endpoint. Where ICMP is blocked on purpose, install anyway: override preflight (--override-preflight).' },
      ],
    },
    description: 'The VPC endpoint domain must resolve on the target (the DNS record) and answer ping, as the console\'s ping command checks, before the agent can report through it.',
  });
}

export function formatTable(t: { columns: string[]; rows: string[][] }): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(t.columns), ...t.rows.map(line)].join('\n');
}

/** Secret references' documented prefix (resources/ANSWERS.md): others are flagged. */
