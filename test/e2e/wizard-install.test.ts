// The whole ICAgent Linux-via-jump install from the wizard, in Chromium through browser mode, against
// real sshd (a jump server and a target on loopback) and the stand-in LTS backend: every field typed
// into the UI, both unknown host keys accepted in the dialog, the run followed to `done`, and the
// agent's heartbeats arriving at the backend through the tunnel.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { FIXTURE_DIR, startWorld, type World } from '../integration/run/world';
import { fieldSelector, fill, launch, next, openWizard, screenshot, serve, terminalText, type Served } from './harness';

let world: World;
let served: Served;
let browser: Browser;

beforeAll(async () => {
  world = await startWorld();
  served = await serve();
  browser = await launch();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await world?.stop();
});

describe('wizard: ICAgent on Linux through a jump server', () => {
  it('installs from the first step to done, with heartbeats through the tunnel', async () => {
    /** Accepts each unknown-host-key question until `until` shows; returns the hosts asked about. */
    const acceptKeys = async (until: Locator, what: string): Promise<string[]> => {
      const accepted: string[] = [];
      const deadline = Date.now() + 100_000;
      while (Date.now() < deadline) {
        const dialog = page.getByTestId('hostkey-dialog');
        try {
          await Promise.race([dialog.waitFor({ timeout: 90_000 }), until.first().waitFor({ timeout: 90_000 })]);
        } catch (e) {
          await screenshot(page, `wizard-en-${what}-stuck`);
          const steps = await page.getByTestId('run-steps').innerText().catch(() => '');
          throw new Error(`the ${what} neither asked nor ended:\n${steps}\n${await terminalText(page).catch(() => '')}`, { cause: e });
        }
        if (await until.first().isVisible()) break;
        const host = await page.getByTestId('hostkey-host').innerText();
        expect(await page.getByTestId('hostkey-fingerprint').innerText()).toMatch(/^SHA256:[A-Za-z0-9+/]{20,}/);
        // The dialog holds the focus (Reject by default).
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('hostkey-reject');
        if (accepted.length === 0) await screenshot(page, 'wizard-en-7-hostkey');
        await page.getByTestId('hostkey-accept').click();
        accepted.push(host);
        await dialog.waitFor({ state: 'hidden' });
      }
      return accepted;
    };
    const conn = world.answers.connectivity as { elbIp: string; portOverrides: { '80': { listen: number; target: string } } };
    const page = await openWizard(browser, served);
    await expect.poll(() => page.getByTestId('app-version').innerText()).toMatch(/^v\d+\.\d+\.\d+/);

    // 1. Agent: ICAgent, Linux.
    await page.locator('label[for="profile-icagent"]').click();
    await page.locator('label[for="os-linux"]').click();
    await screenshot(page, 'wizard-en-1-agent');
    await next(page, 'region');

    // 2. Region: searched, then picked.
    await page.locator('#region-search').fill('north-4');
    await page.locator('label[for="region-cn-north-4"]').click();
    await screenshot(page, 'wizard-en-2-region');
    await next(page, 'connectivity');

    // 3. Connectivity: the jump server, ELB, connection IP, port 80 moved (unprivileged jump user), install folder.
    await page.locator('label[for="mode-jump"]').click();
    await fill(page, 'connectivity.jumpServers[0].privateIp', world.jump.host);
    await fill(page, 'connectivity.jumpServers[0].ssh.port', String(world.jump.port));
    await fill(page, 'connectivity.jumpServers[0].ssh.user', world.jumpUser.name);
    await fill(page, 'connectivity.jumpServers[0].ssh.password', world.jumpUser.password);
    await fill(page, 'connectivity.elbIp', conn.elbIp);
    await fill(page, 'connectivity.connectionIp', world.jump.host);
    await fill(page, 'connectivity.dc', 'dc-test-1');
    await page.getByTestId('sg-rule').waitFor();
    await page.locator('details.advanced > summary').click();
    await fill(page, 'connectivity.portOverrides.80.listen', String(conn.portOverrides['80'].listen));
    await fill(page, 'connectivity.portOverrides.80.target', conn.portOverrides['80'].target);
    await fill(page, 'options.installDir', world.installDir);
    // The stand-in bucket answers over HTTP through the tunnel: the target checks the installer's SHA-256.
    await fill(page, 'options.downloadSha256', createHash('sha256').update(fs.readFileSync(path.join(FIXTURE_DIR, 'apm_agent_install.sh'))).digest('hex'));
    // The security-group rule follows the override.
    await expect.poll(() => page.getByTestId('sg-rule').innerText()).toContain(String(conn.portOverrides['80'].listen));
    // The password went to secure storage: only its hint is shown now.
    await page.getByTestId('secret-connectivity.jumpServers[0].ssh.password').waitFor();
    await screenshot(page, 'wizard-en-3-connectivity');
    await next(page, 'credentials');

    // 4. Credentials.
    await fill(page, 'inputs.ak', 'AKTESTVALUE0123456789');
    await fill(page, 'inputs.sk', 'SKtest-9f8e7d6c5b4a-SECRET');
    await fill(page, 'inputs.projectId', '2a473356cca5487f8373be891bffc1cf');
    await expect.poll(() => page.getByTestId('secret-inputs.ak').innerText()).toContain('6789');
    expect(await page.getByTestId('secret-inputs.sk').innerText()).not.toContain('SECRET');
    expect(await page.getByTestId('secret-storage').innerText()).toMatch(/memory/i);
    await screenshot(page, 'wizard-en-4-credentials');
    await next(page, 'hosts');

    // 5. Hosts: one target.
    await page.locator('label[for="hosts-mode-single"]').click();
    await fill(page, 'targets[0].host', world.target.host);
    await fill(page, 'targets[0].port', String(world.target.port));
    await fill(page, 'targets[0].user', world.targetUser.name);
    await fill(page, 'targets[0].password', world.targetUser.password);
    // "Test connection": logs in through the jump server, asks about each unknown host key here (jump
    // server, then the target through it), and shows the target's read-only checks; nothing is installed.
    await page.getByTestId('test-connection').click();
    const accepted = await acceptKeys(page.locator('[data-testid="conn-target0"][data-state="done"], [data-testid="conn-target0"][data-state="failed"]'), 'test');
    expect(accepted).toEqual([`${world.jump.host}:${world.jump.port}`, `${world.target.host}:${world.target.port}`]);
    const checks = await page.getByTestId('conn-target0').innerText();
    expect(checks).toMatch(/privilege: /);
    expect(checks).toMatch(/clock/);
    // Before the first install there is no tunnel yet: its ports are a warning, not a failure.
    expect(await page.getByTestId('conn-target0').getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('conn-jump0').getAttribute('data-state')).toBe('done');
    await screenshot(page, 'wizard-en-5-hosts');
    await next(page, 'review');

    // 6. Review: the plan, grouped by where it runs; secrets masked.
    await page.getByTestId('plan-group-jump0').waitFor();
    await page.getByTestId('plan-group-target').waitFor();
    const review = await page.getByTestId('step-review').innerText();
    expect(review).not.toContain('SKtest-9f8e7d6c5b4a-SECRET');
    expect(review).not.toContain(world.targetUser.password);
    expect(review).toContain('****');
    await screenshot(page, 'wizard-en-6-review');

    // 7. Run: the host keys were settled by "Test connection": no question in the middle of the install.
    await page.getByTestId('next').click();
    await page.getByTestId('step-run').waitFor();
    expect(await acceptKeys(page.getByTestId('run-outcome'), 'run')).toEqual([]);

    // 8. Result: done, and the agent reports through the tunnel.
    await expect.poll(() => page.getByTestId('run-outcome').getAttribute('data-outcome'), { timeout: 5_000 }).toBe('done');
    await page.getByTestId('rail-run').click();
    await page.getByTestId('run-steps').waitFor();
    expect(await page.getByTestId('run-row-install').getAttribute('data-status')).toBe('done');
    // The console's manual step is the admin's to confirm ("I have added this rule"), not "Skipped".
    const sgRow = page.getByTestId('run-row-sg-rule');
    expect(await sgRow.innerText()).toContain('To do in the console');
    expect(await sgRow.innerText()).not.toContain('Skipped');
    await sgRow.getByText('I have added this rule').click();
    expect(await page.getByTestId('manual-done-sg-rule').isChecked()).toBe(true);
    await screenshot(page, 'wizard-en-7-run');
    await page.getByTestId('rail-result').click();
    expect(await page.getByTestId('journal-path').innerText()).toMatch(/\.jsonl?$/);
    // The Result page shows each host's own steps and what their checks found.
    const table = await page.getByTestId('result-table').innerText();
    expect(table).toMatch(/Connect to/);
    expect(await page.getByTestId('result-checks-preflight-target0').innerText()).toMatch(/clock|time/i);
    expect(await page.getByTestId('result-checks-verify-target0').innerText()).toContain('icagent');
    expect(await page.getByTestId('reinstall').count()).toBe(0); // a fresh install: nothing to reinstall
    await screenshot(page, 'wizard-en-8-result');
    // The run and result pages in the other languages (same run, language switched).
    for (const [lang, done] of [['zh-CN', '安装完成'], ['fr', 'Installé']] as const) {
      await page.getByTestId('language').selectOption(lang);
      await expect.poll(() => page.locator('[data-step-heading]').innerText()).toBe(done);
      await screenshot(page, `wizard-${lang.slice(0, 2)}-8-result`);
      await page.getByTestId('rail-run').click();
      await page.getByTestId('run-steps').waitFor();
      await screenshot(page, `wizard-${lang.slice(0, 2)}-7-run`);
      await page.getByTestId('rail-result').click();
    }
    const hb = await world.backend.waitForHeartbeats(1, { timeoutMs: 20_000 });
    // "Check tunnel" on the Result page: the healthy tunnel is found and kept.
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('check-tunnel').click();
    await expect.poll(() => page.getByTestId('run-outcome').getAttribute('data-outcome'), { timeout: 30_000 }).toBe('done');
    expect(await page.locator('[data-step-heading]').innerText()).toBe('Tunnel checked');
    // Its own result beside the install's, which it does not replace.
    expect(await page.getByTestId('result-table').innerText()).not.toContain('Install Huawei');
    expect(await page.getByTestId('install-results').getByTestId('previous-table').innerText()).toContain('Install Huawei');
    await page.getByTestId('rail-run').click();
    await expect.poll(() => page.getByTestId('run-row-tunnel.jump0').innerText()).toContain('Healthy tunnel kept');
    expect(await page.getByTestId('run-steps').innerText()).not.toContain('Install Huawei');
    await screenshot(page, 'wizard-en-9-check-tunnel');
    expect(hb.length).toBeGreaterThanOrEqual(1);
    expect(await page.locator(fieldSelector('inputs.ak')).count()).toBe(0);

    // A terminal on the target from the Result page: SSH through the jump server, host key as verified.
    await page.getByTestId('rail-result').click();
    await page.getByTestId('host-terminal-target0').click();
    await page.getByTestId('host-terminal').locator('.xterm-helper-textarea').waitFor({ state: 'attached' });
    await expect.poll(() => page.getByTestId('host-terminal').locator('.xterm-rows').innerText(), { timeout: 20_000 }).toMatch(/\S/);
    await page.getByTestId('host-terminal').locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo "on-$(whoami)-$SSH_CONNECTION"\n');
    await expect.poll(() => page.getByTestId('host-terminal').locator('.xterm-rows').innerText(), { timeout: 15_000 }).toMatch(new RegExp(`on-${world.targetUser.name}-127\\.\\d+\\.\\d+\\.\\d+ `));
    await screenshot(page, 'wizard-en-10-host-terminal');
    await page.getByTestId('host-terminal-close').click();
    await page.context().close();
  }, 170_000);
});
