// The user's profiles folder on the wizard's agent step, in Chromium through browser mode: the folder
// (in the data folder) is shown with a copy button (browser mode cannot open a file manager), a
// profile file dropped there is offered after Reload and marked as the user's, a broken file is named
// with its line and field, and a file with a shipped id is refused until it says `replaces:`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fieldError, fill, launch, openWizard, screenshot, serve, type Served } from './harness';

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

// A small valid profile of an agent Outpost has never seen.
const ZETA = `schema: 2
id: zeta-metrics
name: Zeta metrics agent
description: Ships Zeta metrics.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/zeta
  steps:
    - id: install
      phase: install
      title: Install Zeta
      action:
        exec:
          script: [echo, zeta]
`;

describe('profiles folder on the agent step', () => {
  it('shows the folder, offers a dropped profile after Reload, names problems by file:line, and marks a replacement', async () => {
    const page = await openWizard(browser, served);
    const folder = path.join(served.dataDir, 'profiles');
    await expect.poll(() => page.getByTestId('profiles-folder-path').innerText(), { timeout: 15_000 }).toBe(folder);
    // Browser mode: the path to copy, no "Open folder" (only the desktop app can open a file manager).
    await expect.poll(() => page.getByTestId('profiles-copy').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('profiles-open').count()).toBe(0);
    expect(await page.locator('label[for="profile-zeta-metrics"]').count()).toBe(0);

    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'zeta.yaml'), ZETA);
    fs.writeFileSync(path.join(folder, 'broken.yaml'), ZETA.replace('id: zeta-metrics', 'id: zeta-two').replace('shell: bash', 'shell: fish'));
    await page.getByTestId('profiles-reload').click();

    const card = page.locator('label[for="profile-zeta-metrics"]');
    await card.waitFor();
    expect(await card.innerText()).toContain('Zeta metrics agent');
    expect(await card.locator('.badge').innerText()).toBe('Your profile');
    const problems = await page.getByTestId('profiles-problems').innerText();
    expect(problems).toContain(`${path.join(folder, 'broken.yaml')}:8: linux.shell: must be one of "bash", "sh", "cmd", "powershell"`);
    // It can be chosen like a shipped one.
    await card.click();
    expect(await page.locator('#profile-zeta-metrics').isChecked()).toBe(true);
    await screenshot(page, 'profiles-folder');

    // A shipped id: refused (the problem says how), then accepted with replaces: and marked so.
    const shipped = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'profiles', 'tetra-relay.yaml'), 'utf8').replace(/^name: .*$/m, 'name: My Tetra relay');
    fs.rmSync(path.join(folder, 'broken.yaml'));
    fs.writeFileSync(path.join(folder, 'tetra.yaml'), shipped);
    await page.getByTestId('profiles-reload').click();
    await expect.poll(() => page.getByTestId('profiles-problems').innerText(), { timeout: 15_000 }).toContain('id tetra-relay is a shipped profile\'s; add "replaces: tetra-relay" to replace it');
    expect(await page.locator('label[for="profile-tetra-relay"]').innerText()).toContain('Tetra HTTP Relay Agent');

    fs.writeFileSync(path.join(folder, 'tetra.yaml'), shipped.replace('id: tetra-relay\n', 'id: tetra-relay\nreplaces: tetra-relay\n'));
    await page.getByTestId('profiles-reload').click();
    await expect.poll(() => page.getByTestId('profiles-problems').count(), { timeout: 15_000 }).toBe(0);
    const replaced = page.locator('label[for="profile-tetra-relay"]');
    await expect.poll(() => replaced.innerText(), { timeout: 15_000 }).toContain('My Tetra relay');
    expect(await replaced.locator('.badge').innerText()).toBe('Your profile, replaces the shipped tetra-relay');
    await page.context().close();
  }, 90_000);

  it('a profile with remote forwards (cloudpods-telegraf) asks for the proxy of each jump server', async () => {
    const page = await openWizard(browser, served);
    await page.locator('label[for="profile-cloudpods-telegraf"]').click();
    for (let i = 0; i < 3 && (await page.getByTestId('step-connectivity').count()) === 0; i++) await page.getByTestId('next').click();
    await page.getByTestId('step-connectivity').waitFor();
    const proxy = page.getByTestId('proxy-0');
    await proxy.waitFor();
    expect(await proxy.innerText()).toContain('ssh -R');
    await fill(page, 'connectivity.jumpServers[0].proxy.ssh.host', '10.0.0.5;rm');
    await expect.poll(() => fieldError(page, 'connectivity.jumpServers[0].proxy.ssh.host'), { timeout: 15_000 }).not.toBe('');
    await fill(page, 'connectivity.jumpServers[0].proxy.ssh.host', '10.0.0.5');
    const errText = async () => {
      const e = page.getByTestId('err-connectivity.jumpServers[0].proxy.ssh.host');
      return (await e.count()) ? (await e.innerText()).trim() : '';
    };
    await expect.poll(errText, { timeout: 15_000 }).toBe('');
    await screenshot(page, 'profiles-remote-proxy');
    await page.context().close();
  }, 90_000);
});
