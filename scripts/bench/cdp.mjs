// A minimal Chromium driver over the DevTools protocol for the terminal bench: only the Target, Page,
// Runtime, Input and Emulation domains. Why not Playwright here: Playwright enables the Network domain on
// every page, and Chromium then copies every WebSocket frame into a `Network.webSocketFrameReceived`
// event for the driver. For a 20 MB flood that is ~1 s of the browser process's CPU and ~0.5 s of the
// driver's (measured with /proc on the 2-core development machine), work a user's window never does
// and that xterm.js alone, (b), never pays. Pages are driven without polling: waits are promises in
// the page, awaited through one Runtime.evaluate.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
/* global document -- functions passed to page.evaluate run in Chromium */

/** Launches Chromium headless with a DevTools port of its own; resolves with a Browser. */
export async function launch(executable, args) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-chromium-'));
  const proc = spawn(executable, ['--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, ...args, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${err.slice(-500)}`)), 30_000);
    proc.stderr.on('data', (d) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`Chromium exited (${code}): ${err.slice(-500)}`)));
  });
  proc.stderr.resume();
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return new Browser(ws, proc, profile);
}

class Browser {
  constructor(ws, proc, profile) {
    this.ws = ws;
    this.proc = proc;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    // Chromium gone (crashed, killed): every call waiting for it fails instead of hanging the bench.
    const fail = (why) => {
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${why}`));
      this.pending.clear();
    };
    ws.on('close', () => fail('the DevTools connection closed'));
    proc.once('exit', (code, signal) => fail(`Chromium exited (${signal ?? code})`));
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
    });
  }

  send(method, params = {}, sessionId) {
    const id = this.nextId++;
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`${method}: the DevTools connection is closed`));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** A page in a fresh browser context (its own storage), with the given viewport. */
  async newPage(viewport) {
    const { browserContextId } = await this.send('Target.createBrowserContext');
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank', browserContextId });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId, async () => {
      await this.send('Target.closeTarget', { targetId }).catch(() => undefined);
      await this.send('Target.disposeBrowserContext', { browserContextId }).catch(() => undefined);
    });
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  async close() {
    this.ws.close();
    await new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      this.proc.once('exit', resolve);
      this.proc.kill('SIGTERM');
    });
    // Chromium's helpers may still be writing the profile for a moment after it exits.
    try {
      fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      /* a temporary folder left behind */
    }
  }
}

const KEYS = {
  Enter: { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' },
  'Control+C': { key: 'c', code: 'KeyC', windowsVirtualKeyCode: 67, modifiers: 2 },
};

class Page {
  constructor(browser, sessionId, close) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.close = close;
  }

  send(method, params) {
    return this.browser.send(method, params, this.sessionId);
  }

  addInitScript(source) {
    return this.send('Page.addScriptToEvaluateOnNewDocument', { source });
  }

  /** Navigates and waits for the load event's document to be ready. */
  async goto(url) {
    await this.send('Page.navigate', { url });
    await this.until('document.readyState === "complete" && location.href !== "about:blank"');
  }

  /** Runs `fn(arg)` in the page (a function, or an expression string); awaits a returned promise. */
  async evaluate(fn, arg) {
    const expression = typeof fn === 'string' ? fn : `(${fn.toString()})(${JSON.stringify(arg ?? null)})`;
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Waits (outside any measurement) until an expression is truthy, checking every 50 ms. */
  async until(expression, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const ok = await this.evaluate(`(() => { try { return !!(${expression}); } catch { return false; } })()`).catch(() => false);
      if (ok) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async setContent(html) {
    await this.evaluate((h) => {
      document.open();
      document.write(h);
      document.close();
    }, html);
  }

  addStyleFile(file) {
    return this.evaluate((css) => {
      const s = document.createElement('style');
      s.textContent = css;
      document.head.appendChild(s);
    }, fs.readFileSync(file, 'utf8'));
  }

  /** Runs a script file in the page as a classic script (UMD bundles set their globals). */
  async addScriptFile(file) {
    const r = await this.send('Runtime.evaluate', { expression: fs.readFileSync(file, 'utf8'), returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${file}: ${r.exceptionDetails.text}`);
  }

  /** Types text as one input (what xterm.js receives from a paste-free keyboard: its textarea's input). */
  type(text) {
    return this.send('Input.insertText', { text });
  }

  async press(name) {
    const k = KEYS[name];
    if (!k) throw new Error(`no key ${name}`);
    // A key without text is a raw key down, as Chromium's own input pipeline sends it.
    await this.send('Input.dispatchKeyEvent', { type: k.text ? 'keyDown' : 'rawKeyDown', ...k });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...k, text: undefined });
  }
}
