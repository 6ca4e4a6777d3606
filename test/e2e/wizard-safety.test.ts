// Never lose work (Chromium, browser mode): "Open answers…" asks before replacing answers that were
// typed and not saved (and not once they are saved); the steps rail keeps finished steps "Complete"
// when the user goes back.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fill, launch, next, openWizard, screenshot, serve, walkToHostsDirect, type Served } from './harness';

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

describe('never lose work', () => {
  it('going back keeps the steps already finished "Complete"', async () => {
    const page = await openWizard(browser, served);
    await next(page, 'region');
    await page.locator('label[for="region-cn-north-4"]').click();
    await next(page, 'connectivity');
    await page.getByTestId('rail-agent').click();
    await page.getByTestId('step-agent').waitFor();
    expect(await page.getByTestId('rail-region').getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('rail-region').innerText()).toContain('Complete');
    // Connectivity was reached but is not filled in: not "Complete".
    expect(await page.getByTestId('rail-connectivity').getAttribute('data-state')).toBe('todo');
    await page.context().close();
  });

  it('"Open answers…" asks first when typed answers are not saved, and not after saving', async () => {
    const page = await openWizard(browser, served);
    await next(page, 'region');
    await page.locator('label[for="region-cn-north-4"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-direct"]').click();
    await fill(page, 'connectivity.accessIp', '100.125.12.150');

    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    let chooser = false;
    page.on('filechooser', () => (chooser = true));
    await page.getByTestId('open-answers').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('not saved');
    await page.waitForTimeout(300);
    expect(chooser).toBe(false);
    // Cancelled: everything typed is still there.
    expect(await page.locator('#f-connectivity-accessIp').inputValue()).toBe('100.125.12.150');

    const download = page.waitForEvent('download');
    await page.getByTestId('save-answers').click();
    await download;
    const picker = page.waitForEvent('filechooser');
    await page.getByTestId('open-answers').click(); // saved: no question
    await picker;
    expect(asked).toHaveLength(1);
    await page.context().close();
  });
});

describe('the Review page as a runbook', () => {
  it('downloads a script per host kind, masked; after Reveal the copies and the scripts hold the secrets', async () => {
    const page = await openWizard(browser, served);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin });
    await walkToHostsDirect(page, { ak: 'AKRUNBOOK000000000WXYZ', sk: 'sk-runbook-secret-value' });
    await fill(page, 'targets[0].host', '10.1.0.21');
    await fill(page, 'targets[0].password', 'host-password-1');
    await next(page, 'review');
    await page.getByTestId('plan-step-install').waitFor();

    const script = async (): Promise<string> => {
      await page.getByTestId('runbook-download').click();
      const dl = page.waitForEvent('download');
      await page.getByTestId('runbook-files').getByRole('button', { name: '2-targets.sh' }).click();
      const file = await (await dl).path();
      return fs.readFileSync(file, 'utf8');
    };
    const masked = await script();
    expect(masked).toMatch(/^#!\/usr\/bin\/env bash/);
    expect(masked).toContain('[install]');
    expect(masked).toContain('-ak **** -sk ****');
    expect(masked).not.toContain('AKRUNBOOK000000000WXYZ');

    await page.getByTestId('reveal-secrets').click();
    await page.getByTestId('revealed-note').waitFor();
    await page.getByTestId('copy-install').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain('AKRUNBOOK000000000WXYZ');
    expect(copied).toContain('sk-runbook-secret-value');
    // The page itself keeps showing ****.
    expect(await page.getByTestId('plan-step-install').innerText()).not.toContain('AKRUNBOOK000000000WXYZ');
    expect(await script()).toContain('AKRUNBOOK000000000WXYZ');

    await page.getByTestId('hide-secrets').click();
    await page.getByTestId('copy-install').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).not.toContain('AKRUNBOOK000000000WXYZ');
    await page.context().close();
  });
});

describe('a small window (1024×640)', () => {
  it.each(['en-US', 'zh-CN', 'fr-FR'])('%s: nothing overlaps the footer or the status bar', async (locale) => {
    const page = await openWizard(browser, served, { locale, viewport: { width: 1024, height: 640 } });
    const lang = locale.slice(0, 2);
    await screenshot(page, `small-${lang}-1-agent`);
    await next(page, 'region');
    await page.locator('label[for="region-cn-north-4"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-jump"]').click();
    await screenshot(page, `small-${lang}-3-connectivity`);
    const box = async (sel: string) => {
      const b = await page.locator(sel).first().boundingBox();
      if (!b) throw new Error(`${sel} is not shown`);
      return b;
    };
    const status = await box('.statusbar');
    const nextBtn = await box('[data-testid="next"]');
    const pane = await box('.pane-scroll');
    // The footer's buttons sit above the status bar, the scrolling pane ends above the footer, and the page does not scroll sideways.
    expect(nextBtn.y + nextBtn.height).toBeLessThanOrEqual(status.y);
    expect(pane.y + pane.height).toBeLessThanOrEqual(nextBtn.y);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // The security-group table's direction column stays on one line.
    const cell = page.locator('[data-testid="sg-rule"] td.nowrap').first();
    expect(await cell.count()).toBe(1);
    expect(await cell.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('nowrap');
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, `small-${lang}-3-sg-rule`);
    await page.context().close();
  });
});
