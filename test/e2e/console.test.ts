// Browser mode in Debian's Chromium, for what only a real browser shows: a clean console (no CSP
// complaints, no 404s), a reload that still works (token in sessionStorage), the token only in the
// URL's fragment (no request carries it), no token in any cookie
// (another loopback port used to receive it), the WebSocket refused without the page's Origin, and
// `outpost demo`'s launcher file opening the app.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { handshakeProtocols } from '../../electron/common/browser-auth';
import { writeLauncher } from '../../electron/web/launcher';
import { launch, screenshot, serve, type Served } from './harness';

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

/** Every console error and warning, uncaught page error and failed or 4xx/5xx request of a page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

async function wizardShown(page: Page): Promise<void> {
  await page.getByTestId('step-agent').waitFor();
  await page.locator('input[name="profile"]').first().waitFor();
}

/** Lets late messages (favicon, deferred warnings) arrive before the console is judged. */
const settle = (page: Page) => page.waitForTimeout(750);

describe('browser mode in Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    context = await browser.newContext({ locale: 'en-US' });
    page = await context.newPage();
    problems = watch(page);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('loads with a clean console: no errors, no warnings, no failed requests', async () => {
    await page.goto(served.url);
    await wizardShown(page);
    await settle(page);
    await screenshot(page, 'console-clean');
    expect(problems).toEqual([]);
    // The token left the address bar at once.
    expect(page.url()).toBe(`${served.origin}/`);
  });

  it('survives a reload (F5): the token comes from sessionStorage, and the console stays clean', async () => {
    await page.keyboard.press('F5');
    await page.waitForLoadState('load');
    await wizardShown(page);
    await settle(page);
    expect(page.url()).toBe(`${served.origin}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('outpost.token'))).toBe(served.token);
    expect(problems).toEqual([]);
  });

  it('keeps the token out of every cookie: a server on another loopback port receives no token', async () => {
    const seen: string[] = [];
    const other = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`);
      res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>another local app</title><img src="/pixel.png">');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const visit = await context.newPage();
      await visit.goto(`http://127.0.0.1:${port}/`);
      await visit.waitForLoadState('load');
      await visit.waitForTimeout(500);
      await visit.close();
      // The browser did talk to it (page, image, /favicon.ico)…
      expect(seen.some((s) => s.startsWith('GET /\n'))).toBe(true);
      // …and nothing it sent carried the token or any Outpost cookie.
      for (const s of seen) {
        expect(s).not.toContain(served.token);
        expect(s).not.toContain('outpost');
      }
      expect(await context.cookies()).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('the printed URL carries the token in the fragment: no request Chromium sends holds it, and no history entry does', async () => {
    expect(served.url).toMatch(/\/#token=[\w-]+$/);
    const fresh = await browser.newContext({ locale: 'en-US' });
    try {
      const p = await fresh.newPage();
      const sent: string[] = [];
      p.on('request', (r) => sent.push(`${r.method()} ${r.url()}\n${JSON.stringify(r.headers())}`));
      await p.goto(served.url);
      await wizardShown(p);
      await settle(p);
      expect(sent.some((r) => r.startsWith(`GET ${served.origin}/\n`))).toBe(true);
      for (const r of sent) expect(r).not.toContain(served.token);
      expect(p.url()).toBe(`${served.origin}/`);
      // The entry was replaced, not added: Back leads to the blank tab, not to the token's URL.
      await p.goBack();
      expect(p.url()).toBe('about:blank');
    } finally {
      await fresh.close();
    }
  });

  it('an old `?token=` URL: the token is not used (it went to the server) and leaves the address bar', async () => {
    const fresh = await browser.newContext({ locale: 'en-US' });
    try {
      const p = await fresh.newPage();
      await p.goto(`${served.origin}/?token=${served.token}`);
      await p.waitForURL(`${served.origin}/`);
      expect(await p.evaluate(() => sessionStorage.getItem('outpost.token'))).toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('opens from the demo launcher file (token in the fragment) and drops the token from the address bar', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-launch-'));
    const launcher = writeLauncher(served.origin, served.token, parent);
    const fresh = await browser.newContext({ locale: 'en-US' });
    try {
      const p = await fresh.newPage();
      const pageProblems = watch(p);
      await p.goto(`file://${launcher.file}`);
      await p.waitForURL(`${served.origin}/**`);
      await wizardShown(p);
      await settle(p);
      expect(p.url()).toBe(`${served.origin}/`);
      expect(pageProblems).toEqual([]);
    } finally {
      await fresh.close();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('browser mode WebSocket, as another local program would try it', () => {
  const attempt = (url: string, protocols: string[], origin?: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(url, protocols, origin ? { origin } : {});
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
      ws.once('error', (e) => resolve(`error ${e.message}`));
    });
  const api = () => `ws://127.0.0.1:${new URL(served.origin).port}/api`;

  it('refuses a handshake without Origin, even with the token', async () => {
    expect(await attempt(api(), handshakeProtocols(served.token))).toBe('refused 403');
    expect(await attempt(`${api()}?token=${served.token}`, [])).toBe('refused 403');
  });

  it('refuses another port’s origin, and accepts the page’s own', async () => {
    expect(await attempt(api(), handshakeProtocols(served.token), 'http://127.0.0.1:9')).toBe('refused 403');
    expect(await attempt(api(), handshakeProtocols(served.token), served.origin)).toBe('open');
  });
});
