// Words and layout (issue 25) and questions that fit the agent (issue 23), in Chromium against the real
// `outpost serve`: each agent is asked only what its profile uses; steps filled from an answers file
// say Pre-filled; the region search finds aliases; the Review page in Chinese has its check lines,
// guards and security-group description in Chinese and no answers-file path; after an Ansible export
// the focus is on its result. The console stays free of errors and warnings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { launch, next, nextRefused, openWizard, serve, type Served } from './harness';

let served: Served;
let browser: Browser;
let tmp: string;
const problems: string[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-words-'));
  // The answers' secrets, from the environment of the server as the answers file says.
  served = await serve({ OUTPOST_E2E_AK: 'AKE2EWORDS0000000000', OUTPOST_E2E_SK: 'sk-e2e-words', OUTPOST_E2E_JUMP_PASSWORD: 'jump-pw', OUTPOST_E2E_TARGET_PASSWORD: 'target-pw' });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function page(locale = 'en-US', viewport = { width: 1280, height: 800 }): Promise<Page> {
  const p = await openWizard(browser, served, { locale, viewport });
  p.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  return p;
}

const ANSWERS = `profile: icagent
os: linux
region: cn-north-4
connectivity:
  mode: jump
  jumpServers:
    - privateIp: 192.168.0.10
      ssh: { host: 192.168.0.10, port: 22, user: root, password: { env: OUTPOST_E2E_JUMP_PASSWORD } }
  elbIp: 100.125.12.150
  connectionIp: 192.168.0.10
  tunnel: vendor
inputs:
  ak: { env: OUTPOST_E2E_AK }
  sk: { env: OUTPOST_E2E_SK }
  projectId: 2a473356cca5487f8373be891bffc1cf
targets:
  - { name: web-1, host: 10.1.0.21, port: 22, user: root, password: { env: OUTPOST_E2E_TARGET_PASSWORD } }
`;

async function openAnswers(p: Page): Promise<void> {
  const file = path.join(tmp, 'answers.yaml');
  fs.writeFileSync(file, ANSWERS);
  await p.getByTestId('open-answers-file').setInputFiles(file);
  await expect.poll(() => p.getByTestId('rail-hosts').getAttribute('data-state')).toBe('prefilled');
}

describe('questions that fit the agent', () => {
  it('nova-agent: no region, no access address, no DC, no installer SHA-256, no "reach the cloud"', async () => {
    const p = await page();
    await p.locator('label[for="profile-nova-agent"]').click();
    expect(await p.getByTestId('rail-region').getAttribute('data-state')).toBe('skipped');
    expect(await p.getByTestId('rail-region').innerText()).toContain('Not needed');
    await next(p, 'connectivity'); // straight past the region
    const text = await p.getByTestId('step-connectivity').innerText();
    expect(text).not.toContain('reach the cloud');
    expect(text).toContain('Connection');
    for (const f of ['connectivity-accessIp', 'connectivity-dc', 'options-downloadSha256']) expect(await p.locator(`#f-${f}`).count(), f).toBe(0);
    expect(await p.locator('input[name="mode"]').count()).toBe(0);
    await p.getByTestId('back').click();
    await p.getByTestId('step-agent').waitFor();
    await p.context().close();
  });

  it('Tetra: no access address either; aops-agent: asked for aops-manager, required', async () => {
    let p = await page();
    await p.locator('label[for="profile-tetra-relay"]').click();
    await next(p, 'connectivity');
    expect(await p.locator('#f-connectivity-accessIp').count()).toBe(0);
    await p.context().close();
    p = await page();
    await p.locator('label[for="profile-aops-agent"]').click();
    await next(p, 'connectivity');
    expect(await p.locator('label[for="f-connectivity-accessIp"]').innerText()).toContain('aops-manager address');
    expect(await p.getByTestId('step-connectivity').innerText()).toContain('How do the hosts reach the service?');
    // Without aops-manager's address the step is refused.
    expect(await nextRefused(p)).toBe(true);
    await p.context().close();
  });

  it("Cloudpods: its InfluxDB address in its own words, not the LTS console's ELB", async () => {
    const p = await page('zh-CN');
    await p.locator('label[for="profile-cloudpods-telegraf"]').click();
    await next(p, 'connectivity');
    const text = await p.getByTestId('step-connectivity').innerText();
    expect(text).toContain('InfluxDB 地址');
    expect(text).not.toContain('LTS');
    expect(text).not.toContain('ELB');
    await p.context().close();
  });

  it('Cloudpods offers direct reporting: no proxy, no address asked; where the VMs report is its own field, the seed\'s metadata endpoint by default', async () => {
    const p = await page();
    await p.locator('label[for="profile-cloudpods-telegraf"]').click();
    await next(p, 'connectivity');
    expect(await p.locator('#mode-direct').isDisabled()).toBe(false);
    expect(await p.locator('#mode-vpcep').isDisabled()).toBe(true);
    await p.locator('label[for="mode-direct"]').click();
    const text = await p.getByTestId('step-connectivity').innerText();
    expect(text).toContain('nothing is forwarded');
    expect(await p.locator('#f-connectivity-elbIp, #f-connectivity-accessIp, [data-testid="proxy-0"]').count()).toBe(0);
    await next(p, 'credentials');
    const url = p.locator('#f-inputs-influxUrl');
    expect(await url.getAttribute('placeholder')).toBe('http://169.254.169.254/monitor');
    expect(await p.locator('label[for="f-inputs-influxUrl"]').innerText()).toContain('direct connectivity');
    await p.context().close();
  });

  it('ICAgent keeps its region, ELB IP in the LTS console and installer SHA-256', async () => {
    const p = await page();
    await next(p, 'region');
    await p.locator('label[for="region-cn-north-4"]').click();
    await next(p, 'connectivity');
    await p.locator('label[for="mode-jump"]').click();
    expect(await p.locator('label[for="f-connectivity-elbIp"]').innerText()).toContain('ELB IP');
    expect(await p.getByTestId('step-connectivity').innerText()).toContain('LTS console');
    expect(await p.locator('#f-options-downloadSha256').count()).toBe(1);
    await p.context().close();
  });
});

describe('words and layout', () => {
  it('region search finds aliases: Hongkong, 香港, a city in French', async () => {
    const p = await page();
    await next(p, 'region');
    const shown = async (q: string) => {
      await p.locator('#region-search').fill(q);
      return p.locator('.region-scroll input[name="region"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    };
    expect(await shown('Hongkong')).toEqual(['ap-southeast-1']);
    expect(await shown('香港')).toEqual(['ap-southeast-1']);
    expect(await shown('Singapour')).toEqual(['ap-southeast-3']);
    expect(await shown('sao paulo')).toEqual(['sa-brazil-1']);
    await p.context().close();
  });

  it('steps filled from an answers file say Pre-filled until visited', async () => {
    const p = await page('fr-FR');
    await openAnswers(p);
    for (const s of ['region', 'connectivity', 'credentials', 'hosts']) {
      expect(await p.getByTestId(`rail-${s}`).getAttribute('data-state'), s).toBe('prefilled');
    }
    expect(await p.getByTestId('rail-region').innerText()).toContain('Prérempli');
    await next(p, 'region');
    await next(p, 'connectivity');
    expect(await p.getByTestId('rail-region').getAttribute('data-state')).toBe('done');
    await p.context().close();
  });

  it('zh-CN Review: check lines, guards and the security-group description in Chinese, no answers path; after an export the focus is on its result', async () => {
    const p = await page('zh-CN');
    await openAnswers(p);
    for (const s of ['region', 'connectivity', 'credentials', 'hosts', 'review']) await next(p, s);
    await p.getByTestId('plan-summary').waitFor({ timeout: 30_000 });
    const review = await p.getByTestId('step-review').innerText();
    expect(review).toContain('通过 SSH 登录（主机密钥已验证）');
    expect(review).toContain('时钟和时区与本机一致');
    expect(review).toContain('ICAgent 向跳板机发送数据时使用的端口');
    expect(review).toContain('隧道健康');
    expect(review).toContain('连接到每台主机');
    for (const english of ['log in over SSH', 'clock and time zone', 'Ports used by ICAgent', 'healthy tunnel kept', 'each target', 'root, or sudo']) expect(review, english).not.toContain(english);
    expect(review).not.toMatch(/targets\[\d|inputs\.[a-z]|connectivity\.[a-z]|tunnel: persistent|in the answers/);
    // The vendor tunnel's warning names what to choose, not the answers' spelling.
    expect(await p.getByTestId('plan-warnings').innerText()).toContain('持久');

    await p.locator('#f-export-folder').fill(path.join(tmp, 'export'));
    await p.getByTestId('export-button').click();
    // The vendor tunnel has no Ansible form: the refusal is the result, focused, and names what to choose (not the answers' spelling).
    await p.getByTestId('export-error').waitFor({ timeout: 30_000 });
    await expect.poll(() => p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('export-outcome');
    expect(await p.getByTestId('export-error').innerText()).not.toMatch(/connectivity\.tunnel|tunnel: persistent/);
    await p.context().close();
  });

  it('the host list placeholder is French in French', async () => {
    const p = await page('fr-FR');
    await openAnswers(p);
    for (const s of ['region', 'connectivity', 'credentials', 'hosts']) await next(p, s);
    const placeholders = await p.locator('textarea').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).placeholder).join('\n'));
    expect(placeholders).not.toMatch(/\bPassword\b/);
    await p.context().close();
  });

  it('left the console free of errors and warnings', () => {
    expect(problems).toEqual([]);
  });
});
