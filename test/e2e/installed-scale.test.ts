// The Installed view with 5,000 installed hosts (journals written here, as an install run writes them):
// the table shows every host in a bounded number of DOM rows, scrolls to the last host at once, and a
// filter narrows it; the browser console stays free of errors.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { launch, openWizard, screenshot, serve, type Served } from './harness';

const N = 5000;
let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve();
  const dir = path.join(served.dataDir, 'journals');
  fs.mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const address = (i: number) => `root@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:22`;
  const hosts = Array.from({ length: N }, (_, i) => ({ id: `target${i}`, address: address(i + 1), ...(i % 2 ? { jump: 'root@192.0.2.1:22' } : {}) }));
  const lines = [
    { type: 'run.start', runId: 'scale', at, profile: 'icagent', profileVersion: '1', kind: 'install', os: 'linux', mode: 'jump', targets: hosts.map((h) => h.id), hosts, options: {} },
    ...hosts.map((h) => ({ type: 'host', runId: 'scale', host: h.id, at, state: 'done', address: h.address })),
    { type: 'run.end', runId: 'scale', at, outcome: 'done' },
  ];
  fs.writeFileSync(path.join(dir, 'scale.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('Installed view: 5,000 hosts', () => {
  it('shows them all in a bounded DOM, scrolls to the last at once, filters by jump server', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const t0 = Date.now();
    await page.getByTestId('open-installed').click();
    await expect.poll(() => page.getByTestId('installed-count').innerText().catch(() => ''), { timeout: 10_000 }).toMatch(/^5,?000 of 5,?000 hosts shown/);
    const shownMs = Date.now() - t0;
    expect(shownMs).toBeLessThan(3000);
    const rows = await page.getByTestId('installed-row').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    const s0 = Date.now();
    await page.getByTestId('installed-table').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator('[data-testid="installed-row"][aria-rowindex="5000"]').waitFor({ timeout: 2000 });
    const scrollMs = Date.now() - s0;
    await page.getByTestId('installed-filter-jump').selectOption('root@192.0.2.1:22');
    await expect.poll(() => page.getByTestId('installed-count').innerText()).toMatch(/^2,?500 of 5,?000/);
    await screenshot(page, 'installed-5000');
    console.log(`Installed view, ${N} hosts: list shown in ${shownMs} ms, ${rows} rows in the DOM, scrolled to the last in ${scrollMs} ms`);
    expect(problems).toEqual([]);
  }, 60_000);
});
