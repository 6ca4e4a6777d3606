// A fleet's host keys and its live proof (issue 25), in Chromium against real sshd hosts behind a jump
// server (bastion). The jump server's new key is asked first (the targets are reached through it); then
// every target's new key in ONE dialog, each with its machine name, role and fingerprint (OpenSSH's own,
// computed apart), answered with Trust selected: the two picked are recorded, the third is rejected and
// that host fails on it. A host whose key CHANGED is listed apart with its warning, is never among the
// keys to trust, and is refused. While each host's verify probes run the batch view says "waiting for
// the agent…", then "first heartbeat seen" with the check that proves it; a single host shows it on the
// Result page (in French, 1024×640).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../integration/harness/sshd';
import { fill, launch, openWizard, screenshot, serve, walkTo, watchConsole, type Served } from './harness';

const PROFILE = `schema: 2
id: proof-agent
name: Proof agent
description: Writes a heartbeat file; its verify waits a moment, then finds it.
os: [linux]
connectivity: [bastion]
linux:
  shell: bash
  installDir: /opt/proof
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      action:
        exec:
          root: false
          script: [mkdir, -p, "{installDir}", { op: "&&" }, touch, "{installDir}/{host.address}.beat"]
  verify:
    - { command: { name: heartbeat file, script: [sleep, "2", { op: "&&" }, test, -f, "{installDir}/{host.address}.beat", { op: "&&" }, echo, beat], exitCode: 0 } }
`;

/** The same agent for hosts reached directly (no jump server). */
const DIRECT = PROFILE.replace('id: proof-agent', 'id: proof-direct').replace('name: Proof agent', 'name: Proof direct').replace('connectivity: [bastion]', 'connectivity: [direct]');

let user: TestUser;
let jump: SshdInstance;
let targets: SshdInstance[] = [];
let served: Served;
let browser: Browser;
let installDir: string;
const knownHosts = () => fs.readFileSync(path.join(served.dataDir, 'known_hosts'), 'utf8');

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t1);
  const base = 20 + Math.floor(Math.random() * 200);
  const all = await Promise.all([1, 11, 12, 13, 14].map((n) => startSshd({ address: `127.8.${base}.${n}` })));
  jump = all[0] as SshdInstance;
  targets = all.slice(1);
  installDir = path.join(user.home, `e2e-proof-${process.pid}`);
  fs.rmSync(installDir, { recursive: true, force: true });
  served = await serve();
  fs.mkdirSync(path.join(served.dataDir, 'profiles'), { recursive: true });
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'proof-agent.yaml'), PROFILE);
  fs.writeFileSync(path.join(served.dataDir, 'profiles', 'proof-direct.yaml'), DIRECT);
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
});

/** Agent, the jump server (bastion), the install folder: up to Hosts. */
async function toHosts(page: Page): Promise<void> {
  await page.locator('label[for="profile-proof-agent"]').click();
  await walkTo(page, 'connectivity');
  // One connectivity mode: the wizard asks no mode (and no Access IP, which this profile does not use).
  await fill(page, 'connectivity.jumpServers[0].ssh.host', jump.host);
  await fill(page, 'connectivity.jumpServers[0].ssh.port', String(jump.port));
  await fill(page, 'connectivity.jumpServers[0].ssh.user', user.name);
  await fill(page, 'connectivity.jumpServers[0].ssh.password', user.password);
  if (!(await page.locator('#f-options-installDir').isVisible())) await page.locator('details.advanced > summary').click();
  await fill(page, 'options.installDir', installDir);
  await walkTo(page, 'hosts');
}

describe('host keys for a fleet, live proof per host', () => {
  it('asks about every new target key in one dialog (Trust selected), shows a changed key apart, and proves each host live', async () => {
    // db-9's key on record is another machine's: its key has "changed".
    const changed = targets[3] as SshdInstance;
    fs.writeFileSync(path.join(served.dataDir, 'known_hosts'), `[${changed.host}]:${changed.port} ${jump.hostPublicKey}\n`);
    const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    const problems = watchConsole(page);
    await toHosts(page);
    await page.locator('label[for="hosts-mode-list"]').click();
    const names = ['web-1', 'web-2', 'web-3', 'db-9'];
    const csv = ['host,port,user,password,name', ...targets.map((h, i) => `${h.host},${h.port},${user.name},${user.password},${names[i]}`)].join('\n');
    await page.locator('#iplist').fill(csv);
    await page.getByRole('button', { name: 'Add 4 hosts' }).click();
    await fill(page, 'run.concurrency', '4');
    await walkTo(page, 'review');
    await page.getByTestId('next').click();

    // 1. The jump server's key, alone: the targets are reached through it.
    const dialog = page.getByTestId('hostkey-dialog');
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getAttribute('data-count')).toBe('1');
    expect(await page.getByTestId('hostkey-role').innerText()).toBe('jump server');
    expect(await page.getByTestId('hostkey-fingerprint').innerText()).toBe(jump.hostKeyFingerprint);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('hostkey-reject');
    await screenshot(page, 'fleet-keys-1-jump');
    await page.getByTestId('hostkey-accept').click();

    // 2. Every target's new key in one dialog; the changed one apart, not among them.
    await expect.poll(() => dialog.getAttribute('data-count').catch(() => null), { timeout: 30_000 }).toBe('3');
    await page.getByTestId('hostkey-changed-row').waitFor({ timeout: 10_000 });
    const rows = page.getByTestId('hostkey-row');
    const byName = new Map<string, { fp: string; role: string; i: number }>();
    for (let i = 0; i < 3; i++) {
      const row = rows.nth(i);
      byName.set(await row.getByTestId('hostkey-name').innerText(), { fp: await row.getByTestId('hostkey-fingerprint').innerText(), role: await row.getByTestId('hostkey-role').innerText(), i });
    }
    expect([...byName.keys()].sort()).toEqual(['web-1', 'web-2', 'web-3']);
    for (const [n, k] of byName) {
      expect(k.role, n).toBe('target');
      expect(k.fp, n).toBe(targets[names.indexOf(n)]?.hostKeyFingerprint);
    }
    const warning = await page.getByTestId('hostkey-changed').innerText();
    expect(warning).toContain('1 host key has CHANGED: not trusted');
    expect(warning).toContain('db-9');
    expect(warning).toContain(changed.hostKeyFingerprint);
    expect(warning).toContain('Trust all never includes them');
    expect(await page.getByTestId('hostkey-accept').innerText()).toBe('Trust all (3)');
    await screenshot(page, 'fleet-keys-2-targets');
    // Trust web-1 and web-2 only: web-3's key is rejected.
    for (const n of ['web-1', 'web-2']) await page.getByTestId(`hostkey-pick-${byName.get(n)?.i ?? -1}`).check();
    expect(await page.getByTestId('hostkey-accept-selected').innerText()).toBe('Trust selected (2)');
    await page.getByTestId('hostkey-accept-selected').click();
    // The changed key stays shown until closed (nothing to trust there).
    await expect.poll(() => dialog.getAttribute('data-count')).toBe('0');
    expect(await page.getByTestId('hostkey-accept').count()).toBe(0);
    await page.getByTestId('hostkey-reject').click();
    await expect.poll(() => dialog.count()).toBe(0);

    // 3. Live proof: waiting for the agent while the verify probes run, then the first heartbeat.
    const trusted = [0, 1].map((i) => page.getByTestId(`batch-proof-target${i}`));
    await expect.poll(async () => (await Promise.all(trusted.map((l) => l.getAttribute('data-proof').catch(() => null)))).includes('waiting'), { timeout: 30_000, interval: 100 }).toBe(true);
    expect(await page.locator('[data-proof="waiting"]').first().innerText()).toContain('waiting for the agent…');
    // The changed key, told again by its host's login, does not open the closed dialog again.
    expect(await dialog.count()).toBe(0);
    await screenshot(page, 'fleet-keys-3-waiting');
    await page.getByTestId('step-result').waitFor({ timeout: 90_000 });
    const summary = page.getByTestId('run-outcome').getByTestId('batch-summary');
    await expect.poll(() => summary.innerText()).toBe('2 failed · 2 installed');
    for (const l of trusted) {
      await expect.poll(() => l.getAttribute('data-proof')).toBe('seen');
      expect(await l.innerText()).toMatch(/first heartbeat seen — heartbeat file: .*beat/);
    }
    expect(await page.getByTestId('batch-row-target2').locator('.c-reason').innerText()).toMatch(/not accepted/);
    expect(await page.getByTestId('batch-row-target3').locator('.c-reason').innerText()).toMatch(/CHANGED/);
    expect(await page.getByTestId('batch-proof-target2').count()).toBe(0);
    await page.getByTestId('batch-row-target0').click();
    expect(await page.getByTestId('batch-host-proof').innerText()).toContain('first heartbeat seen');
    await screenshot(page, 'fleet-keys-4-result');
    // What was trusted is on record; the rejected key is not; the changed host's entry is as it was.
    const kh = knownHosts();
    for (const i of [0, 1]) expect(kh, names[i]).toContain((targets[i] as SshdInstance).hostPublicKey.split(' ')[1]);
    expect(kh).not.toContain((targets[2] as SshdInstance).hostPublicKey.split(' ')[1]);
    expect(kh).toContain(`[${changed.host}]:${changed.port} ${jump.hostPublicKey}`);
    expect(fs.existsSync(path.join(installDir, `${targets[2]?.host}.beat`))).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('a direct fleet: every new key in one dialog too, and a host that hangs in its handshake holds back no other host', async () => {
    // A "host" that takes the connection and never says a word (no SSH banner).
    const held: net.Socket[] = [];
    const silent = net.createServer((c) => held.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as net.AddressInfo).port;
    // Every key new for this test; the keys on record are put back after it (the next test uses them).
    const before = knownHosts();
    try {
      fs.writeFileSync(path.join(served.dataDir, 'known_hosts'), '');
      const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
      const problems = watchConsole(page);
      await page.locator('label[for="profile-proof-direct"]').click();
      await walkTo(page, 'connectivity');
      if (!(await page.locator('#f-options-installDir').isVisible())) await page.locator('details.advanced > summary').click();
      await fill(page, 'options.installDir', installDir);
      await walkTo(page, 'hosts');
      await page.locator('label[for="hosts-mode-list"]').click();
      const fleet = targets.slice(0, 3);
      const csv = ['host,port,user,password,name', ...fleet.map((h, i) => `${h.host},${h.port},${user.name},${user.password},d-${i + 1}`), `127.0.0.1,${silentPort},${user.name},${user.password},silent`].join('\n');
      await page.locator('#iplist').fill(csv);
      await page.getByRole('button', { name: 'Add 4 hosts' }).click();
      await fill(page, 'run.concurrency', '4');
      await walkTo(page, 'review');
      await page.getByTestId('next').click();
      // The three new keys together, while the silent host is still in its handshake.
      const dialog = page.getByTestId('hostkey-dialog');
      await expect.poll(() => dialog.getAttribute('data-count').catch(() => null), { timeout: 30_000 }).toBe('3');
      expect((await page.getByTestId('hostkey-role').allInnerTexts()).every((r) => r === 'target')).toBe(true);
      await page.getByTestId('hostkey-accept').click();
      // The three install and prove themselves while the silent host still holds its connection.
      for (let i = 0; i < 3; i++) await expect.poll(() => page.getByTestId(`batch-row-target${i}`).getAttribute('data-state'), { timeout: 25_000 }).toBe('done');
      expect(await page.getByTestId('batch-row-target3').getAttribute('data-state')).not.toMatch(/done|failed/);
      expect(held.length).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      for (const c of held) c.destroy();
      silent.close();
      fs.writeFileSync(path.join(served.dataDir, 'known_hosts'), before);
    }
  }, 180_000);

  it('one host: the Result page says the first heartbeat was seen (French, 1024×640)', async () => {
    const page = await openWizard(browser, served, { locale: 'fr-FR', viewport: { width: 1024, height: 640 } });
    const problems = watchConsole(page);
    await toHosts(page);
    const one = targets[0] as SshdInstance;
    await fill(page, 'targets[0].host', one.host);
    await fill(page, 'targets[0].port', String(one.port));
    await fill(page, 'targets[0].user', user.name);
    await fill(page, 'targets[0].password', user.password);
    await walkTo(page, 'review');
    await page.getByTestId('next').click();
    await page.getByTestId('step-result').waitFor({ timeout: 90_000 });
    const proof = page.getByTestId('result-proof');
    expect(await proof.innerText()).toMatch(/premier signal de vie reçu — heartbeat file\s?: .*beat/);
    expect(await page.locator('[data-proof]').first().getAttribute('data-proof')).toBe('seen');
    await screenshot(page, 'fleet-keys-5-result-fr-1024');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);
});
