// buildPlan: a pure function from Answers + a Profile (+ the region catalog) to a Plan v2, the whole
// schedule. No I/O here. Every user value enters a command as one argv word (quoted by the renderer for
// the step's shell), never by string concatenation into shell syntax; the only shell syntax is what
// this folder and the profile's `op` tokens write. Nothing agent-specific lives here: the profile says it.
import type { Action, AuthInfo, Forward, JumpHost, Piece, Plan, Probe, SecretPiece, SecretRef, Step, TargetHost } from '../../common/api/plan';
import { bracket } from '../../common/forward';

export { bracket };
import { OutpostError } from '../errors';
import { HOST_VARS, inLang, type LangText, type Profile, type ProfileProbe, type ProfileStep, type Token } from '../profiles/schema';
import { hostColumnsOf, portColumnsOf } from '../profiles/host-columns';
import { profileUses } from '../profiles/uses';
import { SECRET_WORD } from '../profiles/console-command-schema';
import { checkInputValue } from '../../common/inputs';
import type { Answers, Problem } from './answers';
import { formatProblem } from './answers';
import { resolveInputs } from './inputs';
import { resolveRegion, type RegionInfo } from './regions';
import { probeText } from '../actions';
import { displayOf, step, subst, type Ctx } from './step';
import { connectStep, formatTable, forwardsFor, lbStep, portsStep, sgDescription, sgRuleStep, vpcepRecordsStep, vpcepStep } from './network-steps';

export { displayOf, formatTable, probeText, sgDescription, step, subst, type Ctx };
import { forwardStep, remoteTunnelSteps, tunnelPrepSteps } from './tunnel';
import { directUrl, FETCH_FACT, fetchesLocally, fetchStep } from './download';
import { healthProbe } from '../actions/forward/health';

export class PlanError extends OutpostError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('answers.invalid', problems.map(formatProblem).join('\n'), 'Correct the fields named above and try again.');
    this.problems = problems;
  }
}

export function buildPlan(answers: Answers, profile: Profile, regions: readonly RegionInfo[]): Plan {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  // Warnings the UI can say in its language: the English text (CLI, logs) and its i18n key.
  const warnParts = new Map<string, { key: string; params: Record<string, string> }>();
  const warn = (text: string, key: string, params: Record<string, string> = {}) => {
    warnings.push(text);
    warnParts.set(text, { key, params });
  };
  if (answers.profile !== profile.id) problems.push({ path: 'profile', message: `is ${answers.profile} but the plan was asked for profile ${profile.id}` });
  if (!profile.os.includes(answers.os)) problems.push({ path: 'os', message: `${profile.name} supports ${profile.os.join(', ')}, not ${answers.os}` });
  const conn = answers.connectivity;
  if (!profile.connectivity.includes(conn.mode)) problems.push({ path: 'connectivity.mode', message: `${profile.name} supports ${profile.connectivity.join(', ')}, not ${conn.mode}` });
  let region: Plan['region'] = null;
  const regionValues: Record<string, string> = {};
  if (profile.regions) {
    if (!answers.region) problems.push({ path: 'region', message: 'is required' });
    else {
      const rr = resolveRegion(answers.region, regions, answers.obsDomain);
      if ('problem' in rr) problems.push({ path: 'region', message: rr.problem });
      else {
        if (rr.warning) warnings.push(rr.warning);
        region = { id: rr.region.id, nameEn: rr.region.nameEn, nameZh: rr.region.nameZh, listed: rr.region.listed };
        regionValues.region = rr.region.id;
        regionValues['region.obsDomain'] = rr.region.obsDomain;
        regionValues['region.nameEn'] = rr.region.nameEn;
      }
    }
  } else if (answers.region) regionValues.region = answers.region;
  if (conn.mode === 'jump') {
    const remote = profile.ports.filter((p) => p.direction === 'remote');
    conn.jumpServers.forEach((j, i) => {
      if (remote.length && !j.proxy) problems.push({ path: `connectivity.jumpServers[${i}].proxy`, message: `is required: ${profile.name} forwards ${remote.map((p) => p.name).join(', ')} remotely (ssh -R from a proxy that reaches the destination into this jump server)` });
      if (!remote.length && j.proxy) problems.push({ path: `connectivity.jumpServers[${i}].proxy`, message: `is only used by profiles with remote forwards; ${profile.name} has none` });
    });
    for (const key of Object.keys(conn.portOverrides ?? {})) {
      if (!profile.ports.some((p) => String(p.port) === key)) {
        problems.push({ path: `connectivity.portOverrides.${key}`, message: `port ${key} is not forwarded by ${profile.name} (ports: ${profile.ports.map((p) => p.port).join(', ')})` });
      }
    }
  }
  if (conn.mode === 'direct' && conn.accessIp === undefined && profileUses(profile).accessIp) problems.push({ path: 'connectivity.accessIp', message: `is required: ${profile.name} reports to it (the access address the agents reach directly)` });
  const sec = profile[answers.os];
  const inputs = resolveInputs(profile, answers);
  problems.push(...inputs.problems);
  if (profile.package === 'required' && !answers.package) problems.push({ path: 'package.path', message: `is required: ${profile.name} installs from a package file (give package.path, the agent's package on this computer)` });
  const targetVars = answers.targets.map((t, i) => hostVarsOf(profile, t.vars ?? {}, `targets[${i}]`, problems));
  if (sec && answers.options?.download && !sec.download && !answers.package) problems.push({ path: 'options.download', message: `${profile.name} downloads no installer on ${answers.os}` });
  if (problems.length || !sec) throw new PlanError(problems.length ? problems : [{ path: 'os', message: `${profile.name} has no ${answers.os} section` }]);

  const installDir = answers.options?.installDir ?? sec.installDir;
  // This computer fetches the installer over HTTPS and uploads it (options.download: local, the default in jump mode without a SHA-256).
  const fetchLocal = fetchesLocally(answers, Boolean(sec.download), sec.steps.some((s) => 'upload' in s.action && s.action.upload.fetched));
  const accessIp = conn.mode === 'jump' ? conn.connectionIp : conn.mode === 'vpcep' ? (conn.accessIp ?? conn.vpcepDomain) : (conn.accessIp ?? '');
  const values: Record<string, string> = {
    ...regionValues,
    agent: profile.name,
    os: answers.os,
    mode: conn.mode,
    accessIp,
    connectionIp: conn.mode === 'jump' ? conn.connectionIp : '',
    elbIp: conn.mode === 'jump' ? conn.elbIp : '',
    dc: conn.dc ?? '',
    installDir,
    downloadUrl: '',
    downloadFile: sec.download?.file ?? '',
    downloadSha256: answers.options?.downloadSha256?.toLowerCase() ?? '',
    packagePath: answers.package?.path ?? '',
    packageSha256: answers.package?.sha256?.toLowerCase() ?? '',
    packageFile: answers.package ? (answers.package.path.split(/[\\/]/).pop() ?? '') : '',
    ...inputs.values,
    // Kept as written: the runner fills them in on each host.
    ...Object.fromEntries(HOST_VARS.map((v) => [v, `{${v}}`])),
  };
  const ctx: Ctx = {
    answers,
    profile,
    values,
    secrets: inputs.secrets,
    lists: inputs.lists,
    flags: { installDirOverridden: installDir !== sec.installDir, viaJump: conn.mode === 'jump', notViaJump: conn.mode !== 'jump', bastion: conn.mode === 'bastion', vpcep: conn.mode === 'vpcep', direct: conn.mode === 'direct', fetchLocal },
    shell: sec.shell,
    warnings,
  };
  // {port.<name>}: the port agents connect to for each of the profile's ports (the jump server's, after portOverrides).
  for (const p of profile.ports) values[`port.${p.name}`] = String(conn.mode === 'jump' ? (conn.portOverrides?.[String(p.port)]?.listen ?? p.port) : p.port);
  for (const [k, v] of Object.entries(profile.vars)) values[k] = typeof v === 'string' ? subst(v, values) : subst(v.find((alt) => !alt.when || truthy(ctx, alt.when))?.value ?? '', values);

  const jumps: JumpHost[] =
    conn.mode === 'jump' || conn.mode === 'bastion'
      ? conn.jumpServers.map((j, index) => ({
          id: `jump${index}`,
          index,
          label: `jump server ${index + 1} (${j.ssh.user}@${bracket(j.ssh.host)}:${j.ssh.port})`,
          // A bastion carries SSH only: its address is the one Outpost logs in to.
          privateIp: 'privateIp' in j ? j.privateIp : j.ssh.host,
          ssh: { host: j.ssh.host, port: j.ssh.port, user: j.ssh.user, auth: authOf(j.ssh) },
        }))
      : [];
  const targets: TargetHost[] = answers.targets.map((t, index) => ({
    id: `target${index}`,
    index,
    label: `${t.name ? `${t.name}` : `host ${index + 1}`} (${t.user}@${bracket(t.host)}:${t.port})`,
    ...(t.name ? { name: t.name } : {}),
    ...(Object.keys(targetVars[index] ?? {}).length ? { vars: targetVars[index] } : {}),
    ssh: { host: t.host, port: t.port, user: t.user, auth: authOf(t) },
    via: conn.mode === 'jump' || conn.mode === 'bastion' ? `jump${t.jump ?? 0}` : null,
  }));

  const steps: Step[] = [];
  const proxies: JumpHost[] = [];
  let reach: Array<{ name: string; host: string; port: number }> = [];
  let jumpForwards: Forward[][] = [];
  if (conn.mode === 'jump') {
    jumpForwards = conn.jumpServers.map((j) => forwardsFor(ctx, conn, j.privateIp));
    const first = jumpForwards[0] ?? [];
    if (sec.download && fetchLocal) values.downloadUrl = directUrl(answers, subst(sec.download.directBase, values), sec.download.path);
    else if (sec.download) {
      const dl = first.find((f) => profile.ports.find((p) => p.name === f.name)?.download);
      // Through the tunnel: the connection IP's download port (80, or the port that overrides it).
      values.downloadUrl = `http://${bracket(conn.connectionIp)}:${dl?.listenPort ?? 80}${sec.download.path}`;
      // The name the download port leads to (an object store's bucket): the request carries it as its
      // Host, since a virtual-hosted bucket serves nothing to a request that names the jump server's IP.
      const dlPort = profile.ports.find((p) => p.download);
      if (dlPort && dlPort.to !== 'elb') values.downloadHost = subst(dlPort.to, values);
    }
    // Targets reach every forward (agent ports and the download) at the connection IP.
    reach = first.map((f) => ({ name: f.name, host: conn.connectionIp, port: f.listenPort }));
    steps.push(sgRuleStep(ctx, conn, first, answers.targets.map((t) => t.host)));
    if (conn.jumpServers.length > 1) steps.push(lbStep(ctx, conn, first));
    for (const [key, o] of Object.entries(conn.portOverrides ?? {})) {
      const p = profile.ports.find((x) => String(x.port) === key);
      if (p && !p.download && o.listen !== undefined && o.listen !== p.port) {
        warn(`port ${key} listens on ${o.listen} on the jump server, but agents connect to ${conn.connectionIp}:${key}: something in front (load balancer, NAT) must map ${key} to ${o.listen}`, 'planWarn.portMapped', { port: key, listen: String(o.listen), connectionIp: conn.connectionIp });
      }
    }
    if (conn.traffic === 'production' && profile.connectivity.includes('vpcep')) warn('these answers say the line carries production traffic: the vendor advises a VPC endpoint for high log traffic (connectivity.mode: vpcep); a jump server suits tests and low traffic', 'planWarn.jumpProduction');
    if (conn.tunnel === 'vendor') warn('the vendor tunnel (ssh -f -N …) stops when the jump server reboots; run it again after a restart, or use tunnel: persistent', 'planWarn.vendorTunnel');
    jumps.forEach((j, i) => {
      steps.push(connectStep(j.id, j.label));
      const all = jumpForwards[i] ?? [];
      const isRemote = (f: Forward) => profile.ports.find((p) => p.name === f.name)?.direction === 'remote';
      const forwards = all.filter((f) => !isRemote(f));
      const remoteForwards = all.filter(isRemote);
      const proxyAnswers = conn.jumpServers[i]?.proxy;
      if (remoteForwards.length && proxyAnswers) {
        const px = proxyAnswers.ssh;
        const proxy: JumpHost = { id: `proxy${i}`, index: i, label: `the proxy of jump server ${i + 1} (${px.user}@${bracket(px.host)}:${px.port})`, privateIp: px.host, ssh: { host: px.host, port: px.port, user: px.user, auth: authOf(px) } };
        proxies.push(proxy);
        steps.push(connectStep(proxy.id, proxy.label));
        steps.push(...remoteTunnelSteps(ctx, j, proxy, conn.tunnel === 'persistent' ? 'persistent' : 'oneoff', remoteForwards));
      }
      if (!forwards.length) {
        steps.push(portsStep(j, all));
        return;
      }
      const selfPort = j.ssh.host === j.privateIp ? j.ssh.port : 22;
      const fwd = forwardStep(ctx, j, conn.tunnel === 'persistent' ? 'persistent' : 'oneoff', forwards, selfPort);
      const healthy = { probes: fwd.action.kind === 'forward' ? [healthProbe(fwd.action)] : [], says: "healthy tunnel kept: every forward held by the tunnel's ssh and carrying" };
      for (const s of tunnelPrepSteps(ctx, j, conn.tunnel === 'persistent' ? 'persistent' : 'oneoff', forwards, selfPort)) steps.push({ ...s, guard: healthy });
      steps.push({ ...fwd, guard: healthy });
      steps.push(portsStep(j, all));
    });
  } else {
    // A bastion carries SSH only: log in to it, nothing forwarded, nothing started there.
    if (conn.mode === 'bastion') for (const j of jumps) steps.push(connectStep(j.id, j.label));
    if (sec.download) values.downloadUrl = directUrl(answers, subst(sec.download.directBase, values), sec.download.path);
    if (accessIp) for (const p of profile.ports) if (p.to === 'elb') reach.push({ name: p.name, host: accessIp, port: p.port });
    // The targets reach the download address themselves unless this computer fetches it for them.
    if (sec.download && !fetchLocal) {
      const u = new URL(values.downloadUrl ?? '');
      reach.push({ name: profile.ports.find((p) => p.download)?.name ?? 'download', host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) });
    }
  }

  // An installer fetched over plain HTTP runs as root with the keys: without a checksum nothing tells a
  // tampered one from the vendor's. Only a user's explicit choice (options.download: tunnel) gets here:
  // say the risk where the plan is reviewed.
  // (An offline install downloads nothing: no such warning there.)
  if (sec.download && !fetchLocal && !answers.package && values.downloadUrl?.startsWith('http:') && !values.downloadSha256) {
    warn(`the installer is downloaded over plain HTTP through the jump server (${values.downloadUrl}, options.download: tunnel) and nothing checks it before it runs as root with your keys: whoever can answer there (the network, the jump server or another user on it) can give your hosts another program. Give options.downloadSha256 (the installer's SHA-256) so each target verifies it first, or let this computer fetch it over HTTPS (options.download: local)`, 'planWarn.plainHttp', { url: values.downloadUrl });
  }
  // The installer downloads more itself (the agent package): through a jump server, only what a forward
  // carries reaches it. Said before anything runs, with the way that needs no download.
  if (sec.download?.installerFetches && conn.mode === 'jump' && !answers.package) {
    const u = new URL(subst(sec.download.installerFetches, values));
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const carried = profile.ports.some((p) => p.to !== 'elb' && subst(p.to, values) === u.hostname && (p.toPort ?? p.port) === port);
    if (!carried) warn(`the installer itself downloads the agent package from ${u.origin} (port ${port}), which the jump server's tunnel does not forward: unless each target reaches that address by itself, the install fails there. Install offline instead: download the agent package on this computer (the console's package) and give it as package.path; fetching the installer on this computer (options.download: local) does not change where the installer then downloads from`, 'planWarn.installerFetches', { url: u.origin, port: String(port) });
  }
  // Through a VPC endpoint the hosts reach the service's endpoint only; the installer and its package come
  // from the vendor's download address, which the preflight checks each host reaches. Said before anything runs.
  if (sec.download?.installerFetches && conn.mode === 'vpcep' && !answers.package) {
    const u = new URL(subst(sec.download.installerFetches, values));
    warn(`through the VPC endpoint the hosts reach ${conn.vpcepDomain} only, but the installer and the agent package it downloads come from ${u.origin}: the preflight checks that each host reaches it. Where a host cannot (a private line without internet), install offline (package.path: the console's package), or have your network engineers route that name to the hosts (an OBS VPC endpoint with a DNS record for ${u.hostname})`, 'planWarn.vpcepDownload', { url: u.origin, domain: conn.vpcepDomain, host: u.hostname });
  }
  // Before anything connects, this computer fetches it (after the console's manual steps, as the run does).
  if (sec.download && fetchLocal) {
    const at = steps.findIndex((s) => s.on !== 'console');
    steps.splice(at < 0 ? steps.length : at, 0, fetchStep(values.downloadUrl ?? '', sec.download.file, values.downloadSha256 ?? '', conn.mode));
  }

  // The DNS record is the user's to add, before anything connects: the first thing the plan asks.
  if (conn.mode === 'vpcep') steps.unshift(vpcepRecordsStep(conn.vpcepDomain, conn.accessIp));
  // ---- on each target ----
  // This computer alone: nothing is logged in to, so no connect step is planned or shown.
  if (targets.length > 0 || !answers.thisComputer) steps.push(connectStep('targets', 'each target'));
  if (answers.os === 'linux') {
    const pf = sec.preflight ?? { arch: ['x86_64', 'aarch64'], minFreeMiB: 200, tools: [], checks: [] };
    const probes: Probe[] = [
      { kind: 'clock' },
      { kind: 'platform', os: 'linux', arch: pf.arch },
      { kind: 'disk', path: installDir, minFreeMiB: pf.minFreeMiB },
      ...(pf.tools.length ? [{ kind: 'tools' as const, anyOf: pf.tools }] : []),
      { kind: 'privilege' },
      ...(reach.length ? [{ kind: 'reach' as const, targets: reach }] : []),
      ...ownChecks(ctx, pf.checks),
    ];
    steps.push(step({ id: 'preflight', on: 'targets', phase: 'preflight', title: 'Preflight checks on the target (nothing is changed)', titleKey: 'plan.step.preflight', action: { kind: 'probe', probes }, description: 'Clock and time zone, OS and architecture, free disk in the install folder, tools, root or sudo, and every address the agent must reach.' }));
  }
  if (answers.os === 'windows') {
    // As on Linux (the seed asks it of Windows hosts too), and: installers register services (sc
    // create), so whether the session is elevated is said before anything changes.
    const pf = sec.preflight ?? { arch: ['x86_64'], minFreeMiB: 200, tools: [], checks: [] };
    const probes: Probe[] = [
      { kind: 'clock' },
      { kind: 'platform', os: 'windows', arch: pf.arch },
      { kind: 'disk', path: installDir, minFreeMiB: pf.minFreeMiB },
      { kind: 'privilege', os: 'windows' },
      ...(reach.length ? [{ kind: 'reach' as const, targets: reach }] : []),
      ...ownChecks(ctx, pf.checks),
    ];
    steps.push(step({ id: 'preflight', on: 'targets', phase: 'preflight', title: 'Preflight checks on the target (nothing is changed)', titleKey: 'plan.step.preflight', action: { kind: 'probe', probes }, description: 'Clock and time zone, system and architecture, free disk in the install folder, administrator rights (services are created with sc, which needs an elevated session), and every address the agent must reach.' }));
  }
  if (conn.mode === 'vpcep') steps.push(vpcepStep(answers.os, conn.vpcepDomain));

  const verifyProbes = sec.verify.flatMap((p) => probeOf(ctx, p, jumpForwards));
  // "Already installed" is the host's install state (files, process, service): not the network's
  // verdicts (the agent's connections, its traffic at the jump server), which an install cannot change.
  // Nor a check the profile keeps out of it (`guard: false`: the installed agent's version, say).
  const guardProbes = sec.verify.filter((p) => !('command' in p) || p.command.guard).flatMap((p) => probeOf(ctx, p, jumpForwards)).filter((p) => p.kind !== 'tunnelTraffic' && p.kind !== 'connections');
  for (const ps of sec.steps) {
    if (ps.when && !truthy(ctx, ps.when)) continue;
    steps.push(profileStep(ctx, ps, guardProbes, jumpForwards));
  }
  if (fetchLocal && !steps.some((s) => s.action.kind === 'upload' && s.action.fromFact === FETCH_FACT)) {
    throw new PlanError([{ path: 'options.download', message: `${profile.name} has no step that installs a file fetched on this computer (upload: { fetched: true }): use options.download: tunnel` }]);
  }
  if (verifyProbes.length) {
    steps.push(step({ id: 'verify', on: 'targets', phase: 'verify', title: `Check that ${profile.name} runs on the target`, titleKey: 'plan.step.verify', params: { agent: profile.name }, action: { kind: 'probe', probes: verifyProbes }, description: 'The documented checks after an install.' }));
  }

  // Root or sudo is a precondition only of a plan that runs something as root on the targets: a profile
  // whose steps all run as the login user (writing in its home) must not be refused for lacking sudo.
  const rootOnTargets = steps.some((s) => s.on === 'targets' && 'root' in s.action && s.action.root === true);
  if (!rootOnTargets) {
    for (const s of steps) if (s.id === 'preflight' && s.on === 'targets' && s.action.kind === 'probe' && answers.os === 'linux') s.action = { ...s.action, probes: s.action.probes.filter((p) => p.kind !== 'privilege') };
  }

  if (targets.length === 0 && !answers.thisComputer) warn('no targets are listed: the target steps will have nowhere to run', 'planWarn.noTargets');
  for (const s of steps) {
    const used = secretSources(s.action);
    if (used.length) s.secrets = used;
  }
  // A file from somewhere else could name any variable of this session (a token, a cloud key): say so.
  const foreign = [...new Set(Object.values(inputs.secrets).flatMap((p) => ('env' in p.secret && !p.secret.env.startsWith(ENV_PREFIX) ? [p.secret.env] : [])))];
  if (foreign.length) warn(`these answers read secrets from ${foreign.map((n) => `$${n}`).join(', ')}, outside the ${ENV_PREFIX} prefix: check that the file is yours and that those variables hold what it says`, 'planWarn.foreignEnv', { names: foreign.map((n) => `$${n}`).join(', '), prefix: ENV_PREFIX });
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== '' && !(HOST_VARS as readonly string[]).includes(k)) shown[k] = v;
  return {
    version: 2,
    profile: { id: profile.id, name: profile.name, version: profile.version, ...(profile.consoleCheck ? { consoleCheck: typeof profile.consoleCheck === 'string' ? { en: profile.consoleCheck } : profile.consoleCheck } : {}) },
    os: answers.os,
    mode: conn.mode,
    region,
    values: shown,
    hosts: { jumps, ...(proxies.length ? { proxies } : {}), targets, thisComputer: answers.thisComputer === true },
    steps,
    warnings,
    warningParts: warnings.map((w) => warnParts.get(w) ?? null),
  };
}

/** A TCP port written as text: digits only, 1-65535. */
export const isPortText = (s: string): boolean => /^[0-9]{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535;

/**
 * A target's per-host values against the profile: each declared one checked like an input (type,
 * pattern, choices; default when missing), each one the profile uses present, none it does not know.
 */
function hostVarsOf(profile: Profile, given: Record<string, string>, at: string, problems: Problem[]): Record<string, string> {
  const columns = hostColumnsOf(profile);
  const ports = portColumnsOf(profile);
  const out: Record<string, string> = {};
  for (const k of Object.keys(given)) if (!columns.includes(k)) problems.push({ path: `${at}.vars.${k}`, message: `is not a per-host value of ${profile.name} (${columns.length ? `it takes: ${columns.join(', ')}` : 'it takes none'})` });
  for (const name of columns) {
    const decl = profile.hostInputs.find((h) => h.name === name);
    const raw = given[name] ?? (decl?.default !== undefined ? String(decl.default) : undefined);
    if (raw === undefined || raw === '') {
      if (!decl || decl.required) problems.push({ path: `${at}.vars.${name}`, message: `is required: ${profile.name} uses {host.${name}} (a column "${name}" in the host list)` });
      continue;
    }
    const r = decl ? checkInputValue(decl, raw) : { value: raw };
    if ('problem' in r) problems.push({ path: `${at}.vars.${name}`, message: r.problem });
    // A column a probe uses as a port reaches a shell and Ansible's Jinja as a port: digits, 1-65535, whatever its declared type.
    else if (ports.includes(name) && !isPortText(r.value)) problems.push({ path: `${at}.vars.${name}`, message: `is not a TCP port (1-65535): ${profile.name} checks a port with {host.${name}}` });
    else out[name] = r.value;
  }
  return out;
}

function authOf(s: { password?: SecretRef | undefined; privateKey?: { path: string; passphrase?: SecretRef | undefined } | undefined; agent?: true | undefined }): AuthInfo {
  if (s.password) return { kind: 'password', password: s.password };
  if (s.privateKey) return s.privateKey.passphrase ? { kind: 'privateKey', path: s.privateKey.path, passphrase: s.privateKey.passphrase } : { kind: 'privateKey', path: s.privateKey.path };
  return { kind: 'agent' };
}

function truthy(ctx: Ctx, when: string): boolean {
  const neg = when.startsWith('!');
  const name = neg ? when.slice(1) : when;
  const v = name in ctx.flags ? Boolean(ctx.flags[name]) : name in ctx.lists ? (ctx.lists[name]?.length ?? 0) > 0 : name in ctx.secrets ? true : Boolean(ctx.values[name]);
  return neg ? !v : v;
}

export function tokenPieces(ctx: Ctx, tokens: readonly Token[]): Piece[] {
  const out: Piece[] = [];
  for (const t of tokens) {
    if (typeof t === 'string') {
      out.push(subst(t, ctx.values));
      continue;
    }
    if (t.when && !truthy(ctx, t.when)) continue;
    if ('word' in t) out.push(subst(t.word, ctx.values));
    else if ('op' in t) out.push({ op: t.op });
    else if ('args' in t) for (const w of ctx.lists[t.args] ?? []) out.push(t.secrets && SECRET_WORD.test(w) ? secretPiece(ctx, SECRET_WORD.exec(w)?.[1] ?? '') : w);
    else if ('secret' in t) out.push(secretPiece(ctx, t.secret));
    else out.push({ assign: t.assign, value: typeof t.value === 'string' ? subst(t.value, ctx.values) : secretPiece(ctx, t.value.secret) });
  }
  return out;
}

function secretPiece(ctx: Ctx, name: string): SecretPiece {
  const s = ctx.secrets[name];
  if (!s) throw new PlanError([{ path: `inputs.${name}`, message: 'is required' }]);
  return s;
}

export function lang(t: LangText, values: Record<string, string>): { title: string; key: string } {
  return { title: subst(inLang(t, 'en'), values), key: '' };
}

function probeOf(ctx: Ctx, p: ProfileProbe, jumpForwards: Forward[][]): Probe[] {
  // A probe the profile asks for only under a condition (a plug-in the user chose) is planned only then.
  const body: { when?: string | undefined; hint?: string | undefined } = Object.values(p)[0] ?? {};
  if (body.when && !truthy(ctx, body.when)) return [];
  const hint = body.hint ? { hint: subst(body.hint, ctx.values) } : {};
  if ('process' in p) return [{ kind: 'process', name: p.process.name, match: subst(p.process.match, ctx.values), ...hint }];
  if ('service' in p) return [{ kind: 'service', name: subst(p.service.name, ctx.values), expect: p.service.expect, ...hint }];
  if ('http' in p) return [{ kind: 'http', name: p.http.name, url: subst(p.http.url, ctx.values), status: p.http.status, ...hint }];
  if ('keyLogin' in p) return [{ kind: 'keyLogin', user: subst(p.keyLogin.user, ctx.values), keyPath: subst(p.keyLogin.key, ctx.values), ...hint }];
  if ('connections' in p) return [{ kind: 'connections', name: p.connections.name, process: p.connections.process, ports: p.connections.ports, ...hint }];
  if ('listening' in p) {
    const text = typeof p.listening.port === 'number' ? String(p.listening.port) : subst(p.listening.port, ctx.values);
    const forward = (listenPort: number) => ({ name: p.listening.name, listenHost: '*', listenPort, targetHost: '', targetPort: 0 });
    // Each host's own port: filled on the host (the plan's hosts' values were checked as ports: hostVarsOf).
    if (text.includes('{host.')) return [{ kind: 'listening', forwards: [forward(0)], port: text, ...hint }];
    if (!isPortText(text)) throw new PlanError([{ path: `profile.probes.${p.listening.name}`, message: `the listening probe's port is "${text}", not a TCP port (1-65535)` }]);
    return [{ kind: 'listening', forwards: [forward(Number(text))], ...hint }];
  }
  if ('command' in p) {
    return [{ kind: 'command', name: p.command.name, shell: p.command.shell ?? ctx.shell, command: tokenPieces(ctx, p.command.script), ...(p.command.exitCode !== undefined ? { exitCode: p.command.exitCode } : {}), ...(p.command.success.length ? { markers: p.command.success } : {}), ...(p.command.advisory ? { advisory: true } : {}), ...(p.command.unknown.length ? { unknown: p.command.unknown } : {}), ...hint }];
  }
  // Seen on the jump server: only meaningful in jump mode.
  const forwards = jumpForwards.flat();
  if (!forwards.length) return [];
  return [{ kind: 'tunnelTraffic', forwards, ports: p.tunnelTraffic.ports }];
}

/** The profile's own preflight checks: probes of the host itself (nothing seen from a jump server). */
function ownChecks(ctx: Ctx, checks: readonly ProfileProbe[]): Probe[] {
  return checks.flatMap((p) => probeOf(ctx, p, [])).filter((p) => p.kind !== 'tunnelTraffic');
}

/** `guard: verify` (the verify probes) or the step's own probes: all pass, the step is skipped. */
function guardOf(ctx: Ctx, ps: ProfileStep, guardProbes: Probe[], jumpForwards: Forward[][]): Pick<Step, 'guard'> {
  if (ps.guard === 'verify') return guardProbes.length ? { guard: { probes: guardProbes, says: `${ctx.profile.name} is already installed and running` } } : {};
  if (!ps.guard) return {};
  const probes = ps.guard.flatMap((p) => probeOf(ctx, p, jumpForwards)).filter((p) => p.kind !== 'tunnelTraffic');
  return probes.length ? { guard: { probes, says: 'its guard checks already pass' } } : {};
}

function profileStep(ctx: Ctx, ps: ProfileStep, guardProbes: Probe[], jumpForwards: Forward[][]): Step {
  const a = ps.action;
  const root = (r: boolean) => r && ctx.answers.os === 'linux';
  const owner = (o: string | undefined) => (o && ctx.answers.os === 'linux' ? { owner: o } : {});
  let action: Action;
  if ('exec' in a) {
    const shell = a.exec.shell ?? ctx.shell;
    action = {
      kind: 'exec',
      shell,
      command: tokenPieces(ctx, a.exec.script),
      success: { ...(a.exec.exitCode !== undefined ? { exitCode: a.exec.exitCode } : {}), ...(a.exec.success.length ? { markers: a.exec.success } : {}) },
      failureMarkers: a.exec.failure,
      timeoutSec: a.exec.timeoutSec,
      interactive: a.exec.interactive,
      root: root(a.exec.root),
      diagnosis: a.exec.diagnosis.filter((d) => !d.when || truthy(ctx, d.when)).map((d) => ({ pattern: d.pattern, code: d.code, hint: subst(d.hint, ctx.values) })),
    };
  } else if ('writeFile' in a) {
    const esc = a.writeFile.escape === 'json' ? (v: string) => JSON.stringify(v).slice(1, -1) : (v: string) => v;
    const escaped = Object.fromEntries(Object.entries(ctx.values).map(([k, v]) => [k, (HOST_VARS as readonly string[]).includes(k) ? v : esc(v)]));
    action = { kind: 'writeFile', path: subst(a.writeFile.path, ctx.values), content: a.writeFile.content.flatMap<string | SecretPiece>((c) => (typeof c === 'string' ? [subst(c, escaped)] : c.when && !truthy(ctx, c.when) ? [] : 'text' in c ? [subst(c.text, escaped)] : [secretPiece(ctx, c.secret)])), mode: a.writeFile.mode, transient: a.writeFile.transient, escape: a.writeFile.escape, root: root(a.writeFile.root), ...owner(a.writeFile.owner) };
  } else if ('editIni' in a) {
    action = { kind: 'editIni', path: subst(a.editIni.path, ctx.values), set: a.editIni.set.map((x) => ({ section: x.section, key: x.key, value: typeof x.value === 'string' ? subst(x.value, ctx.values) : secretPiece(ctx, x.value.secret) })), root: root(a.editIni.root) };
  } else if ('upload' in a) {
    // `fetched`: the file the fetch step wrote on this computer (run facts); `from` says what it is.
    const from = a.upload.fetched ? { from: ctx.values.downloadUrl ?? '', fromFact: FETCH_FACT } : { from: subst(a.upload.from ?? '', ctx.values) };
    action = { kind: 'upload', ...from, to: subst(a.upload.to, ctx.values), sha256: a.upload.sha256 ? subst(a.upload.sha256, ctx.values) || null : null, mode: a.upload.mode, root: root(a.upload.root), ...owner(a.upload.owner) };
  } else if ('unpack' in a) {
    action = { kind: 'unpack', archive: subst(a.unpack.archive, ctx.values), dest: subst(a.unpack.dest, ctx.values), format: a.unpack.format, sha256: a.unpack.sha256 ? subst(a.unpack.sha256, ctx.values) || null : (ctx.answers.package?.sha256 ?? null), root: root(a.unpack.root), ...owner(a.unpack.owner), ...(a.unpack.keep?.length ? { keep: a.unpack.keep } : {}) };
  } else {
    action = { kind: 'instruction', text: subst(a.instruction.text, ctx.values) };
    if (ps.when === '!packagePath') ctx.warnings.push(`no package.path given: ${action.text}`);
  }
  const title = subst(inLang(ps.title, 'en'), ctx.values);
  const titles = Object.fromEntries((['en', 'zh-CN', 'fr'] as const).map((l) => [l, subst(inLang(ps.title, l), ctx.values)]));
  return step({
    id: ps.id,
    on: 'targets',
    phase: ps.phase,
    title,
    titleKey: `profile.${ctx.profile.id}.${ps.id}`,
    titles,
    params: { agent: ctx.profile.name, dir: ctx.values.installDir ?? '' },
    action,
    ...guardOf(ctx, ps, guardProbes, jumpForwards),
    ...(ps.onFailure ? { onFailure: { remedy: ps.onFailure.remedy ?? '', hint: subst(ps.onFailure.hint, ctx.values), retry: ps.onFailure.retry } } : {}),
    ...(ps.phase === 'remedy' ? { optional: true } : {}),
    ...(ps.source?.includes('[inferred]') ? { inferred: true } : {}),
    description: ps.source ? `Source: ${ps.source}` : '',
  });
}

export const ENV_PREFIX = 'OUTPOST_';

/** Every secret piece in an action, once each, with where its value comes from. */
function secretSources(action: unknown): Array<{ name: string; from: string }> {
  const out: Array<{ name: string; from: string }> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      const ref = o.secret as SecretRef | undefined;
      if (ref && typeof o.name === 'string' && typeof ref === 'object') {
        const from = 'env' in ref ? `$${ref.env}` : `stored "${ref.stored}"`;
        if (!out.some((x) => x.name === o.name)) out.push({ name: o.name, from });
      } else Object.values(o).forEach(walk);
    }
  };
  walk(action);
  return out;
}
