// The Windows tests' world: a fresh Wine prefix (Debian's wine64: cmd.exe, sc and a real service
// control manager), a tiny Windows service built from C with mingw-w64, and the agents' zips built from
// the fixtures in test/fixtures/windows. Everything lives in one temporary folder per test file.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { wineBinary } from '../../../electron/core/platform';

const execFileP = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'windows');
export const WINE64 = wineBinary();
const MINGW = 'x86_64-w64-mingw32-gcc';

function wineserverBinary(): string {
  for (const f of [path.join(path.dirname(WINE64), 'wineserver64'), path.join(path.dirname(WINE64), 'wineserver'), '/usr/lib/wine/wineserver64', '/usr/bin/wineserver']) if (fs.existsSync(f)) return f;
  return 'wineserver';
}

export interface WineWorld {
  dir: string;
  prefix: string;
  /** drive_c of the prefix. */
  driveC: string;
  /** The fixture service, built for Windows x64. */
  serviceExe: string;
  env: NodeJS.ProcessEnv;
  /** Runs `wine64 <args>` in the prefix (for the test's own checks: sc query, reg query). */
  wine(args: string[]): Promise<{ code: number; stdout: string }>;
  stop(): Promise<void>;
}

/** Needs wine64 and mingw-w64 (test/setup-system.mjs installs them). */
export function requireTools(): void {
  if (!fs.existsSync(WINE64)) throw new Error(`${WINE64} is missing: install Debian's wine64 (test/setup-system.mjs does).`);
  const hasGcc = (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, MINGW)));
  if (!hasGcc) throw new Error(`${MINGW} is missing: install gcc-mingw-w64-x86-64 (test/setup-system.mjs does).`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
}

const CACHE = path.join(ROOT, 'node_modules', '.cache', 'outpost-test-wine');

/**
 * A pristine prefix, made by `wineboot -i` once per Wine version and user and kept under the repository's
 * node_modules/.cache (wineboot takes a minute or more on a loaded machine; a copy, seconds). Built under
 * a temporary name and renamed when whole, so a half-made one is never used.
 */
async function pristinePrefix(): Promise<string> {
  const version = (await execFileP(WINE64, ['--version'])).stdout.trim().replace(/[^\w.-]+/g, '_');
  const dir = path.join(CACHE, `${version}-uid${process.getuid?.() ?? 0}`);
  if (fs.existsSync(path.join(dir, 'ready'))) return path.join(dir, 'prefix');
  fs.mkdirSync(CACHE, { recursive: true });
  const building = fs.mkdtempSync(`${dir}.building-`);
  const prefix = path.join(building, 'prefix');
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' };
  // wineboot's helpers (services.exe…) may keep its stdio open: wait for exits, not for pipes.
  await new Promise<void>((resolve, reject) => {
    const p = spawn(WINE64, ['wineboot', '-i'], { env, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wine64 wineboot -i exited with ${code}`))));
  });
  // Its wineserver flushes the registry to the prefix when it ends.
  await execFileP(wineserverBinary(), ['-k'], { env }).catch(() => undefined);
  await execFileP(wineserverBinary(), ['-w'], { env, timeout: 60_000 }).catch(() => undefined);
  fs.writeFileSync(path.join(building, 'ready'), '');
  try {
    fs.renameSync(building, dir);
  } catch {
    fs.rmSync(building, { recursive: true, force: true }); // another file's build got there first
  }
  return path.join(dir, 'prefix');
}

/** A fresh prefix (a copy of the pristine one), a persistent wineserver, and the service exe. */
export async function startWine(name: string): Promise<WineWorld> {
  requireTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outpost-${name}-`));
  const prefix = path.join(dir, 'prefix');
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' };
  const serviceExe = path.join(dir, 'fixture-service.exe');
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(WINE64, args, { env, stdio: 'ignore' });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wine64 ${args.join(' ')} exited with ${code}`))));
    });
  // The compiler and the prefix's copy run at the same time.
  await Promise.all([execFileP(MINGW, ['-O2', '-s', '-o', serviceExe, path.join(FIXTURES, 'fixture-service.c')]), pristinePrefix().then((p) => execFileP('cp', ['-a', p, prefix]))]);
  // Wine 8's service manager, as started while the prefix is being created, does not find services
  // created afterwards (OpenService: 1060): start the prefix's session afresh. Services live as long as
  // the wineserver: a persistent one (until -k) keeps them up between the CLI's runs and the test's
  // checks. It forks and keeps its stdio: started on its own, not waited for.
  const server = wineserverBinary();
  await execFileP(server, ['-k'], { env }).catch(() => undefined);
  await execFileP(server, ['-w'], { env, timeout: 60_000 }).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(server, ['-p'], { env, stdio: 'ignore', detached: true });
    p.on('error', reject);
    p.on('spawn', () => resolve());
    p.unref();
  });
  await run(['cmd', '/c', 'ver']);
  const wine = async (args: string[]) => {
    try {
      const r = await execFileP(WINE64, args, { env, timeout: 60_000 });
      return { code: 0, stdout: r.stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' };
    }
  };
  return {
    dir,
    prefix,
    driveC: path.join(prefix, 'drive_c'),
    serviceExe,
    env,
    wine,
    async stop() {
      await execFileP(server, ['-k'], { env }).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A zip of `entries` (name → file path or content), entries in the order given. */
export function makeZip(file: string, entries: Array<{ name: string; from?: string; text?: string }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const e of entries) {
      if (e.from) z.addFile(e.from, e.name);
      else z.addBuffer(Buffer.from(e.text ?? ''), e.name);
    }
    z.end();
    z.outputStream.pipe(fs.createWriteStream(file)).on('close', () => resolve()).on('error', reject);
  });
}

/** `sc query <name>`'s STATE word (RUNNING, STOPPED…), or the error line. */
export async function serviceState(w: WineWorld, name: string): Promise<string> {
  // Under load Wine's sc now and then prints nothing at all (no state, no error): asked again then.
  let out = '';
  for (let i = 0; i < 3 && !out.trim(); i++) out = (await w.wine(['sc', 'query', name])).stdout;
  return /STATE\s*:\s*\d+\s+(\w+)/.exec(out)?.[1] ?? out.trim();
}

/** The service's ImagePath as the registry holds it. */
export async function imagePath(w: WineWorld, name: string): Promise<string> {
  const r = await w.wine(['reg', 'query', `HKLM\\System\\CurrentControlSet\\Services\\${name}`, '/v', 'ImagePath']);
  return /ImagePath\s+REG_\w+\s+(.*)/.exec(r.stdout)?.[1]?.trim() ?? '';
}

/** `outpost <args>` through the built CLI. */
export function outpost(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The fixture ICAgent package: ICProbeAgent\bin\icagent.exe and the fixture installer (failing on demand). */
export async function icagentZip(w: Pick<WineWorld, 'serviceExe'>, file: string, opts: { failWithServiceStop?: boolean } = {}): Promise<void> {
  const win = 'ICProbeAgent/bin/manual/win/';
  await makeZip(file, [
    { name: 'ICProbeAgent/bin/icagent.exe', from: w.serviceExe },
    { name: `${win}install.bat`, from: path.join(FIXTURES, 'icagent', 'install.bat') },
    { name: `${win}uninstall.bat`, from: path.join(FIXTURES, 'icagent', 'uninstall.bat') },
    ...(opts.failWithServiceStop ? [{ name: `${win}fail-with-service-stop`, text: 'antivirus stand-in\r\n' }] : []),
  ]);
}

/** AgentService.zip and UpdateService.zip: the fixture service under the vendor's exe names, and the .bat files. */
export async function novaZips(w: Pick<WineWorld, 'serviceExe'>, dir: string): Promise<{ agentZip: string; updaterZip: string }> {
  const agentZip = path.join(dir, 'AgentService.zip');
  const updaterZip = path.join(dir, 'UpdateService.zip');
  await makeZip(agentZip, [
    { name: 'Rackspace.Cloud.Server.Agent.Service.exe', from: w.serviceExe },
    { name: 'installagentservice.bat', from: path.join(FIXTURES, 'nova', 'installagentservice.bat') },
  ]);
  await makeZip(updaterZip, [
    { name: 'Rackspace.Cloud.Server.Agent.UpdaterService.exe', from: w.serviceExe },
    { name: 'installupdateservice.bat', from: path.join(FIXTURES, 'nova', 'installupdateservice.bat') },
  ]);
  return { agentZip, updaterZip };
}
