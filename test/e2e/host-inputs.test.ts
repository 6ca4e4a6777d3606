// A profile's per-host values in the wizard (issue 23), in Chromium against the real `outpost serve`:
// aops-agent's Hosts step offers "This host's address in agent.conf" for one host and as a column of the
// host list (a pasted CSV's agentIp column fills it, a cell is typed in place), a value the profile's
// pattern refuses is said on that cell and Next is refused, and the values reach the Review page (the
// plan, a default filled in) and the saved answers (`targets[N].vars.agentIp`), which open again; another
// agent and back keeps what was typed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { fieldError, fieldSelector, fill, launch, next, nextRefused, openWizard, screenshot, serve, walkTo, watchConsole, type Served } from './harness';

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

const LABEL = "This host's address in agent.conf (ip=)";

/** aops-agent from the first step to Hosts: direct to aops-manager, its web user, password and group. */
async function toHosts(page: Page): Promise<void> {
  await page.locator('label[for="profile-aops-agent"]').click();
  await walkTo(page, 'connectivity');
  await fill(page, 'connectivity.accessIp', '192.168.1.23');
  await next(page, 'credentials');
  await fill(page, 'inputs.webUsername', 'admin');
  await fill(page, 'inputs.webPassword', 'aops-web-password');
  await fill(page, 'inputs.hostGroup', 'group1');
  await next(page, 'hosts');
}

describe('aops-agent: the address in agent.conf per host', () => {
  it('one host: its field under the login, placeholder the default, help in the UI language', async () => {
    const page = await openWizard(browser, served, { locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
    const errors = watchConsole(page);
    await toHosts(page);
    const field = page.locator(fieldSelector('targets[0].vars.agentIp'));
    expect(await page.locator(`label[for="f-targets-0--vars-agentIp"]`).innerText()).toContain("Adresse de l'hôte dans agent.conf (ip=)");
    expect(await field.getAttribute('placeholder')).toBe('route');
    expect(await page.getByTestId('single-host-vars').innerText()).toContain('ip route get');
    await fill(page, 'targets[0].host', '192.168.1.47');
    await fill(page, 'targets[0].password', 'target-password');
    await fill(page, 'targets[0].vars.agentIp', 'mon-portable');
    expect(await fieldError(page, 'targets[0].vars.agentIp')).toContain('IPv4/IPv6');
    expect(await nextRefused(page)).toBe(true);
    await field.scrollIntoViewIfNeeded();
    await screenshot(page, 'host-inputs-single-refused-fr');
    await fill(page, 'targets[0].vars.agentIp', '10.8.0.47');
    expect(await fieldError(page, 'targets[0].vars.agentIp')).toBe('');
    await next(page, 'review');
    await expect.poll(() => page.getByTestId('review-host-var-agentIp').innerText().catch(() => '')).toContain('10.8.0.47');
    // Another agent (which takes no per-host value), then back: the value typed is still there.
    await page.getByTestId('rail-agent').click();
    await page.locator('label[for="profile-icagent"]').click();
    await expect.poll(() => page.locator('#profile-icagent').isChecked()).toBe(true);
    await page.locator('label[for="profile-aops-agent"]').click();
    await page.getByTestId('rail-hosts').click();
    await page.getByTestId('step-hosts').waitFor();
    expect(await page.locator(fieldSelector('targets[0].vars.agentIp')).inputValue()).toBe('10.8.0.47');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a list: a column per value, filled from a CSV column and typed in place; a bad cell is refused on that cell; Review and the saved answers carry it', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    const errors = watchConsole(page);
    await toHosts(page);
    await page.locator('label[for="hosts-mode-list"]').click();
    expect(await page.locator('#iplist-hint').innerText()).toContain('This agent also takes a column per host (empty: its default): agentIp.');
    await page.locator('#iplist').fill('host,agentIp\n192.168.1.47,10.8.0.47\n192.168.1.48,\n192.168.1.49,\n');
    expect(await page.getByTestId('err-iplist').innerText()).toBe('');
    await page.getByRole('button', { name: 'Add 3 hosts' }).click();
    await fill(page, 'targets.defaultPassword', 'Default-Passw0rd');
    expect(await page.getByTestId('host-col-agentIp').innerText()).toBe(LABEL);
    expect(await page.getByTestId('host-col-agentIp').getAttribute('title')).toContain('ip route get');
    const cell = (i: number) => page.locator(fieldSelector(`targets[${i}].vars.agentIp`));
    expect(await cell(0).inputValue()).toBe('10.8.0.47');
    expect(await cell(1).inputValue()).toBe('');
    expect(await cell(1).getAttribute('placeholder')).toBe('route');
    expect(await cell(1).getAttribute('aria-label')).toBe(`${LABEL}: 192.168.1.48`);
    // A value the profile's pattern refuses: said on that cell, on no other, and Next is refused.
    await fill(page, 'targets[1].vars.agentIp', 'my laptop');
    expect(await fieldError(page, 'targets[1].vars.agentIp')).toContain("route (the host's address on its route to aops-manager) or an IPv4/IPv6 address");
    expect(await cell(1).getAttribute('aria-invalid')).toBe('true');
    expect(await fieldError(page, 'targets[0].vars.agentIp')).toBe('');
    expect(await fieldError(page, 'targets[2].vars.agentIp')).toBe('');
    expect(await nextRefused(page)).toBe(true);
    await page.getByTestId('host-list').scrollIntoViewIfNeeded();
    await screenshot(page, 'host-inputs-list-refused');
    await fill(page, 'targets[1].vars.agentIp', 'fd00::48');
    expect(await fieldError(page, 'targets[1].vars.agentIp')).toBe('');
    await next(page, 'review');
    // The plan's values: as typed, and the default where none was given.
    const line = page.getByTestId('review-host-var-agentIp');
    await expect.poll(() => line.innerText().catch(() => '')).toContain('10.8.0.47');
    expect(await line.innerText()).toMatch(/root@192\.168\.1\.47:22 10\.8\.0\.47 · root@192\.168\.1\.48:22 fd00::48 · root@192\.168\.1\.49:22 route/);
    await screenshot(page, 'host-inputs-review');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-answers').click()]);
    const file = path.join(served.dataDir, 'aops-saved.yaml');
    await download.saveAs(file);
    const saved = YAML.parse(fs.readFileSync(file, 'utf8')) as { targets: Array<{ host: string; vars?: Record<string, string> }> };
    expect(saved.targets.map((x) => [x.host, x.vars])).toEqual([
      ['192.168.1.47', { agentIp: '10.8.0.47' }],
      ['192.168.1.48', { agentIp: 'fd00::48' }],
      ['192.168.1.49', undefined],
    ]);
    expect(errors).toEqual([]);
    await page.context().close();

    // Opened again from that file: each cell shows its value.
    const again = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    await again.getByTestId('open-answers-file').setInputFiles(file);
    await again.getByRole('status').filter({ hasText: 'aops-saved.yaml' }).waitFor();
    await walkTo(again, 'hosts');
    expect(await again.locator(fieldSelector('targets[1].vars.agentIp')).inputValue()).toBe('fd00::48');
    expect(await again.locator(fieldSelector('targets[2].vars.agentIp')).inputValue()).toBe('');
    await again.context().close();
  });
});
