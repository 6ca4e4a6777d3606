// Local shell in a PTY via node-pty. Loaded lazily so the CLI and tests still work on a machine
// where the native module could not be built; `ptyAvailable()` reports which.
import { terminalEnv } from '../secrets/env';
import { createRequire } from 'node:module';
import os from 'node:os';
import type * as NodePty from 'node-pty';
import type { TerminalSource } from './source';

const require = createRequire(import.meta.url);
let cached: typeof NodePty | null | undefined;

function loadPty(): typeof NodePty | null {
  if (cached !== undefined) return cached;
  try {
    cached = require('node-pty') as typeof NodePty;
  } catch {
    cached = null;
  }
  return cached;
}

export function ptyAvailable(): boolean {
  return loadPty() !== null;
}

export function defaultShell(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): { file: string; args: string[] } {
  if (platform === 'win32') return { file: env.COMSPEC ?? 'cmd.exe', args: [] };
  const shell = env.SHELL && env.SHELL.startsWith('/') ? env.SHELL : '/bin/bash';
  return { file: shell, args: ['-l'] };
}

export interface LocalPtyOptions {
  cols: number;
  rows: number;
  cwd?: string;
  file?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the values of the variables kept from the shell are registered (the terminal's redactor). */
  secrets?: { add(value: string): void };
}

export function spawnLocalPty(opts: LocalPtyOptions): TerminalSource {
  const pty = loadPty();
  if (!pty) throw new Error('node-pty is not available on this machine');
  const shell = opts.file ? { file: opts.file, args: opts.args ?? [] } : defaultShell();
  // No OUTPOST_* variable and none an answers `{ env }` reference named: they hold keys and passwords.
  const env = { ...terminalEnv(opts.secrets, opts.env ?? process.env), TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>;
  const proc = pty.spawn(shell.file, shell.args, {
    name: 'xterm-256color',
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd ?? os.homedir(),
    env,
    encoding: 'utf8',
  });
  return {
    label: shell.file,
    write: (d) => proc.write(d),
    resize: (c, r) => proc.resize(c, r),
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    kill: () => {
      try {
        proc.kill();
      } catch {
        // already gone
      }
    },
    onData: (l) => {
      proc.onData(l);
    },
    onExit: (l) => {
      proc.onExit(({ exitCode, signal }) => l({ exitCode, signal: signal ?? null }));
    },
  };
}
