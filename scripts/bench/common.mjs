// Shared by the benches (scripts/bench.mjs and scripts/bench/*.mjs): paths, formatting, the build,
// `outpost serve` started as a user starts it, the table printer.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// OUTPOST_RENDERER_DIR measures another build (as `outpost serve` serves it); the default is the one `npm run build` makes.
export const RENDERER = process.env.OUTPOST_RENDERER_DIR ? path.resolve(process.env.OUTPOST_RENDERER_DIR) : path.join(ROOT, 'dist', 'renderer');
export const CHROMIUM = process.env.OUTPOST_CHROMIUM ?? '/usr/bin/chromium';

export class CannotMeasure extends Error {}
export class UsageError extends Error {}

export const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
export const ms = (n) => `${Math.round(n)} ms`;
export const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export function build(what) {
  process.stderr.write(`bench: building ${what} (node scripts/build.mjs ${what})…\n`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), what], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The Node flags `outpost` starts with (its shebang's): the servers measured run as a user's `npx outpost serve` does. */
export const OUTPOST_NODE_FLAGS = (/^#!.*\bnode\b(.*)$/m.exec(fs.readFileSync(path.join(ROOT, 'bin', 'outpost.mjs'), 'utf8').split('\n')[0] ?? '')?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

/** Starts the built `outpost serve` (or another script printing `Open: <url>`); resolves with its URL and a stop function. */
export async function startServe(argv = [path.join(ROOT, 'bin', 'outpost.mjs'), 'serve'], extraEnv = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-'));
  const proc = spawn(process.execPath, [...OUTPOST_NODE_FLAGS, ...argv], {
    cwd: ROOT,
    env: { ...process.env, OUTPOST_DATA_DIR: dataDir, OUTPOST_RENDERER_DIR: RENDERER, SHELL: '/bin/bash', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let out = '';
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CannotMeasure(`outpost serve printed no URL in 30 s:\n${out}`)), 30_000);
      const onData = (b) => {
        out += b.toString();
        const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new CannotMeasure(`outpost serve exited (${code}):\n${out}`));
      });
    });
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Bundles scripts/bench/<name>.ts (a helper the bench runs under Node) into dist/bench/<name>.mjs; returns its path. */
export async function bundleBenchScript(name, define = {}) {
  const { build: esbuild } = await import('esbuild');
  const outfile = path.join(ROOT, 'dist', 'bench', `${name}.mjs`);
  await esbuild({
    entryPoints: [path.join(ROOT, 'scripts', 'bench', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    define,
    logLevel: 'warning',
  });
  return outfile;
}
