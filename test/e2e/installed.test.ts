// The Installed view (issue 26), in Chromium through browser mode, on three real sshd hosts (key auth,
// known host keys): the wizard installs a small agent on them (a marker file per host, its verify a
// probe of that file, its uninstall removes it); the app is then restarted (a new `outpost serve` and a
// new browser session on the same data folder) and the Installed view lists the three hosts from the
// journals. One marker is removed behind Outpost's back; "Check now" on two hosts is an ordinary run in
// the batch view and the view then shows one healthy, one agent-down and the third still unchecked.
// "Uninstall" asks first (a refusal runs nothing), then runs in the batch view and the host is removed
// (its marker gone on the host). Open terminal gives a shell on a host. The browser console stays free of errors throughout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { ensureTestUser, generateKeyPair, startSshd, stopAll, TEST_USERS, type KeyPair, type SshdInstance, type TestUser } from '../integration/harness/sshd';
import { fill, launch, next, openWizard, screenshot, serve, terminalText, walkTo, type Served } from './harness';

const PROFILE = `schema: 2
id: installed-marker
name: Installed marker
description: A marker file per host; verify finds it, uninstall removes it.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/marker
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      action:
        exec:
          root: false
          script: [mkdir, -p, "{installDir}", { op: "&&" }, echo, on, { op: ">" }, "{installDir}/{host.address}.marker", { op: "&&" }, echo, "marker installed"]
          success: ["marker installed"]
    - id: uninstall
      phase: remedy
      title: { en: "Remove the marker" }
      action:
        exec:
          root: false
          script: [rm, -f, "{installDir}/{host.address}.marker"]
  verify:
    - { command: { name: marker file, script: [test, -f, "{installDir}/{host.address}.marker"], exitCode: 0 } }
`;

let user: TestUser;
let key: KeyPair;
let hosts: SshdInstance[] = [];
let first: Served;
let second: Served | undefined;
let browser: Browser;
let dir: string;
let installDir: string;
const problems: string[] = [];

const marker = (h: SshdInstance) => path.join(installDir, `${h.host}.marker`);
const address = (h: SshdInstance) => `${user.name}@${h.host}:${h.port}`;

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-installed-'));
  key = await generateKeyPair(dir, { name: 'id_installed' });
  const base = 20 + Math.floor(Math.random() * 200);
  hosts = await Promise.all([21, 22, 23].map((n) => startSshd({ address: `127.7.${base}.${n}` })));
  await Promise.all(hosts.map((h) => h.authorize(user.name, key.publicKeyLine)));
  installDir = path.join(user.home, `e2e-installed-${process.pid}`);
  fs.rmSync(installDir, { recursive: true, force: true });
  first = await serve();
  fs.mkdirSync(path.join(first.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(first.dataDir, 'profiles', 'installed-marker.yaml'), PROFILE);
  fs.writeFileSync(path.join(first.dataDir, 'known_hosts'), hosts.map((h) => `[${h.host}]:${h.port} ${h.hostPublicKey}`).join('\n') + '\n');
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (second?.proc.exitCode === null) {
    second.proc.kill('SIGTERM');
    await new Promise((r) => second?.proc.once('exit', r));
  }
  if (second) fs.rmSync(second.dataDir, { recursive: true, force: true });
  await first?.stop();
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

function watchConsole(page: Page): void {
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}

const row = (page: Page, h: SshdInstance) => page.locator(`[data-testid="installed-row"][data-address="${address(h)}"]`);

describe('Installed view', () => {
  it('lists earlier runs after a restart, checks a selection and uninstalls after asking', async () => {
    // ---- an install from the wizard, in the first app session ----
    const page1 = await openWizard(browser, first, { viewport: { width: 1280, height: 800 } });
    watchConsole(page1);
    await page1.locator('label[for="profile-installed-marker"]').click();
    await walkTo(page1, 'connectivity');
    // One connectivity mode: the wizard asks no mode (and no Access IP, which this profile does not use).
    if (!(await page1.locator('#f-options-installDir').isVisible())) await page1.locator('details.advanced > summary').click();
    await fill(page1, 'options.installDir', installDir);
    await walkTo(page1, 'hosts');
    await page1.locator('label[for="hosts-mode-list"]').click();
    await page1.locator('#iplist').fill(['host,port,user,privateKey', ...hosts.map((h) => `${h.host},${h.port},${user.name},${key.privateKeyPath}`)].join('\n'));
    await page1.getByRole('button', { name: /^Add 3 hosts?$/ }).click();
    await next(page1, 'review');
    await page1.getByTestId('next').click();
    await page1.getByTestId('step-result').waitFor({ timeout: 60_000 });
    await expect.poll(() => page1.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 30_000 }).toBe('3');
    for (const h of hosts) expect(fs.existsSync(marker(h))).toBe(true);
    await page1.context().close();

    // ---- the app restarts: a new server and browser session on the same data folder ----
    first.proc.kill('SIGTERM');
    await new Promise((r) => first.proc.once('exit', r));
    second = await serve({ OUTPOST_DATA_DIR: first.dataDir });
    const page = await openWizard(browser, second, { viewport: { width: 1280, height: 800 } });
    watchConsole(page);
    await page.getByTestId('open-installed').click();
    await page.getByTestId('installed-view').waitFor();
    await expect.poll(() => page.getByTestId('installed-row').count(), { timeout: 10_000 }).toBe(3);
    for (const h of hosts) expect(await row(page, h).getAttribute('data-state')).toBe('installed');
    await screenshot(page, 'installed-after-restart');

    // ---- Check now on two hosts, one of which lost its agent ----
    const [a, b, c] = hosts as [SshdInstance, SshdInstance, SshdInstance];
    fs.rmSync(marker(b));
    await row(page, a).getByTestId('installed-select').check();
    await row(page, b).getByTestId('installed-select').check();
    expect(await page.getByTestId('installed-count').innerText()).toMatch(/2 selected/);
    await page.getByTestId('installed-check').click();
    await page.getByTestId('batch-view').waitFor({ timeout: 10_000 });
    await page.getByTestId('installed-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('installed-result').getAttribute('data-action')).toBe('check');
    await expect.poll(() => page.getByTestId('batch-table').locator('[role="row"]').count()).toBe(2);
    await expect.poll(() => page.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('batch-count-failed').getAttribute('data-count')).toBe('1');
    expect(await page.getByTestId('installed-summary').innerText()).toMatch(/^1 healthy · 1 not healthy/);
    // A run the Installed view started is not a wizard step: no steps rail beside it.
    expect(await page.locator('nav.rail').count()).toBe(0);
    await screenshot(page, 'installed-check-batch');
    await page.getByTestId('back-to-installed').click();
    await expect.poll(() => row(page, a).getAttribute('data-state'), { timeout: 10_000 }).toBe('healthy');
    expect(await row(page, b).getAttribute('data-state')).toBe('agent-down');
    expect(await row(page, c).getAttribute('data-state')).toBe('installed');
    expect(await row(page, b).getByTestId('installed-state').innerText()).toBe('agent down');
    // Nothing was changed by the check: the other markers are still there, the removed one still gone.
    expect([fs.existsSync(marker(a)), fs.existsSync(marker(b)), fs.existsSync(marker(c))]).toEqual([true, false, true]);
    await screenshot(page, 'installed-after-check');

    // Open terminal: a login shell on that host, with the answers it was installed with.
    await row(page, a).getByTestId('installed-row-terminal').click();
    await page.getByTestId('installed-terminal').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="installed-terminal"] .xterm-helper-textarea').focus();
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/\$\s*$/m);
    await page.keyboard.type('echo on-$(hostname -I 2>/dev/null | wc -w)-$((6*7))\n');
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/on-\d+-42/);
    await screenshot(page, 'installed-terminal');
    await page.getByTestId('installed-terminal').getByRole('button').first().click();

    // ---- Uninstall asks first: refused, nothing runs; accepted, the batch view and the host removed ----
    await row(page, c).getByTestId('installed-select').check();
    await page.getByTestId('installed-filter-state').selectOption('installed');
    await expect.poll(() => page.getByTestId('installed-row').count()).toBe(1);
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.getByTestId('installed-uninstall').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/Uninstall the agent from 1 host\?/);
    expect(await page.getByTestId('installed-view').isVisible()).toBe(true);
    expect(fs.existsSync(marker(c))).toBe(true);
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.getByTestId('installed-uninstall').click();
    await page.getByTestId('batch-view').waitFor({ timeout: 10_000 });
    await page.getByTestId('installed-result').waitFor({ timeout: 60_000 });
    expect(asked).toHaveLength(2);
    expect(await page.getByTestId('installed-result').getAttribute('data-action')).toBe('uninstall');
    await expect.poll(() => page.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('installed-summary').innerText()).toMatch(/^1 removed · 0 not removed/);
    expect(fs.existsSync(marker(c))).toBe(false);
    expect(fs.existsSync(marker(a))).toBe(true);
    await screenshot(page, 'installed-uninstall-batch');
    await page.getByTestId('back-to-installed').click();
    await page.getByTestId('installed-filter-state').selectOption('');
    await expect.poll(() => row(page, c).getAttribute('data-state'), { timeout: 10_000 }).toBe('removed');
    await screenshot(page, 'installed-after-uninstall');
    expect(problems).toEqual([]);
  }, 240_000);
});
