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

async function openTerminal(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
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
