// The SSH layer's public API: connections (auth, host keys, jump chains, pooling), sessions
// (exec, shell, upload), the known_hosts store and error mapping.
export { connectHop, targetLabel, SshConnection, type ConnectOptions, type HostKeyChanged, type HostKeyInfo, type HostKeyPolicy, type SshAuth, type SshClientOptions, type SshTarget } from './connection';
export { connectSsh, SshPool, type PoolStats } from './pool';
export { drainPaused, exec, shell, upload, sha256File, ExecError, type ExecOptions, type ExecResult, type PtyOptions, type RemoteShell } from './session';
export {
  KnownHosts,
  parseKnownHosts,
  fingerprintSha256,
  keyTypeOf,
  publicKeyLine,
  hostKeyName,
  hashHostName,
  hostFieldMatches,
  type HostKeyLookup,
  type KnownHostEntry,
} from './known-hosts';
export { HopError, mapSshError, mapForwardError, SSH_ERROR_CODES, type SshErrorCode, type SshErrorContext } from './errors';
export { openSftp, sftpCall, withSftp, writePrivate } from './sftp';
