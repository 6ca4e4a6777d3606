// Never lose work (Chromium, browser mode): "Open answers…" asks before replacing answers that were
// typed and not saved (and not once they are saved); the steps rail keeps finished steps "Complete"
// when the user goes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fill, launch, next, openWizard, serve, type Served } from './harness';

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
