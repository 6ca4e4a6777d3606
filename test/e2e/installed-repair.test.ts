// The Installed view's Repair and Reinstall (issue 26), in Chromium through browser mode, on real sshd
// hosts behind a real jump server (the lifecycle world: test/integration/harness/lifecycle-world.ts, a
// daemon per host, a persistent tunnel). The CLI installs two hosts; the jump server's tunnel then dies
// (the ICAgent guide's "if the jump server restarts"): Check now shows both hosts tunnel-down and the
// jump server's tunnel down; Repair is an ordinary run in the batch view that brings the tunnel back
// and checks the hosts behind it: both healthy, the tunnel up. One agent is then removed behind Outpost's back: Reinstall
// asks first, runs in the batch view, and the agent runs again on that host only (the other host's
// agent is the same process as before). The browser console stays free of errors throughout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SshdInstance } from '../integration/harness/sshd';
import { PROFILES, startLifecycleWorld, type LifecycleWorld } from '../integration/harness/lifecycle-world';
import { launch, openWizard, screenshot, serve, watchConsole, type Served } from './harness';

let w: LifecycleWorld;
let served: Served | undefined;
let browser: Browser;
let data: string;
let problems: string[] = [];

beforeAll(async () => {
  w = await startLifecycleWorld('e2e-repair', '127.4', [11, 12]);
  data = path.join(w.dir, 'data');
  fs.mkdirSync(path.join(data, 'profiles'), { recursive: true });
  fs.copyFileSync(path.join(PROFILES, 'lifecycle-test.yaml'), path.join(data, 'profiles', 'lifecycle-test.yaml'));
  // The install from the CLI, with the app's own known_hosts and profiles folder: the app sees it as its own.
  const install = await w.outpost(['batch', w.answersFile, '--hosts', w.hostsFile, '--known-hosts', path.join(data, 'known_hosts'), '--accept-new-hostkeys', '--concurrency', '2']);
  expect(install.code, install.stderr + install.stdout).toBe(0);
  served = await serve({ OUTPOST_DATA_DIR: data });
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (served?.proc.exitCode === null) {
    served.proc.kill('SIGTERM');
    await new Promise((r) => served?.proc.once('exit', r));
  }
  if (served) fs.rmSync(served.dataDir, { recursive: true, force: true });
  await w?.close();
});

const address = (h: SshdInstance) => `${w.user.name}@${h.host}:${h.port}`;
const row = (page: Page, h: SshdInstance) => page.locator(`[data-testid="installed-row"][data-address="${address(h)}"]`);
const agents = () => w.processes().filter((p) => p.includes(`${w.base}/`) && p.includes('agent.sh'));
const tunnels = () => w.processes().filter((p) => / -L /.test(p));

async function runAndReturn(page: Page, action: string): Promise<void> {
  await page.getByTestId('batch-view').waitFor({ timeout: 10_000 });
  await page.getByTestId('installed-result').waitFor({ timeout: 90_000 }).catch(async (e: unknown) => {
    await screenshot(page, `installed-repair-stuck-${action}`);
    throw e;
  });
  expect(await page.getByTestId('installed-result').getAttribute('data-action')).toBe(action);
}

async function checkAll(page: Page): Promise<void> {
  await page.getByTestId('installed-select-all').check();
  await page.getByTestId('installed-check').click();
  await runAndReturn(page, 'check');
  await page.getByTestId('back-to-installed').click();
  await page.getByTestId('installed-view').waitFor();
}

describe('Installed view: Repair and Reinstall', () => {
  it('repairs a dropped tunnel and reinstalls a lost agent, each an ordinary run', async () => {
    const page = await openWizard(browser, served as Served, { viewport: { width: 1280, height: 800 } });
    problems = watchConsole(page);
    await page.getByTestId('open-installed').click();
    await page.getByTestId('installed-view').waitFor();
    await expect.poll(() => page.getByTestId('installed-row').count(), { timeout: 10_000 }).toBe(2);
    const [a, b] = w.targets as [SshdInstance, SshdInstance];

    // ---- the jump server's tunnel dies: Check now names it ----
    expect(tunnels().length).toBeGreaterThan(0);
    execFileSync('pkill', ['-KILL', '-u', w.jumpUser.name, '-f', 'ssh .*-L']);
    await expect.poll(() => tunnels().length, { timeout: 5000 }).toBe(0);
    await checkAll(page);
    for (const h of [a, b]) await expect.poll(() => row(page, h).getAttribute('data-state'), { timeout: 10_000 }).toBe('tunnel-down');
    const jump = page.getByTestId('installed-jump');
    expect(await jump.getAttribute('data-tunnel')).toBe('down');
    await screenshot(page, 'installed-tunnel-down');

    // ---- Repair: an ordinary run in the batch view; the tunnel is back and the next check finds both healthy ----
    await jump.getByTestId('installed-repair').click();
    await runAndReturn(page, 'repair');
    await screenshot(page, 'installed-repair-batch');
    await expect.poll(() => page.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 10_000 }).toBe('2');
    expect(tunnels().length).toBeGreaterThan(0);
    expect(await page.getByTestId('installed-summary').innerText()).toMatch(/^2 hosts healthy through the repaired tunnel · 0 not/);
    // The repair's own check is the hosts' and the tunnel's last check: no second check needed.
    await page.getByTestId('back-to-installed').click();
    await page.getByTestId('installed-view').waitFor();
    for (const h of [a, b]) await expect.poll(() => row(page, h).getAttribute('data-state'), { timeout: 10_000 }).toBe('healthy');
    expect(await page.getByTestId('installed-jump').getAttribute('data-tunnel')).toBe('up');

    // ---- Reinstall a host whose agent was removed behind Outpost's back; asked first ----
    const otherAgent = agents().filter((p) => p.includes(`/${a.host}/`));
    expect(otherAgent).toHaveLength(1);
    execFileSync('pkill', ['-TERM', '-u', w.user.name, '-f', `${w.base}/${b.host}/agent.sh`]);
    fs.rmSync(path.join(w.base, b.host), { recursive: true, force: true });
    await row(page, b).getByTestId('installed-select').check();
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.getByTestId('installed-reinstall').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/Reinstall the agent on 1 host/);
    expect(fs.existsSync(path.join(w.base, b.host))).toBe(false);
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.getByTestId('installed-reinstall').click();
    await runAndReturn(page, 'reinstall');
    await expect.poll(() => page.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('batch-table').locator('[role="row"]').count()).toBe(1);
    await screenshot(page, 'installed-reinstall-batch');
    await expect.poll(() => agents().filter((p) => p.includes(`/${b.host}/`)).length, { timeout: 5000 }).toBe(1);
    expect(fs.existsSync(path.join(w.base, b.host, 'agent.sh'))).toBe(true);
    // The other host was not touched: the same agent process as before.
    expect(agents().filter((p) => p.includes(`/${a.host}/`))).toEqual(otherAgent);
    expect(problems).toEqual([]);
  }, 300_000);
});
