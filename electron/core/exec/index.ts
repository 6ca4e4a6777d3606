// Executors: this computer, a POSIX host over SSH, a Windows host over SSH (./executor.ts says what each gives).
import type { SshConnection } from '../ssh';
import type { Executor } from './executor';
import { sshPosixExecutor } from './ssh-posix';
import { sshWindowsExecutor } from './ssh-windows';

export * from './executor';
export { localExecutor } from './local';
export { sshPosixExecutor } from './ssh-posix';
export { sshWindowsExecutor, sftpPath } from './ssh-windows';

/** The executor for a host reached over SSH, by the plan's OS. */
export function sshExecutor(conn: SshConnection, os: 'linux' | 'windows' = 'linux'): Executor {
  return os === 'windows' ? sshWindowsExecutor(conn) : sshPosixExecutor(conn);
}
