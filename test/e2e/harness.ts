// Browser-mode E2E harness: starts the real `outpost serve` (built CLI) and Debian's Chromium via
// playwright-core. Playwright cannot download browsers here; we never ask it to.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');
export const CHROMIUM = process.env.OUTPOST_CHROMIUM ?? '/usr/bin/chromium';

export interface Served {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
  dataDir: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** `outpost <args>` from the build, with its own data folder; resolves once it prints the app's URL. */
async function startCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Served> {
  const cli = path.join(ROOT, 'dist', 'cli', 'index.mjs');
  if (!fs.existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` before the E2E tests (npm test does).');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-'));
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], {
    env: { ...process.env, OUTPOST_DATA_DIR: dataDir, SHELL: '/bin/bash', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const what = `outpost ${args[0] ?? ''}`;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed no URL in ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: new URLSearchParams(u.hash.slice(1)).get('token') ?? '',
    proc,
    dataDir,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `outpost serve`: the app in browser mode, nothing else. */
export const serve = (env: NodeJS.ProcessEnv = {}): Promise<Served> => startCli(['serve'], env, 15_000);

/** `outpost demo --no-open`: the app with the demo's answers, real sshd hosts behind a jump server. */
export const demo = (env: NodeJS.ProcessEnv = {}): Promise<Served> => startCli(['demo', '--no-open'], env, 60_000);

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The text xterm.js has rendered (DOM renderer rows). */
export async function terminalText(page: Page): Promise<string> {
  return page.locator('.xterm-rows').innerText();
}

// ---- wizard helpers ------------------------------------------------------------------------------

/** The DOM id the wizard gives the input of an answers field path (renderer/src/wizard/fields.tsx). */
export function fieldSelector(path: string): string {
  return `#f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export interface WizardPageOptions {
  locale?: string;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

/** A fresh page (own context: language follows `locale`) on the wizard's first step. */
export async function openWizard(browser: Browser, served: Served, opts: WizardPageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: opts.viewport ?? { width: 1280, height: 820 },
  });
  const page = await context.newPage();
  await page.goto(served.url);
  await page.getByTestId('step-agent').waitFor();
  // The catalog is loaded once the agent cards show.
  await page.locator('input[name="profile"]').first().waitFor();
  return page;
}

export async function fill(page: Page, path: string, value: string): Promise<void> {
  const el = page.locator(fieldSelector(path));
  await el.fill(value);
  await el.blur();
}

/** Next, and wait for the given step to show. */
export async function next(page: Page, to: string): Promise<void> {
  await page.getByTestId('next').click();
  await page.getByTestId(`step-${to}`).waitFor();
}

export async function fieldError(page: Page, path: string): Promise<string> {
  return (await page.getByTestId(`err-${path}`).innerText()).trim();
}

export async function nextRefused(page: Page): Promise<boolean> {
  return (await page.getByTestId('next').getAttribute('aria-disabled')) === 'true';
}

/** From the first step to Hosts: ICAgent on Linux, cn-north-4, direct to the access address, the given keys. */
export async function walkToHostsDirect(page: Page, keys: { ak: string; sk: string }): Promise<void> {
  await next(page, 'region');
  await page.locator('label[for="region-cn-north-4"]').click();
  await next(page, 'connectivity');
  await page.locator('label[for="mode-direct"]').click();
  await fill(page, 'connectivity.accessIp', '100.125.12.150');
  await next(page, 'credentials');
  await fill(page, 'inputs.ak', keys.ak);
  await fill(page, 'inputs.sk', keys.sk);
  await fill(page, 'inputs.projectId', '2a473356cca5487f8373be891bffc1cf');
  await next(page, 'hosts');
}

/** Next until the step shows (a profile without regions, or a bastion, skips a step). */
export async function walkTo(page: Page, to: string): Promise<void> {
  for (let i = 0; i < 6 && !(await page.getByTestId(`step-${to}`).count()); i++) {
    await page.getByTestId('next').click();
    await page.waitForTimeout(300);
  }
  await page.getByTestId(`step-${to}`).waitFor({ timeout: 10_000 });
}

/** The page's console errors and warnings and its uncaught errors, as they come (a test expects none). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}
