// Maps what ssh2 and the socket layer throw to OutpostErrors a user can act on. Messages name the
// host, port and (for auth) the methods tried; they never contain a secret, as none is passed in.
import { OutpostError } from '../errors';
import { quotePosix } from '../quote';

export const SSH_ERROR_CODES = [
  'unreachable',
  'refused',
  'dns',
  'timeout',
  'auth_failed',
  'auth_config',
  'key_passphrase',
  'hostkey_changed',
  'hostkey_rejected',
  'hostkey_revoked',
  'jump_forward_failed',
  'connection_lost',
  'ssh_error',
] as const;
export type SshErrorCode = (typeof SSH_ERROR_CODES)[number];

export interface SshErrorContext {
  host: string;
  port: number;
  username?: string;
  /** "user@jump:22" when the connection went through a jump server. */
  via?: string;
  /** Auth methods tried, in order. */
  tried?: string[];
  /** Methods the server said it accepts (from the last failure). */
  serverMethods?: string[];
}

function where(ctx: SshErrorContext): string {
  return `${ctx.host}:${ctx.port}${ctx.via ? ` (through ${ctx.via})` : ''}`;
}

export function sshError(code: SshErrorCode, message: string, hint: string, cause?: unknown): OutpostError {
  return new OutpostError(code, message, hint, cause === undefined ? undefined : { cause });
}

export function authFailed(ctx: SshErrorContext): OutpostError {
  const tried = ctx.tried && ctx.tried.length > 0 ? ctx.tried.join(', ') : 'none';
  const server = ctx.serverMethods && ctx.serverMethods.length > 0 ? ` The server accepts: ${ctx.serverMethods.join(', ')}.` : '';
  return sshError(
    'auth_failed',
    `Authentication failed for ${ctx.username ?? '?'}@${where(ctx)}. Methods tried: ${tried}.${server}`,
    'Check the user name and the password or key; make sure the server allows one of the methods you configured.',
  );
}

/** A new host key the user (or the policy) did not accept. */
export function hostKeyRejected(at: string, keyType: string, fingerprint: string): OutpostError {
  return sshError(
    'hostkey_rejected',
    `The host key of ${at} (${keyType} ${fingerprint}) was not accepted; not connecting.`,
    "Compare the fingerprint with the one the host's administrator gives you (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and accept it if they match.",
  );
}

/** A host key that differs from the one known_hosts holds for the host. */
export function hostKeyChanged(at: string, host: string, port: number, known: { keyType: string; fingerprint: string }, now: { keyType: string; fingerprint: string }, knownHostsFile: string): OutpostError {
  return sshError(
    'hostkey_changed',
    `The host key of ${at} has CHANGED: known ${known.keyType} ${known.fingerprint}, now presented ${now.keyType} ${now.fingerprint}. ` +
      'Someone could be intercepting the connection (man-in-the-middle), or the host was reinstalled. Not connecting.',
    // The exact command: entries are hashed, so the host's name cannot be searched for by eye.
    `Confirm the new fingerprint with the host's administrator; if it is legitimate, forget the old key with: ssh-keygen -R ${quotePosix(port === 22 ? host : `[${host}]:${port}`)} -f ${quotePosix(knownHostsFile)} and connect again.`,
  );
}

/** Turns anything thrown while connecting into an OutpostError (an OutpostError passes through). */
export function mapSshError(err: unknown, ctx: SshErrorContext): OutpostError {
  if (err instanceof OutpostError) return err;
  const e = (err ?? {}) as { code?: unknown; level?: unknown; message?: unknown; reason?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const level = typeof e.level === 'string' ? e.level : '';
  const msg = typeof e.message === 'string' ? e.message : String(err);
  const at = where(ctx);
  switch (code) {
    case 'ECONNREFUSED':
      return sshError('refused', `Connection refused by ${at}.`, `Check that an SSH server runs on ${ctx.host} port ${ctx.port} and that no firewall rejects the connection.`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return sshError('unreachable', `${at} is unreachable (${code}).`, 'Check the address, your network route or VPN, and that the host is up.', err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return sshError('dns', `The host name ${ctx.host} could not be resolved (${code}).`, 'Check the spelling of the host name or use its IP address; check your DNS settings.', err);
    case 'ETIMEDOUT':
      return sshError('timeout', `Connecting to ${at} timed out.`, 'Check that the host is up and that a firewall does not drop SSH traffic.', err);
    case 'ECONNRESET':
    case 'EPIPE':
      return sshError('connection_lost', `The connection to ${at} was closed by the remote side.`, 'The server or a firewall closed the connection; check the server log (e.g. MaxStartups, AllowUsers, TCP wrappers).', err);
  }
  if (level === 'client-timeout') {
    return sshError('timeout', `Timed out waiting for ${at} to complete the SSH handshake.`, 'Check that the port is an SSH server and that the host is not overloaded.', err);
  }
  if (level === 'client-authentication') return authFailed(ctx);
  if (level === 'client-dns') {
    return sshError('dns', `The host name ${ctx.host} could not be resolved.`, 'Check the spelling of the host name or use its IP address.', err);
  }
  return sshError('ssh_error', `SSH error with ${at}: ${msg}`, 'See the log for details; check that the server is an SSH server and reachable.', err);
}

/** A jump server could not open a channel to the next hop (forwardOut failed). */
export function mapForwardError(err: unknown, ctx: SshErrorContext & { via: string }): OutpostError {
  const msg = err instanceof Error ? err.message : String(err);
  const at = `${ctx.host}:${ctx.port}`;
  if (/refused/i.test(msg)) {
    return sshError('refused', `The jump server ${ctx.via} could not connect to ${at}: connection refused.`, `Check that an SSH server runs on ${ctx.host} port ${ctx.port} as seen from the jump server.`, err);
  }
  if (/unreachable|no route/i.test(msg)) {
    return sshError('unreachable', `The jump server ${ctx.via} cannot reach ${at}.`, 'Check the target address and the jump server\'s routes and firewall.', err);
  }
  if (/not known|resolve|name/i.test(msg)) {
    return sshError('dns', `The jump server ${ctx.via} could not resolve ${ctx.host}.`, 'Use the target\'s IP address or fix DNS on the jump server.', err);
  }
  if (/prohibited/i.test(msg)) {
    return sshError('jump_forward_failed', `The jump server ${ctx.via} refused to forward to ${at} (administratively prohibited).`, 'Enable AllowTcpForwarding on the jump server for this user, or use another jump account.', err);
  }
  if (/timed out/i.test(msg)) {
    return sshError('timeout', `The jump server ${ctx.via} timed out connecting to ${at}.`, 'Check that the target is up and reachable from the jump server.', err);
  }
  return sshError('jump_forward_failed', `The jump server ${ctx.via} could not open a channel to ${at}: ${msg}`, 'Check that the jump server allows TCP forwarding and can reach the target.', err);
}

/**
 * A failure of a jump server on the way to a target (not of the target itself): the run waits for the
 * jump server to come back (bounded backoff) instead of failing every host behind it at once.
 */
export class HopError extends OutpostError {
  constructor(
    readonly inner: OutpostError,
    /** user@host:port of the jump server. */
    readonly hop: string,
  ) {
    super(inner.code, inner.message, inner.hint);
  }

  /** The jump server may come back by itself (refused, unreachable, timed out, dropped): worth waiting for. */
  get transient(): boolean {
    return ['refused', 'unreachable', 'timeout', 'connection_lost', 'ssh_error', 'jump_forward_failed'].includes(this.code);
  }
}

export function hopError(err: unknown, hop: string): OutpostError {
  if (err instanceof HopError || (err instanceof OutpostError && err.code === 'cancelled')) return err;
  return new HopError(mapSshError(err, { host: hop, port: 0 }), hop);
}

/** ssh2's own words for what went wrong, said as a person would (the library's wording never reaches the user). */
const LIBRARY_WORDS: Array<[RegExp, string]> = [
  [/^Unable to exec$/i, 'the server refused to start the command (its session limit, or a ForceCommand)'],
  [/^Unable to start shell$/i, 'the server refused to start a shell'],
  [/^No response from server$/i, 'the connection dropped while files were being sent'],
  [/^Not connected$/i, 'the connection is closed'],
  [/^\(SSH\) Channel open failure: ?(.*)$/i, 'the server refused a new channel ($1)'],
  [/^Permission denied$/i, 'permission denied'],
  [/^No such file$/i, 'no such file or folder'],
  [/^Failure$/i, 'the server could not do it (a full disk, or a folder that is missing)'],
];

export function plainSshMessage(message: string): string {
  for (const [re, words] of LIBRARY_WORDS) if (re.test(message.trim())) return message.trim().replace(re, words);
  return message;
}
