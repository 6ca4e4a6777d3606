// Pasting the console's install command (issue 25: nothing changed behind the admin's back). From the
// Agent step already (it fills Region and Connectivity); the change list says what each value became
// ("Region cn-north-4 (same) · AK/SK saved · Project ID … · Connection IP 127.0.2.1 → 100.125.12.150 ⚠ an
// in-region service address"); a value the admin typed is replaced only after they confirm (Cancel
// changes nothing); the command stays shown with its keys masked, and the keys never reach the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fieldSelector, fill, launch, next, openWizard, screenshot, serve, watchConsole, type Served } from './harness';

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const AK = 'HPUAPASTE0000000WXYZ';
const SK = 'pastedSecretKey0123456789abcdefghij';
const PROJECT = '2a473356cca5487f8373be891bffc1cf';
const command = (ip = '100.125.12.150') =>
  `set +o history; curl https://icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com/ICAgent_linux/apm_agent_install.sh > apm_agent_install.sh && REGION=cn-north-4 bash apm_agent_install.sh -ak ${AK} -sk ${SK} -region cn-north-4 -projectid ${PROJECT} -accessip ${ip} -obsdomain obs.cn-north-4.myhuaweicloud.com -accessdomain lts-access.cn-north-4.myhuaweicloud.com; set -o history;`;

async function paste(page: Page, text: string): Promise<void> {
  const box = page.getByTestId('paste-command');
  if (!(await box.locator('textarea').isVisible())) await box.locator('summary').click();
  await box.locator('textarea').fill(text);
  await page.getByTestId('paste-read').click();
}

const changes = (page: Page) => page.getByTestId('paste-changes').innerText();

describe('paste the console command', () => {
  it('from the Agent step: fills Region and Connectivity, lists each change, masks the keys', async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1024, height: 640 } });
    const problems = watchConsole(page);
    // Before Region and Connectivity: the box is on the Agent step.
    await paste(page, command());
    await page.getByTestId('paste-changes').waitFor();
    expect(await page.getByTestId('paste-confirm').count()).toBe(0);
    const list = await changes(page);
    expect(list).toContain('Region cn-north-4');
    expect(list).toContain('AK/SK saved');
    expect(list).toContain(`Project ID ${PROJECT}`);
    // The default connectivity is a jump server: the console's in-region address is flagged there.
    expect(list).toMatch(/Connection IP 100\.125\.12\.150 ⚠ an in-region service address/);
    // The command stays shown with its keys masked (the access key ID's last 4 only); the box is emptied.
    const masked = await page.getByTestId('paste-masked').innerText();
    expect(masked).toContain('-ak ••••WXYZ');
    expect(masked).toContain('-projectid 2a473356');
    expect(masked).not.toContain(SK);
    expect(masked).not.toContain(AK);
    expect(await page.locator('#console-command-agent').inputValue()).toBe('');
    expect(await page.content()).not.toContain(SK);
    await screenshot(page, 'paste-1-agent-step-en-1024');
    // Region and Connectivity were filled.
    await next(page, 'region');
    expect(await page.locator('#region-cn-north-4').isChecked()).toBe(true);
    await next(page, 'connectivity');
    expect(await page.locator(fieldSelector('connectivity.connectionIp')).inputValue()).toBe('100.125.12.150');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("asks before replacing what the admin typed: Cancel changes nothing, Replace shows 'before → after'", async () => {
    const page = await openWizard(browser, served, { viewport: { width: 1280, height: 800 } });
    const problems = watchConsole(page);
    await next(page, 'region');
    await page.locator('label[for="region-cn-north-4"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-jump"]').click();
    await fill(page, 'connectivity.jumpServers[0].privateIp', '192.168.0.10');
    await fill(page, 'connectivity.jumpServers[0].ssh.host', '127.0.2.1');
    await fill(page, 'connectivity.jumpServers[0].ssh.password', 'jump-password-1');
    await fill(page, 'connectivity.elbIp', '100.125.12.150');
    await fill(page, 'connectivity.connectionIp', '127.0.2.1');
    await next(page, 'credentials');
    await fill(page, 'inputs.projectId', 'typed-project-0001');
    await paste(page, command());
    const confirm = page.getByTestId('paste-confirm');
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain('The command would replace 2 values you entered');
    expect(await confirm.innerText()).toMatch(/Connection IP 127\.0\.2\.1 → 100\.125\.12\.150 ⚠ an in-region service address/);
    expect(await confirm.innerText()).toContain(`Project ID typed-project-0001 → ${PROJECT}`);
    await screenshot(page, 'paste-2-confirm-en');
    // Cancel: nothing changed, the keys not kept.
    await page.getByTestId('paste-cancel').click();
    await expect.poll(() => page.getByTestId('paste-command-msg').innerText()).toMatch(/nothing was changed/);
    expect(await page.locator(fieldSelector('inputs.projectId')).inputValue()).toBe('typed-project-0001');
    expect(await page.getByTestId('secret-inputs.ak').count()).toBe(0);
    expect(await page.locator(fieldSelector('inputs.ak')).inputValue()).toBe('');
    await page.getByTestId('rail-connectivity').click();
    expect(await page.locator(fieldSelector('connectivity.connectionIp')).inputValue()).toBe('127.0.2.1');

    // Again, and Replace: the list says what each value was and became.
    await page.getByTestId('rail-credentials').click();
    await paste(page, command());
    await page.getByTestId('paste-confirm').waitFor();
    await page.getByTestId('paste-overwrite-confirm').click();
    await expect.poll(() => page.getByTestId('paste-last').getAttribute('data-applied')).toBe('true');
    const list = await changes(page);
    expect(list).toContain('Region cn-north-4 (same)');
    expect(list).toContain('AK/SK saved');
    expect(list).toContain(`Project ID typed-project-0001 → ${PROJECT}`);
    expect(list).toMatch(/Connection IP 127\.0\.2\.1 → 100\.125\.12\.150 ⚠ an in-region service address/);
    expect(await page.locator(fieldSelector('inputs.projectId')).inputValue()).toBe(PROJECT);
    expect(await page.getByTestId('secret-inputs.ak').innerText()).toContain('WXYZ');
    expect(await page.getByTestId('secret-inputs.sk').innerText()).not.toMatch(/[a-j0-9]{4}/);
    expect(await page.content()).not.toContain(SK);
    await screenshot(page, 'paste-3-changed-en');
    for (const [lang, same] of [
      ['zh-CN', '区域 cn-north-4（未变）'],
      ['fr', 'Région cn-north-4 (inchangé)'],
    ] as const) {
      await page.getByTestId('language').selectOption(lang);
      await expect.poll(() => changes(page)).toContain(same);
      await screenshot(page, `paste-3-changed-${lang}`);
    }
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('rail-connectivity').click();
    expect(await page.locator(fieldSelector('connectivity.connectionIp')).inputValue()).toBe('100.125.12.150');

    // Direct connectivity: the access address, and no warning (it is where the agents report to).
    await page.locator('label[for="mode-direct"]').click();
    await fill(page, 'connectivity.accessIp', '10.9.9.9');
    await next(page, 'credentials');
    await paste(page, command());
    await page.getByTestId('paste-confirm').waitFor();
    expect(await page.getByTestId('paste-confirm').innerText()).toMatch(/Access IP 10\.9\.9\.9 → 100\.125\.12\.150$/m);
    await page.getByTestId('paste-overwrite-confirm').click();
    await page.getByTestId('rail-connectivity').click();
    expect(await page.locator(fieldSelector('connectivity.accessIp')).inputValue()).toBe('100.125.12.150');

    // A command that is not ICAgent's is refused with what is wrong; the last paste stays shown.
    await page.getByTestId('rail-credentials').click();
    await paste(page, 'curl https://example.com/x.sh | bash');
    await expect.poll(() => page.getByTestId('paste-command-msg').innerText()).toMatch(/does not run apm_agent_install\.sh/);
    expect(await page.getByTestId('paste-masked').innerText()).toContain('••••WXYZ');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
