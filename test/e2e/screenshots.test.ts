// Screenshots of the main wizard steps (issue 25): `outpost demo` walked at 1024×640 and 1280×800 in
// English, Chinese and French, from the agent to the result, each step saved as
// test/e2e/artifacts/shot-<lang>-<width>-<n>-<step>.png for a person to look at. Each is checked as it
// is taken: the page never scrolls sideways, no text is squeezed to one character per line, and the
// browser console stays free of errors and warnings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { demo as startDemo, launch, screenshot, type Served } from './harness';

let demo: Served;
let browser: Browser;
let url = '';

beforeAll(async () => {
  demo = await startDemo();
  url = demo.url;
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});


/** What is wrong with the layout as shown: a page wider than the window, text squeezed to a character a line. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
    // Each text as laid out: its line boxes. A word broken letter by letter has as many lines as characters.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      // Text for screen readers only (a 1 px box) is not laid out for the eye.
      if (text.length < 3 || n.parentElement?.closest('.sr-only')) continue;
      range.selectNodeContents(n);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size >= 3 && [...text].length / tops.size < 2.5) out.push(`"${text.slice(0, 30)}" wraps one character per line (in ${n.parentElement?.tagName.toLowerCase() ?? '?'}.${n.parentElement?.className ?? ''})`);
    }
    return out;
  });
}

const SIZES = [
  { width: 1024, height: 640 },
  { width: 1280, height: 800 },
];

describe('screenshots of the main steps', () => {
  it.each(['en-US', 'zh-CN', 'fr-FR'])('%s at 1024×640 and 1280×800: no sideways scroll, no squeezed text, a quiet console', async (locale) => {
    const lang = locale.slice(0, 2);
    const context = await browser.newContext({ locale, viewport: SIZES[0] });
    const page = await context.newPage();
    const consoleProblems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleProblems.push(m.text());
    });
    await page.goto(url);
    await page.getByTestId('step-agent').waitFor({ timeout: 30_000 });
    await page.locator('input[name="profile"]').first().waitFor();
    const found: string[] = [];
    const shoot = async (n: number, step: string) => {
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(150);
        await screenshot(page, `shot-${lang}-${size.width}-${n}-${step}`);
        found.push(...(await layoutProblems(page)).map((p) => `${size.width} ${step}: ${p}`));
      }
    };
    const steps = ['agent', 'region', 'connectivity', 'credentials', 'hosts', 'review'];
    for (const [i, step] of steps.entries()) {
      await page.getByTestId(`step-${step}`).waitFor({ timeout: 20_000 });
      if (step === 'review') await page.getByTestId('plan-summary').waitFor({ timeout: 30_000 });
      await shoot(i + 1, step);
      if (step !== 'review') await page.getByTestId('next').click();
    }
    await page.getByTestId('next').click();
    // The host keys the demo asks about, accepted as they come, until the result shows.
    const result = page.getByTestId('step-result');
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      await Promise.race([page.getByTestId('hostkey-dialog').waitFor({ timeout: 240_000 }), result.waitFor({ timeout: 240_000 })]);
      if (await result.isVisible()) break;
      await page.getByTestId('hostkey-accept').click();
    }
    await result.waitFor();
    await shoot(7, 'result');
    // The checks' findings and the live proof's evidence are said in the page's language.
    if (lang !== 'en') expect(await result.innerText()).not.toMatch(/agent traffic seen|logged in, host key verified|runs \(\d+ process/);
    expect(found).toEqual([]);
    expect(consoleProblems).toEqual([]);
    await context.close();
  }, 400_000);
});
