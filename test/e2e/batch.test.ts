// A 1,000-host batch from the wizard, in Chromium through browser mode (issue 11): three real sshd hosts
// (key auth, known host keys) and 997 unreachable loopback addresses that fail at once (nothing listens
// on their port), pasted into the Hosts step as CSV with ranges. The batch view must stay responsive:
// progress shows at least once a second while hosts finish, the virtualised table scrolls to any row at
// once with a bounded number of rows in the DOM, filter and sort work, a host's own output opens on
// click, and the CSV/JSON exports hold every host and no secret.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureTestUser, generateKeyPair, startSshd, stopAll, TEST_USERS, type KeyPair, type SshdInstance, type TestUser } from '../integration/harness/sshd';
import { fill, launch, next, openWizard, screenshot, serve, walkTo, type Served } from './harness';

const PROFILE = `schema: 2
id: fleet-marker
name: Fleet marker
description: Records each install run in a file named after the host.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/fleet
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      action:
        exec:
          root: false
          script: [mkdir, -p, "{installDir}", { op: "&&" }, echo, run, { op: ">>" }, "{installDir}/{host.name}.runs", { op: "&&" }, echo, "marker installed on {host.address}"]
          success: ["marker installed on"]
`;

let user: TestUser;
let key: KeyPair;
let hosts: SshdInstance[] = [];
let served: Served;
let browser: Browser;
let dir: string;
let installDir: string;

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-batch-'));
  key = await generateKeyPair(dir, { name: 'id_batch' });
  const base = 20 + Math.floor(Math.random() * 200);
  hosts = await Promise.all([11, 12, 13].map((n) => startSshd({ address: `127.5.${base}.${n}` })));
  await Promise.all(hosts.map((h) => h.authorize(user.name, key.publicKeyLine)));
  installDir = path.join(user.home, `e2e-batch-${process.pid}`);
  fs.rmSync(installDir, { recursive: true, force: true });
  served = await serve();
  fs.mkdirSync(path.join(served.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'fleet-marker.yaml'), PROFILE);
  // The real hosts' keys are known already: no host key dialog in this test.
  fs.writeFileSync(path.join(served.dataDir, 'known_hosts'), hosts.map((h) => `[${h.host}]:${h.port} ${h.hostPublicKey}`).join('\n') + '\n');
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Samples the batch view in the page until every host is finished: when the shown count changed, and the longest frame gap. */
function sampleProgress(page: Page, total: number, timeoutMs: number) {
  return page.evaluate(
    ({ total, timeoutMs }) =>
      new Promise<{ changes: Array<[number, number]>; maxFrameGap: number; timedOut: boolean }>((resolve) => {
        const t0 = performance.now();
        const changes: Array<[number, number]> = [];
        let last = -1;
        let lastFrame = t0;
        let maxFrameGap = 0;
        const frame = () => {
          const now = performance.now();
          maxFrameGap = Math.max(maxFrameGap, now - lastFrame);
          lastFrame = now;
          const bar = document.querySelector('[data-testid="batch-progress"]');
          const v = Number(bar?.getAttribute('aria-valuenow') ?? '-1');
          if (v !== last) {
            changes.push([Math.round(now - t0), v]);
            last = v;
          }
          if (v >= total) resolve({ changes, maxFrameGap, timedOut: false });
          else if (now - t0 > timeoutMs) resolve({ changes, maxFrameGap, timedOut: true });
          else requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      }),
    { total, timeoutMs },
  );
}

describe('batch view: 1,000 hosts', () => {
  it('runs 1,000 hosts with live progress, a table that scrolls, per-host output and masked exports', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1400, height: 900 } });
    await page.locator('label[for="profile-fleet-marker"]').click();
    await walkTo(page, 'connectivity');
    // One connectivity mode: the wizard asks no mode (and no Access IP, which this profile does not use).
    if (!(await page.locator('#f-options-installDir').isVisible())) await page.locator('details.advanced > summary').click();
    await fill(page, 'options.installDir', installDir);
    await walkTo(page, 'hosts');
    await page.locator('label[for="hosts-mode-list"]').click();
    // The CLI's CSV, with ranges: 3 real hosts (own ports, a key), then 997 addresses where nothing listens.
    const csv = [
      'host,port,user,privateKey',
      ...hosts.map((h) => `${h.host},${h.port},${user.name},${key.privateKeyPath}`),
      '127.6.1.1-250,1,root,' + key.privateKeyPath,
      '127.6.2.1-250,1,root,' + key.privateKeyPath,
      '127.6.3.1-250,1,root,' + key.privateKeyPath,
      '127.6.4.1-247,1,root,' + key.privateKeyPath,
    ].join('\n');
    await page.locator('#iplist').fill(csv);
    await page.getByRole('button', { name: /^Add 1,?000 hosts?$/ }).click();
    await expect.poll(() => page.getByTestId('host-list').locator('tbody tr').count(), { timeout: 20_000 }).toBe(1000);
    // A bad line is named with its line number, as the CLI does.
    await page.locator('#iplist').fill('host,port\n10.0.0.300,22\n');
    await expect.poll(() => page.getByTestId('err-iplist').innerText()).toMatch(/2/);
    await page.locator('#iplist').fill('');
    await next(page, 'review');
    await page.getByTestId('next').click();
    await page.getByTestId('batch-view').waitFor({ timeout: 30_000 });

    const sampled = sampleProgress(page, 1000, 120_000);
    sampled.catch(() => undefined); // awaited below; a failure before that must not be an unhandled rejection
    // While it runs: scroll the virtualised table to the end and back; each jump shows its rows at once.
    const table = page.getByTestId('batch-table');
    for (const [top, row] of [
      [1e9, 'target999'],
      [500 * 44, 'target500'], // 44 px rows (BatchView's ROW_HEIGHT: a two-line reason)
      [0, 'target0'],
    ] as const) {
      const t0 = Date.now();
      await table.evaluate((el, y) => (el.scrollTop = y), top);
      await page.getByTestId(`batch-row-${row}`).waitFor({ timeout: 5000 });
      // Generous for a loaded 2-core machine; typically well under 100 ms.
      expect(Date.now() - t0).toBeLessThan(2500);
      expect(await table.locator('[role="row"]').count()).toBeLessThan(80);
    }
    const { changes, maxFrameGap, timedOut } = await sampled;
    expect(timedOut, JSON.stringify(changes.slice(-5))).toBe(false);
    // From the first host finished to the last, progress is shown at least once a second (the view
    // updates every 250 ms; changes[0] is the empty start, before the run's first host ends).
    for (let i = 2; i < changes.length; i++) expect((changes[i]?.[0] ?? 0) - (changes[i - 1]?.[0] ?? 0), JSON.stringify(changes)).toBeLessThanOrEqual(1000);
    expect(changes.length).toBeGreaterThan(3);
    expect(maxFrameGap).toBeLessThan(1000);
    await page.getByTestId('batch-count-done').waitFor();
    await expect.poll(() => page.getByTestId('batch-count-done').getAttribute('data-count'), { timeout: 60_000 }).toBe('3');
    expect(await page.getByTestId('batch-count-failed').getAttribute('data-count')).toBe('997');
    await page.getByTestId('step-result').waitFor({ timeout: 30_000 });
    await screenshot(page, 'batch-1000-result');

    // Filter: only the done hosts; sort by state; a click opens that host's own output.
    await page.getByTestId('batch-filter').selectOption('done');
    await expect.poll(() => page.getByTestId('batch-table').locator('[role="row"]').count()).toBe(3);
    await page.getByTestId('batch-row-target1').click();
    await expect.poll(() => page.getByTestId('batch-host-output').innerText()).toContain(`marker installed on ${hosts[1]?.host ?? ''}`);
    await page.getByTestId('batch-filter').selectOption('failed');
    await page.getByTestId('batch-row-target3').click();
    expect(await page.getByTestId('batch-host').innerText()).toMatch(/connect/i);
    await page.getByTestId('batch-filter').selectOption('all');
    await page.getByTestId('batch-sort-state').click();
    await page.getByTestId('batch-table').evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => page.getByTestId('batch-table').locator('[role="row"]').first().getAttribute('data-state')).toBe('done');
    await screenshot(page, 'batch-1000-done-first');

    // Exports: every host, the CLI's fields, no secret (the key path is not a secret; no password exists here).
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-export-csv').click()]);
    const csvText = fs.readFileSync((await csvDownload.path()) ?? '', 'utf8');
    const lines = csvText.trim().split('\r\n');
    // The core's report of the ended run (run.report): each host's code and hint as the journal has them.
    expect(lines[0]).toBe('host,port,user,name,state,step,code,reason,hint,startedAt,endedAt,durationMs');
    expect(lines).toHaveLength(1001);
    expect(lines.filter((l) => l.includes(',done,'))).toHaveLength(3);
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-export-json').click()]);
    const report = JSON.parse(fs.readFileSync((await jsonDownload.path()) ?? '', 'utf8')) as { version: number; totals: Record<string, number>; hosts: Array<{ host: string; state: string; code: string | null; reason: string | null }> };
    expect(report.version).toBe(1);
    expect(report.totals).toEqual({ done: 3, failed: 997 });
    expect(report.hosts[999]).toMatchObject({ host: '127.6.4.247', state: 'failed' });
    expect(report.hosts[999]?.reason).toBeTruthy();
    expect(report.hosts[999]?.code).toBe('refused');
    expect(csvText + JSON.stringify(report)).not.toContain(TEST_USERS.t2.password);
    // Each real host installed exactly once.
    for (const h of hosts) expect(fs.readFileSync(path.join(installDir, `${h.host}.runs`), 'utf8').trim().split('\n')).toHaveLength(1);
  }, 240_000);
});
