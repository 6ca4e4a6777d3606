// The batch view's Pause / Resume (issue 11), in Chromium through browser mode, and the notice after a
// host list file with passwords is imported. 24 hosts, 16 at once: the first 16 are "tarpits" (this test
// accepts their TCP connection and says nothing, so each host hangs in connect until the test lets it
// go), the last 8 refuse connections at once. Paused while the 16 hang: when they are let go, they end
// failed and none of the 8 starts; resumed: the 8 run and the batch ends.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateKeyPair, type KeyPair } from '../integration/harness/sshd';
import { fill, launch, next, openWizard, screenshot, serve, walkTo, type Served } from './harness';

const PROFILE = `schema: 2
id: pause-marker
name: Pause marker
description: Writes a marker, never reached here (every host fails at connect).
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/pause
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      action:
        exec:
          root: false
          script: [echo, "marker installed on {host.address}"]
          success: ["marker installed on"]
`;

let key: KeyPair;
let served: Served;
let browser: Browser;
let dir: string;
const tarpits: net.Server[] = [];
const held = new Set<net.Socket>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-pause-'));
  key = await generateKeyPair(dir, { name: 'id_pause' });
  for (let i = 0; i < 16; i++) {
    const s = net.createServer((sock) => {
      held.add(sock);
      sock.on('error', () => undefined);
      sock.on('close', () => held.delete(sock));
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    tarpits.push(s);
  }
  served = await serve();
  fs.mkdirSync(path.join(served.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'pause-marker.yaml'), PROFILE);
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  for (const s of held) s.destroy();
  await Promise.all(tarpits.map((s) => new Promise((r) => s.close(r))));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function toHostList(page: Page): Promise<void> {
  await page.locator('label[for="profile-pause-marker"]').click();
  await walkTo(page, 'connectivity');
  // One connectivity mode: the wizard asks no mode (and no Access IP, which this profile does not use).
  await walkTo(page, 'hosts');
  await page.locator('label[for="hosts-mode-list"]').click();
}

/** A state's count in the batch view; a state with no host has no counter (0 at once, not after getAttribute's 30 s wait for it). */
const count = async (page: Page, state: string) => {
  const counter = page.getByTestId(`batch-count-${state}`);
  if (!(await counter.count())) return 0;
  return Number((await counter.getAttribute('data-count', { timeout: 2_000 }).catch(() => '0')) ?? '0');
};

describe('batch view: pause and resume', () => {
  it('paused, no new host starts while the hosts in flight end; resumed, the rest run', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1400, height: 900 } });
    await toHostList(page);
    const base = 20 + Math.floor(Math.random() * 200);
    const csv = [
      'host,port,user,privateKey',
      ...tarpits.map((s) => `127.0.0.1,${(s.address() as net.AddressInfo).port},root,${key.privateKeyPath}`),
      `127.9.${base}.1-8,1,root,${key.privateKeyPath}`,
    ].join('\n');
    await page.locator('#iplist').fill(csv);
    await page.getByRole('button', { name: /^Add 24 hosts?$/ }).click();
    await expect.poll(() => page.getByTestId('host-list').locator('tbody tr').count()).toBe(24);
    await fill(page, 'run.concurrency', '16');
    await next(page, 'review');
    await page.getByTestId('next').click();
    await page.getByTestId('batch-view').waitFor({ timeout: 30_000 });
    // The 16 first hosts hang in connect (their TCP connection is held here: the key scan's, which
    // their logins wait for); all 16 have started.
    await expect.poll(() => held.size, { timeout: 30_000 }).toBe(16);
    await expect.poll(() => count(page, 'connecting'), { timeout: 30_000 }).toBe(16);
    await page.getByTestId('run-pause').click();
    await page.getByTestId('run-resume').waitFor();
    await expect.poll(() => page.getByTestId('run-status').innerText()).toMatch(/^Paused: no new host starts.*8 hosts wait for Resume/);
    await screenshot(page, 'batch-paused');
    // Let the 16 go: they end failed; paused, none of the 8 others starts.
    for (const s of held) s.destroy();
    await expect.poll(() => count(page, 'failed'), { timeout: 30_000 }).toBe(16);
    await page.waitForTimeout(2000);
    expect(await count(page, 'failed')).toBe(16);
    expect(await count(page, 'queued')).toBe(8);
    expect(await page.getByTestId('batch-count-connecting').count()).toBe(0);
    expect(await page.getByTestId('step-run').count()).toBe(1);
    await screenshot(page, 'batch-paused-hosts-ended');
    // Resume: the 8 run (each refused at once) and the batch ends.
    await page.getByTestId('run-resume').click();
    await page.getByTestId('step-result').waitFor({ timeout: 30_000 });
    await expect.poll(() => count(page, 'failed'), { timeout: 10_000 }).toBe(24);
    expect(await count(page, 'queued')).toBe(0);
    await screenshot(page, 'batch-resumed-result');
  }, 180_000);

  it('a host list file with passwords, imported in a browser: the notice says plainly the page cannot delete it', async () => {
    const page = await openWizard(browser, served);
    await toHostList(page);
    await page.getByTestId('iplist-file').setInputFiles({ name: 'iplist.cfg', mimeType: 'text/plain', buffer: Buffer.from('10.20.0.1 Clear-Text-Pw1\n10.20.0.2\n') });
    await expect.poll(() => page.locator('#iplist').inputValue()).toContain('10.20.0.1');
    // The notice shows once the file's hosts are added.
    expect(await page.getByTestId('hostfile-notice').count()).toBe(0);
    await page.getByRole('button', { name: /^Add 2 hosts$/ }).click();
    const notice = page.getByTestId('hostfile-notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-state')).toBe('no-path');
    const text = await notice.innerText();
    expect(text).toContain('iplist.cfg holds passwords in clear text');
    expect(text).toMatch(/cannot delete it from here/);
    expect(await page.getByTestId('hostfile-delete').count()).toBe(0);
    expect(text).not.toContain('Clear-Text-Pw1');
    await screenshot(page, 'hostfile-notice-browser');
    await page.getByTestId('hostfile-keep').click();
    await expect.poll(() => page.getByTestId('hostfile-notice').count()).toBe(0);
  }, 90_000);

  it('on opening, the last batch not finished is offered; resuming runs only the hosts not done; gone passwords ask for a re-import', async () => {
    const journals = path.join(served.dataDir, 'journals');
    fs.mkdirSync(journals, { recursive: true });
    const base = 20 + Math.floor(Math.random() * 200);
    const record = (runId: string, targets: Array<Record<string, unknown>>, done: number[], ended = false) => {
      const answers = { profile: 'pause-marker', os: 'linux', connectivity: { mode: 'direct', accessIp: '127.0.0.1' }, targets };
      fs.writeFileSync(path.join(journals, `${runId}.batch.json`), JSON.stringify({ version: 1, runId, startedAt: '2026-11-30T10:00:00.000Z', concurrency: 16, answers }), { mode: 0o600 });
      // A journal without run.end: the process running the batch died.
      const lines = [{ type: 'run.start', runId, at: 'x' }, ...done.map((i) => ({ type: 'host', runId, host: `target${i}`, at: 'x', state: 'done', address: `root@127.9.${base}.${i + 1}:1` })), ...(ended ? [{ type: 'run.end', runId, at: 'x', outcome: 'failed' }] : [])];
      fs.writeFileSync(path.join(journals, `${runId}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o600 });
    };
    // 12 hosts (refusing connections: each fails at once), 2 recorded as done.
    record('29990101T000000-aaaaaa', Array.from({ length: 12 }, (_, i) => ({ host: `127.9.${base}.${i + 1}`, port: 1, user: 'root', privateKey: { path: key.privateKeyPath } })), [0, 5]);
    const page = await openWizard(browser, served, { viewport: { width: 1400, height: 900 } });
    const offer = page.getByTestId('interrupted-batch');
    await offer.waitFor({ timeout: 10_000 });
    expect(await offer.innerText()).toContain('10 of its 12 hosts are not done');
    expect(await page.getByTestId('resume-batch').innerText()).toBe('Resume the interrupted batch (10 of 12 hosts left)');
    await screenshot(page, 'batch-interrupted-offer');
    await page.getByTestId('resume-batch').click();
    await page.getByTestId('step-result').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('batch-status').innerText()).toBe('10 of 10 hosts finished');
    // Every event went to the batch view (none to the one-host step list, which a batch does not show).
    expect(await page.getByText('Connect to each target').count()).toBe(0);
    await expect.poll(() => count(page, 'failed'), { timeout: 10_000 }).toBe(10);
    expect(await page.getByTestId('interrupted-batch').count()).toBe(0);
    const journal = (await page.getByTestId('journal-path').innerText()).trim();
    const ran = fs.readFileSync(journal, 'utf8');
    for (const i of [0, 5]) expect(ran).not.toContain(`127.9.${base}.${i + 1}:1"`);
    expect(ran).toContain(`127.9.${base}.2:1"`);
    await screenshot(page, 'batch-interrupted-resumed');
    // The wizard now holds the answers that ran: Try again runs those 10 hosts again, as a new batch.
    await page.getByTestId('retry').click();
    await page.getByTestId('step-result').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('journal-path').innerText()).not.toBe(journal);
    await expect.poll(() => page.getByTestId('batch-status').innerText()).toBe('10 of 10 hosts finished');

    // A batch whose list passwords are no longer in the secure store: resuming says to import the list again.
    record('29990102T000000-bbbbbb', Array.from({ length: 10 }, (_, i) => ({ host: `127.9.${base}.${i + 1}`, port: 1, user: 'root', password: { stored: `target.password.e2e${i}` } })), []);
    const page2 = await openWizard(browser, served);
    await page2.getByTestId('interrupted-batch').waitFor({ timeout: 10_000 });
    await page2.getByTestId('resume-batch').click();
    const err = page2.getByTestId('interrupted-batch-error');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.innerText()).toMatch(/no longer in Outpost's secure store[\s\S]*Import the host list again/);
    expect(await page2.getByTestId('step-agent').count()).toBe(1);
    await screenshot(page2, 'batch-interrupted-secrets-gone');
    // Not resumed: no longer offered once dismissed.
    await page2.getByTestId('forget-batch').click();
    await expect.poll(() => page2.getByTestId('interrupted-batch').count()).toBe(0);
    // The page hides the offer at once and tells the core in the background.
    await expect.poll(() => fs.existsSync(path.join(journals, '29990102T000000-bbbbbb.batch.json'))).toBe(false);

    // A batch that ended (in an earlier session) with hosts not done: offered as a retry, not as a crash.
    record('29990103T000000-cccccc', Array.from({ length: 4 }, (_, i) => ({ host: `127.9.${base}.${i + 1}`, port: 1, user: 'root', privateKey: { path: key.privateKeyPath } })), [1], true);
    const page3 = await openWizard(browser, served);
    const offer3 = page3.getByTestId('interrupted-batch');
    await offer3.waitFor({ timeout: 10_000 });
    expect(await offer3.innerText()).toContain('The last batch ended with hosts not done');
    expect(await offer3.innerText()).not.toContain('Outpost stopped while it ran');
    expect(await page3.getByTestId('resume-batch').innerText()).toBe('Run the 3 hosts not done again');
  }, 150_000);
});
