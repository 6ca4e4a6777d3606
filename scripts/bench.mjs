// Benchmarks: `node scripts/bench.mjs [name…]` (`npm run bench`, `npm run bench:bundle`). No name runs
// them all. A bench is a measurement: it exits 0 whatever the figures are, 1 when it could not
// measure, 2 on a usage error.
//
// bundle: the renderer's production build as a user meets it. Initial JS = the entry script and its
// modulepreload links in dist/renderer/index.html (what loads before first paint), gzipped at level 9;
// first paint / first contentful paint in headless Chromium against `outpost serve`, median of 5 loads,
// each in a fresh browser context. Targets from the wizard issue: < 400 kB initial JS, first paint < 1 s.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// OUTPOST_RENDERER_DIR measures another build (as `outpost serve` serves it); the default is the one `npm run build` makes.
const RENDERER = process.env.OUTPOST_RENDERER_DIR ? path.resolve(process.env.OUTPOST_RENDERER_DIR) : path.join(ROOT, 'dist', 'renderer');
const CHROMIUM = process.env.OUTPOST_CHROMIUM ?? '/usr/bin/chromium';
const LOADS = 5;
const TARGET_JS_BYTES = 400 * 1000;
const TARGET_PAINT_MS = 1000;

class CannotMeasure extends Error {}

const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
const ms = (n) => `${Math.round(n)} ms`;
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function build(what) {
  process.stderr.write(`bench: building ${what} (node scripts/build.mjs ${what})…\n`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), what], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Entry scripts and modulepreload links of index.html, as paths inside dist/renderer. */
function initialScripts(html) {
  const files = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(tag)?.[1];
    const isEntry = /^<script/i.test(tag) && attr('type') === 'module' && attr('src');
    const isPreload = /^<link/i.test(tag) && attr('rel') === 'modulepreload' && attr('href');
    const ref = isEntry ? attr('src') : isPreload ? attr('href') : null;
    if (!ref || /^[a-z]+:/i.test(ref)) continue;
    const rel = ref.replace(/^\.?\//, '');
    if (!files.includes(rel)) files.push(rel);
  }
  return files;
}

function measureBundle() {
  const index = path.join(RENDERER, 'index.html');
  const html = fs.readFileSync(index, 'utf8');
  const files = initialScripts(html);
  if (!files.length) throw new CannotMeasure(`no entry script found in ${index}`);
  return files.map((f) => {
    const p = path.join(RENDERER, f);
    if (!fs.existsSync(p)) throw new CannotMeasure(`${f} is referenced by index.html but missing from ${RENDERER}`);
    const data = fs.readFileSync(p);
    return { file: f, raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
  });
}

/** Starts the built `outpost serve`; resolves with its URL and a stop function. */
async function startServe() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-'));
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, OUTPOST_DATA_DIR: dataDir, OUTPOST_RENDERER_DIR: RENDERER },
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
      const timer = setTimeout(() => reject(new CannotMeasure(`outpost serve printed no URL in 15 s:\n${out}`)), 15_000);
      const onData = (b) => {
        out += b.toString();
        const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
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

async function measurePaint(url) {
  if (!fs.existsSync(CHROMIUM)) throw new CannotMeasure(`Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium; or set OUTPOST_CHROMIUM)`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const loads = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        // Paint entries are queued after the frame is presented: wait for both (or give up at 10 s).
        const handle = await page.waitForFunction(
          () => {
            const e = Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]));
            return e['first-paint'] !== undefined && e['first-contentful-paint'] !== undefined ? e : null;
          },
          null,
          { timeout: 10_000, polling: 50 },
        );
        const e = await handle.jsonValue();
        loads.push({ fp: e['first-paint'], fcp: e['first-contentful-paint'] });
      } catch (err) {
        throw new CannotMeasure(`load ${i + 1}: no paint entries (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return { fp: median(loads.map((l) => l.fp)), fcp: median(loads.map((l) => l.fcp)), loads };
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

async function benchBundle() {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) {
    if (process.env.OUTPOST_RENDERER_DIR) throw new CannotMeasure(`${RENDERER}/index.html is missing (OUTPOST_RENDERER_DIR)`);
    build('renderer');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) build('node');

  const files = measureBundle();
  const gz = files.reduce((s, f) => s + f.gzip, 0);
  const raw = files.reduce((s, f) => s + f.raw, 0);
  const shown = RENDERER.startsWith(ROOT + path.sep) ? path.relative(ROOT, RENDERER) : RENDERER;
  console.log(`Initial JS (entry script + modulepreload links of ${path.join(shown, 'index.html')}, gzip level 9)`);
  console.log(table([['file', 'raw', 'gzip'], ...files.map((f) => [f.file, kB(f.raw), kB(f.gzip)]), ['total', kB(raw), kB(gz)]]));

  const served = await startServe();
  let paint;
  try {
    paint = await measurePaint(served.url);
  } finally {
    await served.stop();
  }
  console.log(`\nPaint in headless Chromium via outpost serve, ${LOADS} loads, fresh context each (ms): ` + paint.loads.map((l) => `${Math.round(l.fp)}/${Math.round(l.fcp)}`).join(', ') + ' (FP/FCP)');
  console.log('');
  console.log(
    table([
      ['figure', 'measured', 'target', 'result'],
      ['initial JS (gzip)', kB(gz), `< ${kB(TARGET_JS_BYTES)}`, verdict(gz < TARGET_JS_BYTES)],
      ['first paint (median)', ms(paint.fp), `< ${ms(TARGET_PAINT_MS)}`, verdict(paint.fp < TARGET_PAINT_MS)],
      ['first contentful paint (median)', ms(paint.fcp), `< ${ms(TARGET_PAINT_MS)}`, verdict(paint.fcp < TARGET_PAINT_MS)],
    ]),
  );
}

const BENCHES = { bundle: benchBundle };

function usage() {
  return `usage: node scripts/bench.mjs [${Object.keys(BENCHES).join('|')}]…  (no name: all)\n  bundle  renderer initial JS (gzipped) and first paint in headless Chromium\n`;
}

async function main(argv) {
  if (argv.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(usage());
    return 0;
  }
  const unknown = argv.filter((a) => !(a in BENCHES));
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const names = argv.length ? argv : Object.keys(BENCHES);
  for (const name of names) {
    console.log(`== bench: ${name} ==`);
    try {
      await BENCHES[name]();
    } catch (err) {
      process.stderr.write(`bench ${name}: could not measure: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
