// buildPlan: a pure function from Answers (+ the chosen profile and the region catalog) to a Plan.
// No I/O here: loaders live in answers.ts, profile.ts, regions.ts. Every user value enters a command
// as one argv word (quoted by the renderer for the step's shell), never by string concatenation into
// shell syntax; the only shell syntax is what this file and the profile templates write as `op`.
import type { AuthInfo, ExpectPort, Forward, Piece, Plan, SecretPiece, SecretRef, Shell, Step, TunnelInfo } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { quotePosix } from '../quote';
import type { Answers, JumpAnswers, Problem } from './answers';
import { formatProblem } from './answers';
import type { CommandTemplate, OsTemplates, Placeholder, Profile, SecretParam, Token } from './profile';
import { resolveRegion, type RegionInfo, type ResolvedRegion } from './regions';
import { renderPieces } from './render';
import { isIpv6 } from '../../common/validate';

export class PlanError extends OutpostError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('answers.invalid', problems.map(formatProblem).join('\n'), 'Correct the fields named above and try again.');
    this.problems = problems;
  }
}

/** Where the persistent tunnel's key lives on the jump server (`%h` = the unit user's home, a systemd specifier). */
export const TUNNEL_IDENTITY_FILE = '%h/.ssh/outpost_tunnel_ed25519';
const SSH_BIN = '/usr/bin/ssh';

/** `[v6]` where a host:port syntax needs it. */
const bracket = (h: string) => (isIpv6(h) ? `[${h}]` : h);

interface Ctx {
  answers: Answers;
  profile: Profile;
  region: ResolvedRegion;
  tpl: OsTemplates;
  values: Record<Placeholder, string>;
  flags: Record<string, boolean>;
  secrets: Record<SecretParam, SecretPiece>;
  warnings: string[];
}

export function buildPlan(answers: Answers, profile: Profile, regions: readonly RegionInfo[]): Plan {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  if (answers.profile !== profile.id) problems.push({ path: 'profile', message: `is ${answers.profile} but the plan was asked for profile ${profile.id}` });
  if (!profile.os.includes(answers.os)) problems.push({ path: 'os', message: `${profile.name} supports ${profile.os.join(', ')}, not ${answers.os}` });
  if (!profile.connectivity.includes(answers.connectivity.mode)) {
    problems.push({ path: 'connectivity.mode', message: `${profile.name} supports ${profile.connectivity.join(', ')}, not ${answers.connectivity.mode}` });
  }
  const rr = resolveRegion(answers.region, regions, answers.obsDomain);
  if ('problem' in rr) problems.push({ path: 'region', message: rr.problem });
  const conn = answers.connectivity;
  if (conn.mode === 'jump') {
    for (const key of Object.keys(conn.portOverrides ?? {})) {
      if (!profile.ports.some((p) => String(p.port) === key)) {
        problems.push({ path: `connectivity.portOverrides.${key}`, message: `port ${key} is not forwarded by ${profile.name} (ports: ${profile.ports.map((p) => p.port).join(', ')})` });
      }
    }
  }
  const tpl = profile[answers.os];
  if (problems.length || 'problem' in rr || !tpl) throw new PlanError(problems.length ? problems : [{ path: 'os', message: `${profile.name} has no ${answers.os} templates` }]);
  if (rr.warning) warnings.push(rr.warning);

  const region = rr.region;
  const installDir = answers.options?.installDir ?? tpl.installDir;
  const accessIp = conn.mode === 'jump' ? conn.connectionIp : conn.mode === 'vpcep' ? (conn.accessIp ?? conn.vpcepDomain) : conn.accessIp;
  const values: Record<Placeholder, string> = {
    region: region.id,
    obsDomain: region.obsDomain,
    projectId: answers.credentials.projectId,
    accessIp,
    downloadUrl: '',
    downloadFile: tpl.download?.file ?? '',
    installDir,
    packagePath: answers.package?.path ?? '',
    dc: conn.dc ?? '',
  };
  const ctx: Ctx = {
    answers,
    profile,
    region,
    tpl,
    values,
    flags: { installDirOverridden: installDir !== tpl.installDir, viaJump: conn.mode === 'jump', notViaJump: conn.mode !== 'jump' },
    secrets: {
      ak: { secret: answers.credentials.ak, name: 'credentials.ak' },
      sk: { secret: answers.credentials.sk, name: 'credentials.sk' },
    },
    warnings,
  };

  const steps: Step[] = [];
  const reach: ExpectPort[] = [];
  if (conn.mode === 'jump') {
    const forwardsByJump = conn.jumpServers.map((j) => forwardsFor(ctx, conn, j.privateIp));
    if (tpl.download) {
      const dl = forwardsByJump[0]?.find((f) => f.download);
      const port = dl?.listenPort ?? 80;
      // Through the tunnel: the connection IP's download port (80, or the port that overrides it).
      values.downloadUrl = `http://${bracket(conn.connectionIp)}:${port}${tpl.download.path}`;
    }
    // Targets reach every forward (agent ports and the download) at the connection IP.
    for (const f of forwardsByJump[0] ?? []) reach.push({ name: f.name, host: conn.connectionIp, port: f.listenPort });
    steps.push(sgRuleStep(ctx, conn, forwardsByJump[0] ?? []));
    conn.jumpServers.forEach((j, i) => steps.push(tunnelStep(ctx, conn, i, forwardsByJump[i] ?? [])));
    conn.jumpServers.forEach((_j, i) => steps.push(portsStep(i, forwardsByJump[i] ?? [])));
    if (conn.jumpServers.length > 1) steps.push(lbStep(ctx, conn, forwardsByJump[0] ?? []));
    for (const [key, o] of Object.entries(conn.portOverrides ?? {})) {
      const p = profile.ports.find((x) => String(x.port) === key);
      if (p && !p.download && o.listen !== undefined && o.listen !== p.port) {
        warnings.push(`port ${key} listens on ${o.listen} on the jump server, but agents connect to ${conn.connectionIp}:${key}: something in front (load balancer, NAT) must map ${key} to ${o.listen}`);
      }
    }
    if (conn.tunnel === 'vendor') warnings.push('the vendor tunnel (ssh -f -N …) stops when the jump server reboots; run it again after a restart, or use tunnel: persistent');
  } else {
    if (tpl.download) values.downloadUrl = `${subst(tpl.download.directBase, values)}${tpl.download.path}`;
    for (const p of profile.ports) {
      if (p.to === 'elb') reach.push({ name: p.name, host: accessIp, port: p.port });
    }
    if (tpl.download) {
      const u = new URL(values.downloadUrl);
      reach.push({ name: profile.ports.find((p) => p.download)?.name ?? 'download', host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) });
    }
    if (conn.mode === 'vpcep') steps.push(vpcepStep(answers.os, conn.vpcepDomain));
  }

  if (answers.os === 'windows') steps.push(unpackStep(ctx));
  steps.push(templateStep(ctx, 'install', tpl.install, 'install', 'Install {agent} on the target', 'plan.step.install'));
  steps.push(templateStep(ctx, 'verify', tpl.verify, 'verify', 'Check that {agent} is running on the target', 'plan.step.verify'));
  const uninstall = templateStep(ctx, 'uninstall', tpl.uninstall, 'command', 'Uninstall {agent} (the vendor remedy when an install fails: uninstall, then install again)', 'plan.step.uninstall');

  if (answers.targets.length === 0 && !answers.thisComputer) warnings.push('no targets are listed: the target steps will have nowhere to run');

  return {
    version: 1,
    profile: { id: profile.id, name: profile.name, version: profile.version },
    os: answers.os,
    mode: conn.mode,
    region: { id: region.id, nameEn: region.nameEn, nameZh: region.nameZh, obsDomain: region.obsDomain, listed: region.listed },
    accessIp,
    dc: conn.dc ?? null,
    installDir,
    jumpServers:
      conn.mode === 'jump'
        ? conn.jumpServers.map((j, index) => ({ index, privateIp: j.privateIp, ssh: { host: j.ssh.host, port: j.ssh.port, user: j.ssh.user, auth: authOf(j.ssh) } }))
        : [],
    targets: answers.targets.map((t, index) => ({
      index,
      host: t.host,
      port: t.port,
      user: t.user,
      auth: authOf(t),
      jump: conn.mode === 'jump' ? (t.jump ?? 0) : null,
    })),
    reach,
    thisComputer: answers.thisComputer === true,
    steps,
    remedies: { uninstall },
    warnings,
  };
}

function authOf(s: { password?: SecretRef; privateKey?: { path: string; passphrase?: SecretRef }; agent?: true }): AuthInfo {
  if (s.password) return { kind: 'password', password: s.password };
  if (s.privateKey) return s.privateKey.passphrase ? { kind: 'privateKey', path: s.privateKey.path, passphrase: s.privateKey.passphrase } : { kind: 'privateKey', path: s.privateKey.path };
  return { kind: 'agent' };
}

function subst(t: string, values: Record<Placeholder, string>): string {
  return t.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => values[name as Placeholder] ?? '');
}

function fill(s: string, params: Record<string, string | number>): string {
  return s.replace(/\{([A-Za-z]+)\}/g, (m, name: string) => (params[name] === undefined ? m : String(params[name])));
}

// ---- jump mode -------------------------------------------------------------------------------

interface PlannedForward extends Forward {
  /** The profile's port (what agents connect to / what the override is keyed by). */
  port: number;
  download: boolean;
}

function forwardsFor(ctx: Ctx, conn: JumpAnswers, listenHost: string): PlannedForward[] {
  return ctx.profile.ports.map((p) => {
    const o = conn.portOverrides?.[String(p.port)];
    let targetHost = p.to === 'elb' ? conn.elbIp : subst(p.to, ctx.values);
    let targetPort = p.port;
    if (o?.target) {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(o.target) ?? /^([^:]+):(\d+)$/.exec(o.target);
      if (m?.[1] && m[2]) {
        targetHost = m[1];
        targetPort = Number(m[2]);
      }
    }
    return { name: p.name, port: p.port, download: p.download, listenHost, listenPort: o?.listen ?? p.port, targetHost, targetPort };
  });
}

const forwardSpec = (f: Forward) => `${bracket(f.listenHost)}:${f.listenPort}:${bracket(f.targetHost)}:${f.targetPort}`;

/** The port the jump server's own sshd answers on for the self-connection the tunnel makes. */
function selfSshPort(conn: JumpAnswers, index: number): number {
  const j = conn.jumpServers[index];
  return j && j.ssh.host === j.privateIp ? j.ssh.port : 22;
}

function sgRuleStep(ctx: Ctx, conn: JumpAnswers, forwards: PlannedForward[]): Step {
  const ports = forwards.map((f) => String(f.listenPort)).join(', ');
  const sources = conn.allowFrom ?? ['0.0.0.0/0'];
  const table = {
    columns: ['Direction', 'Protocol', 'Port', 'Source', 'Description'],
    rows: sources.map((s) => ['Inbound', 'TCP', ports, s, ctx.profile.securityGroupDescription || `Ports used by ${ctx.profile.name} to reach the jump server`]),
  };
  const display = `In the cloud console, add these inbound rules to the security group of every jump server:\n${formatTable(table)}${conn.allowFrom ? '' : '\n(0.0.0.0/0 allows anyone: narrow it to your hosts\' addresses with connectivity.allowFrom)'}`;
  return instruction('sg-rule', 'Add the security group rule for the jump servers', 'plan.step.sgRule', { ports }, display, table);
}

function lbStep(_ctx: Ctx, conn: JumpAnswers, forwards: PlannedForward[]): Step {
  const wanted = _ctx.profile.lbListenerPorts;
  const list = forwards.filter((f) => !wanted || wanted.includes(f.port) || f.download);
  const backends = conn.jumpServers.map((j) => j.privateIp).join(', ');
  const table = { columns: ['Protocol', 'Listener port', 'Backend port', 'Backend servers'], rows: list.map((f) => ['TCP', String(f.listenPort), String(f.listenPort), backends]) };
  const display =
    `Create a load balancer in the jump servers' VPC with an EIP (give that EIP as connectionIp: ${conn.connectionIp}), ` +
    `add these TCP listeners and put every jump server in the backend server group:\n${formatTable(table)}`;
  return instruction('lb-listeners', 'Add the load balancer listeners for the jump servers', 'plan.step.lbListeners', { count: conn.jumpServers.length }, display, table);
}

function tunnelStep(ctx: Ctx, conn: JumpAnswers, index: number, forwards: PlannedForward[]): Step {
  const jump = conn.jumpServers[index];
  if (!jump) throw new Error(`no jump server ${index}`);
  const port = selfSshPort(conn, index);
  const portArgs = port === 22 ? [] : ['-p', String(port)];
  const ls = forwards.flatMap((f) => ['-L', forwardSpec(f)]);
  // The vendor's command as documented (seed / lts_02_0828): ssh -f -N -L … {jump}.
  const vendorPieces: Piece[] = ['ssh', '-f', '-N', ...ls, ...portArgs, jump.privateIp];
  const vendorCommand = renderPieces(vendorPieces, 'bash', 'display');
  const sshArgv = [
    SSH_BIN, '-N',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'ServerAliveInterval=30',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-i', TUNNEL_IDENTITY_FILE,
    ...ls, ...portArgs,
    `${jump.ssh.user}@${jump.privateIp}`,
  ];
  const unitName = `outpost-tunnel-${ctx.profile.id}.service`;
  const unitText = unitFile(ctx, jump.privateIp, forwards, sshArgv, 'multi-user.target');
  const userUnitText = unitFile(ctx, jump.privateIp, forwards, sshArgv, 'default.target');
  const sysPath = `/etc/systemd/system/${unitName}`;
  const installPieces: Piece[] = [
    { op: 'umask 022 &&' }, 'printf', '%s', unitText, { op: '>' }, sysPath,
    { op: '&&' }, 'systemctl', 'daemon-reload',
    { op: '&&' }, 'systemctl', 'enable', unitName,
    { op: '&&' }, 'systemctl', 'restart', unitName,
    { op: '&&' }, 'systemctl', 'is-active', unitName,
  ];
  const installUserPieces: Piece[] = [
    { op: 'umask 022 && mkdir -p "$HOME/.config/systemd/user" &&' }, 'printf', '%s', userUnitText, { op: `> "$HOME/.config/systemd/user/"${quotePosix(unitName)}` },
    { op: '&&' }, 'systemctl', '--user', 'daemon-reload',
    { op: '&&' }, 'systemctl', '--user', 'enable', unitName,
    { op: '&&' }, 'systemctl', '--user', 'restart', unitName,
    // Lingering keeps a user unit running without a login session and starts it at boot.
    { op: '&& { loginctl enable-linger "$(id -un)" || echo \'OUTPOST_WARN lingering not enabled: the tunnel stops at logout\'; } &&' },
    'systemctl', '--user', 'is-active', unitName,
  ];
  const tunnel: TunnelInfo = {
    form: conn.tunnel,
    jumpIndex: index,
    forwards: forwards.map(({ name, listenHost, listenPort, targetHost, targetPort }) => ({ name, listenHost, listenPort, targetHost, targetPort })),
    vendorCommand,
    sshArgv,
    identityFile: TUNNEL_IDENTITY_FILE,
    unitName,
    unitText,
    userUnitText,
    installUnitScript: renderPieces(installPieces, 'bash', 'display'),
    installUserUnitScript: renderPieces(installUserPieces, 'bash', 'display'),
  };
  const persistent = conn.tunnel === 'persistent';
  const command = persistent ? installPieces : vendorPieces;
  const params = { index, jump: jump.privateIp };
  return {
    id: `tunnel.jump${index}`,
    title: persistent
      ? fill('Install the persistent SSH tunnel (systemd unit {unit}) on jump server {index} ({jump})', { ...params, unit: unitName })
      : fill('Start the SSH tunnel on jump server {index} ({jump}), as the vendor documents it', params),
    titleKey: persistent ? 'plan.step.tunnelPersistent' : 'plan.step.tunnelVendor',
    params: persistent ? { ...params, unit: unitName } : params,
    kind: 'tunnel',
    where: { kind: 'jump', index },
    shell: 'bash',
    command,
    display: renderPieces(command, 'bash', 'display'),
    description: persistent
      ? 'A systemd unit runs the same forwards as the vendor command with ExitOnForwardFailure, keepalives and Restart=always, so the tunnel survives drops and reboots. It logs in to the jump server itself with a dedicated key and verifies its host key (host key checking is never turned off).'
      : 'The vendor command starts ssh in the background and asks the jump user\'s password once; it does not survive a reboot of the jump server.',
    success: { exitCode: 0 },
    failureMarkers: ['Host key verification failed', 'Permission denied (', 'Could not request local forwarding', 'cannot listen to port'],
    timeoutSec: 60,
    interactive: !persistent,
    tunnel,
  };
}

function unitFile(ctx: Ctx, jumpIp: string, forwards: PlannedForward[], argv: string[], wantedBy: string): string {
  // All words are validated IPs, host names, ports, a Linux user name and fixed options: none holds a
  // space, quote or backslash, so systemd's own word splitting sees exactly these words. `%` is
  // systemd's specifier sign: only TUNNEL_IDENTITY_FILE's %h is meant as one.
  for (const w of argv) {
    if (!/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(w) || (w.includes('%') && w !== TUNNEL_IDENTITY_FILE)) throw new Error(`unit word not safe: ${w}`);
  }
  const lines = [
    `# Generated by Outpost: SSH tunnel for ${ctx.profile.name} on jump server ${jumpIp}.`,
    ...forwards.map((f) => `# ${f.name}: ${bracket(f.listenHost)}:${f.listenPort} -> ${bracket(f.targetHost)}:${f.targetPort}`),
    '[Unit]',
    `Description=Outpost SSH tunnel for ${ctx.profile.id} (${jumpIp})`,
    'After=network-online.target',
    'Wants=network-online.target',
    // Never give up restarting: the point is to survive outages of any length.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${argv.join(' ')}`,
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    `WantedBy=${wantedBy}`,
    '',
  ];
  return lines.join('\n');
}

function portsStep(index: number, forwards: PlannedForward[]): Step {
  const expectPorts: ExpectPort[] = forwards.map((f) => ({ name: f.name, host: f.listenHost, port: f.listenPort }));
  // Looks for " host:port " in the listening sockets (ss, or netstat where ss is missing) and reports
  // each port by name; the exit code is 0 only when all are listening.
  const command: Piece[] = [
    { op: 'out=$( { ss -ltnp || netstat -lnp; } 2>/dev/null ); rc=0; chk() { case "$out" in *" $2 "*|*" $3 "*) echo "listening: $1 $2";; *) echo "NOT listening: $1 $2"; rc=1;; esac; };' },
    ...forwards.flatMap((f): Piece[] => ['chk', f.name, `${bracket(f.listenHost)}:${f.listenPort}`, `${f.listenHost}:${f.listenPort}`, { op: ';' }]),
    { op: 'test "$rc" -eq 0' },
  ];
  return {
    id: `ports.jump${index}`,
    title: `Check that every forwarded port is listening on jump server ${index}`,
    titleKey: 'plan.step.ports',
    params: { index, count: forwards.length },
    kind: 'check',
    where: { kind: 'jump', index },
    shell: 'bash',
    command,
    display: renderPieces(command, 'bash', 'display'),
    description: `Expect: ${expectPorts.map((p) => `${p.name} on ${bracket(p.host)}:${p.port}`).join(', ')}. The vendor's manual check is netstat -lnp | grep ssh.`,
    success: { exitCode: 0 },
    failureMarkers: ['NOT listening:'],
    timeoutSec: 30,
    interactive: false,
    expectPorts,
  };
}

// ---- vpcep, unpack, templates ------------------------------------------------------------------

function vpcepStep(os: Answers['os'], domain: string): Step {
  const linux = os === 'linux';
  const command: Piece[] = linux
    ? [{ op: '{' }, 'getent', 'hosts', domain, { op: '||' }, 'nslookup', domain, { op: '; } &&' }, { op: '{' }, 'ping', '-c', '3', '-W', '2', domain,
       { op: '|| echo \'OUTPOST_WARN ping got no answer (ICMP may be blocked); DNS resolution succeeded\'; }' }]
    : ['nslookup', domain, { op: '&&' }, { op: '(' }, 'ping', '-n', '3', domain, { op: '|| echo OUTPOST_WARN ping got no answer)' }];
  return {
    id: 'vpcep.dns',
    title: `Check that the target resolves and reaches the VPC endpoint ${domain}`,
    titleKey: 'plan.step.vpcepDns',
    params: { domain },
    kind: 'check',
    where: { kind: 'target' },
    shell: linux ? 'sh' : 'cmd',
    command,
    display: renderPieces(command, linux ? 'sh' : 'cmd', 'display'),
    description: 'The VPC endpoint domain must resolve on the target (private DNS or hosts entry) before the agent can report through it.',
    success: { exitCode: 0 },
    failureMarkers: [],
    timeoutSec: 30,
    interactive: false,
  };
}

function unpackStep(ctx: Ctx): Step {
  const dest = ctx.values.installDir;
  const pkg = ctx.answers.package;
  if (!pkg) {
    ctx.warnings.push(`no package.path given: unpack the ICAgent package into ${dest} on each target yourself before the install step`);
    return instruction(
      'unpack',
      `Unpack the agent package into ${dest}`,
      'plan.step.unpackManual',
      { dir: dest },
      `Download the ${ctx.profile.name} package for Windows from the console, copy it to each target and decompress it into ${dest}.`,
      undefined,
      'unpack',
    );
  }
  const command: Piece[] = [
    { op: "$ErrorActionPreference = 'Stop';" },
    { op: '$pkg =' }, pkg.path, { op: ';' },
    { op: '$dest =' }, dest, { op: ';' },
    ...(pkg.sha256
      ? ([{ op: '$want =' }, pkg.sha256.toUpperCase(), { op: "; $got = (Get-FileHash -Algorithm SHA256 -LiteralPath $pkg).Hash; if ($got -ne $want) { Write-Output 'OUTPOST_UNPACK_FAILED checksum mismatch'; exit 1 };" }] as Piece[])
      : []),
    { op: 'New-Item -ItemType Directory -Force -Path $dest | Out-Null; Expand-Archive -LiteralPath $pkg -DestinationPath $dest -Force; Write-Output OUTPOST_UNPACK_OK' },
  ];
  return {
    id: 'unpack',
    title: `Unpack the agent package into ${dest}`,
    titleKey: 'plan.step.unpack',
    params: { dir: dest, package: pkg.path },
    kind: 'unpack',
    where: { kind: 'target' },
    shell: 'powershell',
    command,
    display: renderPieces(command, 'powershell', 'display'),
    description: `Expands ${pkg.path} into ${dest}${pkg.sha256 ? ' after checking its SHA-256' : ''}.`,
    success: { exitCode: 0, markers: ['OUTPOST_UNPACK_OK'] },
    failureMarkers: ['OUTPOST_UNPACK_FAILED'],
    timeoutSec: 300,
    interactive: false,
  };
}

function tokenPieces(ctx: Ctx, tokens: readonly Token[]): Piece[] {
  const out: Piece[] = [];
  for (const t of tokens) {
    if (typeof t === 'string') {
      out.push(subst(t, ctx.values));
      continue;
    }
    if (t.when && !ctx.flags[t.when]) continue;
    if ('word' in t) out.push(subst(t.word, ctx.values));
    else if ('op' in t) out.push({ op: t.op });
    else if ('secret' in t) out.push(ctx.secrets[t.secret]);
    else out.push({ assign: t.assign, value: typeof t.value === 'string' ? subst(t.value, ctx.values) : ctx.secrets[t.value.secret] });
  }
  return out;
}

function templateStep(ctx: Ctx, id: string, t: CommandTemplate, kind: Step['kind'], title: string, titleKey: string): Step {
  const shell: Shell = ctx.tpl.shell;
  const command = tokenPieces(ctx, t.script);
  const params = { agent: ctx.profile.name, dir: ctx.values.installDir };
  return {
    id,
    title: fill(title, params),
    titleKey,
    params,
    kind,
    where: { kind: 'target' },
    shell,
    command,
    display: renderPieces(command, shell, 'display'),
    description: t.source ? `Source: ${t.source}` : '',
    success: { ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}), ...(t.success.length ? { markers: t.success } : {}) },
    failureMarkers: t.failure,
    timeoutSec: t.timeoutSec,
    interactive: t.interactive,
  };
}

function instruction(id: string, title: string, titleKey: string, params: Step['params'], display: string, table?: Step['table'], kind: Step['kind'] = 'instruction'): Step {
  return {
    id,
    title,
    titleKey,
    params,
    kind,
    where: { kind: 'local' },
    shell: null,
    command: null,
    display,
    description: display,
    success: {},
    failureMarkers: [],
    timeoutSec: 3600,
    interactive: true,
    ...(table ? { table } : {}),
  };
}

export function formatTable(t: { columns: string[]; rows: string[][] }): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(t.columns), ...t.rows.map(line)].join('\n');
}
