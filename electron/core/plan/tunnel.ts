// The tunnel on a jump server, as plan steps: everything Outpost changes there is a step the Review
// shows (the host key line, the tunnel key, its authorized_keys line, the unit or the fallback).
// Rules (DESIGN.md): the key may only carry these forwards (no command, no -R, from the jump itself);
// shared files are edited atomically, only Outpost's own line, with a backup; the tunnel's ssh checks
// the host key Outpost verified this session, in a known_hosts file of its own.
import type { Forward, JumpHost, Piece, Step } from '../../common/api/plan';
import { bracket, forwardSpec } from '../../common/forward';
import { gatewayPortsStep } from './gateway-ports';
import { step, type Ctx } from './step';

export { forwardSpec };
import { renderPieces } from '../render';

/**
 * Where a profile's persistent tunnel key lives on the jump server (`%h` = the unit user's home, a
 * systemd specifier). One key per profile: sshd applies the first authorized_keys line that matches a
 * key, so two profiles sharing one key would have the second one's forwards refused.
 */
export const tunnelIdentityFile = (profileId: string) => `%h/.ssh/outpost_tunnel_${profileId}_ed25519`;
/** Outpost's own known_hosts on the jump server, for the tunnel's ssh (not the user's ~/.ssh/known_hosts). */
export const TUNNEL_KNOWN_HOSTS = '%h/.outpost/known_hosts';
export const TUNNEL_HOSTKEY_ALIAS = 'outpost-tunnel-self';
const SSH_BIN = '/usr/bin/ssh';


const home = (p: string) => p.replace(/^%h\//, '$HOME/');

/** The comment that marks Outpost's line in authorized_keys (exact match: nothing else is touched). */
export const keyComment = (profileId: string) => `outpost-tunnel:${profileId}`;

/** The authorized_keys options: these forwards only, from the jump server itself, no command, no -R. */
/** The tunnel's own ssh, local (-L) or remote (-R) alike: no prompts, keepalives, the key Outpost verified under its alias. */
function tunnelSsh(hostKeyAlias: string, identityFile: string): string[] {
  return [
    SSH_BIN, '-N',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'ServerAliveInterval=30',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${TUNNEL_KNOWN_HOSTS}`,
    '-o', `HostKeyAlias=${hostKeyAlias}`,
    '-i', identityFile,
  ];
}

export function keyOptions(forwards: Forward[], privateIp: string): string {
  const permit = forwards.map((f) => `permitopen="${bracket(f.targetHost)}:${f.targetPort}"`).join(',');
  const from = [...new Set([privateIp, '127.0.0.1', '::1'])].join(',');
  // permitlisten="none" makes OpenSSH 9.2 reject the whole line; a port nobody can use is the portable "no -R".
  return `restrict,port-forwarding,command="/bin/false",from="${from}",${permit},permitlisten="127.0.0.1:1"`;
}

const exec = (command: Piece[], timeoutSec = 60) => ({
  kind: 'exec' as const,
  shell: 'bash' as const,
  command,
  success: { exitCode: 0 },
  failureMarkers: ['OUTPOST_FAIL'],
  timeoutSec,
  interactive: false,
  root: false,
  diagnosis: [],
});

export function tunnelPrepSteps(ctx: Ctx, j: JumpHost, form: 'persistent' | 'oneoff', forwards: Forward[], selfPort: number): Step[] {
  const steps: Step[] = [];
  const persistent = form === 'persistent';
  // The vendor's command uses the jump user's own known_hosts under the name ssh looks up; the unit
  // uses Outpost's file under a fixed alias.
  const khFile = persistent ? home(TUNNEL_KNOWN_HOSTS) : '$HOME/.ssh/known_hosts';
  const khName = persistent ? TUNNEL_HOSTKEY_ALIAS : selfPort === 22 ? j.privateIp : `[${j.privateIp}]:${selfPort}`;
  steps.push(
    step({
      id: `tunnel.${j.id}.hostkey`,
      on: j.id,
      phase: 'tunnel',
      title: `Record the jump server's own host key for the tunnel's SSH hop on ${j.label}`,
      titleKey: 'plan.step.tunnelHostKey',
      params: { index: j.index, host: j.label },
      action: exec([
        // Values as positional parameters: each one word, quoted for bash by the renderer.
        { op: 'set --' }, khName, { fact: `hostkey.${j.id}` },
        { op: `; set -e; umask 077; f="${khFile}"; name=$1; key=$2; mkdir -p "$(dirname "$f")"; touch "$f"` },
        // Replace only the line for this name (the key verified when Outpost connected), atomically.
        { op: '; line="$name $key"; if ! grep -qxF "$line" "$f"; then t=$(mktemp "$f.XXXXXX"); awk -v n="$name" \'$1 != n\' "$f" > "$t"; printf \'%s\\n\' "$line" >> "$t"; mv -f "$t" "$f"; fi; echo "host key recorded in $f"' },
      ]),
      description: `Writes "${khName} <the host key Outpost verified when it connected>" to ${khFile}, replacing only that name's line, so the tunnel's ssh checks the jump server's key (host key checking stays on).`,
    }),
  );
  if (!persistent) return steps;
  const key = home(tunnelIdentityFile(ctx.profile.id));
  steps.push(
    step({
      id: `tunnel.${j.id}.key`,
      on: j.id,
      phase: 'tunnel',
      title: `Create the tunnel's own SSH key on ${j.label}`,
      titleKey: 'plan.step.tunnelKey',
      params: { index: j.index, host: j.label },
      action: exec([
        { op: `set -e; umask 077; k="${key}"; mkdir -p "$HOME/.ssh"; if ! ssh-keygen -y -f "$k" >/dev/null 2>&1; then rm -f "$k" "$k.pub"; ssh-keygen -q -t ed25519 -N '' -C` },
        keyComment(ctx.profile.id),
        { op: '-f "$k"; echo "key created: $k"; else echo "key kept: $k"; fi' },
      ]),
      description: `An ed25519 key without a passphrase in ${key}, used only by the tunnel; an existing valid key is kept.`,
    }),
  );
  const opts = keyOptions(forwards, j.privateIp);
  const comment = keyComment(ctx.profile.id);
  steps.push(
    step({
      id: `tunnel.${j.id}.authorize`,
      on: j.id,
      phase: 'tunnel',
      title: `Allow the tunnel key these forwards only, in authorized_keys on ${j.label}`,
      titleKey: 'plan.step.tunnelAuthorize',
      params: { index: j.index, host: j.label },
      action: exec([
        { op: 'set --' }, opts, comment,
        { op: `; set -e; umask 077; opts=$1; c=$2; k="${key}"; a="$HOME/.ssh/authorized_keys"; touch "$a"; pub=$(ssh-keygen -y -f "$k" | cut -d' ' -f1,2)` },
        // Derived from the private key; an empty or odd public key would otherwise match every line.
        { op: '; case "$pub" in "ssh-ed25519 AAAA"?*) ;; *) echo "OUTPOST_FAIL the tunnel key\'s public half could not be derived"; exit 1;; esac' },
        { op: '; line="$opts $pub $c"; if grep -qxF "$line" "$a"; then echo "authorized_keys unchanged"; exit 0; fi; cp -p "$a" "$a.outpost-backup"; t=$(mktemp "$a.XXXXXX"); awk -v c=" $c" -v o=" outpost-tunnel" \'{ n = length($0); if ((n >= length(c) && substr($0, n - length(c) + 1) == c) || (n >= length(o) && substr($0, n - length(o) + 1) == o)) next; print }\' "$a" > "$t"; printf \'%s\\n\' "$line" >> "$t"; chmod 600 "$t"; mv -f "$t" "$a"; echo "authorized_keys updated (backup: $a.outpost-backup)"' },
      ]),
      description: `Adds (or replaces) exactly one line ending in "${comment}": ${opts} <the tunnel key>. Other lines are never touched; the file is replaced atomically and the previous one kept as authorized_keys.outpost-backup.`,
    }),
  );
  return steps;
}

export function forwardStep(ctx: Ctx, j: JumpHost, form: 'persistent' | 'oneoff', forwards: Forward[], selfPort: number): Step {
  const portArgs = selfPort === 22 ? [] : ['-p', String(selfPort)];
  const ls = forwards.flatMap((f) => ['-L', forwardSpec(f)]);
  // The vendor's command as documented (seed / lts_02_0828): ssh -f -N -L … {jump}, character for
  // character. It goes on without a port it could not bind: the forward step's check of who holds
  // each port afterwards is what fails it then.
  const oneoffCommand = renderPieces(['ssh', '-f', '-N', ...ls, ...portArgs, j.privateIp], 'bash', 'display');
  const identityFile = tunnelIdentityFile(ctx.profile.id);
  const sshArgv = [...tunnelSsh(TUNNEL_HOSTKEY_ALIAS, identityFile), ...ls, ...portArgs, `${j.ssh.user}@${j.privateIp}`];
  const unitName = `outpost-tunnel-${ctx.profile.id}.service`;
  const persistent = form === 'persistent';
  const fallback = `where systemd is absent: ssh -f in the background with the same options (does not survive a reboot: run "check tunnel" after one)`;
  return step({
    id: `tunnel.${j.id}`,
    on: j.id,
    phase: 'tunnel',
    title: persistent ? `Install the persistent SSH tunnel (systemd unit ${unitName}) on ${j.label}` : `Start the SSH tunnel on ${j.label}, as the vendor documents it`,
    titleKey: persistent ? 'plan.step.tunnelPersistent' : 'plan.step.tunnelVendor',
    params: { index: j.index, jump: j.privateIp, unit: unitName },
    action: {
      kind: 'forward',
      direction: 'local',
      form,
      forwards,
      via: { host: j.privateIp, port: selfPort, user: j.ssh.user },
      oneoffCommand,
      sshArgv,
      identityFile,
      unitName,
      unitText: unitFile(ctx, j.privateIp, forwards, sshArgv, 'multi-user.target'),
      userUnitText: unitFile(ctx, j.privateIp, forwards, sshArgv, 'default.target'),
      fallback,
    },
    description: persistent
      ? `A systemd unit (a user unit with lingering when the jump user is not root) runs the forwards with ExitOnForwardFailure, keepalives and Restart=always, so the tunnel survives drops and reboots; ${fallback}.`
      : "The vendor command starts ssh in the background and asks the jump user's password once; it does not survive a reboot of the jump server.",
  });
}

function unitFile(ctx: Ctx, jumpIp: string, forwards: Forward[], argv: string[], wantedBy: string): string {
  // All words are validated IPs, host names, ports, a Linux user name and fixed options: none holds a
  // space, quote or backslash, so systemd's own word splitting sees exactly these words. `%` is
  // systemd's specifier sign: only the %h paths are meant as one. Profile text never lands here but
  // its id (a checked slug): a name with a newline could otherwise inject directives.
  for (const w of argv) {
    if (!/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(w) || (w.includes('%') && !w.includes('%h/'))) throw new Error(`unit word not safe: ${w}`);
  }
  const lines = [
    `# Generated by Outpost: SSH tunnel for profile ${ctx.profile.id} on jump server ${jumpIp}.`,
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
    // ssh only reads its key and known_hosts and holds sockets: nothing else it may touch. A user
    // manager cannot apply the filesystem protections (they need PrivateUsers), only this one.
    'NoNewPrivileges=yes',
    ...(wantedBy === 'multi-user.target'
      ? ['ProtectSystem=strict', 'ProtectHome=read-only', 'PrivateTmp=yes', 'PrivateDevices=yes', 'ProtectKernelTunables=yes', 'ProtectKernelModules=yes', 'ProtectControlGroups=yes', 'RestrictSUIDSGID=yes', 'LockPersonality=yes']
      : []),
    '',
    '[Install]',
    `WantedBy=${wantedBy}`,
    '',
  ];
  return lines.join('\n');
}

// ---- remote forwards (ssh -R) -----------------------------------------------------------------
// The same forward action with direction remote: a proxy in the platform's network (answers:
// jumpServers[i].proxy) logs in to the jump server and makes it listen on its private address; what
// the targets send there goes back through the proxy to the destination (seed 003: `ssh -N -R
// <proxyVM address>:<port>:<influxdb host>:<port> user@proxyVM`). Its key lives on the proxy; its
// authorized_keys line on the jump server allows exactly these listen addresses and nothing else.

/** The comment that marks a remote tunnel's line in the jump server's authorized_keys. */
export const remoteKeyComment = (profileId: string) => `outpost-rtunnel:${profileId}`;
/** The fact the key step on the proxy publishes: the public half of its tunnel key. */
export const tunnelKeyFact = (proxyId: string) => `tunnelkey.${proxyId}`;
/** The fact the key step on the proxy publishes: the address the jump server sees it come from. */
export const tunnelSourceFact = (proxyId: string) => `tunnelsrc.${proxyId}`;
export const remoteHostKeyAlias = (jumpId: string) => `outpost-tunnel-${jumpId}`;

/** authorized_keys options for a remote tunnel: listen on exactly these addresses; no command, no -L (a destination nobody can use). */
export function remoteKeyOptions(forwards: Forward[]): string {
  const listen = forwards.map((f) => `permitlisten="${bracket(f.listenHost)}:${f.listenPort}"`).join(',');
  return `restrict,port-forwarding,command="/bin/false",${listen},permitopen="127.0.0.1:1"`;
}

export function remoteTunnelSteps(ctx: Ctx, j: JumpHost, proxy: JumpHost, form: 'persistent' | 'oneoff', forwards: Forward[]): Step[] {
  const persistent = form === 'persistent';
  const via = { host: j.ssh.host, port: j.ssh.port, user: j.ssh.user };
  const steps: Step[] = [];
  const hkFile = persistent ? home(TUNNEL_KNOWN_HOSTS) : '$HOME/.ssh/known_hosts';
  const hkName = persistent ? remoteHostKeyAlias(j.id) : via.port === 22 ? via.host : `[${via.host}]:${via.port}`;
  const identityFile = tunnelIdentityFile(ctx.profile.id);
  const key = home(identityFile);
  const comment = remoteKeyComment(ctx.profile.id);
  const fact = tunnelKeyFact(proxy.id);
  const srcFact = tunnelSourceFact(proxy.id);
  // Before anything is made for the tunnel: can the jump server's sshd listen where the targets send?
  steps.push(gatewayPortsStep(j, forwards));
  if (persistent) {
    steps.push(
      step({
        id: `tunnel.${j.id}.key`,
        on: proxy.id,
        phase: 'tunnel',
        title: `Create the remote tunnel's own SSH key on ${proxy.label}`,
        titleKey: 'plan.step.tunnelKey',
        params: { index: j.index, host: proxy.label },
        action: exec([
          { op: `set -e; umask 077; k="${key}"; mkdir -p "$HOME/.ssh"; if ! ssh-keygen -y -f "$k" >/dev/null 2>&1; then rm -f "$k" "$k.pub"; ssh-keygen -q -t ed25519 -N '' -C` },
          comment,
          { op: '-f "$k"; echo "key created: $k"; else echo "key kept: $k"; fi; pub=$(ssh-keygen -y -f "$k" | cut -d\' \' -f1,2); echo OUTPOST_FACT' },
          fact,
          { op: '"$pub"' },
          // The address the jump server sees this proxy come from (its route's source), for from= on the key's line.
          { op: '; set --' }, via.host, proxy.ssh.host,
          { op: '; src=$(ip -o route get "$1" 2>/dev/null | sed -n \'s/.* src \\([^ ]*\\).*/\\1/p\'); echo OUTPOST_FACT' },
          srcFact,
          { op: '"${src:-$2}"' },
        ]),
        description: `An ed25519 key without a passphrase in ${key} on the proxy, used only by the remote tunnel (an existing valid key is kept); its public half is passed to the next step.`,
      }),
    );
    const opts = remoteKeyOptions(forwards);
    steps.push(
      step({
        id: `tunnel.${j.id}.authorize`,
        on: j.id,
        phase: 'tunnel',
        title: `Allow the proxy's tunnel key to listen on ${forwards.map((f) => `${bracket(f.listenHost)}:${f.listenPort}`).join(', ')} only, in authorized_keys on ${j.label}`,
        titleKey: 'plan.step.tunnelAuthorize',
        params: { index: j.index, host: j.label },
        action: exec([
          { op: 'set --' }, opts, { fact }, comment, { fact: srcFact },
          { op: '; set -e; umask 077; opts=$1; pub=$2; c=$3; src=$4; mkdir -p "$HOME/.ssh"; a="$HOME/.ssh/authorized_keys"; touch "$a"' },
          { op: '; case "$pub" in "ssh-ed25519 AAAA"?*) ;; *) echo "OUTPOST_FAIL the proxy\'s tunnel key is not an ed25519 public key"; exit 1;; esac' },
          // Only from the proxy: a copy of its key elsewhere cannot make this server listen.
          { op: '; case "$src" in ""|*[!0-9A-Za-z:.-]*) echo "OUTPOST_FAIL the proxy\'s address as this server sees it is unknown or odd: $src"; exit 1;; esac; opts="from=\\"$src\\",$opts"' },
          { op: '; line="$opts $pub $c"; if grep -qxF "$line" "$a"; then echo "authorized_keys unchanged"; exit 0; fi; cp -p "$a" "$a.outpost-backup"; t=$(mktemp "$a.XXXXXX"); awk -v c=" $c" \'{ n = length($0); if (n >= length(c) && substr($0, n - length(c) + 1) == c) next; print }\' "$a" > "$t"; printf \'%s\\n\' "$line" >> "$t"; chmod 600 "$t"; mv -f "$t" "$a"; echo "authorized_keys updated (backup: $a.outpost-backup)"' },
        ]),
        description: `Adds (or replaces) exactly one line ending in "${comment}": from="<the proxy's address as this server sees it>",${opts} <the proxy's tunnel key>. The key may only ask this server to listen on those addresses, only from the proxy: no command, no other listen address, no -L. Other lines are never touched; the file is replaced atomically and the previous one kept as authorized_keys.outpost-backup.`,
      }),
    );
  }
  steps.push(
    step({
      id: `tunnel.${j.id}.hostkey`,
      on: proxy.id,
      phase: 'tunnel',
      title: `Record the host key of ${j.label} for the remote tunnel on ${proxy.label}`,
      titleKey: 'plan.step.tunnelHostKey',
      params: { index: j.index, host: proxy.label },
      action: exec([
        { op: 'set --' }, hkName, { fact: `hostkey.${j.id}` },
        { op: `; set -e; umask 077; f="${hkFile}"; name=$1; key=$2; mkdir -p "$(dirname "$f")"; touch "$f"` },
        { op: '; line="$name $key"; if ! grep -qxF "$line" "$f"; then t=$(mktemp "$f.XXXXXX"); awk -v n="$name" \'$1 != n\' "$f" > "$t"; printf \'%s\\n\' "$line" >> "$t"; mv -f "$t" "$f"; fi; echo "host key recorded in $f"' },
      ]),
      description: `Writes "${hkName} <the host key Outpost verified when it connected to the jump server>" to ${hkFile} on the proxy, replacing only that name's line, so the tunnel's ssh checks the jump server's key.`,
    }),
  );
  const portArgs = via.port === 22 ? [] : ['-p', String(via.port)];
  const rs = forwards.flatMap((f) => ['-R', forwardSpec(f)]);
  // The seed's command (`ssh –NfR …`, an en-dash in the source) in ASCII, addresses from the answers.
  const oneoffCommand = renderPieces(['ssh', '-f', '-N', ...rs, ...portArgs, `${via.user}@${via.host}`], 'bash', 'display');
  const sshArgv = [...tunnelSsh(remoteHostKeyAlias(j.id), identityFile), ...rs, ...portArgs, `${via.user}@${via.host}`];
  const unitName = `outpost-rtunnel-${ctx.profile.id}-${j.id}.service`;
  const fallback = `where systemd is absent: ssh -f in the background with the same options (does not survive a reboot: run "check tunnel" after one)`;
  const spec = forwards[0] ? `-R ${forwardSpec(forwards[0])}` : '-R';
  steps.push({
    ...step({
      id: `tunnel.${j.id}`,
      on: proxy.id,
      phase: 'tunnel',
      title: persistent ? `Install the persistent remote tunnel into ${j.label} (systemd unit ${unitName}) on ${proxy.label}` : `Start the remote tunnel into ${j.label} on ${proxy.label}, as the vendor documents it`,
      titleKey: persistent ? 'plan.step.tunnelPersistent' : 'plan.step.tunnelVendor',
      params: { index: j.index, jump: via.host, unit: unitName },
      action: {
        kind: 'forward',
        direction: 'remote',
        form,
        forwards,
        via,
        oneoffCommand,
        sshArgv,
        identityFile,
        unitName,
        unitText: unitFile(ctx, via.host, forwards, sshArgv, 'multi-user.target'),
        userUnitText: unitFile(ctx, via.host, forwards, sshArgv, 'default.target'),
        fallback,
      },
      description: persistent
        ? `A systemd unit on the proxy (a user unit with lingering when its user is not root) runs ssh -R with ExitOnForwardFailure, keepalives and Restart=always; the jump server listens on ${forwards.map((f) => `${bracket(f.listenHost)}:${f.listenPort}`).join(', ')} and its sshd needs GatewayPorts clientspecified to listen on an address other than loopback; ${fallback}.`
        : "The vendor command starts ssh -R in the background and asks the jump server user's password once; it does not survive a reboot of the proxy.",
    }),
    // The login user's own ssh only: another user's process with the same words is not our tunnel.
    guard: { probes: [{ kind: 'process', name: 'remote tunnel ssh', match: spec, mine: true }], says: 'the remote tunnel runs already with these forwards' },
  });
  return steps;
}
