// The forward action on a jump server: start the tunnel the plan shows, idempotently (the step's guard
// already skipped a healthy one). Persistent = a systemd unit (system unit as root, user unit with
// lingering otherwise); where systemd is not PID 1, the plan's shown fallback: `ssh -f` in the
// background with the same options, which does not survive a reboot (said plainly). One-off = the
// vendor's `ssh -f -N -L …`, its password prompt answered in a PTY. Host key checking is never off.
import type { ClientChannel } from 'ssh2';
import type { Action } from '../../../common/api/plan';
import { forwardSpec } from '../../../common/forward';
import { OutpostError } from '../../errors';
import type { Executor } from '../../exec';
import { installUnitScript } from './unit';
import { quotePosix } from '../../quote';
import { exec, type ExecOptions, type SshConnection } from '../../ssh';
import { parsePortCheck, portCheckScript, type PortCheck } from '../probe/ports';
import { holdOf } from './health';

type ForwardAction = Extract<Action, { kind: 'forward' }>;

export interface PortReport {
  name: string;
  host: string;
  port: number;
  listening: boolean;
  process?: string;
}

export interface TunnelResult {
  action: 'kept' | 'started' | 'repaired';
  /** How it runs now. */
  form: 'systemd' | 'systemd-user' | 'background';
  ports: PortReport[];
  warnings: TunnelWarning[];
}

export interface TunnelWarning {
  code: 'noSystemd' | 'vendor' | 'linger';
  text: string;
  params: Record<string, string>;
}

export interface TunnelDeps {
  conn: SshConnection;
  ex: Executor;
  action: ForwardAction;
  /** The jump user's password, when known: answers the vendor command's prompt. */
  jumpPassword?: string | undefined;
  output: (text: string) => void;
  signal: AbortSignal;
  /**
   * The most to wait for the ports after a start (ms; default TUNNEL_SETTLE_MS). The wait ends sooner
   * when every port is held or when the tunnel's ssh has exited: a slow machine only waits longer.
   */
  settleMs?: number;
  /** A remote forward (ssh -R): the connection to the host that listens (the jump server), for the port report. */
  listenConn?: SshConnection;
}

interface Facts {
  systemd: boolean;
  uid: number;
  home: string;
  user: string;
}

// Scripts go on stdin to `bash -s`: their text (patterns for pkill among it) never shows up in a
// process's arguments, where pkill -f would match the script itself.
async function run(d: TunnelDeps, script: string, opts: Partial<ExecOptions> = {}) {
  return exec(d.conn, 'bash -s', { signal: d.signal, timeoutMs: 60_000, onData: (t) => d.output(t), stdin: script + '\n', ...opts });
}

async function quiet(d: TunnelDeps, script: string) {
  return exec(d.conn, 'bash -s', { signal: d.signal, timeoutMs: 30_000, stdin: script + '\n' });
}

async function facts(d: TunnelDeps): Promise<Facts> {
  const r = await quiet(d, 'if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi; echo "uid=$(id -u)"; echo "user=$(id -un)"; echo "home=$HOME"');
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(r.output)?.[1]?.trim() ?? '';
  return { systemd: get('systemd') === 'yes', uid: Number(get('uid')), home: get('home'), user: get('user') };
}

/**
 * Who holds the tunnel's ports where they listen (the jump server: for a remote forward, through its
 * own connection), and with `carry`, whether a connection through each reaches its destination.
 */
export async function checkPorts(d: Pick<TunnelDeps, 'conn' | 'signal' | 'listenConn'>, t: ForwardAction, carry = false): Promise<PortCheck> {
  const conn = t.direction === 'remote' && d.listenConn ? d.listenConn : d.conn;
  const r = await exec(conn, 'sh -s', { signal: d.signal, timeoutMs: 90_000, stdin: portCheckScript({ ...holdOf(t), carry }) });
  return parsePortCheck(r.output);
}

export function portReport(t: ForwardAction, c: PortCheck): PortReport[] {
  return t.forwards.map((f) => {
    const s = c.ports.get(f.name);
    const holder = s?.state === 'ours' ? /\(([^)]+)\)$/.exec(s.detail)?.[1] : undefined;
    return { name: f.name, host: f.listenHost, port: f.listenPort, listening: s?.state === 'ours', ...(holder ? { process: holder } : {}) };
  });
}

/** Ports another user holds: nothing Outpost can (or may) take over. */
function foreignError(c: PortCheck, jump: string): OutpostError | null {
  const foreign = [...c.ports.values()].filter((p) => p.state === 'foreign');
  if (!foreign.length) return null;
  return new OutpostError(
    'tunnel_port_foreign',
    `${foreign.map((p) => p.detail).join('; ')}: the tunnel was not started, and nothing was downloaded through it.`,
    `Another user or program on ${jump} holds what the tunnel needs: find it there (ss -ltnpe) and stop it, or move the tunnel's ports with portOverrides.`,
  );
}

function uncheckedError(c: PortCheck, jump: string): OutpostError {
  return new OutpostError('tunnel_unchecked', `Could not check the tunnel's ports on ${jump}: ${c.why}.`, 'Check by hand on the jump server: ss -ltnpe (or netstat -lnpte).');
}

/**
 * A pattern matching the tunnel's ssh process(es) by where their first forward listens (for
 * pkill -f), whatever it forwards to: so a tunnel whose destinations changed is found and replaced.
 */
export function processPattern(t: Pick<ForwardAction, 'forwards'> & Partial<Pick<ForwardAction, 'direction'>>): string {
  const first = t.forwards[0];
  if (!first) throw new OutpostError('tunnel_empty', 'The tunnel has no forwards.', 'Check the profile.');
  const listen = forwardSpec(first).split(':').slice(0, first.listenHost.includes(':') ? -2 : 2).join(':');
  return `ssh .*-${t.direction === 'remote' ? 'R' : 'L'} ${listen.replace(/[.[\]]/g, '\\$&')}:`;
}

function backgroundScript(t: ForwardAction, f: Facts): string {
  // The unit's argv without -N's supervision: -f backgrounds after the forwards are up
  // (ExitOnForwardFailure makes a failed bind an error, not a silent half-tunnel).
  const argv = t.sshArgv.slice(1).map((w) => w.replace('%h/', `${f.home}/`));
  const log = `${f.home}/.outpost/${t.unitName.replace(/\.service$/, '')}.log`;
  return [
    // The log holds addresses and ssh's messages: the user's own (0600, in a 0700 folder).
    'umask 077',
    `mkdir -p ${quotePosix(`${f.home}/.outpost`)}`,
    stopOurs(t),
    `rm -f ${quotePosix(log)}; : > ${quotePosix(log)}`,
    `ssh -f -E ${quotePosix(log)} ${argv.map(quotePosix).join(' ')}`,
    'rc=$?',
    `if [ $rc -ne 0 ]; then cat ${quotePosix(log)} >&2; fi`,
    'exit $rc',
  ].join('\n');
}

/** Ends this user's earlier tunnel ssh for these ports (never another user's, even as root). */
export function stopOurs(t: Pick<ForwardAction, 'forwards' | 'direction'>): string {
  return `pkill -u "$(id -u)" -f -- ${quotePosix(processPattern(t))} 2>/dev/null; sleep 0.3`;
}

function explainFailure(text: string, t: ForwardAction, f: Facts, jump: string): OutpostError | null {
  const low = t.forwards.filter((x) => x.listenPort < 1024);
  if (/Permission denied/i.test(text) && /bind|listen/i.test(text) && low.length && f.uid !== 0) {
    return new OutpostError(
      'tunnel_privilege',
      `The jump user ${f.user} on ${jump} cannot listen on port ${low.map((x) => x.listenPort).join(', ')}: ports below 1024 need root.`,
      `Log in to the jump server as root, or move the port with portOverrides, e.g. "${low[0]?.listenPort}": { listen: 8080 }.`,
    );
  }
  if (/Address already in use/i.test(text)) {
    return new OutpostError('tunnel_port_busy', `A port the tunnel needs on ${jump} is already used by another program.`, 'Stop that program, or move the port with portOverrides.');
  }
  if (/Host key verification failed/i.test(text)) {
    return new OutpostError('tunnel_hostkey', `The tunnel's SSH hop on ${jump} refused the host key of ${jump} itself.`, 'The jump server\'s host key may have changed; check ~/.ssh/known_hosts of the jump user.');
  }
  if (/Permission denied \(/i.test(text)) {
    return new OutpostError('tunnel_auth', `The tunnel's SSH hop on ${jump} could not log in as ${f.user}.`, 'Check that sshd on the jump server accepts public keys (PubkeyAuthentication) or the password.');
  }
  if (t.direction === 'remote' && /remote port forwarding failed|Error: remote port forwarding/i.test(text)) {
    return new OutpostError(
      'tunnel_listen_refused',
      `sshd on ${jump} refused to listen on ${t.forwards.map((x) => `${forwardSpec(x).split(':').slice(0, 2).join(':')}`).join(', ')} for the remote tunnel.`,
      "Check that the jump server's sshd has AllowTcpForwarding yes (or remote) and GatewayPorts clientspecified, that nothing else listens there, and that its authorized_keys line for the tunnel key (permitlisten) names that address.",
    );
  }
  if (/forwarding disabled|administratively prohibited|open failed/i.test(text)) {
    return new OutpostError('tunnel_forwarding_disabled', `sshd on ${jump} refuses TCP forwarding.`, 'Set AllowTcpForwarding yes in /etc/ssh/sshd_config on the jump server and restart sshd.');
  }
  return null;
}

/** The most a start waits for its ports (a loaded jump server or a slow first login may need long; ssh's exit ends it sooner). */
export const TUNNEL_SETTLE_MS = 45_000;

/** Whether this user's tunnel ssh for these ports still runs (`pgrep` as stopOurs finds it). */
async function sshAlive(d: TunnelDeps, t: ForwardAction): Promise<boolean> {
  const r = await quiet(d, `if pgrep -u "$(id -u)" -f -- ${quotePosix(processPattern(t))} >/dev/null 2>&1; then echo OUTPOST_ALIVE; else echo OUTPOST_GONE; fi`).catch(() => ({ output: 'OUTPOST_ALIVE' }));
  return !/OUTPOST_GONE/.test(r.output);
}

/**
 * Waits until every port is held by the tunnel's ssh, that ssh has exited (twice not found: a unit
 * restarting it is not an exit), another user holds one, or TUNNEL_SETTLE_MS passed; says "2 of 3
 * ports up" as they come. The last check, and whether ssh was seen gone.
 */
async function waitForPorts(d: TunnelDeps, t: ForwardAction): Promise<{ check: PortCheck; exited: boolean }> {
  const deadline = Date.now() + (d.settleMs ?? TUNNEL_SETTLE_MS);
  const up = (c: PortCheck) => (c.complete ? t.forwards.filter((f) => c.ports.get(f.name)?.state === 'ours').length : -1);
  const total = t.forwards.length;
  let shown = -1;
  const say = (n: number) => {
    if (n < 0 || n === shown) return;
    shown = n;
    d.output(`${n} of ${total} ports up\r\n`);
  };
  let c = await checkPorts(d, t);
  let gone = 0;
  while (up(c) !== total && Date.now() < deadline && !d.signal.aborted && ![...c.ports.values()].some((p) => p.state === 'foreign')) {
    say(up(c));
    gone = (await sshAlive(d, t)) ? 0 : gone + 1;
    if (gone >= 2) return { check: c, exited: true };
    await new Promise((r) => setTimeout(r, 400));
    c = await checkPorts(d, t);
  }
  if (shown !== -1) say(up(c));
  return { check: c, exited: false };
}

/** Answers the password prompt of the vendor's command from the stored secret, in its PTY. */
function passwordAnswerer(password: string | undefined, output: (s: string) => void): Partial<ExecOptions> {
  let channel: ClientChannel | null = null;
  let answered = 0;
  let seen = '';
  return {
    pty: { cols: 120, rows: 30 },
    onChannel: (ch: ClientChannel) => {
      channel = ch;
    },
    onData: (text: string) => {
      output(text);
      seen = (seen + text).slice(-300);
      if (/yes\/no|fingerprint\]\)\?/i.test(seen)) {
        // Never answer a host key question on the user's behalf: the known_hosts line is written first.
        channel?.write('no\n');
        seen = '';
      } else if (/password:\s*$/i.test(seen)) {
        seen = '';
        if (password !== undefined && answered < 1) {
          answered++;
          channel?.write(password + '\n');
        } else {
          channel?.close();
        }
      }
    },
  };
}

interface Started {
  result: { exitCode: number | null; output: string };
  form: TunnelResult['form'];
  warnings: TunnelWarning[];
  /** ssh's own words: its output, the background log, the unit's journal. */
  diagnosis: () => Promise<string>;
}

/** Starts the tunnel in the form the plan and the jump server allow (our earlier ssh replaced). */
async function start(d: TunnelDeps, t: ForwardAction, f: Facts): Promise<Started> {
  const jump = t.via.host;
  const warnings: TunnelWarning[] = [];
  const wantSystemd = t.form === 'persistent' && f.systemd;
  let result: Started['result'];
  if (wantSystemd) {
    // A tunnel of ours started another way (ssh -f) would keep the ports from the unit's ssh.
    await run(d, `${stopOurs(t)}; true`);
    result = await run(d, installUnitScript(t.unitName, f.uid === 0 ? t.unitText : t.userUnitText, f.uid !== 0));
    if (f.uid !== 0 && /OUTPOST_WARN lingering not enabled/.test(result.output)) {
      warnings.push({ code: 'linger', params: { user: f.user, jump }, text: `lingering could not be enabled for ${f.user} on ${jump}: the tunnel stops when that user logs out and does not start at boot (run \`loginctl enable-linger ${f.user}\` as root)` });
    }
  } else if (t.form === 'persistent') {
    warnings.push({ code: 'noSystemd', params: { jump }, text: `${jump} does not run systemd: the tunnel was started with ssh -f in the background and will not survive a reboot of the jump server (run "check tunnel" after a restart)` });
    result = await run(d, backgroundScript(t, f));
  } else {
    warnings.push({ code: 'vendor', params: { jump }, text: `the vendor tunnel (ssh -f -N) will not survive a reboot of ${jump}: run it again, or "check tunnel", after a restart` });
    await run(d, `${stopOurs(t)}; true`);
    // The vendor's command as documented, in a PTY so its password prompt can be answered.
    // When the PTY closes, the backgrounded ssh gets a SIGHUP and dies (seen with OpenSSH 9.2); in a
    // PuTTY login it lives on while the user's shell does. Ignoring HUP (inherited across exec) keeps it.
    result = await exec(d.conn, `trap '' HUP; ${t.oneoffCommand}`, { signal: d.signal, timeoutMs: 60_000, ...passwordAnswerer(d.jumpPassword, d.output) });
  }
  const diagnosis = async () =>
    result.output + (await quiet(d, `cat "$HOME/.outpost/${t.unitName.replace(/\.service$/, '')}.log" 2>/dev/null; ${wantSystemd ? `journalctl ${f.uid === 0 ? '' : '--user '}-u ${quotePosix(t.unitName)} -n 20 --no-pager 2>/dev/null` : 'true'}`).catch(() => ({ output: '' }))).output;
  return { result, form: wantSystemd ? (f.uid === 0 ? 'systemd' : 'systemd-user') : 'background', warnings, diagnosis };
}

/** Every port held by the tunnel's own ssh, or the reason why not. */
async function expectHeld(d: TunnelDeps, t: ForwardAction, f: Facts, s: Started): Promise<void> {
  const jump = t.via.host;
  const waited = await waitForPorts(d, t);
  const after = waited.check;
  if (!after.complete) throw uncheckedError(after, jump);
  const foreign = foreignError(after, jump);
  if (foreign) throw foreign;
  const notOurs = t.forwards.filter((x) => after.ports.get(x.name)?.state !== 'ours');
  if (!notOurs.length) return;
  const said = await s.diagnosis();
  const explained = explainFailure(said, t, f, jump);
  if (explained) throw explained;
  const held = notOurs.filter((x) => after.ports.get(x.name)?.state === 'other');
  if (held.length) throw new OutpostError('tunnel_port_busy', `${held.map((x) => after.ports.get(x.name)?.detail).join('; ')}.`, 'Stop that program, or move the port with portOverrides.');
  const missing = notOurs.map((p) => `${p.name} (${p.listenHost}:${p.listenPort})`).join(', ');
  const when = waited.exited ? `its ssh exited with ${t.forwards.length - notOurs.length} of ${t.forwards.length} ports up` : `after ${Math.round((d.settleMs ?? TUNNEL_SETTLE_MS) / 1000)} s, ${t.forwards.length - notOurs.length} of ${t.forwards.length} ports up`;
  throw new OutpostError('tunnel_ports_missing', `The tunnel on ${jump} is not listening on: ${missing} (${when}).${sshSaid(d, said)}`, t.direction === 'remote' ? "Check that the jump server's sshd allows TCP forwarding and has GatewayPorts clientspecified (without it, sshd listens on loopback only)." : "Check that sshd on the jump server allows TCP forwarding and that the forwards' destination is reachable from it.");
}

/** ssh's own words where a message refers to them: into the run's output, and its last lines into the message (or that it printed nothing). */
function sshSaid(d: TunnelDeps, text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return ' ssh printed nothing.';
  d.output(`ssh said:\r\n${lines.slice(-20).join('\r\n')}\r\n`);
  return ` ssh said: ${lines.slice(-3).join(' / ')}`;
}

/** Listening is not carrying: a connection through each forward must reach its destination. */
async function expectCarried(d: TunnelDeps, t: ForwardAction, s: Started): Promise<PortCheck> {
  const carried = await checkPorts(d, t, true);
  const failed = t.forwards.flatMap((x) => {
    const c = carried.ports.get(x.name)?.state === 'ours' ? carried.carries.get(x.name) : undefined;
    return !carried.complete || !c || c.state === 'failed' ? [`${x.name}: ${c?.detail ?? (carried.complete ? carried.ports.get(x.name)?.detail ?? 'not checked' : carried.why)}`] : [];
  });
  if (failed.length) {
    // ssh's own words ("channel 3: open failed: administratively prohibited") say which side refused.
    d.output((await s.diagnosis()).replace(/\n/g, '\r\n'));
    throw new OutpostError(
      'tunnel_not_carrying',
      `The tunnel on ${t.via.host} listens but does not carry: ${failed.join('; ')}.`,
      t.direction === 'remote'
        ? "Check the jump server's sshd (AllowTcpForwarding, GatewayPorts) and that the proxy reaches the destinations."
        : "Check the jump server's authorized_keys line for this profile's tunnel key (permitopen), sshd's AllowTcpForwarding, and that the jump server reaches the destinations.",
    );
  }
  for (const c of carried.carries.values()) if (c.state === 'uncheckable') d.output(`warning: ${c.detail}\r\n`);
  return carried;
}

export async function runForward(d: TunnelDeps): Promise<TunnelResult> {
  const t = d.action;
  const jump = t.via.host;
  const f = await facts(d);
  // Before anything changes: a port held by another user is theirs, and a tunnel Outpost started
  // beside it would only pretend (its targets would talk to whoever holds the port).
  const before = await checkPorts(d, t);
  if (!before.complete) throw uncheckedError(before, jump);
  const foreign = foreignError(before, jump);
  if (foreign) throw foreign;
  const low = t.forwards.filter((x) => x.listenPort < 1024);
  if (low.length && f.uid !== 0 && t.direction === 'local') {
    throw explainFailure('Permission denied bind', t, f, jump) ?? new OutpostError('tunnel_privilege', 'privileged port', '');
  }
  const s = await start(d, t, f);
  // ssh's own verdict first (ExitOnForwardFailure: a port it could not bind is an exit status, not a quiet half-tunnel).
  if (s.result.exitCode !== 0 && s.result.exitCode !== null) {
    const text = await s.diagnosis();
    throw explainFailure(text, t, f, jump) ?? new OutpostError('tunnel_start_failed', `The tunnel's ssh on ${jump} ended with exit code ${s.result.exitCode}.${sshSaid(d, text)}`, "The run's output and the journal have all of ssh's output.");
  }
  await expectHeld(d, t, f, s);
  const carried = await expectCarried(d, t, s);
  const some = [...before.ports.values()].some((p) => p.state !== 'missing');
  return { action: some ? 'repaired' : 'started', form: s.form, ports: portReport(t, carried), warnings: s.warnings };
}
