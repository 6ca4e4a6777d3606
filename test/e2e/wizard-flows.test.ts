// The wizard in Chromium through browser mode, without running anything: walks to the Review page in
// Chinese (jump server) and French (VPC endpoint, a pasted host list), a Windows "this computer"
// flow, invalid input on each step (its message next to the field, Next refused), the language switch,
// and saving / opening answers (references only, never a secret).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fieldError, fieldSelector, fill, launch, next, nextRefused, openWizard, screenshot, serve, type Served } from './harness';

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve();
  browser = await launch();
});
const after: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const f of after) await f();
  await browser?.close();
  await served?.stop();
});

const heading = (page: Page) => page.locator('[data-step-heading]').innerText();

/** Next pressed from the keyboard: works while it is aria-disabled (it then reveals the step's problems). */
async function pressNext(page: Page): Promise<void> {
  await page.getByTestId('next').focus();
  await page.keyboard.press('Enter');
}

/** From the Agent step (ICAgent, Linux) to Connectivity, region cn-north-4. */
async function toConnectivity(page: Page): Promise<void> {
  await next(page, 'region');
  await page.locator('label[for="region-cn-north-4"]').click();
  await next(page, 'connectivity');
}

async function fillJump(page: Page): Promise<void> {
  await page.locator('label[for="mode-jump"]').click();
  await fill(page, 'connectivity.jumpServers[0].privateIp', '192.168.0.10');
  await fill(page, 'connectivity.jumpServers[0].ssh.host', '203.0.113.10');
  await fill(page, 'connectivity.jumpServers[0].ssh.password', 'jump-password-1');
  await fill(page, 'connectivity.elbIp', '100.125.12.150');
  await fill(page, 'connectivity.connectionIp', '203.0.113.10');
  await fill(page, 'connectivity.dc', 'dc-east-1');
}

async function fillCredentials(page: Page): Promise<void> {
  await fill(page, 'inputs.ak', 'AKEXAMPLE00000000WXYZ');
  await fill(page, 'inputs.sk', 'sk-example-secret-value');
  await fill(page, 'inputs.projectId', '2a473356cca5487f8373be891bffc1cf');
}

/** Screenshot of the step at its top, and once scrolled to its end when it is taller than the pane. */
async function shots(page: Page, name: string): Promise<void> {
  await page.getByTestId(/^step-/).evaluate((el) => el.scrollTo({ top: 0 }));
  await screenshot(page, name);
  const tall = await page.getByTestId(/^step-/).evaluate((el) => el.scrollHeight > el.clientHeight + 40);
  if (tall) {
    await page.getByTestId(/^step-/).evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await screenshot(page, `${name}-end`);
  }
}

describe('wizard walks to Review', () => {
  it('Chinese, through a jump server (language from the OS)', async () => {
    const page = await openWizard(browser, served, { locale: 'zh-CN' });
    expect(await heading(page)).toBe('选择 Agent');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await shots(page, 'wizard-zh-1-agent');
    await next(page, 'region');
    await page.locator('#region-search').fill('北京');
    expect(await page.locator('.region-row:not(.other)').count()).toBe(3);
    await page.locator('label[for="region-cn-north-4"]').click();
    await shots(page, 'wizard-zh-2-region');
    await next(page, 'connectivity');
    await fillJump(page);
    await page.locator('details.advanced > summary').click();
    await fill(page, 'connectivity.portOverrides.80.listen', '8080');
    await page.getByTestId('sg-rule').waitFor();
    // The rule is the plan's (plan.network): it follows the override a moment later.
    await expect.poll(() => page.getByTestId('sg-rule').innerText()).toContain('8080');
    expect(await page.getByTestId('forwarded-ports').innerText()).toMatch(/:8080 → /);
    await shots(page, 'wizard-zh-3-connectivity');
    await next(page, 'credentials');
    await fillCredentials(page);
    await shots(page, 'wizard-zh-4-credentials');
    await next(page, 'hosts');
    await fill(page, 'targets[0].host', '10.1.0.21');
    await fill(page, 'targets[0].password', 'target-password-1');
    await shots(page, 'wizard-zh-5-hosts');
    await next(page, 'review');
    await page.getByTestId('plan-group-jump0').waitFor();
    const text = await page.getByTestId('step-review').innerText();
    expect(text).toContain('在跳板机 1 上');
    expect(text).toContain('为跳板机添加安全组规则');
    for (const secret of ['jump-password-1', 'sk-example-secret-value', 'AKEXAMPLE00000000WXYZ', 'target-password-1']) expect(text).not.toContain(secret);
    await shots(page, 'wizard-zh-6-review');
    expect(await page.getByTestId('on-failure-install').innerText()).toMatch(/会自动执行“.+”，然后再重试此步骤一次/);
    await page.getByTestId('plan-step-install').scrollIntoViewIfNeeded();
    await screenshot(page, 'wizard-zh-6-review-remedy');
    await page.context().close();
  });

  it('French, through a VPC endpoint, hosts pasted as an iplist.cfg', async () => {
    const page = await openWizard(browser, served, { locale: 'fr-FR' });
    expect(await heading(page)).toBe("Choisir l'agent");
    await shots(page, 'wizard-fr-1-agent');
    await next(page, 'region');
    await page.locator('#region-search').fill('paris');
    await page.locator('label[for="region-eu-west-0"]').click();
    await shots(page, 'wizard-fr-2-region');
    await next(page, 'connectivity');
    // Production traffic: the VPC endpoint, as the vendor advises for high log traffic; the jump server
    // can still be chosen, with the advice beside it; tests choose the jump server back.
    expect(await page.locator('#mode-jump').isChecked()).toBe(true);
    await page.locator('label[for="traffic-production"]').click();
    expect(await page.locator('#mode-vpcep').isChecked()).toBe(true);
    expect(await page.getByTestId('traffic-advice').innerText()).toMatch(/^Point de terminaison VPC choisi/);
    await page.locator('label[for="mode-jump"]').click();
    expect(await page.locator('.callout').filter({ hasText: 'trafic de production' }).count()).toBe(1);
    await page.locator('label[for="traffic-test"]').click();
    expect(await page.locator('#mode-jump').isChecked()).toBe(true);
    await page.locator('label[for="traffic-production"]').click();
    await page.locator('label[for="mode-vpcep"]').click();
    await fill(page, 'connectivity.vpcepDomain', 'lts-access.eu-west-0.vpcep.example.internal');
    await fill(page, 'connectivity.accessIp', '10.10.0.200');
    await shots(page, 'wizard-fr-3-connectivity');
    await next(page, 'credentials');
    await fillCredentials(page);
    await shots(page, 'wizard-fr-4-credentials');
    await next(page, 'hosts');
    await page.locator('label[for="hosts-mode-list"]').click();
    await page.locator('#iplist').fill('# iplist.cfg\n192.168.0.109 Passw0rd-109\n192.168.0.39\n192.168.0.40\n');
    await page.getByRole('button', { name: 'Ajouter 3 hôtes' }).click();
    expect(await page.getByTestId('host-list').locator('tbody tr').count()).toBe(3);
    // Two hosts have no password of their own: Next waits for the default password.
    expect(await nextRefused(page)).toBe(true);
    await fill(page, 'targets.defaultPassword', 'Default-Passw0rd');
    expect(await nextRefused(page)).toBe(false);
    await shots(page, 'wizard-fr-5-hosts');
    await next(page, 'review');
    await page.getByTestId('plan-group-target').waitFor();
    const text = await page.getByTestId('step-review').innerText();
    expect(text).toContain('Sur chacun des 3 hôtes');
    expect(text).toContain('lts-access.eu-west-0.vpcep.example.internal');
    expect(await page.getByTestId('plan-step-vpcep.dns').count()).toBe(1);
    expect(await page.getByTestId('plan-group-jump0').count()).toBe(0);
    for (const secret of ['Passw0rd-109', 'Default-Passw0rd', 'sk-example-secret-value']) expect(text).not.toContain(secret);
    await shots(page, 'wizard-fr-6-review');
    // The install's remedy runs by itself after a failure (retry: once), as `outpost plan` says.
    const remedy = page.getByTestId('on-failure-install');
    expect(await remedy.getAttribute('data-retry')).toBe('once');
    expect(await remedy.innerText()).toMatch(/s'exécute tout seul, puis l'étape est réessayée une fois/);
    await page.getByTestId('plan-step-install').scrollIntoViewIfNeeded();
    await screenshot(page, 'wizard-fr-6-review-remedy');
    await page.context().close();
  });

  it('Windows on Linux: "this computer" is not offered, and the hosts step says Windows hosts need OpenSSH Server', async () => {
    const page = await openWizard(browser, served);
    await page.locator('label[for="os-windows"]').click();
    await next(page, 'region');
    await page.locator('label[for="region-af-south-1"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-direct"]').click();
    await fill(page, 'connectivity.accessIp', '100.125.4.25');
    await next(page, 'credentials');
    await fillCredentials(page);
    await next(page, 'hosts');
    expect(await page.locator('#hosts-mode-thisComputer').count()).toBe(0);
    expect(await page.locator('#hosts-mode-single').isChecked()).toBe(true);
    expect(await page.getByTestId('step-hosts').innerText()).toContain('they need OpenSSH Server');
    await page.context().close();
  });

  it('English, Windows on this computer (where Windows steps run locally), direct (dark theme)', async () => {
    // OUTPOST_WINE_PREFIX makes this Linux server one where Windows steps run locally (the tests' Wine aid).
    const winePrefix = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-wine-'));
    const local = await serve({ OUTPOST_WINE_PREFIX: winePrefix });
    after.push(async () => {
      await local.stop();
      fs.rmSync(winePrefix, { recursive: true, force: true });
    });
    const page = await openWizard(browser, local, { colorScheme: 'dark' });
    await page.locator('label[for="os-windows"]').click();
    await next(page, 'region');
    await page.locator('label[for="region-af-south-1"]').click();
    await next(page, 'connectivity');
    await page.locator('label[for="mode-direct"]').click();
    await fill(page, 'connectivity.accessIp', '100.125.4.25');
    await next(page, 'credentials');
    await fillCredentials(page);
    await next(page, 'hosts');
    // Windows starts on "this computer" (the OS rule moved the hosts step there).
    expect(await page.locator('#hosts-mode-thisComputer').isChecked()).toBe(true);
    await fill(page, 'package.path', 'C:\\ICAgent\\ICProbeAgent.zip');
    await shots(page, 'wizard-en-dark-5-hosts');
    await next(page, 'review');
    await page.getByTestId('plan-group-target').waitFor();
    expect(await page.getByTestId('plan-group-target').locator('h2').innerText()).toContain('On this computer');
    // Nothing to run over SSH and no tunnel: the commands are for copying.
    expect(await page.getByTestId('next').count()).toBe(0);
    await shots(page, 'wizard-en-dark-6-review');
    await page.context().close();
  });
});

describe('wizard validation', () => {
  it('shows each step\'s problem next to its field, in plain words, and refuses Next until fixed', async () => {
    const page = await openWizard(browser, served);
    // Agent: nothing free-form to get wrong; the defaults are valid.
    expect(await nextRefused(page)).toBe(false);
    await next(page, 'region');

    // Region: nothing chosen yet; then an "other" id that is not a region id.
    expect(await nextRefused(page)).toBe(true);
    await pressNext(page);
    expect(await fieldError(page, 'region-list')).toBe('Required.');
    await page.locator('label[for="region-other"]').click();
    await fill(page, 'region', 'Not A Region');
    expect(await fieldError(page, 'region')).toBe('"Not A Region" is not a region id (e.g. cn-north-4).');
    expect(await page.locator(fieldSelector('region')).getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'wizard-en-invalid-2-region');
    await pressNext(page);
    expect(await page.getByTestId('step-region').count()).toBe(1);
    await fill(page, 'region', 'ap-southeast-9');
    expect(await fieldError(page, 'region')).toBe('');
    await next(page, 'connectivity');

    // Connectivity: Next on an empty form reveals every problem; then typed mistakes.
    await pressNext(page);
    expect(await page.getByTestId('footer-status').innerText()).toMatch(/fields need attention/);
    expect(await fieldError(page, 'connectivity.elbIp')).toBe('Required.');
    expect(await fieldError(page, 'connectivity.jumpServers[0].ssh.password')).toBe('Enter the password (or choose another way to sign in).');
    await fill(page, 'connectivity.jumpServers[0].privateIp', '1.2.3');
    expect(await fieldError(page, 'connectivity.jumpServers[0].privateIp')).toBe('"1.2.3" is not an IP address.');
    await fill(page, 'connectivity.jumpServers[0].ssh.port', '70000');
    expect(await fieldError(page, 'connectivity.jumpServers[0].ssh.port')).toBe('70000 is not a port (1-65535).');
    await page.locator('details.advanced > summary').click();
    await fill(page, 'connectivity.portOverrides.80.listen', 'eighty');
    expect(await fieldError(page, 'connectivity.portOverrides.80.listen')).toBe('Enter a number.');
    await fill(page, 'options.installDir', 'opt/agent');
    expect(await fieldError(page, 'options.installDir')).toBe('"opt/agent" is not an absolute path (starting with /).');
    expect(await page.getByTestId('rail-connectivity').getAttribute('data-state')).toBe('current');
    expect(await page.getByTestId('rail-credentials').isDisabled()).toBe(true);
    await screenshot(page, 'wizard-en-invalid-3-connectivity');
    expect(await nextRefused(page)).toBe(true);
    await fillJump(page);
    await fill(page, 'connectivity.jumpServers[0].ssh.port', '22');
    await fill(page, 'connectivity.portOverrides.80.listen', '8080');
    await fill(page, 'options.installDir', '/opt/agent');
    expect(await nextRefused(page)).toBe(false);
    await next(page, 'credentials');

    // Credentials: an access key that is not one is refused before it is stored, without echoing it;
    // a trailing space (a copy-paste habit) is trimmed.
    await fill(page, 'inputs.ak', 'abc def');
    expect(await fieldError(page, 'inputs.ak')).toBe('Not valid: 16 to 64 letters and digits (an access key ID like HPUAXXXXXXXXXXXXXXXX).');
    expect(await page.getByTestId('secret-inputs.ak').count()).toBe(0);
    await fill(page, 'inputs.ak', 'HPUAK0000000000000A1 ');
    await expect.poll(() => page.getByTestId('secret-inputs.ak').innerText()).toContain('…00A1');
    // A project ID with spaces.
    await fill(page, 'inputs.sk', 'sk-example-secret-value');
    await fill(page, 'inputs.projectId', 'my project');
    expect(await fieldError(page, 'inputs.projectId')).toBe('"my project" is not valid: letters, digits, _ and - (My Credentials > API Credentials).');
    expect(await nextRefused(page)).toBe(true);
    await screenshot(page, 'wizard-en-invalid-4-credentials');
    // Forget: the saved key is gone and required again.
    await page.getByTestId('secret-inputs.sk').getByRole('button', { name: 'Forget' }).click();
    await page.locator(fieldSelector('inputs.sk')).waitFor();
    await fill(page, 'inputs.projectId', 'p-123');
    expect(await nextRefused(page)).toBe(true);
    await fill(page, 'inputs.sk', 'sk-example-secret-value');
    expect(await nextRefused(page)).toBe(false);
    await next(page, 'hosts');

    // Hosts: not an address; a pasted list with a bad line.
    await fill(page, 'targets[0].host', '999.1.1.1');
    expect(await fieldError(page, 'targets[0].host')).toBe('"999.1.1.1" is neither an IP address nor a host name.');
    expect(await nextRefused(page)).toBe(true);
    await page.locator('label[for="hosts-mode-list"]').click();
    await page.locator('#iplist').fill('10.0.0.1\n10.0.0.300 pw\n');
    expect(await page.getByTestId('err-iplist').innerText()).toBe('line 2: "10.0.0.300" is not an IPv4 address');
    await pressNext(page);
    expect(await page.getByTestId('err-targets').innerText()).toBe('Add at least one host.');
    await screenshot(page, 'wizard-en-invalid-5-hosts');
    await page.getByRole('button', { name: 'Add 1 host' }).click();
    // The bad line stays in the box to be fixed; the good one is in the list.
    expect(await page.locator('#iplist').inputValue()).toBe('10.0.0.300 pw');
    expect(await page.getByTestId('host-list').locator('tbody tr').count()).toBe(1);
    await fill(page, 'targets.defaultPassword', 'pw-default');
    expect(await nextRefused(page)).toBe(false);

    // Back keeps answers.
    await page.getByTestId('back').click();
    await page.getByTestId('back').click();
    await page.getByTestId('step-connectivity').waitFor();
    expect(await page.locator(fieldSelector('connectivity.elbIp')).inputValue()).toBe('100.125.12.150');
    await page.context().close();
  });
});

describe('wizard language', () => {
  it('a refused Next says why: the footer names the problem, and the field hidden in a closed section is opened and focused', async () => {
    const page = await openWizard(browser, served);
    await toConnectivity(page);
    await fillJump(page);
    await page.locator('details.advanced > summary').click();
    await fill(page, 'connectivity.portOverrides.80.listen', 'eighty');
    await page.locator('details.advanced > summary').click();
    expect(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await pressNext(page);
    await expect.poll(() => page.getByTestId('footer-status').innerText()).toBe('1 field needs attention: Enter a number.');
    expect(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('f-connectivity-portOverrides-80-listen');
    await screenshot(page, 'wizard-en-next-refused');
    await page.context().close();
  });

  it('switches the texts when another language is chosen, and keeps the choice', async () => {
    const page = await openWizard(browser, served);
    expect(await heading(page)).toBe('Choose the agent');
    expect(await page.getByTestId('next').innerText()).toBe('Next');
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => heading(page)).toBe('选择 Agent');
    expect(await page.getByTestId('next').innerText()).toBe('下一步');
    expect(await page.getByTestId('rail-region').innerText()).toContain('区域');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.getByLabel('语言').selectOption('fr');
    await expect.poll(() => heading(page)).toBe("Choisir l'agent");
    expect(await page.getByTestId('next').innerText()).toBe('Suivant');
    // A new window (browser mode refuses a reload without the token) keeps the choice.
    const again = await page.context().newPage();
    await again.goto(served.url);
    await again.getByTestId('step-agent').waitFor();
    expect(await heading(again)).toBe("Choisir l'agent");
    // No key shows through untranslated on any language's first page.
    for (const lang of ['en', 'zh-CN', 'fr']) {
      await again.getByTestId('language').selectOption(lang);
      expect(await again.locator('#root').innerText()).not.toMatch(/\b(?:agent|app|common|steps|rail|footer)\.[a-z]+/);
    }
    await page.context().close();
  });
});

describe('wizard answers files', () => {
  it('saves answers with references only, and opens them again', async () => {
    const page = await openWizard(browser, served);
    await toConnectivity(page);
    await fillJump(page);
    await next(page, 'credentials');
    await fillCredentials(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-answers').click()]);
    const file = path.join(served.dataDir, 'saved.yaml');
    await download.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('elbIp: 100.125.12.150');
    expect(text).toMatch(/stored: icagent\.sk/);
    for (const secret of ['jump-password-1', 'sk-example-secret-value', 'AKEXAMPLE00000000WXYZ']) expect(text).not.toContain(secret);

    // A fresh page opens it: the form is filled, the saved secrets show as saved.
    const fresh = await openWizard(browser, served);
    await fresh.getByTestId('open-answers-file').setInputFiles(file);
    await fresh.getByRole('status').filter({ hasText: 'saved.yaml' }).waitFor();
    await fresh.getByTestId('rail-connectivity').click();
    await fresh.getByTestId('step-connectivity').waitFor();
    expect(await fresh.locator(fieldSelector('connectivity.elbIp')).inputValue()).toBe('100.125.12.150');
    expect(await fresh.getByTestId('secret-connectivity.jumpServers[0].ssh.password').innerText()).toContain('Saved');
    await page.context().close();
    await fresh.context().close();
  });

  it('a reload (F5) keeps what was typed, secrets as their saved references only', async () => {
    const page = await openWizard(browser, served);
    await toConnectivity(page);
    await fillJump(page);
    await page.waitForTimeout(500); // the draft is saved a moment after the last change
    expect(JSON.stringify(await page.evaluate(() => ({ ...localStorage })))).not.toContain('jump-password-1');
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Your unsaved answers were restored.' }).waitFor();
    await page.getByTestId('rail-connectivity').click();
    await page.getByTestId('step-connectivity').waitFor();
    expect(await page.locator(fieldSelector('connectivity.elbIp')).inputValue()).toBe('100.125.12.150');
    expect(await page.getByTestId('secret-connectivity.jumpServers[0].ssh.password').innerText()).toContain('Saved');
    await page.context().close();
  });

  it('opening a file says what the CLI would: a literal password is named (never shown) and dropped; a YAML error names its line', async () => {
    const page = await openWizard(browser, served);
    const literal = path.join(served.dataDir, 'literal.yaml');
    fs.writeFileSync(literal, fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'examples', 'linux-jump.yaml'), 'utf8').replace('password: { env: JUMP_PASSWORD }', 'password: hunter2-literal'));
    await page.getByTestId('open-answers-file').setInputFiles(literal);
    const status = page.getByRole('status').filter({ hasText: 'literal.yaml' });
    await status.waitFor();
    const text = await status.innerText();
    expect(text).toContain('with 1 problem(s) to fix');
    expect(text).toContain('“Connectivity › Jump server 1 › Password”: a secret cannot be written in the file');
    expect(text).not.toContain('connectivity.jumpServers[0]');
    expect(text).not.toContain('hunter2-literal');
    expect(await page.content()).not.toContain('hunter2-literal');
    await screenshot(page, 'wizard-en-open-problems');

    const broken = path.join(served.dataDir, 'broken.yaml');
    fs.writeFileSync(broken, 'profile: icagent\nos: linux\nconnectivity: { mode: jump\ntargets: []\n');
    await page.getByTestId('open-answers-file').setInputFiles(broken);
    const bad = page.getByRole('status').filter({ hasText: 'broken.yaml' });
    await bad.waitFor();
    expect(await bad.innerText()).toMatch(/^Could not read broken\.yaml: line \d+: /);
    await page.context().close();
  });
});
