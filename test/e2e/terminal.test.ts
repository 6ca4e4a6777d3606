import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { launch, screenshot, serve, terminalText, type Served } from './harness';

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

async function openTerminal(initScript?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  if (initScript) await page.addInitScript(initScript);
  await page.goto(served.url);
  // The local shell lives in the Terminal drawer of the wizard's title bar.
  await page.getByTestId('open-local-terminal').click();
  await page.locator('.xterm-helper-textarea').waitFor({ state: 'attached' });
  await expect.poll(() => page.getByTestId('app-version').innerText()).toMatch(/^v\d+\.\d+\.\d+/);
  // Wait for the shell's first prompt before typing.
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/\S/);
  await page.locator('.xterm-helper-textarea').focus();
  return page;
}

describe('browser mode terminal', () => {
  it('closing the drawer keeps the shell, and the open drawer leaves Back / Next visible above it', async () => {
    const page = await openTerminal();
    await page.keyboard.type('KEEP=still-here-42\n');
    const drawer = await page.getByTestId('terminal-drawer').boundingBox();
    const nextBtn = await page.getByTestId('next').boundingBox();
    expect(drawer && nextBtn && nextBtn.y + nextBtn.height <= drawer.y).toBe(true);
    await page.getByTestId('close-local-terminal').click();
    expect(await page.getByTestId('terminal-drawer').isVisible()).toBe(false);
    await page.getByTestId('open-local-terminal').click();
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo "got $KEEP"\n');
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/^got still-here-42$/m);
    await page.close();
  });

  it('the keyboard can leave the terminal: Esc Esc (one Esc stays the shell\'s), said in the hint under it', async () => {
    const page = await openTerminal();
    const inTerminal = () => page.evaluate(() => Boolean(document.activeElement?.closest('[data-testid="terminal"]')));
    expect(await page.getByTestId('terminal-keys').innerText()).toMatch(/Esc Esc leaves the terminal/);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(600);
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    expect(await inTerminal()).toBe(false);
    // Focus went on to the next control after the terminal, not nowhere.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
    await page.close();
  });

  it('echoes a command typed into the embedded terminal', async () => {
    const page = await openTerminal();
    await page.keyboard.type('echo hello-outpost\n');
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/^hello-outpost$/m);
    // The token is kept out of the address bar once the page has it.
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'browser-mode-terminal');
    await page.close();
  });

  it('stays responsive under a flood and Ctrl-C interrupts `yes`', async () => {
    const page = await openTerminal();
    await page.keyboard.type('yes | head -c 20000000; echo flood-$((6*7))\n');
    await expect.poll(() => terminalText(page), { timeout: 90_000, interval: 500 }).toContain('flood-42');

    await page.keyboard.type('yes outpost-flood\n');
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toContain('outpost-flood');
    // While `yes` floods, the page must still answer promptly.
    const t0 = Date.now();
    await page.evaluate(() => 1 + 1);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await page.keyboard.press('Control+C');
    await page.keyboard.type('clear; echo after-$((2+3))-interrupt\n');
    await expect.poll(() => terminalText(page), { timeout: 20_000, interval: 300 }).toMatch(/^after-5-interrupt$/m);
    await page.close();
  });
});

describe('browser mode terminal: nothing lost or reordered', () => {
  it('xterm.js parses exactly what the PTY produced (checksum), through flow control pauses', async () => {
    // ~6 MB the test writes itself: ASCII, 2-, 3- and 4-byte UTF-8 (split across reads and events
    // somewhere), and escape sequences. The PTY turns each LF into CRLF (onlcr); nothing else changes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-sum-'));
    try {
      const lines: string[] = [];
      for (let i = 0; i < 60_000; i++) lines.push(`${i} ${'x'.repeat(i % 61)} é€😀 \x1b[1mb\x1b[0m ${'y'.repeat((i * 7) % 13)}\n`);
      const content = lines.join('');
      const file = path.join(dir, 'flood.txt');
      fs.writeFileSync(file, content);
      const expected = Buffer.from(content.replace(/\n/g, '\r\n'), 'utf8');
      const expectedSha = createHash('sha256').update(expected).digest('hex');

      // Every chunk the view hands to xterm.js, recorded in its write callback (TerminalView's probe).
      const page = await openTerminal('window.__chunks = []; window.__outpostTerminalProbe = (id, data) => window.__chunks.push(data);');
      await page.keyboard.type(`printf 'BEGIN-%s\\n' $((6*7)); cat ${file}; printf 'END-%s\\n' $((6*7))\n`);
      await expect.poll(() => page.evaluate(() => (window as unknown as { __chunks: string[] }).__chunks.join('').includes('END-42')), { timeout: 90_000, interval: 500 }).toBe(true);
      const got = await page.evaluate(async () => {
        const all = (window as unknown as { __chunks: string[] }).__chunks.join('');
        const start = all.indexOf('BEGIN-42\r\n') + 'BEGIN-42\r\n'.length;
        const body = all.slice(start, all.indexOf('END-42', start));
        const bytes = new TextEncoder().encode(body);
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return { bytes: bytes.length, sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
      });
      expect(got.bytes).toBe(expected.length);
      expect(got.sha).toBe(expectedSha);
      await page.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('browser mode access control', () => {
  it('serves the page without a token and sets no cookie (the token guards the API, not the page)', async () => {
    const res = await fetch(served.origin + '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('a reload without the token in the address bar keeps working (token in sessionStorage, no cookie)', async () => {
    const page = await browser.newPage();
    await page.goto(served.url);
    await expect.poll(() => page.getByTestId('app-version').innerText(), { timeout: 15_000 }).toMatch(/^v\d+/);
    expect(page.url()).not.toContain('token=');
    await page.reload();
    await expect.poll(() => page.getByTestId('app-version').innerText(), { timeout: 15_000 }).toMatch(/^v\d+/);
    expect(await page.context().cookies()).toEqual([]);
    await page.close();
  });

  it('refuses API connections without the right token or the page Origin, serves them with both', async () => {
    const attempt = (protocols: string[], origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${served.origin.replace('http', 'ws')}/api`, protocols, origin ? { origin } : {});
        ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        ws.on('error', () => resolve('error'));
        ws.on('open', () => {
          ws.send(JSON.stringify({ id: 1, name: 'system.info', input: {} }));
          ws.on('message', (m) => {
            resolve(String(m));
            ws.close();
          });
        });
      });
    const withToken = (t: string) => ['outpost.v1', `outpost.token.${t}`];
    expect(await attempt(['outpost.v1'], served.origin)).toBe('refused 403');
    expect(await attempt(withToken('W'.repeat(32)), served.origin)).toBe('refused 403');
    // The right token without Origin, or from a page of another origin (another local port), is refused too.
    expect(await attempt(withToken(served.token))).toBe('refused 403');
    expect(await attempt(withToken(served.token), 'http://127.0.0.1:1')).toBe('refused 403');
    const ok = JSON.parse(await attempt(withToken(served.token), served.origin)) as { result: { ok: boolean; value: { appName: string } } };
    expect(ok.result.ok).toBe(true);
    expect(ok.result.value.appName).toBe('Outpost');
  });
});

