// Nothing changed behind the admin's back (issue 25): switching the agent and back keeps each agent's
// settings — connectivity mode, port overrides, install folder, inputs — and the steps after the agent
// are not left "Complete" once another agent changed what they hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { fieldSelector, fill, launch, next, openWizard, screenshot, serve, type Served } from './harness';

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve();
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

async function advanced(page: Page): Promise<void> {
  if (!(await page.locator(fieldSelector('options.installDir')).isVisible())) await page.locator('details.advanced > summary').click();
}

async function toAgent(page: Page): Promise<void> {
  await page.getByTestId('rail-agent').click();
  await page.getByTestId('step-agent').waitFor();
}

describe('switching the agent', () => {
  it('keeps every setting of each agent and restores them on return; later steps are not left Complete', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1024, height: 640 } });
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    // ICAgent: through a jump server, port 80 moved, its own folder, its keys.
    await page.locator('label[for="profile-icagent"]').click();
    await next(page, 'region');
    await page.locator('label[for="region-cn-north-4"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-jump"]').click();
    await fill(page, 'connectivity.jumpServers[0].privateIp', '192.168.0.10');
    await fill(page, 'connectivity.jumpServers[0].ssh.host', '203.0.113.10');
    await fill(page, 'connectivity.jumpServers[0].ssh.password', 'jump-password-1');
    await fill(page, 'connectivity.elbIp', '100.125.12.150');
    await fill(page, 'connectivity.connectionIp', '203.0.113.10');
    await fill(page, 'connectivity.dc', 'dc-east-1');
    await advanced(page);
    await fill(page, 'connectivity.portOverrides.80.listen', '8080');
    await fill(page, 'options.installDir', '/opt/ica-here');
    await next(page, 'credentials');
    await fill(page, 'inputs.ak', 'AKEXAMPLE00000000WXYZ');
    await fill(page, 'inputs.projectId', '2a473356cca5487f8373be891bffc1cf');
    expect(await page.getByTestId('rail-connectivity').getAttribute('data-state')).toBe('done');

    // Another agent (direct only): its own folder; ICAgent's port override and folder are not its.
    await toAgent(page);
    await page.locator('label[for="profile-nova-agent"]').click();
    // Its steps hold other values now: none stays Complete until visited again.
    for (const id of ['region', 'connectivity', 'credentials']) expect(await page.getByTestId(`rail-${id}`).getAttribute('data-state'), id).not.toBe('done');
    await screenshot(page, 'agent-switch-1-nova');
    for (let i = 0; i < 3 && !(await page.getByTestId('step-connectivity').count()); i++) {
      await page.getByTestId('next').click();
      await page.waitForTimeout(300);
    }
    await page.getByTestId('step-connectivity').waitFor();
    await advanced(page);
    expect(await page.locator(fieldSelector('options.installDir')).inputValue()).not.toBe('/opt/ica-here');
    expect(await page.locator(fieldSelector('connectivity.portOverrides.80.listen')).count()).toBe(0);
    await fill(page, 'options.installDir', '/opt/nova-here');

    // Back to ICAgent: everything as it was left.
    await toAgent(page);
    await page.locator('label[for="profile-icagent"]').click();
    await page.getByTestId('rail-connectivity').click();
    await page.getByTestId('step-connectivity').waitFor();
    expect(await page.locator('#mode-jump').isChecked()).toBe(true);
    await advanced(page);
    expect(await page.locator(fieldSelector('connectivity.portOverrides.80.listen')).inputValue()).toBe('8080');
    expect(await page.locator(fieldSelector('options.installDir')).inputValue()).toBe('/opt/ica-here');
    expect(await page.locator(fieldSelector('connectivity.elbIp')).inputValue()).toBe('100.125.12.150');
    await page.getByTestId('rail-credentials').click();
    await page.getByTestId('step-credentials').waitFor();
    expect(await page.locator(fieldSelector('inputs.projectId')).inputValue()).toBe('2a473356cca5487f8373be891bffc1cf');

    // And the other agent keeps its own folder too.
    await toAgent(page);
    await page.locator('label[for="profile-nova-agent"]').click();
    await page.getByTestId('rail-connectivity').click();
    await page.getByTestId('step-connectivity').waitFor();
    await advanced(page);
    expect(await page.locator(fieldSelector('options.installDir')).inputValue()).toBe('/opt/nova-here');
    await screenshot(page, 'agent-switch-2-restored');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);
});
