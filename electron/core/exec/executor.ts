// Executors: where a host's steps run. One interface for this computer, an SSH connection to a POSIX
// host and an SSH connection to a Windows host, so the actions know nothing about transport: they run
// scripts and call file primitives. `root: true` means the same everywhere: the work runs as root
// (`sudo -n` when the login user is not root; on Windows the session's own rights). POSIX scripts are
// fed on stdin to `bash -s` / `sh -s`: their text (secrets included) never appears in a process's
// arguments.
import type { Shell } from '../../common/api/plan';
import { OutpostError } from '../errors';
import type { WindowsPlatform } from '../platform';

export interface InputSink {
  write(d: string): void;
  pause(): void;
  resume(): void;
  /** Hands over what the paused channel holds back (for dropping it after an interrupt, RunTerminal.discardQueued). */
  drain(): void;
}

export interface RunScriptOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onData?: (text: string) => void;
  /** Run as root: `sudo -n` when the login user is not root (POSIX); ignored on Windows. */
  root?: boolean;
  /** A PTY a person may type into: `onInput` receives the channel's writer. */
  interactive?: boolean;
  onInput?: (sink: InputSink | null) => void;
  /** cmd: values for the text's %OUTPOST_S<n>% references, given on stdin (never on a command line). */
  secrets?: readonly string[];
  /** A read-only check (probes): may be run again when the platform failed to start it (Wine under load). */
  readOnly?: boolean;
  /** Answers typed into an interactive step's PTY when its output matches (the vendor's password questions). */
  respond?: readonly PromptAnswer[];
}

export interface PromptAnswer {
  pattern: RegExp;
  /** What to type (a newline is added). */
  answer: string;
  /** At most this many times (default 1). */
  max?: number;
}

export interface ScriptResult {
  exitCode: number | null;
  /** The last part of the output (not redacted: mask before showing). */
  output: string;
}

/** Who the executor's commands run as (POSIX; on Windows `uid` is null). */
export interface Identity {
  uid: number | null;
  user: string;
  home: string;
}

export interface FileOptions {
  signal: AbortSignal;
  /** As root (`sudo -n` when the login user is not root). */
  root: boolean;
}

export interface WriteOptions extends FileOptions {
  mode: number;
  /** chown to this user (needs root); default: whoever wrote it (root with `root`, else the login user). */
  owner?: string | undefined;
  /** Keep the replaced file as `<file>.outpost-backup` and its mode and owner (edits of existing files). */
  keep?: boolean;
}

export interface UploadOptions extends FileOptions {
  mode: number;
  owner?: string | undefined;
  /** The file's SHA-256 (checked on the host before anything uses it). */
  sha256: string;
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadResult {
  /** false: the host already had the file with that SHA-256. */
  sent: boolean;
  /** A different file (an older package, or a copy cut short by an earlier run) was at the path and is replaced. */
  replaced: boolean;
  bytes: number;
}

export interface FileStat {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  uid: number | null;
  owner: string;
  size: number;
}

/** The file primitives every executor gives; paths are the host's own (a Windows path for Windows hosts). */
export interface FileOps {
  stat(path: string, o: FileOptions): Promise<FileStat | null>;
  read(path: string, o: FileOptions): Promise<string | null>;
  /** Replaces `path` atomically (a temporary name in the same folder, then rename); the folder is created when missing. */
  write(path: string, content: string, o: WriteOptions): Promise<void>;
  mkdirp(path: string, o: FileOptions & { owner?: string | undefined }): Promise<void>;
  /** A local file to `path`, SHA-256 checked on the host before it is renamed into place: never used half-written. */
  upload(localPath: string, path: string, o: UploadOptions): Promise<UploadResult>;
  remove(paths: readonly string[], o: FileOptions): Promise<void>;
  /**
   * Windows over SSH only: a folder unpacked on this computer sent under `dest`, each file staged beside
   * its place, its SHA-256 checked on the host, then put in place (files listed in `keep` that exist
   * already are left as they are).
   */
  putTree?(localDir: string, dest: string, files: readonly TreeFile[], o: TreeOptions): Promise<{ sent: number; kept: string[] }>;
}

export interface TreeFile {
  /** The path under the folder, `/`-separated. */
  rel: string;
  sha256: string;
}

export interface TreeOptions {
  signal: AbortSignal;
  /** Paths under the folder (`/`-separated, any case) left as they are when they exist. */
  keep?: readonly string[] | undefined;
  /** Refuse a folder that exists and is not empty (unpack.exists): only a reinstall unpacks over one. */
  fresh?: boolean | undefined;
}

export interface Executor {
  readonly kind: 'ssh' | 'local';
  /** The host's family: what its shells and paths are. */
  readonly os: 'linux' | 'windows';
  /** A label for messages ("user@host:22", "this computer"). */
  readonly label: string;
  /** Runs `text` in `shell` on the host. POSIX shells get the text on stdin. */
  run(shell: Shell, text: string, opts: RunScriptOptions): Promise<ScriptResult>;
  identity(signal: AbortSignal): Promise<Identity>;
  readonly files: FileOps;
  end(): void;
  /** This computer's Windows (or Wine) when the plan targets Windows here. */
  readonly windows?: WindowsPlatform;
  /** How a host path is shown to a person (a Wine path as C:\…). */
  show(p: string): string;
  /** This computer only: where this process reads and writes a path of the host (a Windows path under Wine: the prefix). */
  localPath?(p: string): string;
}

const SUDO_REFUSED = /sudo: (a password is required|a terminal is required|.*is not in the sudoers file|no tty present|.*may not run sudo)|sudo: command not found|sudo: not found/;

/** Whether a root command failed because sudo could not run it (not because of the command itself). */
export function sudoRefused(output: string): boolean {
  return SUDO_REFUSED.test(output);
}

/** The one message when a step needs root and the login user cannot get it. */
export function rootRequired(what: string, id: Identity, label: string): OutpostError {
  return new OutpostError(
    'root_required',
    `${what} needs root on ${label}: ${id.user} is not root and cannot use sudo without a password.`,
    'Log in as root, or allow this user sudo without a password (a NOPASSWD line in /etc/sudoers.d), then run again.',
  );
}

/** `sudo -n ` when `root` is asked and the login user is not root. */
export function sudoPrefix(root: boolean | undefined, id: Identity): string {
  return root && id.uid !== null && id.uid !== 0 ? 'sudo -n ' : '';
}

/** Parses the identity script's output (`uid=…`, `user=…`, `home=…` lines). */
export function parseIdentity(output: string): Identity {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '';
  const uid = Number(get('uid'));
  return { uid: Number.isInteger(uid) && get('uid') !== '' ? uid : null, user: get('user') || '?', home: get('home') };
}

export const IDENTITY_SCRIPT = 'echo "uid=$(id -u)"; echo "user=$(id -un)"; echo "home=$HOME"';
