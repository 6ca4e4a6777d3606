// Which answers field a failed run points at ("Edit answers" opens the wizard there): from the run's end
// (its code, the host and step it failed at, the failed step's checks) and the plan (which answers
// entry each host came from, how it signs in). Nothing is guessed from the words of a reason, except
// the field name Outpost's own messages start with (a missing secret, an unreadable key file).
import type { Plan } from '../../common/api/plan';
import type { CheckResult } from '../../common/api/run';

export interface FailedEnd {
  code?: string | undefined;
  hostId?: string | undefined;
  failedStep?: string | undefined;
  reason?: string | undefined;
}

/** Signing in failed: the password, the key file, or (ssh-agent) the user. */
const LOGIN = new Set(['auth_failed', 'auth_config', 'key_passphrase', 'key_unreadable', 'tunnel_auth']);
/** The host could not be reached or its key was not accepted: its address. */
const ADDRESS = new Set(['hostkey_rejected', 'hostkey_changed', 'hostkey_revoked', 'hostkey_unknown', 'refused', 'unreachable', 'dns', 'timeout', 'jump_forward_failed']);
/** The login user may not do what the step needs (root, or sudo without a password). */
const PRIVILEGE = new Set(['root_required', 'tunnel_privilege']);

interface Login {
  /** The answers path of the host's login object (`targets[2]`, `connectivity.jumpServers[0].ssh`). */
  base: string;
  auth: 'password' | 'privateKey' | 'agent' | undefined;
}

/** The answers entry a plan host came from. */
function loginOf(plan: Plan, hostId: string): Login | null {
  const m = /^(jump|proxy|target)(\d+)$/.exec(hostId);
  if (!m) return null;
  const i = Number(m[2]);
  if (m[1] === 'target') return { base: `targets[${i}]`, auth: plan.hosts.targets.find((t) => t.index === i && t.by !== 'seed')?.ssh.auth.kind };
  if (m[1] === 'jump') return { base: `connectivity.jumpServers[${i}].ssh`, auth: plan.hosts.jumps.find((j) => j.index === i)?.ssh.auth.kind };
  return { base: `connectivity.jumpServers[${i}].proxy.ssh`, auth: plan.hosts.proxies?.find((j) => j.index === i)?.ssh.auth.kind };
}

const loginField = (l: Login) => `${l.base}.${l.auth === 'privateKey' ? 'privateKey.path' : l.auth === 'agent' ? 'user' : 'password'}`;

/** The address of a host's login: a jump server's SSH address is optional (its private IP when absent), a target's is `host`. */
const addressField = (l: Login) => `${l.base}.host`;

/** A preflight check that failed, read as the answer behind it. */
function checkField(plan: Plan, l: Login | null, checks: readonly CheckResult[]): string | undefined {
  const failed = checks.find((c) => c.status === 'fail');
  if (!failed) return undefined;
  if (failed.name === 'privilege') return l ? `${l.base}.user` : undefined;
  if (failed.name === 'disk') return 'options.installDir';
  if (failed.name === 'reach') return plan.mode === 'jump' ? 'connectivity.connectionIp' : plan.mode === 'direct' ? 'connectivity.accessIp' : 'connectivity.vpcepDomain';
  return undefined;
}

/** A field name an Outpost message starts with (`inputs.sk: the stored secret … is not set`). */
function leadingPath(reason: string | undefined): string | undefined {
  return /^((?:targets\[\d+\]|connectivity|inputs|credentials|package|options)(?:\.[A-Za-z_]\w*|\[\d+\])*): /.exec(reason ?? '')?.[1];
}

/**
 * The answers field a failed run points at, or undefined when no answer is to blame (a failed install
 * script, a verify that did not pass). `checks` are the failed step's checks on that host, if any.
 */
export function failureField(plan: Plan, end: FailedEnd, checks: readonly CheckResult[] = []): string | undefined {
  const code = end.code ?? '';
  const hostId = end.hostId ?? '';
  const step = plan.steps.find((s) => s.id === end.failedStep);
  if (code === 'secret.missing') return leadingPath(end.reason);
  // The package the answers name, checked on this computer before anything is sent.
  if ((code === 'package_checksum' || code === 'archive.checksum') && plan.steps.some((s) => s.action.kind === 'upload' || s.action.kind === 'unpack')) return 'package.sha256';
  if (code === 'package_missing' && step?.action.kind === 'upload') return 'package.path';
  if (code === 'host_value_invalid') {
    const t = /^target(\d+)$/.exec(hostId);
    const which = /\{host\.(address|name)\}/.exec(end.reason ?? '')?.[1];
    return t && which ? `targets[${t[1]}].${which === 'address' ? 'host' : 'name'}` : undefined;
  }
  const l = loginOf(plan, hostId);
  // A target not tried because its jump server failed: that jump server.
  if (code === 'jump_failed') {
    const via = plan.hosts.targets.find((t) => t.id === hostId)?.via;
    const j = via ? loginOf(plan, via) : null;
    return j ? addressField(j) : undefined;
  }
  if (code === 'preflight_failed') return checkField(plan, l, checks);
  if (!l) return undefined;
  if (LOGIN.has(code)) return leadingPath(end.reason) ?? loginField(l);
  if (ADDRESS.has(code)) return addressField(l);
  if (PRIVILEGE.has(code)) return `${l.base}.user`;
  return undefined;
}
