// ICAgent's inherited installation from the wizard (issue 23: the seed's second method, until now CLI
// only), in Chromium through browser mode. Hosts step: two hosts as an iplist (root, port 22, their
// passwords) and "Install from a host that already runs ICAgent" with that host's login (a real sshd
// on loopback). The Review page shows the inherited plan (Outpost logs in to that host only; the
// vendor's constraint), and the run checks that host first: here it has neither the vendor's script
// nor /opt/ICAgent/ICProbeAgent.tar.gz, so the run stops there, saying so, and nothing else runs — the
// listed hosts are addresses where nothing listens, so any attempt to reach them would fail otherwise.
// The run itself with the vendor's script (a stand-in) is test/integration/run/inherited.test.ts.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../integration/harness/sshd';
import { fill, launch, next, openWizard, screenshot, serve, walkToHostsDirect, watchConsole, type Served } from './harness';

let seedUser: TestUser;
let seed: SshdInstance;
let served: Served;
let browser: Browser;

beforeAll(async () => {
  if (fs.existsSync('/opt/oss/servicemgr/ICAgent/bin/remoteInstall/remote_install.sh')) throw new Error('the vendor script path exists on this machine: this test needs it absent');
  seedUser = await ensureTestUser(TEST_USERS.t1);
  seed = await startSshd({ address: `127.8.${20 + Math.floor(Math.random() * 200)}.2` });
  served = await serve();
  fs.writeFileSync(`${served.dataDir}/known_hosts`, `[${seed.host}]:${seed.port} ${seed.hostPublicKey}\n`);
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await stopAll();
});

describe('inherited installation in the wizard', () => {
  it('plans through the host that has the agent and stops there when its script or package is missing', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    const problems = watchConsole(page);
    await walkToHostsDirect(page, { ak: 'AKINHERITWIZARD000000', sk: 'SKinheritWizard+secret/0123456789' });
    await page.locator('label[for="hosts-mode-list"]').click();
    await page.locator('#iplist').fill('127.9.0.11 Root-pass-11\n127.9.0.12 Root-pass-12');
    await page.getByRole('button', { name: /^Add 2 hosts$/ }).click();
    // Not offered until asked for; then the host that has the agent, its login and the vendor's words.
    const inherited = page.getByTestId('inherited');
    await inherited.getByTestId('inherit-on').check();
    expect(await inherited.innerText()).toMatch(/same VPC/);
    expect(await inherited.innerText()).toContain('/opt/ICAgent/ICProbeAgent.tar.gz');
    await fill(page, 'inheritFrom.host', seed.host);
    await fill(page, 'inheritFrom.port', String(seed.port));
    await fill(page, 'inheritFrom.user', seedUser.name);
    await fill(page, 'inheritFrom.password', seedUser.password);
    await screenshot(page, 'inherited-hosts');
    await next(page, 'review');
    await expect.poll(() => page.getByTestId('step-review').innerText(), { timeout: 20_000 }).toMatch(/Check that the installer confirmed/);
    const review = await page.getByTestId('step-review').innerText();
    expect(review).toMatch(/Check that the vendor's installer \S+remote_install\.sh and the package \/opt\/ICAgent\/ICProbeAgent\.tar\.gz are on that host/);
    expect(review).toMatch(/Check that the installer confirmed this host/);
    // Outpost installs nothing itself on the listed hosts: no "Install … on the target" step.
    expect(review).not.toMatch(/Install Huawei Cloud LTS ICAgent on the target/);
    await screenshot(page, 'inherited-review');

    await page.getByTestId('next').click();
    await page.getByTestId('step-result').waitFor({ timeout: 90_000 });
    const result = await page.getByTestId('step-result').innerText();
    expect(result).toMatch(/this host has no \/opt\/oss\/servicemgr\/ICAgent\/bin\/remoteInstall\/remote_install\.sh/);
    // The keys and passwords appear nowhere on the page.
    for (const s of ['SKinheritWizard+secret/0123456789', 'Root-pass-11', seedUser.password]) expect(result).not.toContain(s);
    await screenshot(page, 'inherited-result');
    expect(problems).toEqual([]);
  }, 180_000);
});
