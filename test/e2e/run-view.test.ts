// What the wizard shows of a run comes from the core, in Chromium through browser mode against a real
// sshd host: the Review page says when each remedy runs (by itself after a failure and the step once
// more, or only in a reinstall); the run view lists every row the run will report from the start
// (the core's schedule), pending until reached; after a failed sign-in, "Edit answers" opens the Hosts
// step on the password the core names (run.end's field).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../integration/harness/sshd';
import { fill, launch, openWizard, screenshot, serve, walkTo, type Served } from './harness';

const PROFILE = `schema: 2
id: slow-marker
name: Slow marker
description: Waits a moment, then records the install in a file.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/slow-marker
  steps:
    - id: settle
      phase: install
      title: { en: "Wait for the host to settle" }
      action:
        exec:
          root: false
          script: [sleep, "3", { op: "&&" }, echo, settled]
          success: [settled]
      onFailure: { remedy: clean, hint: "Reinstall." }
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      action:
        exec:
          root: false
          script: [mkdir, -p, "{installDir}", { op: "&&" }, echo, run, { op: ">>" }, "{installDir}/runs", { op: "&&" }, echo, marker installed]
          success: [marker installed]
      onFailure: { remedy: clean, retry: once, hint: "It failed twice." }
    - id: clean
      phase: remedy
      title: { en: "Remove the marker" }
      action:
        exec:
          root: false
          script: [rm, -rf, "{installDir}"]
`;

let user: TestUser;
let host: SshdInstance;
let served: Served;
let browser: Browser;
let installDir: string;

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  host = await startSshd({ address: `127.6.${20 + Math.floor(Math.random() * 200)}.11` });
  installDir = path.join(user.home, `e2e-run-view-${process.pid}`);
  served = await serve();
  fs.mkdirSync(path.join(served.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'slow-marker.yaml'), PROFILE);
  fs.writeFileSync(path.join(served.dataDir, 'known_hosts'), `[${host.host}]:${host.port} ${host.hostPublicKey}\n`);
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
});

async function toReview(page: Page, password: string): Promise<void> {
  await page.locator('label[for="profile-slow-marker"]').click();
  await walkTo(page, 'connectivity');
  // One connectivity mode: the wizard asks no mode (and no Access IP, which this profile does not use).
  await page.locator('details.advanced > summary').click();
  await fill(page, 'options.installDir', installDir);
  await walkTo(page, 'hosts');
  await page.locator('label[for="hosts-mode-single"]').click();
  await fill(page, 'targets[0].host', host.host);
  await fill(page, 'targets[0].port', String(host.port));
  await fill(page, 'targets[0].user', user.name);
  await fill(page, 'targets[0].password', password);
  await walkTo(page, 'review');
  await page.getByTestId('plan-step-install').waitFor();
}

describe('the run as the core describes it', () => {
  it('Review says when each remedy runs; the run view lists every row from the start', async () => {
    const page = await openWizard(browser, served);
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await toReview(page, user.password);
    expect(await page.getByTestId('on-failure-install').innerText()).toBe('If this step fails, “Remove the marker” runs by itself and the step is tried once more.');
    expect(await page.getByTestId('on-failure-settle').innerText()).toBe('“Remove the marker” runs before this step only when reinstalling (Uninstall and reinstall).');
    await screenshot(page, 'run-view-1-review');
    await page.getByTestId('next').click();
    await page.getByTestId('step-run').waitFor();
    // While the first step waits, the next one is listed already, pending.
    await expect.poll(() => page.getByTestId('run-row-settle').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    expect(await page.getByTestId('run-row-install').getAttribute('data-status')).toBe('pending');
    expect(await page.locator('[data-testid="run-steps"] > li').evaluateAll((li) => li.map((x) => x.getAttribute('data-testid')))).toEqual(['run-row-connect', 'run-row-preflight', 'run-row-settle', 'run-row-install']);
    await screenshot(page, 'run-view-2-pending');
    await expect.poll(() => page.getByTestId('run-outcome').getAttribute('data-outcome'), { timeout: 30_000 }).toBe('done');
    await page.getByTestId('rail-run').click();
    expect(await page.getByTestId('run-row-install').getAttribute('data-status')).toBe('done');
    expect(fs.readFileSync(path.join(installDir, 'runs'), 'utf8').trim()).toBe('run');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('a failed sign-in: Edit answers opens the password the core names', async () => {
    const page = await openWizard(browser, served);
    await toReview(page, 'not-the-password-45');
    await page.getByTestId('next').click();
    await expect.poll(() => page.getByTestId('run-outcome').getAttribute('data-outcome'), { timeout: 30_000 }).toBe('failed');
    await screenshot(page, 'run-view-3-failed');
    await page.getByTestId('edit-answers').click();
    await page.getByTestId('step-hosts').waitFor();
    // The saved password's Replace button has the focus.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-testid^="secret-"]')?.getAttribute('data-testid'))).toBe('secret-targets[0].password');
    await screenshot(page, 'run-view-4-edit-answers');
    await page.context().close();
  }, 120_000);
});
