// Copy means runnable (issue 25): on the demo (`outpost demo`: real sshd hosts behind a jump server),
// every Copy button of the Review page and of the Result page after the install copies text that parses
// with `bash -n`; Connect copies `ssh -p PORT user@host` with -J through the jump server, the checks copy
// pgrep/ss/test lines and the Result page's "this command checks the agent" a real command. What the
// buttons copy is read from navigator.clipboard.writeText, intercepted in the page.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { demo as startDemo, launch, screenshot, type Served } from './harness';

let demo: Served;
let browser: Browser;
let url = '';

beforeAll(async () => {
  demo = await startDemo();
  url = demo.url;
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});


/** bash -n's complaint about a text ('' when it parses). */
function bashN(text: string): string {
  const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr.trim() || `exit ${r.status}`;
}

/** Clicks every Copy button inside `scope` (opening collapsed sections first); returns test id/label → copied text. */
async function copyAll(page: Page, scope: string): Promise<Array<{ button: string; text: string }>> {
  for (const d of await page.locator(`${scope} details:not([open]) > summary`).all()) await d.click();
  const buttons = await page.locator(`${scope} button.copy`).all();
  const copied: Array<{ button: string; text: string }> = [];
  for (const b of buttons) {
    const before = await page.evaluate(() => (window as unknown as { __copied: string[] }).__copied.length);
    await b.scrollIntoViewIfNeeded();
    await b.click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { __copied: string[] }).__copied.length)).toBe(before + 1);
    const text = await page.evaluate(() => (window as unknown as { __copied: string[] }).__copied.at(-1) ?? '');
    copied.push({ button: (await b.getAttribute('data-testid')) ?? (await b.getAttribute('aria-label')) ?? '?', text });
  }
  return copied;
}

describe('Copy means runnable', () => {
  it('every Copy on Review and Result copies text that bash -n accepts', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    let page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    const intercept = () => {
      const w = window as unknown as { __copied: string[] };
      w.__copied = [];
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: (t: string) => (w.__copied.push(t), Promise.resolve()), readText: () => Promise.resolve(w.__copied.at(-1) ?? '') } });
    };
    await page.addInitScript(intercept);
    await page.goto(url);
    await page.getByTestId('step-agent').waitFor({ timeout: 30_000 });
    for (let i = 0; i < 8 && !(await page.getByTestId('step-review').count()); i++) {
      await page.getByTestId('next').click();
      await page.waitForTimeout(400);
    }
    await page.getByTestId('step-review').waitFor({ timeout: 20_000 });
    await page.getByTestId('plan-summary').waitFor({ timeout: 30_000 });
    await page.getByTestId('plan-step-connect').waitFor();

    const review = await copyAll(page, '[data-testid="step-review"]');
    expect(review.length).toBeGreaterThan(8);
    for (const c of review) expect({ button: c.button, error: bashN(c.text) }, c.text).toEqual({ button: c.button, error: '' });
    const byId = new Map(review.map((c) => [c.button, c.text]));
    // Connect: ssh to each host through the jump server; the jump server's own login without -J.
    const connect = (byId.get('copy-connect') ?? '').split('\n');
    expect(connect).toHaveLength(2); // one line per demo host
    for (const l of connect) expect(l).toMatch(/^ssh -p \d+ (-i \S+ )?-J [\w.-]+@127\.[\d.]+:\d+ [\w.-]+@127\.[\d.]+$/);
    expect(byId.get('copy-connect.jump0')).toMatch(/^ssh -p \d+ (-i \S+ )?[\w.-]+@127\.[\d.]+$/);
    expect(byId.get('copy-verify')).toMatch(/^pgrep -af -- /m);
    // The jump server's host key is not known before the first run: a variable and a "fill in" line, not <hostkey.jump0>.
    const hostkeyStep = [...byId.entries()].find(([, t]) => t.includes('OUTPOST_HOSTKEY_JUMP0'));
    expect(hostkeyStep?.[1]).toContain('# fill in the host key Outpost verified for jump server 1');
    expect(review.some((c) => c.text.includes('<hostkey.'))).toBe(false);
    await screenshot(page, 'copy-review-en');

    // Install; accept the host keys the demo lists.
    await page.getByTestId('next').click();
    const result = page.getByTestId('step-result');
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      await Promise.race([page.getByTestId('hostkey-dialog').waitFor({ timeout: 240_000 }), result.waitFor({ timeout: 240_000 })]);
      if (await result.isVisible()) break;
      const fp = await page.getByTestId('hostkey-fingerprint').first().innerText();
      await page.getByTestId('hostkey-accept').click();
      await expect.poll(async () => (await page.getByTestId('hostkey-dialog').isVisible()) && (await page.getByTestId('hostkey-fingerprint').first().innerText().catch(() => '')) === fp, { timeout: 10_000 }).toBe(false);
    }
    await result.waitFor();
    expect(await page.getByTestId('run-outcome').getAttribute('data-outcome'), await result.innerText()).toBe('done');
    await page.getByTestId('copy-verify').waitFor();
    await screenshot(page, 'copy-result-en');
    const copied = await copyAll(page, '[data-testid="step-result"]');
    expect(copied.map((c) => c.button)).toContain('copy-verify');
    for (const c of copied) expect({ button: c.button, error: bashN(c.text) }, c.text).toEqual({ button: c.button, error: '' });
    const verify = copied.find((c) => c.button === 'copy-verify')?.text ?? '';
    expect(verify).toMatch(/^pgrep -af -- /m);
    expect(await page.getByTestId('verify-command').innerText()).toBe(verify);

    // After the run Outpost knows the jump server's key: the revealed copies fill it in.
    // (A fresh browser context — a reload would come back to this Result page — walked to Review again.)
    await context.close();
    const context2 = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    page = await context2.newPage();
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    await page.addInitScript(intercept);
    await page.goto(url);
    await page.getByTestId('step-agent').waitFor({ timeout: 30_000 });
    for (let i = 0; i < 8 && !(await page.getByTestId('step-review').count()); i++) {
      await page.getByTestId('next').click();
      await page.waitForTimeout(400);
    }
    await page.getByTestId('plan-step-connect').waitFor({ timeout: 30_000 });
    await page.getByTestId('reveal-secrets').click();
    await page.getByTestId('revealed-note').waitFor();
    const revealed = await copyAll(page, '[data-testid="step-review"]');
    for (const c of revealed) expect({ button: c.button, error: bashN(c.text) }).toEqual({ button: c.button, error: '' });
    const key = revealed.find((c) => c.text.includes('OUTPOST_HOSTKEY_JUMP0'))?.text ?? '';
    expect(key).toMatch(/^OUTPOST_HOSTKEY_JUMP0='ssh-[\w-]+ [A-Za-z0-9+/=]+'$/m);
    expect(key).not.toContain('fill in');
    expect(problems).toEqual([]);
    await context2.close();
  }, 330_000);
});
