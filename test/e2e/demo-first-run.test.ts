// The demo's first install on its default path, on a loaded machine (issue 25): `outpost demo` started
// as a person starts it, its pre-filled answers taken as they are (Next to Review, Install, the host
// keys it lists accepted), while CPU hogs keep every core busy. The tunnel check must wait for the
// forwarded ports (or ssh's exit), not a fixed time, so the run ends with every host installed. The
// banner is in the page's language (zh-CN here).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { demo as startDemo, launch, screenshot, type Served } from './harness';

let demo: Served;
let hogs: ChildProcess[] = [];
let browser: Browser;
let url = '';

beforeAll(async () => {
  demo = await startDemo();
  url = demo.url;
  browser = await launch();
}, 90_000);

afterAll(async () => {
  for (const h of hogs) h.kill('SIGKILL');
  await browser?.close();
  await demo?.stop();
});


describe('the demo, first run', () => {
  it('installs on its default path while every CPU is busy', async () => {
    // One busy loop per core (bounded: they are killed at the end, and stop by themselves after 5 minutes).
    hogs = os.cpus().map(() => spawn('sh', ['-c', 'end=$(( $(date +%s) + 300 )); while [ "$(date +%s)" -lt "$end" ]; do :; done'], { stdio: 'ignore' }));
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    await page.goto(url);
    await page.getByTestId('step-agent').waitFor({ timeout: 30_000 });
    // The banner in the page's language, not the English the CLI printed.
    await expect.poll(() => page.locator('.banner, [data-testid="banner"]').first().innerText(), { timeout: 10_000 }).toMatch(/演示|沙箱/);
    // The demo's answers as they come: Next to Review.
    for (let i = 0; i < 8 && !(await page.getByTestId('step-review').count()); i++) {
      await page.getByTestId('next').click();
      await page.waitForTimeout(400);
    }
    await page.getByTestId('step-review').waitFor({ timeout: 20_000 });
    await page.getByTestId('plan-summary').waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await page.getByTestId('next').click();
    // The host keys the demo listed: accepted as they are asked, until the result shows.
    const result = page.getByTestId('step-result');
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      await Promise.race([page.getByTestId('hostkey-dialog').waitFor({ timeout: 240_000 }), result.waitFor({ timeout: 240_000 })]);
      if (await result.isVisible()) break;
      const fp = await page.getByTestId('hostkey-fingerprint').first().innerText();
      expect(demo.output()).toContain(fp);
      await page.getByTestId('hostkey-accept').click();
      // Several hosts may ask at once: the next question replaces this one.
      await expect.poll(async () => (await page.getByTestId('hostkey-dialog').isVisible()) && (await page.getByTestId('hostkey-fingerprint').first().innerText().catch(() => '')) === fp, { timeout: 10_000 }).toBe(false);
    }
    await result.waitFor();
    const ms = Date.now() - t0;
    await screenshot(page, 'demo-first-run-zh-CN');
    const outcome = await page.getByTestId('run-outcome').getAttribute('data-outcome');
    expect(outcome, await page.getByTestId('step-result').innerText()).toBe('done');
    // Two demo hosts: the batch view's summary.
    expect(await page.getByTestId('run-outcome').getByTestId('batch-summary').innerText()).toBe('2 台已安装');
    expect(problems).toEqual([]);
    console.log(`demo: first install under ${hogs.length} CPU hogs took ${ms} ms`);
    await context.close();
  }, 330_000);
});
