// A reload puts you back where you were (issue 25), on the demo (`outpost demo`: a jump server and two
// real sshd hosts): an edit over the demo's initial answers survives a reload, as do the step and the
// rail's marks; after an install a reload shows the same Result page with the batch view, whose export
// still works, and from a step of the wizard "Show last run" brings it back.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { demo as startDemo, fieldSelector, launch, screenshot, type Served } from './harness';

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


const railStates = (page: Page) => page.locator('[data-testid^="rail-"][data-state]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid')}=${e.getAttribute('data-state')}`).join(' '));

describe('a reload puts you back where you were', () => {
  it('same step, same marks, the demo keeps edits; after a run the same results, and Show last run', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    await page.goto(url);
    await page.getByTestId('step-agent').waitFor({ timeout: 30_000 });
    // To Connectivity, an edit over the demo's answers (the data center), on to Hosts.
    for (const to of ['region', 'connectivity']) {
      await page.getByTestId('next').click();
      await page.getByTestId(`step-${to}`).waitFor();
    }
    const dc = page.locator(fieldSelector('connectivity.dc'));
    await dc.fill('dc-reload-7');
    await dc.blur();
    for (const to of ['credentials', 'hosts']) {
      await page.getByTestId('next').click();
      await page.getByTestId(`step-${to}`).waitFor();
    }
    const marks = await railStates(page);
    expect(marks).toContain('rail-hosts=current');
    await page.waitForTimeout(600); // the draft is saved a moment after the change
    await page.reload();
    await page.getByTestId('step-hosts').waitFor({ timeout: 30_000 });
    await expect.poll(() => railStates(page)).toBe(marks);
    await page.getByTestId('rail-connectivity').click();
    expect(await page.locator(fieldSelector('connectivity.dc')).inputValue()).toBe('dc-reload-7');
    await page.getByTestId('rail-hosts').click();

    // Install; accept the host keys the demo lists.
    await page.getByTestId('next').click();
    await page.getByTestId('step-review').waitFor();
    await page.getByTestId('plan-summary').waitFor({ timeout: 30_000 });
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
    expect(await page.getByTestId('run-outcome').getAttribute('data-outcome')).toBe('done');
    const summary = await page.getByTestId('run-outcome').getByTestId('batch-summary').innerText();
    expect(summary).toBe('2 installed');
    const journal = await page.getByTestId('journal-path').innerText();
    const runMarks = await railStates(page);
    await page.waitForTimeout(1500); // the run's report is fetched and kept

    // Reload: the same Result page, the batch view and its export.
    await page.reload();
    await page.getByTestId('step-result').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('run-outcome').getAttribute('data-outcome')).toBe('done');
    expect(await page.getByTestId('run-outcome').getByTestId('batch-summary').innerText()).toBe(summary);
    expect(await page.getByTestId('journal-path').innerText()).toBe(journal);
    await expect.poll(() => railStates(page)).toBe(runMarks);
    await screenshot(page, 'reload-result-en');
    const dl = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = fs.readFileSync(await (await dl).path(), 'utf8');
    expect(csv.split('\n').filter((l) => /demo-host-[12]/.test(l))).toHaveLength(2);

    // Back on a step of the wizard after that run (as Edit answers leaves you after a failed host),
    // a reload keeps "Show last run", which brings the results back.
    await page.evaluate(() => {
      const k = 'outpost.session.v1';
      localStorage.setItem(k, JSON.stringify({ ...(JSON.parse(localStorage.getItem(k) ?? '{}') as object), current: 'hosts' }));
    });
    await page.reload();
    await page.getByTestId('step-hosts').waitFor({ timeout: 30_000 });
    await page.getByTestId('show-last-run').waitFor({ timeout: 10_000 });
    await screenshot(page, 'reload-show-last-run-en');
    await page.getByTestId('show-last-run').click();
    await page.getByTestId('step-result').waitFor();
    expect(await page.getByTestId('run-outcome').getByTestId('batch-summary').innerText()).toBe(summary);
    expect(problems).toEqual([]);
    await context.close();
  }, 330_000);
});
