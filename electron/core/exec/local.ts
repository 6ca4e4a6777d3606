// This computer: steps run in a working folder of their own (installers download into it). POSIX file
// primitives are the same bash scripts as over SSH (./posix-files.ts), run with `sudo -n` for root
// work when Outpost does not run as root. For a Windows plan (`os: windows`) the Windows platform runs
// the steps: Windows itself, or Wine when OUTPOST_WINE_PREFIX is set; on any other computer it is
// refused here, before any step runs. An interactive cmd step keeps its stdin open after the secrets'
// line for what a person types (./pipe-input.ts). Windows files are written with Node (no owners, no sudo).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutpostError } from '../errors';
import { needsWindows, windowsPlatform, type StdinPipe, type WindowsPlatform } from '../platform';
import { sudoPrefix, sudoRefused, rootRequired, type Executor, type FileOps, type Identity } from './executor';
import { runLocal } from './local-spawn';
import { pipeInput } from './pipe-input';
import { posixFiles } from './posix-files';

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Windows paths through the platform's view of them (a Wine prefix's drive_c). */
function windowsFiles(win: WindowsPlatform): FileOps {
  const lp = (p: string) => win.localPath(p);
  return {
    async stat(p) {
      const st = fs.lstatSync(lp(p), { throwIfNoEntry: false });
      if (!st) return null;
      return { type: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other', mode: st.mode & 0o7777, uid: null, owner: '', size: st.size };
    },
    read: async (p) => (fs.existsSync(lp(p)) ? fs.readFileSync(lp(p), 'utf8') : null),
    async write(p, content, o) {
      const f = lp(p);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const t = `${f}.outpost-${randomBytes(4).toString('hex')}`;
      if (o.keep && fs.existsSync(f)) fs.copyFileSync(f, `${f}.outpost-backup`);
      fs.writeFileSync(t, content, { mode: o.mode, flag: 'wx' });
      fs.renameSync(t, f);
    },
    mkdirp: async (p) => void fs.mkdirSync(lp(p), { recursive: true }),
    remove: async (ps) => ps.forEach((p) => fs.rmSync(lp(p), { force: true })),
    async upload(localPath, dest, o) {
      const to = lp(dest);
      if (fs.existsSync(to) && (await sha256Of(to)) === o.sha256) return { sent: false, replaced: false, bytes: 0 };
      fs.mkdirSync(path.dirname(to), { recursive: true });
      const t = `${to}.outpost-${randomBytes(4).toString('hex')}`;
      fs.copyFileSync(localPath, t);
      if ((await sha256Of(t)) !== o.sha256) {
        fs.rmSync(t, { force: true });
        throw new OutpostError('upload_corrupt', `The copy of ${localPath} at ${dest} does not have the expected SHA-256.`, 'Check the disk and copy again.');
      }
      fs.renameSync(t, to);
      return { sent: true, replaced: false, bytes: fs.statSync(to).size };
    },
  };
}

export function localExecutor(workDir: string, env?: NodeJS.ProcessEnv, opts: { os?: 'linux' | 'windows' } = {}): Executor {
  const windows = opts.os === 'windows' ? windowsPlatform() : null;
  if (opts.os === 'windows' && !windows) throw needsWindows();
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const me = os.userInfo();
  const id: Identity = { uid: windows ? null : (process.getuid?.() ?? null), user: me.username, home: me.homedir };
  const label = 'this computer';
  const ex: Executor = {
    kind: 'local',
    os: windows ? 'windows' : 'linux',
    label,
    identity: async () => id,
    ...(windows ? { windows } : {}),
    localPath: (p) => (windows ? windows.localPath(p) : p),
    async run(shell, text, o) {
      let output = '';
      const sudo = !windows && sudoPrefix(o.root, id) !== '';
      let watch: ((t: string) => void) | undefined;
      const onStdin =
        windows && shell === 'cmd' && o.interactive
          ? (pipe: StdinPipe | null) => {
              if (!pipe) return void o.onInput?.(null);
              const input = pipeInput(pipe, o.respond);
              watch = input.onOutput;
              o.onInput?.(input.sink);
            }
          : undefined;
      const r = await runLocal(shell, text, {
        signal: o.signal,
        timeoutMs: o.timeoutMs,
        sudo,
        cwd: workDir,
        ...(env ? { env } : {}),
        ...(windows ? { windows } : {}),
        ...(o.secrets?.length ? { secrets: o.secrets } : {}),
        ...(o.readOnly ? { readOnly: true } : {}),
        ...(onStdin ? { onStdin } : {}),
        onData: (t) => {
          output = (output + t).slice(-1_000_000);
          o.onData?.(t);
          watch?.(t);
        },
      });
      if (sudo && r.exitCode !== 0 && sudoRefused(output)) throw rootRequired('This step', id, label);
      return { exitCode: r.exitCode, output };
    },
    files: windows
      ? windowsFiles(windows)
      : posixFiles({
          bash: (script, o) => ex.run('bash', script, { signal: o.signal, timeoutMs: o.timeoutMs ?? 120_000, root: o.root }),
          identity: async () => id,
          label,
          local: true,
        }),
    end: () => undefined,
    // A Wine path is shown as the Windows path it stands for.
    show: (p) => p,
  };
  return ex;
}
