// Host keys for the export: the keys Outpost has verified (its known_hosts store), per plan host, and
// for hosts without one, a check of the key the way a run does it (same known_hosts lookup, same host
// key policy: the fingerprint shown, recorded only when accepted). A target behind a jump server is
// reached through a logged-in connection to that jump server, as in a run; the target itself is not
// logged in to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuthInfo, JumpHost, Plan, SecretRef } from '../../common/api/plan';
import { OutpostError } from '../errors';
import type { Logger } from '../log/logger';
import { describeRef, type SecretResolver } from '../render';
import { fingerprintSha256, publicKeyLine, SshPool, type HostKeyPolicy, type KnownHosts, type SshAuth, type SshConnection } from '../ssh';
import { scanHostKey } from '../ssh/keyscan';
import type { ExportHostKey } from './ansible';

/** Every plan host's verified keys (by plan id); a host without one has an empty list. */
export async function verifiedHostKeys(plan: Plan, knownHosts: KnownHosts): Promise<Record<string, ExportHostKey[]>> {
  const out: Record<string, ExportHostKey[]> = {};
  for (const h of [...plan.hosts.jumps, ...plan.hosts.targets]) {
    const entries = await knownHosts.forHost(h.ssh.host, h.ssh.port);
    const seen = new Set<string>();
    out[h.id] = entries.flatMap((e) => {
      const line = publicKeyLine(e.key);
      if (seen.has(line)) return [];
      seen.add(line);
      return [{ line, fingerprint: fingerprintSha256(e.key) }];
    });
  }
  return out;
}

export interface FetchDeps {
  knownHosts: KnownHosts;
  hostKeyPolicy: HostKeyPolicy;
  /** Secrets a jump server needs to log in (targets behind it are reached through it). */
  resolver: SecretResolver;
  log: Logger;
  homeDir?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

function sshAuth(a: AuthInfo, name: string, d: FetchDeps): SshAuth {
  const secret = (ref: SecretRef, what: string) => {
    const v = d.resolver(ref);
    if (v === undefined || v === '') throw new OutpostError('secret.missing', `${what}: the ${describeRef(ref)} is not set.`, 'Set it: the jump server is logged in to, to reach the targets behind it.');
    return v;
  };
  if (a.kind === 'password') return { password: secret(a.password, `${name}.password`) };
  if (a.kind === 'agent') return { agent: true };
  let key: Buffer;
  try {
    key = fs.readFileSync(expandHome(a.path, d.homeDir ?? os.homedir()));
  } catch {
    throw new OutpostError('key_unreadable', `${name}.privateKey.path: ${a.path} cannot be read.`, 'Check the path and its permissions.');
  }
  return { privateKey: key, ...(a.passphrase ? { passphrase: secret(a.passphrase, `${name}.privateKey.passphrase`) } : {}) };
}

/**
 * Checks the keys of these hosts (plan ids) with the run's policy. Returns the hosts whose key is still
 * not verified, each with the reason.
 */
export async function fetchHostKeys(plan: Plan, ids: readonly string[], d: FetchDeps): Promise<Array<{ id: string; reason: string }>> {
  const failed: Array<{ id: string; reason: string }> = [];
  const want = new Set(ids);
  const pool = new SshPool({ knownHosts: d.knownHosts, hostKeyPolicy: d.hostKeyPolicy, readyTimeoutMs: d.timeoutMs ?? 20_000, logger: d.log }, { keepJumps: true });
  const why = (err: unknown) => (err instanceof Error ? err.message : String(err));
  try {
    for (const j of plan.hosts.jumps) {
      const behind = plan.hosts.targets.filter((t) => t.via === j.id && want.has(t.id));
      if (!want.has(j.id) && !behind.length) continue;
      let conn: SshConnection | undefined;
      if (behind.length) {
        try {
          conn = await pool.jumpConnection({ host: j.ssh.host, port: j.ssh.port, username: j.ssh.user, auth: sshAuth(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`, d) }, { signal: d.signal });
        } catch (err) {
          if (want.has(j.id) && !(await known(d, j))) failed.push({ id: j.id, reason: why(err) });
          for (const t of behind) failed.push({ id: t.id, reason: `not reached: ${j.label} could not be logged in to (${why(err).split('\n')[0]})` });
          continue;
        }
      } else {
        try {
          await scanHostKey({ host: j.ssh.host, port: j.ssh.port }, { knownHosts: d.knownHosts, hostKeyPolicy: d.hostKeyPolicy, signal: d.signal, timeoutMs: d.timeoutMs });
        } catch (err) {
          failed.push({ id: j.id, reason: why(err) });
        }
        continue;
      }
      for (const t of behind) {
        try {
          const sock = await conn.forwardOut(t.ssh.host, t.ssh.port);
          await scanHostKey({ host: t.ssh.host, port: t.ssh.port }, { knownHosts: d.knownHosts, hostKeyPolicy: d.hostKeyPolicy, sock, via: conn.label, signal: d.signal, timeoutMs: d.timeoutMs });
        } catch (err) {
          failed.push({ id: t.id, reason: why(err) });
        }
      }
    }
    for (const t of plan.hosts.targets) {
      if (t.via || !want.has(t.id)) continue;
      try {
        await scanHostKey({ host: t.ssh.host, port: t.ssh.port }, { knownHosts: d.knownHosts, hostKeyPolicy: d.hostKeyPolicy, signal: d.signal, timeoutMs: d.timeoutMs });
      } catch (err) {
        failed.push({ id: t.id, reason: why(err) });
      }
    }
  } finally {
    pool.closeAll();
  }
  return failed;
}

async function known(d: FetchDeps, j: JumpHost): Promise<boolean> {
  return (await d.knownHosts.forHost(j.ssh.host, j.ssh.port)).length > 0;
}
