// SSH connections over ssh2: authentication (agent, key, password, keyboard-interactive), keepalive,
// a connect timeout that pauses while the user decides on an unknown host key, host key checks
// against the app's known_hosts on every hop, and jump chains (forwardOut + sock) where targets
// behind one jump server share its connection (SshPool, ref-counted).
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthenticationType,
  ClientChannel,
  KeyboardInteractiveCallback,
  ParsedKey,
  Prompt,
  ServerHostKeyAlgorithm,
} from 'ssh2';
import { z } from 'zod';
import { OutpostError } from '../errors';
import { silentLogger, type Logger } from '../log/logger';
import type { SecretRegistry } from '../secrets/registry';
import { algorithmsForKeyType, fingerprintSha256, keyTypeOf, publicKeyLine, type KnownHosts } from './known-hosts';
import { authFailed, hostKeyChanged, hostKeyRejected, mapForwardError, mapSshError, sshError, type SshErrorContext } from './errors';

const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;

const SUPPORTED_HOST_KEY_ALGOS = new Set<string>([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]);

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  /** "SHA256:…" as OpenSSH prints it. */
  fingerprint: string;
  /** "ssh-ed25519 AAAA…" */
  publicKeyLine: string;
  /** "user@jump:22" when this host is reached through a jump server. */
  via?: string;
}

/** Asked only for keys not yet in known_hosts; 'accept' records the key. Never called for a changed key. */
export type HostKeyPolicy = (info: HostKeyInfo) => Promise<'accept' | 'reject'>;

/** A key that differs from the one known_hosts holds: never asked about (the connection is refused), only told. */
export type HostKeyChanged = (info: HostKeyInfo & { knownKeyType: string; knownFingerprint: string }) => void;

export interface SshAuth {
  password?: string;
  /** OpenSSH / PEM private key text. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** Agent socket path, 'pageant' on Windows, or true for SSH_AUTH_SOCK. */
  agent?: string | true;
  /** Keyboard-interactive: tried when a password is given (its prompts are answered with it) unless false. */
  keyboardInteractive?: boolean;
  /** Answers keyboard-interactive prompts that are not a password question (e.g. an OTP). */
  onPrompt?: (prompts: Array<{ prompt: string; echo: boolean }>) => Promise<string[]>;
}

export interface SshTarget {
  host: string;
  port?: number;
  username: string;
  auth: SshAuth;
}

export interface SshClientOptions {
  knownHosts: KnownHosts;
  hostKeyPolicy: HostKeyPolicy;
  /** Connect + handshake + auth budget, paused while the host key policy waits for the user. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  logger?: Logger;
  /** When given, passwords and passphrases are registered so every log sink masks them. */
  secrets?: SecretRegistry;
  /** Told of a changed host key (the connection is refused all the same). */
  onHostKeyChanged?: HostKeyChanged;
}

export interface ConnectOptions extends SshTarget, SshClientOptions {
  /** Jump servers, first hop first. */
  jumps?: SshTarget[];
  signal?: AbortSignal;
}

const TargetSchema = z.object({
  host: z.string().min(1, 'the host is empty').max(255).regex(/^[^\s@/]+$/, 'a host name or IP address without spaces, "@" or "/"'),
  port: z.number().int().min(1).max(65535).optional(),
  username: z.string().min(1, 'the user name is empty').max(255).regex(/^[^\s:@]+$/, 'a user name without spaces, ":" or "@"'),
});

export function validateTarget(t: SshTarget, field: string): void {
  const r = TargetSchema.safeParse({ host: t.host, port: t.port, username: t.username });
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = [field, ...(issue?.path ?? []).map(String)].join('.');
    throw new OutpostError('invalid_input', `${at}: ${issue?.message ?? 'invalid'}`, `Fix ${at} and try again.`);
  }
}

export function targetLabel(t: { host: string; port?: number; username: string }): string {
  return `${t.username}@${t.host}:${t.port ?? 22}`;
}

/** One authenticated SSH connection. end() also releases the jump connections it holds. */
export class SshConnection {
  private readonly endHooks: Array<() => void> = [];
  private isClosed = false;

  constructor(
    readonly client: SshClient,
    readonly host: string,
    readonly port: number,
    readonly username: string,
    readonly via: string | undefined,
    /** The host key verified for this connection (what the tunnel's own ssh must check, not the first line on file). */
    readonly hostKey: Buffer | null = null,
  ) {
    client.once('close', () => this.markClosed());
  }

  get label(): string {
    return targetLabel(this);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Runs once when the connection ends, whoever ended it. Returns an unsubscribe function. */
  onClose(cb: () => void): () => void {
    if (this.isClosed) {
      cb();
      return () => {};
    }
    this.endHooks.push(cb);
    return () => {
      const i = this.endHooks.indexOf(cb);
      if (i >= 0) this.endHooks.splice(i, 1);
    };
  }

  /** A TCP channel from this host to host:port (the next hop of a jump chain, or a tunnel check). */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) {
        reject(sshError('connection_lost', `The connection to ${this.label} is closed.`, 'Connect again.'));
        return;
      }
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) reject(mapForwardError(err, { host, port, via: this.label }));
        else resolve(stream);
      });
    });
  }

  end(): void {
    if (this.isClosed) return;
    this.client.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const hook of this.endHooks.splice(0)) {
      try {
        hook();
      } catch {
        /* a hook must not stop the others */
      }
    }
  }
}

/** One SSH handshake + authentication, over a fresh TCP socket or a given stream (jump channel). */
export async function connectHop(
  t: SshTarget,
  o: SshClientOptions,
  extra: { sock?: Duplex | undefined; via?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<SshConnection> {
  const port = t.port ?? 22;
  const log = o.logger ?? silentLogger;
  const ctx: SshErrorContext = { host: t.host, port, username: t.username, via: extra.via, tried: [] };
  o.secrets?.add(t.auth.password);
  o.secrets?.add(t.auth.passphrase);
  let methods: AnyAuthMethod[];
  let knownTypes: string[];
  try {
    methods = authMethods(t, ctx);
    knownTypes = await o.knownHosts.knownKeyTypes(t.host, port);
  } catch (err) {
    extra.sock?.destroy(); // the jump channel opened for this hop is not needed any more
    throw err;
  }
  // Ask for the key type we already know (as OpenSSH does), so a server with several host keys
  // presents the recorded one instead of looking "changed".
  const preferred = knownTypes.flatMap(algorithmsForKeyType).filter((a): a is ServerHostKeyAlgorithm => SUPPORTED_HOST_KEY_ALGOS.has(a));
  const readyTimeoutMs = o.readyTimeoutMs ?? 20_000;

  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let hostKeyFailure: OutpostError | null = null;
    let accepted: Buffer | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const fail = (err: OutpostError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      extra.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      extra.sock?.destroy();
      reject(err);
    };
    const startTimer = () => {
      clearTimeout(timer);
      if (readyTimeoutMs > 0) {
        timer = setTimeout(
          () => fail(sshError('timeout', `Connecting to ${where()} timed out after ${Math.round(readyTimeoutMs / 1000)} s.`, 'Check that the host is up, that the port is an SSH server, and that no firewall drops the traffic.')),
          readyTimeoutMs,
        );
      }
    };
    const where = () => `${t.host}:${port}${extra.via ? ` (through ${extra.via})` : ''}`;
    const onAbort = () => fail(new OutpostError('cancelled', `Connecting to ${where()} was cancelled.`, 'Start again when ready.'));
    if (extra.signal?.aborted) return onAbort();
    extra.signal?.addEventListener('abort', onAbort, { once: true });

    const verifyHostKey = async (key: Buffer): Promise<boolean> => {
      if (accepted?.equals(key)) return true; // re-key on the same connection
      const found = await o.knownHosts.lookup(t.host, port, key);
      const info: HostKeyInfo = {
        host: t.host,
        port,
        keyType: keyTypeOf(key),
        fingerprint: fingerprintSha256(key),
        publicKeyLine: publicKeyLine(key),
        ...(extra.via ? { via: extra.via } : {}),
      };
      if (found === 'match') {
        accepted = key;
        return true;
      }
      if (found === 'unknown') {
        clearTimeout(timer); // the user may take their time
        let decision: 'accept' | 'reject' = 'reject';
        try {
          decision = await o.hostKeyPolicy(info);
        } catch (err) {
          log.warn(`host key decision for ${where()} failed`, err);
        }
        if (settled) return false;
        startTimer();
        if (decision === 'accept') {
          await o.knownHosts.add(t.host, port, key);
          log.info(`host key of ${where()} accepted and recorded: ${info.fingerprint}`);
          accepted = key;
          return true;
        }
        hostKeyFailure = hostKeyRejected(where(), info.keyType, info.fingerprint);
        return false;
      }
      if ('revoked' in found) {
        hostKeyFailure = sshError('hostkey_revoked', `The host key of ${where()} (${info.fingerprint}) is marked @revoked in ${o.knownHosts.file}.`, 'Ask the host\'s administrator for its current key.');
        return false;
      }
      o.onHostKeyChanged?.({ ...info, knownKeyType: found.knownKeyType, knownFingerprint: found.changed });
      hostKeyFailure = hostKeyChanged(where(), t.host, port, { keyType: found.knownKeyType, fingerprint: found.changed }, info, o.knownHosts.file);
      return false;
    };

    client.on('ready', () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      clearTimeout(timer);
      extra.signal?.removeEventListener('abort', onAbort);
      log.debug(`ssh connected: ${targetLabel(t)}${extra.via ? ` via ${extra.via}` : ''} (auth: ${ctx.tried?.at(-1) ?? '?'})`);
      resolve(new SshConnection(client, t.host, port, t.username, extra.via, accepted));
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (!settled) {
        fail(hostKeyFailure ?? (err.level === 'client-authentication' ? authFailed(ctx) : mapSshError(err, ctx)));
      } else {
        // After ready, errors end the connection; 'close' tells its users.
        log.warn(`ssh connection ${targetLabel(t)} error: ${err.message}`);
      }
    });
    client.on('close', () => {
      if (!settled) fail(hostKeyFailure ?? sshError('connection_lost', `${where()} closed the connection during the handshake.`, 'Check the server log; the server may limit connections (MaxStartups) or deny this client.'));
    });

    startTimer();
    try {
      client.connect({
        host: t.host,
        port,
        username: t.username,
        ...(extra.sock ? { sock: extra.sock } : {}),
        // Our own timer (above) replaces readyTimeout so the host key prompt can wait for the user.
        readyTimeout: 0,
        keepaliveInterval: o.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: o.keepaliveCountMax ?? 3,
        ...(preferred.length > 0 ? { algorithms: { serverHostKey: { remove: preferred, prepend: [...preferred].reverse(), append: [] } } } : {}),
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void): void => {
          verifyHostKey(key).then(verify, (err: unknown) => {
            hostKeyFailure = mapSshError(err, ctx);
            verify(false);
          });
        },
        authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void) => {
          if (methodsLeft) ctx.serverMethods = methodsLeft;
          for (;;) {
            const m = methods.shift();
            if (!m) return next(false);
            const wire = m.type === 'agent' ? 'publickey' : m.type;
            if (methodsLeft && !methodsLeft.includes(wire as AuthenticationType)) continue;
            ctx.tried?.push(m.type);
            return next(m);
          }
        },
      } as Parameters<SshClient['connect']>[0]);
      // ssh2 leaves Nagle on: every small request (open a channel, exec, eof) then waits for the
      // delayed ACK, about 40 ms a round trip. A no-op on a channel through a jump server.
      client.setNoDelay(true);
    } catch (err) {
      fail(mapSshError(err, ctx));
    }
  });
}

/** The auth methods to try, in order: agent, key, password, keyboard-interactive. Secrets stay inside. */
function authMethods(t: SshTarget, _ctx: SshErrorContext): AnyAuthMethod[] {
  const a = t.auth;
  const username = t.username;
  const out: AnyAuthMethod[] = [];
  if (a.agent) {
    const agent = a.agent === true ? process.env.SSH_AUTH_SOCK : a.agent;
    if (agent) out.push({ type: 'agent', username, agent });
    else if (!a.privateKey && !a.password) {
      throw new OutpostError('auth_config', `ssh-agent was chosen for ${targetLabel(t)} but SSH_AUTH_SOCK is not set.`, 'Start ssh-agent and add your key (ssh-add), or choose a key file or password.');
    }
  }
  if (a.privateKey) {
    const parsed = utils.parseKey(a.privateKey, a.passphrase);
    if (parsed instanceof Error) {
      if (/passphrase/i.test(parsed.message)) {
        throw new OutpostError(
          'key_passphrase',
          a.passphrase ? `The passphrase does not unlock the private key for ${targetLabel(t)}.` : `The private key for ${targetLabel(t)} is encrypted and no passphrase was given.`,
          'Give the key\'s passphrase (the one set with ssh-keygen).',
        );
      }
      throw new OutpostError('auth_config', `The private key for ${targetLabel(t)} could not be read: ${parsed.message}.`, 'Use an OpenSSH or PEM private key file (not the .pub file).');
    }
    const key: ParsedKey | undefined = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) out.push({ type: 'publickey', username, key });
  }
  if (a.password !== undefined) out.push({ type: 'password', username, password: a.password });
  if ((a.password !== undefined && a.keyboardInteractive !== false) || a.onPrompt) {
    let rounds = 0;
    out.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
        if (prompts.length === 0) return finish([]);
        // Answer hidden prompts with the password, once per attempt round-trip budget: a server
        // that keeps asking (wrong password) must not make us loop.
        if (++rounds > 3) return finish([]);
        const isPasswordPrompt = (p: Prompt) => !p.echo && /pass(word|code)?|pin/i.test(p.prompt);
        if (a.password !== undefined && prompts.every(isPasswordPrompt)) return finish(prompts.map(() => a.password as string));
        if (a.onPrompt) {
          a.onPrompt(prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true }))).then(finish, () => finish([]));
          return;
        }
        finish(prompts.map((p) => (!p.echo && a.password !== undefined ? a.password : '')));
      },
    });
  }
  if (out.length === 0) {
    throw new OutpostError('auth_config', `No authentication method is configured for ${targetLabel(t)}.`, 'Give a password, a private key, or use ssh-agent.');
  }
  return out;
}
