import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { openPage, signIn, startConsoleRig, toastWith, type ConsoleRig } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const PAGES = ['platforms', 'usages', 'users', 'dashboard', 'requests', 'budgets', 'settings'];

// Page-side expressions are strings: this spec compiles without the DOM's types.
/** The page's own width: more than the viewport means a sideways scroll, and controls cut off at the right. */
const pageWidth = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollWidth');
const focusedRowText = (page: Page): Promise<string> => page.evaluate("document.activeElement?.closest('tr')?.textContent ?? ''");
const focusInModal = (page: Page): Promise<boolean> => page.evaluate("Boolean(document.activeElement?.closest('.modal'))");

/** True when a tap at the centre of `selector` lands on it: inside the viewport's width, not covered by anything else. */
async function tappable(page: Page, selector: string): Promise<boolean> {
  const target = page.locator(selector).first();
  const before = await target.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  if (!before || before.width === 0 || before.x < 0 || before.x + before.width > width) return false;
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  return page.evaluate(
    `(() => { const el = document.querySelector(${JSON.stringify(selector)}); const hit = document.elementFromPoint(${x}, ${y});` +
      ' return Boolean(hit && (hit === el || el.contains(hit))); })()',
  );
}

async function selectFake(rig: ConsoleRig): Promise<void> {
  await rig.page.click('tr.selectable:has-text("Fake")');
  await rig.page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
}

/** The console at a phone's size and by keyboard alone, in both languages. */
describe('console (browser): phone (390×844), desktop (1280×800) and keyboard only', () => {
  jest.setTimeout(60_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsoleRig();
    await signIn(rig);
  });
  afterAll(async () => {
    await rig?.close();
  });
  afterEach(() => {
    expect(rig.pageErrors).toEqual([]);
  });

  it.each(['en', 'zh'])('every page fits a phone without sideways scrolling (%s)', async (lang) => {
    const { page } = rig;
    await page.setViewportSize(PHONE);
    await openPage(rig, 'platforms');
    await page.selectOption('#lang', lang);
    for (const name of PAGES) {
      await openPage(rig, name);
      if (name === 'platforms') await selectFake(rig).catch(() => undefined);
      expect({ name, width: await pageWidth(page) }).toEqual({ name, width: PHONE.width });
    }
    await openPage(rig, 'platforms');
    await screenshot(page, `phone-platforms-${lang}`);
    await page.selectOption('#lang', 'en');
  });

  it('on a phone the mode switch, language, sign-out, navigation and "+ Add platform" can be tapped', async () => {
    const { page } = rig;
    await page.setViewportSize(PHONE);
    await openPage(rig, 'platforms');
    for (const selector of ['#mode-db', '#mode-yaml', '#lang', '#logout', '#add-platform', '#nav a[data-page="settings"]']) {
      expect({ selector, tappable: await tappable(page, selector) }).toEqual({ selector, tappable: true });
    }
  });

  it('at 1280×800 model test results, long errors included, do not widen the page', async () => {
    const { page } = rig;
    await page.setViewportSize(DESKTOP);
    await openPage(rig, 'platforms');
    await selectFake(rig);
    for (const model of ['chat', 'broken', 'cut']) {
      const row = page.locator('#models-section tr', { hasText: model }).first();
      await row.locator('[data-action="test-model"]').click();
      await row.locator('.test-result').waitFor();
    }
    expect(await pageWidth(page)).toBe(DESKTOP.width);
    await screenshot(page, 'desktop-test-results');
  });

  it('selects platform rows with the keyboard (Tab, Enter), marking the selected row', async () => {
    const { page } = rig;
    await page.setViewportSize(DESKTOP);
    await openPage(rig, 'platforms');
    await page.focus('#add-platform');
    await page.keyboard.press('Tab');
    expect(await focusedRowText(page)).toContain('Fake');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#platform-detail h3', { hasText: 'Spare' }).waitFor();
    expect(await page.getAttribute('tr.selected', 'aria-selected')).toBe('true');
    // Focus stays on the chosen row after the page re-renders, so the next key goes on from there.
    expect(await focusedRowText(page)).toContain('Spare');
  });

  it('keeps Tab inside a dialog, closes it with Escape and returns focus to the button that opened it', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await page.focus('#add-platform');
    await page.keyboard.press('Enter');
    await page.locator('.modal').waitFor();
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      expect(await focusInModal(page)).toBe(true);
    }
    await page.keyboard.press('Shift+Tab');
    expect(await focusInModal(page)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.locator('.modal').count()).toBe(0);
    expect(await page.evaluate('document.activeElement?.id')).toBe('add-platform');
  });

  it('submits the key and probe fields with Enter', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await selectFake(rig);
    await page.check('#key-mode-encrypted');
    await page.fill('#key-value', SYSTEM_KEY);
    await page.press('#key-value', 'Enter');
    await toastWith(page, 'API key saved');
    await selectFake(rig);
    await page.fill('#probe-key', SYSTEM_KEY);
    await page.press('#probe-key', 'Enter');
    await page.locator('#probe-results [data-model="fake-chat"]').waitFor();
  });
});
