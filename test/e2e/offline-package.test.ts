// The offline package in the wizard (Chromium, browser mode): a local file is checked before any run —
// its size, kind and SHA-256 shown, a mismatch with the pasted value (or a .sha256 file beside it)
// shown with both values — and the Review lists the upload instead of the download.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fill, launch, next, openWizard, screenshot, serve, walkToHostsDirect, type Served } from './harness';

let served: Served;
let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-pkg-'));
const pkg = path.join(dir, 'ICProbeAgent.tar.gz');
let sum = '';

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'src', 'bin', 'manual'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'bin', 'manual', 'setup.sh'), 'echo "ICAgent install success"\n');
  execFileSync('tar', ['-czf', pkg, '-C', path.join(dir, 'src'), 'bin']);
  sum = createHash('sha256').update(fs.readFileSync(pkg)).digest('hex');
  served = await serve();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('offline package in the wizard', () => {
  it('checks the file, shows a mismatch with both values, accepts the .sha256 beside it, and plans the upload', async () => {
    const page = await openWizard(browser, served);
    await walkToHostsDirect(page, { ak: 'AKEXAMPLE00000000WXYZ', sk: 'sk-example-secret-value' });
    await fill(page, 'targets[0].host', '10.1.0.21');
    await fill(page, 'targets[0].password', 'host-password-1');

    await fill(page, 'package.path', pkg);
    await page.getByTestId('package-check').click();
    const info = page.getByTestId('package-info');
    await expect.poll(() => info.innerText()).toContain(sum);
    expect(await info.innerText()).toMatch(/tar\.gz/);
    expect(await info.innerText()).toContain("compare this one with the vendor's");

    const wrong = 'ab'.repeat(32);
    await fill(page, 'package.sha256', wrong);
    await page.getByTestId('package-check').click();
    await expect.poll(() => info.innerText()).toContain('Does not match the SHA-256 you gave');
    expect(await info.innerText()).toContain(wrong);
    expect(await info.innerText()).toContain(sum);
    expect(await info.getAttribute('role')).toBe('alert');
    await screenshot(page, 'offline-package-mismatch');

    fs.writeFileSync(`${pkg}.sha256`, `${sum}  ICProbeAgent.tar.gz\n`);
    await fill(page, 'package.sha256', '');
    await page.getByTestId('package-check').click();
    await expect.poll(() => info.innerText()).toContain('Matches the .sha256 file beside it');

    await next(page, 'review');
    await expect.poll(() => page.getByTestId('step-review').innerText(), { timeout: 15_000 }).toContain('Upload the agent package to /opt/ICAgent');
    const review = await page.getByTestId('step-review').innerText();
    expect(review).not.toContain('Remove the downloaded installer');
  });
});
