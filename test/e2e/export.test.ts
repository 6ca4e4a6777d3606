// The Review page's Export, in Chromium through browser mode: the plan the wizard built is written as an
// Ansible export into the folder the user names; the page says which variables hold the secrets and
// which hosts have no verified host key yet; no secret typed into the wizard is in the folder.
import fs from 'node:fs';
import path from 'node:path';
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

const SK = 'sk-export-secret-value-77';
const PW = 'Target-pass-export-42';

describe('Review: Export for Ansible', () => {
  it('writes the export into the folder named, secrets as environment variables, hosts without a key listed', async () => {
    const page = await openWizard(browser, served);
    await walkToHostsDirect(page, { ak: 'AKEXAMPLE00000000WXYZ', sk: SK });
    await page.locator('label[for="hosts-mode-single"]').click();
    await fill(page, 'targets[0].host', '10.1.0.21');
    await fill(page, 'targets[0].user', 'root');
    await fill(page, 'targets[0].password', PW);
    await next(page, 'review');
    await page.getByTestId('export-panel').waitFor();

    const folder = path.join(served.dataDir, 'my-export');
    await fill(page, 'export.folder', folder);
    await page.getByTestId('export-button').click();
    const result = page.getByTestId('export-result');
    await result.waitFor({ timeout: 30_000 });
    const text = await result.innerText();
    // The wizard's secrets are stored ones: the export reads each from OUTPOST_SECRET_<KEY>, as `outpost run` does.
    expect(text).toMatch(/OUTPOST_SECRET_ICAGENT_AK\w*=… OUTPOST_SECRET_ICAGENT_SK\w*=… ansible-playbook -i inventory\.yml site\.yml --ask-pass/);
    expect(text).toContain(`cd ${folder} && OUTPOST_SECRET_ICAGENT_AK`);
    expect(text).toContain('1 host has no verified host key yet');
    expect(text).toContain('root@10.1.0.21:22');
    await page.getByTestId('export-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'wizard-en-6-review-export');

    for (const f of ['inventory.yml', 'site.yml', 'known_hosts', 'README.md']) expect(fs.existsSync(path.join(folder, f)), f).toBe(true);
    const all = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of all(folder)) for (const s of [SK, PW, 'AKEXAMPLE00000000WXYZ']) expect(fs.readFileSync(f, 'utf8').includes(s), f).toBe(false);

    // A folder that holds other files is refused, and nothing in it is touched.
    const other = path.join(served.dataDir, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'inventory.yml'), 'mine');
    await fill(page, 'export.folder', other);
    await page.getByTestId('export-button').click();
    await expect.poll(() => page.getByTestId('export-error').innerText(), { timeout: 15_000 }).toContain('is not empty and holds no earlier Outpost export');
    expect(fs.readFileSync(path.join(other, 'inventory.yml'), 'utf8')).toBe('mine');
    await page.context().close();
  });
});
