// A host's key, verified the way a connection verifies it, without logging in: the SSH handshake up to
// the host key, which goes through the same known_hosts lookup and the same host key policy as a run
// (an unknown key is shown with its fingerprint and recorded only when accepted; a changed or revoked
// key is refused), then the connection is dropped before any authentication. The Ansible export uses
// it for hosts Outpost has not connected to yet (`--accept-new-hostkeys`).
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { HostKeyChanged, HostKeyInfo, HostKeyPolicy } from './connection';
import { hostKeyChanged, hostKeyRejected, mapSshError, sshError } from './errors';
import { fingerprintSha256, keyTypeOf, publicKeyLine, type KnownHosts } from './known-hosts';
import { OutpostError } from '../errors';

const { Client } = ssh2;

export interface ScanOptions {
  knownHosts: KnownHosts;
  hostKeyPolicy: HostKeyPolicy;
  /** Told of a changed key (refused all the same). */
  onHostKeyChanged?: HostKeyChanged | undefined;
  /** A channel to the host (through a jump server), instead of a TCP connection of its own. */
  sock?: Duplex | undefined;
  /** "user@jump:22" when reached through a jump server (shown with the fingerprint). */
  via?: string | undefined;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** 'known': the key was already recorded; 'accepted': it was unknown and the policy accepted (and recorded) it. */
export function scanHostKey(t: { host: string; port: number }, o: ScanOptions): Promise<'known' | 'accepted'> {
  const where = `${t.host}:${t.port}${o.via ? ` (through ${o.via})` : ''}`;
  const ctx = { host: t.host, port: t.port, ...(o.via ? { via: o.via } : {}) };
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let outcome: 'known' | 'accepted' | OutpostError | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (v: 'known' | 'accepted' | OutpostError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      o.sock?.destroy();
      if (v instanceof OutpostError) reject(v);
      else resolve(v);
    };
    const startTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(sshError('timeout', `Connecting to ${where} timed out.`, 'Check that the host is up and that the port is an SSH server.')), o.timeoutMs ?? 20_000);
    };
    const onAbort = () => finish(new OutpostError('cancelled', `Checking the host key of ${where} was cancelled.`, 'Start again when ready.'));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const verify = async (key: Buffer): Promise<'known' | 'accepted' | OutpostError> => {
      const found = await o.knownHosts.lookup(t.host, t.port, key);
      const info: HostKeyInfo = { host: t.host, port: t.port, keyType: keyTypeOf(key), fingerprint: fingerprintSha256(key), publicKeyLine: publicKeyLine(key), ...(o.via ? { via: o.via } : {}) };
      if (found === 'match') return 'known';
      if (found === 'unknown') {
        clearTimeout(timer); // the user may take their time
        const decision = await o.hostKeyPolicy(info).catch(() => 'reject' as const);
        startTimer();
        if (decision !== 'accept') {
          return hostKeyRejected(where, info.keyType, info.fingerprint);
        }
        await o.knownHosts.add(t.host, t.port, key);
        return 'accepted';
      }
      if (!('revoked' in found)) o.onHostKeyChanged?.({ ...info, knownKeyType: found.knownKeyType, knownFingerprint: found.changed });
      if ('revoked' in found) return sshError('hostkey_revoked', `The host key of ${where} (${info.fingerprint}) is marked @revoked in ${o.knownHosts.file}.`, "Ask the host's administrator for its current key.");
      return hostKeyChanged(where, t.host, t.port, { keyType: found.knownKeyType, fingerprint: found.changed }, info, o.knownHosts.file);
    };

    client.on('error', (err) => finish(outcome ?? mapSshError(err, ctx)));
    client.on('close', () => finish(outcome ?? sshError('connection_lost', `${where} closed the connection during the handshake.`, 'Check the server log.')));
    startTimer();
    try {
      client.connect({
        host: t.host,
        port: t.port,
        // Never used: the handshake stops at the host key, before any authentication.
        username: 'outpost-hostkey-check',
        ...(o.sock ? { sock: o.sock } : {}),
        readyTimeout: 0,
        hostVerifier: (key: Buffer, done: (ok: boolean) => void): void => {
          verify(key).then(
            (r) => {
              outcome = r;
              done(false);
              finish(r);
            },
            (err: unknown) => {
              outcome = mapSshError(err, ctx);
              done(false);
              finish(outcome);
            },
          );
        },
      } as Parameters<InstanceType<typeof Client>['connect']>[0]);
    } catch (err) {
      finish(mapSshError(err, ctx));
    }
  });
}
