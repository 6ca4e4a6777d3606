// terminal: see the header of scripts/bench.mjs (what is measured, the targets).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, bundleBenchScript, CannotMeasure, CHROMIUM, ms, RENDERER, ROOT, startServe, table, UsageError, verdict } from './common.mjs';
/* global window, document, requestAnimationFrame -- functions passed to page.evaluate run in Chromium */

// ---- terminal ------------------------------------------------------------------------------------

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const VIEWPORT = { width: 1100, height: 720 };
const PROMPT = '42-ready> ';
/** The renderer TerminalView uses (renderer/src/components/Terminal.tsx); (b) uses the same one. */
const OUTPOST_RENDERER = 'dom';
const TARGET_LOCAL = 0.9;
const TARGET_RUN = 0.7;
/** Ctrl-C to the next prompt during `yes`: (c) and (d), and (e) the host terminal (issue 25). */
const TARGET_CTRL_C_MS = 200;
const TARGET_CTRL_C_HOST_MS = 300;
/** Floods measured on each of (c)–(e) after the warm-up. */
const FLOODS = 3;

/**
 * The text: lines of 120 x. The last `cat` makes the producer write it in blocks, as `cat FILE` does:
 * `fold` writing to a terminal is line-buffered, one write() of 121 bytes a line, and the PTY then
 * carries ~20–27 MB/s on this machine whatever reads it (a bare Python read loop too), which measured
 * fold, not the terminal (issue 25's ratios were bounded by it).
 */
const floodCommand = (bytes) => `head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 120 | cat`;

async function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) throw new CannotMeasure(`Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium; or set OUTPOST_CHROMIUM)`);
  // A DevTools driver of its own, not Playwright: see scripts/bench/cdp.mjs for why.
  const { launch } = await import('./cdp.mjs');
  return launch(CHROMIUM, BROWSER_ARGS);
}

/** (a) The PTY alone: node-pty runs the command, nothing but a byte count reads it. */
async function barePty(bytes) {
  const require = (await import('node:module')).createRequire(import.meta.url);
  let pty;
  try {
    pty = require('node-pty');
  } catch (err) {
    throw new CannotMeasure(`node-pty cannot be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const t0 = performance.now();
  const proc = pty.spawn('/bin/bash', ['-c', floodCommand(bytes)], { name: 'xterm-256color', cols: 120, rows: 30, cwd: os.tmpdir(), env: process.env, encoding: 'utf8' });
  let chars = 0;
  proc.onData((d) => (chars += d.length));
  await new Promise((resolve) => proc.onExit(resolve));
  // Whatever node-pty still had queued arrives before the next turn.
  await new Promise((r) => setTimeout(r, 0));
  return { seconds: (performance.now() - t0) / 1000, chars };
}

/**
 * Page-side probe for Outpost's pages: TerminalView calls window.__outpostTerminalProbe(id, data) after
 * xterm.js has parsed each chunk. A watch is armed before a key is pressed; its clock starts at that
 * keydown (capture phase, before xterm sees the key) and stops at the first animation frame after the
 * watched text was parsed. It also records the longest main-thread stall (a 20 ms interval's lateness).
 */
const PROBE = `(() => {
  const b = (window.__bench = { chars: 0, tail: '', arm: null, watch: null, done: {}, waiters: {}, stall: 0, last: performance.now() });
  // Waits are promises the driver awaits once: no polling from outside while a measurement runs.
  b.wait = (name) => b.done[name] ? Promise.resolve(b.done[name]) : new Promise((r) => (b.waiters[name] = r));
  b.waitChars = (n) => new Promise((r) => { const t = setInterval(() => { if (b.chars > n) { clearInterval(t); r(b.chars); } }, 20); });
  setInterval(() => { const now = performance.now(); b.stall = Math.max(b.stall, now - b.last - 20); b.last = now; }, 20);
  window.__outpostTerminalProbe = (id, data) => {
    b.chars += data.length;
    const w = b.watch;
    if (!w) return;
    const s = b.tail + data;
    b.tail = s.slice(-64);
    if (s.includes(w.text)) {
      b.watch = null;
      requestAnimationFrame(() => { b.done[w.name] = { ms: performance.now() - w.t0, stall: b.stall }; b.waiters[w.name]?.(b.done[w.name]); });
    }
  };
  document.addEventListener('keydown', (e) => {
    const a = b.arm;
    if (!a || e.key.toLowerCase() !== a.key.toLowerCase()) return;
    b.arm = null;
    b.tail = '';
    b.stall = 0;
    b.watch = { name: a.name, text: a.text, t0: performance.now() };
  }, true);
})();`;

async function openOutpostTerminal(browser, url) {
  const page = await browser.newPage(VIEWPORT);
  await page.addInitScript(PROBE);
  await page.goto(url);
  await page.until(`(() => { const b = document.querySelector('[data-testid="open-local-terminal"]'); if (b) b.click(); return !!b; })()`);
  await page.until(`document.querySelector('.xterm-helper-textarea') && window.__bench.chars > 0`);
  await page.evaluate(() => document.querySelector('.xterm-helper-textarea').focus());
  // A prompt the command line's echo cannot contain.
  await typeAndWait(page, `PS1='$((40+2))-ready> '`, 'setup', PROMPT, 15_000);
  const box = await page.evaluate(() => {
    const r = document.querySelector('[data-testid="terminal"]').getBoundingClientRect();
    return { width: r.width, height: r.height };
  });
  return { page, box };
}

// The timer is cleared once the race is settled: a pending one kept the bench alive for up to 10 min after its figures.
const withTimeout = (p, ms, what) => {
  let timer;
  const expired = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
};

async function typeAndWait(page, line, name, text, timeout) {
  await page.type(line);
  await page.evaluate(([n, t]) => (window.__bench.arm = { name: n, text: t, key: 'Enter' }), [name, text]);
  await page.press('Enter');
  return withTimeout(page.evaluate((n) => window.__bench.wait(n), name), timeout, name);
}

/** (c) and (d): the flood through the view, then Ctrl-C during `yes`. */
async function throughOutpost(browser, url, bytes) {
  const { page, box } = await openOutpostTerminal(browser, url);
  try {
    // Warm-up (JIT, glyph caches): 4M characters, as (b) gets before each of its measurements (with
    // 1M the flood measured next still paid for compilation: ~20% slower than the one after it).
    await typeAndWait(page, `${floodCommand(4_000_000)}; echo warm-$((6*7))`, 'warm', 'warm-42', 60_000);
    // Three floods and their mean ((b)'s figure is a mean too): one flood spreads ±20% here.
    const floods = [];
    for (let i = 0; i < FLOODS; i++) floods.push(await typeAndWait(page, `${floodCommand(bytes)}; echo done${i}-$((6*7))`, `flood${i}`, `done${i}-42`, 600_000));
    // Ctrl-C while `yes` floods: from the key to the next prompt on screen.
    const before = await page.evaluate(() => window.__bench.chars);
    await page.type('yes outpost-flood');
    await page.press('Enter');
    await withTimeout(page.evaluate((n) => window.__bench.waitChars(n + 2_000_000), before), 60_000, 'yes');
    const ping0 = performance.now();
    await page.evaluate(() => 1);
    const pingMs = performance.now() - ping0;
    await page.evaluate(([t]) => (window.__bench.arm = { name: 'ctrlc', text: t, key: 'c' }), [PROMPT]);
    await page.press('Control+C');
    const ctrlC = await withTimeout(page.evaluate(() => window.__bench.wait('ctrlc')), 30_000, 'Ctrl-C');
    const runs = floods.map((f) => f.ms / 1000);
    return { seconds: runs.reduce((x, y) => x + y, 0) / runs.length, runs, stallMs: Math.max(...floods.map((f) => f.stall)), ctrlCms: ctrlC.ms, pingMs, box };
  } finally {
    await page.close();
  }
}

/**
 * How (b) feeds xterm.js: write size, and whether each write waits for the previous one's callback
 * (`chained`, as a flow-controlled app feeds it) or writes are issued ahead without callbacks (`ahead`:
 * a callback only every AHEAD_MARK characters, to stay under xterm.js's 50 MB discard limit). (b) is
 * the best of them, so Outpost is compared with xterm.js at its best, not with one way of feeding it.
 */
const FEEDS = [
  { chunk: 32 * 1024, chained: true },
  { chunk: 256 * 1024, chained: true },
  { chunk: 1024 * 1024, chained: true },
  { chunk: 32 * 1024, chained: false },
  { chunk: 256 * 1024, chained: false },
  { chunk: 1024 * 1024, chained: false },
];
const feedName = (f) => `${f.chunk >= 1024 * 1024 ? `${f.chunk / 1024 / 1024} MB` : `${f.chunk / 1024} KB`} writes, ${f.chained ? 'each after the last one\'s callback' : 'issued ahead, no callbacks'}`;

/**
 * (b) xterm.js alone: the same build of xterm.js and options as TerminalView, the same box, the same
 * text, fed each way of `feeds` (a fresh terminal each); resolves with the seconds of each.
 */
async function xtermAlone(browser, bytes, box, renderer, feeds = FEEDS) {
  const page = await browser.newPage(VIEWPORT);
  try {
    await page.setContent(`<!doctype html><html><body style="margin:0"><div id="t" style="width:${Math.round(box.width)}px;height:${Math.round(box.height)}px"></div></body></html>`);
    await page.addStyleFile(path.join(ROOT, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'));
    await page.addScriptFile(path.join(ROOT, 'node_modules', '@xterm', 'xterm', 'lib', 'xterm.js'));
    const fit = path.join(ROOT, 'node_modules', '@xterm', 'addon-fit', 'lib', 'addon-fit.js');
    await page.addScriptFile(fit);
    const webgl = path.join(ROOT, 'node_modules', '@xterm', 'addon-webgl', 'lib', 'addon-webgl.js');
    if (renderer === 'webgl') {
      if (!fs.existsSync(webgl)) return null;
      await page.addScriptFile(webgl);
    }
    return await page.evaluate(
      async ([n, r, feeds]) => {
        const line = 'x'.repeat(120) + '\r\n';
        const full = Math.floor(n / 120);
        let text = line.repeat(full) + 'x'.repeat(n - full * 120);
        const results = [];
        let used = 'dom';
        // Warm-up, as (c)–(e) get a 4M-character flood first: a terminal of its own parses 4M characters, so the
        // first way measured does not pay for JIT compilation the later ones are spared.
        for (let round = 0; round < 2; round++) {
          const warm = new window.Terminal({ scrollback: 5000 });
          warm.open(document.getElementById('t'));
          for (let i = 0; i < 2; i++) await new Promise((res) => warm.write(text.slice(i * 1_000_000, (i + 1) * 1_000_000), res));
          warm.dispose();
        }
        for (const feed of feeds) {
          const term = new window.Terminal({
            cursorBlink: true,
            fontFamily: '"Cascadia Mono", "DejaVu Sans Mono", "Noto Sans Mono", Menlo, Consolas, monospace',
            fontSize: 13,
            scrollback: 5000,
            theme: { background: '#fbfbfc', foreground: '#1f2328', cursor: '#2155d6', selectionBackground: '#c9d7f7' },
          });
          const fitAddon = new window.FitAddon.FitAddon();
          term.loadAddon(fitAddon);
          term.open(document.getElementById('t'));
          fitAddon.fit();
          used = 'dom';
          if (r === 'webgl') {
            try {
              term.loadAddon(new window.WebglAddon.WebglAddon());
              used = 'webgl';
            } catch {
              used = 'dom (webgl failed)';
            }
          }
          const write = (s) => new Promise((res) => term.write(s, res));
          await write('x'.repeat(1000) + '\r\n'); // warm-up
          const CHUNK = feed.chunk;
          const t0 = performance.now();
          if (feed.chained) {
            await new Promise((resolve) => {
              let i = 0;
              const next = () => {
                if (i >= text.length) return resolve();
                const chunk = text.slice(i, i + CHUNK);
                i += CHUNK;
                term.write(chunk, next);
              };
              next();
            });
          } else {
            // No callbacks but one every 4M characters, and never more than 8M unparsed (xterm.js drops beyond 50 MB).
            const MARK = 4_000_000;
            const AHEAD = 8_000_000;
            const marks = [];
            let parsed = 0;
            for (let i = 0; i < text.length; i += CHUNK) {
              while (i - parsed > AHEAD && marks.length) parsed = await marks.shift();
              const end = Math.min(text.length, i + CHUNK);
              if (end === text.length || Math.floor(end / MARK) > Math.floor(i / MARK)) marks.push(new Promise((res) => term.write(text.slice(i, end), () => res(end))));
              else term.write(text.slice(i, end));
            }
            await Promise.all(marks);
          }
          await new Promise((res) => requestAnimationFrame(res));
          results.push((performance.now() - t0) / 1000);
          term.dispose();
        }
        text = '';
        return { seconds: results, used };
      },
      [bytes, renderer, feeds],
    );
  } finally {
    await page.close();
  }
}

function buildRunTerminalServer() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return bundleBenchScript('run-terminal-server', { __OUTPOST_VERSION__: JSON.stringify(pkg.version), 'import.meta.dirname': JSON.stringify(path.join(ROOT, 'dist', 'bench')) });
}

function parseMb(argv) {
  const i = argv.indexOf('--mb');
  if (i < 0) return 50;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0 || n > 2000) throw new UsageError(`--mb: "${argv[i + 1] ?? ''}" is not a size in MB (0 < N ≤ 2000)`);
  return n;
}

export async function benchTerminal(argv) {
  const mb = parseMb(argv);
  const bytes = Math.round(mb * 1e6);
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) build('renderer');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) build('node');
  const rate = (r) => (r ? mb / r.seconds : NaN);
  const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} MB/s` : 'n/a');

  process.stderr.write(`bench terminal: (a) bare PTY, ${mb} MB…\n`);
  const a = await barePty(bytes);
  const browser = await launchChromium();
  let b1, b2, bGl, c, d, e;
  let sshError = null;
  try {
    // (b) runs before and after (c), (d) and (e) and is averaged, so a machine whose load drifts during
    // the run does not favour either side; the box of (c)'s view is used for both.
    const serve = await startServe();
    try {
      const first = await openOutpostTerminal(browser, serve.url);
      await first.page.close();
      process.stderr.write(`bench terminal: (b) xterm.js alone, ${FEEDS.length} ways of feeding it (first of two)…\n`);
      b1 = await xtermAlone(browser, bytes, first.box, OUTPOST_RENDERER);
      process.stderr.write('bench terminal: (c) local terminal through browser mode…\n');
      c = await throughOutpost(browser, serve.url, bytes);
    } finally {
      await serve.stop();
    }
    if (process.getuid?.() !== 0) sshError = 'needs root (sshd switches to the test user)';
    else if (!fs.existsSync(process.env.OUTPOST_SSHD ?? '/usr/sbin/sshd')) sshError = 'sshd not found (apt-get install openssh-server)';
    else {
      const server = await buildRunTerminalServer();
      process.stderr.write('bench terminal: (d) run terminal over SSH (loopback sshd)…\n');
      const run = await startServe([server]);
      try {
        d = await throughOutpost(browser, run.url, bytes);
      } finally {
        await run.stop();
      }
      process.stderr.write('bench terminal: (e) host terminal over SSH (loopback sshd)…\n');
      const host = await startServe([server], { OUTPOST_BENCH_TERMINAL: 'host' });
      try {
        e = await throughOutpost(browser, host.url, bytes);
      } finally {
        await host.stop();
      }
    }
    process.stderr.write('bench terminal: (b) xterm.js alone (second of two, the ways in reverse order)…\n');
    const back = await xtermAlone(browser, bytes, c.box, OUTPOST_RENDERER, [...FEEDS].reverse());
    b2 = { ...back, seconds: [...back.seconds].reverse() };
  } finally {
    if (!b2) await browser.close();
  }
  // Each way of feeding: the mean of its two runs. (b) is the best of them.
  const feeds = FEEDS.map((f, i) => ({ feed: f, runs: [b1.seconds[i], b2.seconds[i]], seconds: (b1.seconds[i] + b2.seconds[i]) / 2 }));
  const best = feeds.reduce((x, y) => (y.seconds < x.seconds ? y : x));
  const b = { seconds: best.seconds, used: b2.used, runs: best.runs };
  try {
    const other = OUTPOST_RENDERER === 'webgl' ? 'dom' : 'webgl';
    const gl = await xtermAlone(browser, bytes, c.box, other, [best.feed]);
    bGl = gl ? { seconds: gl.seconds[0], used: gl.used } : null;
  } finally {
    await browser.close();
  }

  const rb = rate(b);
  console.log(`Text: ${floodCommand(bytes)} (${mb} MB of x, ${a.chars} characters through the PTY); Chromium ${CHROMIUM}, headless, --disable-gpu; view ${Math.round(c.box.width)}×${Math.round(c.box.height)} px`);
  console.log('Outpost transport measured: browser mode (WebSocket, JSON events); Electron IPC carries the same events through the same flow control.');
  console.log('');
  console.log(`(b) xterm.js alone, ${b.used} renderer, fed ${FEEDS.length} ways (mean of two runs each; the best is (b)):`);
  console.log(
    table([
      ['feeding', 'runs', 'mean', 'throughput'],
      ...feeds.map((f) => [`${f === best ? '* ' : '  '}${feedName(f.feed)}`, f.runs.map((x) => `${x.toFixed(2)} s`).join(', '), `${f.seconds.toFixed(2)} s`, fmt(mb / f.seconds)]),
    ]),
  );
  console.log('');
  const ra = rate(a);
  const row = (name, r) => [name, r.runs.map((x) => x.toFixed(2)).join(', '), `${r.seconds.toFixed(2)} s`, fmt(rate(r)), (rate(r) / rb).toFixed(2), (rate(r) / ra).toFixed(2), ms(r.ctrlCms)];
  const sshRow = (name, r) => (r ? row(name, r) : [name, '', 'n/a', sshError ?? 'n/a', '', '', '']);
  const rows = [
    ['path', 'runs (s)', 'time', 'throughput', 'vs (b)', 'vs (a)', 'Ctrl-C'],
    ['(a) bare PTY (node-pty, no UI)', '', `${a.seconds.toFixed(2)} s`, fmt(ra), (ra / rb).toFixed(2), '1.00', ''],
    [`(b) xterm.js alone, ${b.used} renderer, best feeding`, b.runs.map((x) => x.toFixed(2)).join(', '), `${b.seconds.toFixed(2)} s`, fmt(rb), '1.00', '', ''],
  ];
  if (bGl) rows.push([`    xterm.js alone, ${bGl.used} renderer, same feeding (info)`, '', `${bGl.seconds.toFixed(2)} s`, fmt(rate(bGl)), (rate(bGl) / rb).toFixed(2), '', '']);
  rows.push(row('(c) local terminal, browser mode', c));
  rows.push(sshRow('(d) run terminal, SSH to loopback sshd', d));
  rows.push(sshRow('(e) host terminal, SSH to loopback sshd', e));
  console.log(table(rows));
  console.log(`(a)/(b) = ${(ra / rb).toFixed(2)}: the PTY and its producer alone, no view; (c)–(e) cannot be faster than (a).`);
  console.log('');
  const each = (f) => [['(c)', c], ['(d)', d], ['(e)', e]].filter(([, r]) => r).map(([n, r]) => `${n} ${ms(f(r))}`).join(', ');
  console.log(`Longest main-thread stall during the flood: ${each((r) => r.stallMs)}; a page round trip during \`yes\`: ${each((r) => r.pingMs)}`);
  console.log('');
  const verdicts = [
    ['figure', 'measured', 'target', 'result'],
    ['(c)/(b)', (rate(c) / rb).toFixed(2), `≥ ${TARGET_LOCAL}`, verdict(rate(c) / rb >= TARGET_LOCAL)],
    ['(d)/(b)', d ? (rate(d) / rb).toFixed(2) : 'n/a', `≥ ${TARGET_RUN}`, d ? verdict(rate(d) / rb >= TARGET_RUN) : 'n/a'],
    ['(e)/(b) (info: the same SSH path as (d))', e ? (rate(e) / rb).toFixed(2) : 'n/a', `≥ ${TARGET_RUN}`, e ? verdict(rate(e) / rb >= TARGET_RUN) : 'n/a'],
    ['Ctrl-C to prompt during `yes`, (c)', ms(c.ctrlCms), `≤ ${TARGET_CTRL_C_MS} ms`, verdict(c.ctrlCms <= TARGET_CTRL_C_MS)],
  ];
  if (d) verdicts.push(['Ctrl-C to prompt during `yes`, (d)', ms(d.ctrlCms), `≤ ${TARGET_CTRL_C_MS} ms`, verdict(d.ctrlCms <= TARGET_CTRL_C_MS)]);
  if (e) verdicts.push(['Ctrl-C to prompt during `yes`, (e)', ms(e.ctrlCms), `≤ ${TARGET_CTRL_C_HOST_MS} ms`, verdict(e.ctrlCms <= TARGET_CTRL_C_HOST_MS)]);
  console.log(table(verdicts));
}

