// A terminal on one of a plan's hosts (a jump server or a target, through its jump server): an SSH
// login shell with a PTY behind the same TerminalSource as the local shell, so flow control, redaction
// and the view are the same. Host keys must already be verified (by Test connection or a run): an
// unknown key is refused here, never accepted silently.
import os from 'node:os';
import type { Plan, SecretRef } from '../../common/api/plan';
import { OutpostError } from '../errors';
import type { Logger } from '../log/logger';
import { describeRef, type SecretResolver } from '../render';
import { sshAuthFor } from '../ssh/auth';
import type { SecretRegistry } from '../secrets/registry';
import { shell, SshPool, type KnownHosts, type SshTarget } from '../ssh';
import { InterruptDiscard } from './interrupt';
import type { TerminalSource } from './source';

export interface SshShellDeps {
  knownHosts: KnownHosts;
  resolver: SecretResolver;
  secrets: SecretRegistry;
  log: Logger;
}

export async function openSshShell(plan: Plan, hostId: string, size: { cols: number; rows: number }, deps: SshShellDeps): Promise<TerminalSource> {
  const secret = (ref: SecretRef, name: string): string => {
    const v = deps.resolver(ref);
    if (!v) throw new OutpostError('secret.missing', `${name}: the ${describeRef(ref)} is not set.`, 'Enter it in the wizard again.');
    deps.secrets.add(v);
    return v;
  };
  const jumpTarget = (i: number): SshTarget => {
    const j = plan.hosts.jumps.find((x) => x.index === i);
    if (!j) throw new OutpostError('host_not_found', `There is no jump server ${i + 1} in the answers.`, 'Open the terminal from a host the plan lists.');
    return { host: j.ssh.host, port: j.ssh.port, username: j.ssh.user, auth: sshAuthFor(j.ssh.auth, `connectivity.jumpServers[${i}].ssh`, secret, os.homedir()) };
  };
  const m = /^(jump|target)(\d+)$/.exec(hostId);
  if (!m) throw new OutpostError('host_not_found', `${hostId} is not a host of this plan.`, 'Open the terminal from a host the plan lists.');
  const index = Number(m[2]);
  if (m[1] === 'jump') return openSshShellTo({ label: plan.hosts.jumps.find((x) => x.index === index)?.label ?? hostId, target: jumpTarget(index), via: [] }, size, deps);
  const t = plan.hosts.targets.find((x) => x.index === index);
  if (!t) throw new OutpostError('host_not_found', `There is no host ${index + 1} in the answers.`, 'Open the terminal from a host the plan lists.');
  const via = t.via ? [jumpTarget(Number(t.via.replace('jump', '')))] : [];
  const target = { host: t.ssh.host, port: t.ssh.port, username: t.ssh.user, auth: sshAuthFor(t.ssh.auth, `targets[${index}]`, secret, os.homedir()) };
  return openSshShellTo({ label: t.label, target, via }, size, deps);
}

/** The login shell on one host (through `via`, its jump servers), as openSshShell resolved it from a plan. */
export async function openSshShellTo(
  host: { label: string; target: SshTarget; via: SshTarget[] },
  size: { cols: number; rows: number },
  deps: Pick<SshShellDeps, 'knownHosts' | 'log'>,
): Promise<TerminalSource> {
  const { label } = host;
  const pool = new SshPool({
    knownHosts: deps.knownHosts,
    hostKeyPolicy: async () => 'reject',
    readyTimeoutMs: 20_000,
    keepaliveIntervalMs: 15_000,
    logger: deps.log,
  });
  let conn;
  try {
    conn = await pool.connect(host.target, host.via);
  } catch (err) {
    pool.closeAll();
    if (err instanceof OutpostError && err.code === 'hostkey_rejected') {
      throw new OutpostError('hostkey_unknown', `${err.message}`, 'Verify the host key first: press Test connection on the Hosts step (or run the install), then open the terminal again.');
    }
    throw err;
  }
  const sh = await shell(conn, { cols: size.cols, rows: size.rows }).catch((err: unknown) => {
    pool.closeAll();
    throw err;
  });
  let exited = false;
  // After ^C during a flood: what the channel holds and what is still on its way is skipped, as a
  // run step's terminal does (see terminal/interrupt.ts for why, and the limits).
  const discard = new InterruptDiscard();
  return {
    label: `ssh ${label}`,
    write: (d) => sh.write(d),
    resize: (c, r) => sh.resize(c, r),
    pause: () => sh.pause(),
    resume: () => sh.resume(),
    discardQueued: (input) => discard.interrupt(input, () => sh.drain()),
    kill: () => {
      sh.close();
      pool.closeAll();
    },
    onData: (l) => {
      sh.onData((t) => {
        const shown = discard.filter(t);
        if (shown) l(shown);
      });
    },
    onExit: (l) => {
      sh.onExit((e) => {
        if (exited) return;
        exited = true;
        pool.closeAll();
        l({ exitCode: e.exitCode, signal: null });
      });
    },
  };
}
