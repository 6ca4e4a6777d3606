// Bastion connectivity in the wizard, in Chromium through browser mode: a user's profile that offers
// `bastion` (SSH to the hosts through a jump server, nothing forwarded) gets the choice on the
// Connectivity step; it asks for the jump server's login only (no private IP, no tunnel, no
// security-group rule), refuses Next without the jump server's address, and the Review page logs in to
// the jump server and sets up no tunnel. The texts are checked in French too.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fieldError, fieldSelector, fill, launch, next, nextRefused, openWizard, screenshot, serve, type Served } from './harness';

let served: Served;
let browser: Browser;

// An agent that reports through its own route: its hosts are reached through a jump server for SSH only.
const BEACON = `schema: 2
id: beacon-bastion
name: Beacon agent
description: Reports through its own route.
os: [linux]
connectivity: [direct, bastion]
linux:
  shell: bash
  installDir: /opt/beacon
  steps:
    - id: install
      phase: install
      title: Install Beacon
      action:
        exec:
          script: [echo, beacon]
`;

beforeAll(async () => {
  served = await serve();
  fs.mkdirSync(path.join(served.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'beacon.yaml'), BEACON);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

async function toConnectivity(page: Page): Promise<void> {
  await page.locator('label[for="profile-beacon-bastion"]').click();
  await page.getByTestId('next').click();
  // A profile without regions may go straight on; wait for whichever step comes, then Connectivity.
  await page.locator('[data-testid="step-region"], [data-testid="step-connectivity"]').first().waitFor();
  if (await page.getByTestId('step-region').count()) await next(page, 'connectivity');
}

describe('bastion on the Connectivity step', () => {
  it('is offered when the profile lists it, asks for the jump server login only, and plans SSH through it with nothing forwarded', async () => {
    const page = await openWizard(browser, served);
    await toConnectivity(page);
    const card = page.locator('label[for="mode-bastion"]');
    expect(await card.innerText()).toContain('Bastion (SSH only)');
    expect(await page.locator('#mode-bastion').isDisabled()).toBe(false);
    expect(await page.locator('#mode-jump').isDisabled()).toBe(true);
    await card.click();
    expect(await page.getByTestId('step-connectivity').innerText()).toContain('No tunnel is set up and no port is forwarded');
    // A bastion's login: no private IP (nothing listens there for the agents), no security-group rule.
    expect(await page.locator(fieldSelector('connectivity.jumpServers[0].privateIp')).count()).toBe(0);
    expect(await page.getByTestId('sg-rule').count()).toBe(0);
    await fill(page, 'connectivity.jumpServers[0].ssh.password', 'bastion-password-1');
    await page.getByTestId('next').focus();
    await page.keyboard.press('Enter');
    expect(await nextRefused(page)).toBe(true);
    expect(await fieldError(page, 'connectivity.jumpServers[0].ssh.host')).not.toBe('');
    await fill(page, 'connectivity.jumpServers[0].ssh.host', '203.0.113.10');
    await fill(page, 'connectivity.jumpServers[0].ssh.user', 'ops');
    await screenshot(page, 'wizard-en-3-connectivity-bastion');
    await page.getByTestId('next').click();
    await page.locator('[data-testid="step-credentials"], [data-testid="step-hosts"]').first().waitFor();
    if (await page.getByTestId('step-credentials').count()) await next(page, 'hosts');
    expect(await page.getByTestId('step-hosts').innerText()).toContain('Reached through jump server 1.');
    await fill(page, 'targets[0].host', '10.1.0.21');
    await fill(page, 'targets[0].password', 'target-password-1');
    await next(page, 'review');
    await page.getByTestId('plan-group-jump0').waitFor();
    const jump = await page.getByTestId('plan-group-jump0').innerText();
    expect(jump).toContain('203.0.113.10');
    expect(jump).not.toMatch(/tunnel/i);
    const all = await page.getByTestId('step-review').innerText();
    for (const secret of ['bastion-password-1', 'target-password-1']) expect(all).not.toContain(secret);
    await page.context().close();
  });

  it('says what it is in French', async () => {
    const page = await openWizard(browser, served, { locale: 'fr-FR' });
    await toConnectivity(page);
    expect(await page.locator('label[for="mode-bastion"]').innerText()).toContain('Bastion (SSH seulement)');
    await page.locator('label[for="mode-bastion"]').click();
    expect(await page.getByTestId('step-connectivity').innerText()).toContain("Aucun tunnel n'est mis en place");
    await page.context().close();
  });
});
