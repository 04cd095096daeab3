import { screenshot } from '../support/browser';
import { CONSOLE_SIZES, signIn, openPage, pageWidth, switchMode, type ConsoleRig, useSignedInConsole } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

const SIZES = CONSOLE_SIZES;

/** What the server's coded errors read like in each language: Chinese by code and details, English as the server said it. */
const CONFLICT = { en: "A platform named 'Fake' already exists. Choose another name.", zh: '名称“Fake”已被使用，请换一个名称。' };
const YAML_CONFLICT = { en: "Platform 'Fake' already exists in the YAML. Choose another name.", zh: '名称“Fake”已被使用，请换一个名称。' };
const KEY_REJECTED = { en: 'The platform rejected the API key (HTTP 401).', zh: '平台拒绝了 API Key（HTTP 401）' };
const WRONG_TOKEN = { en: 'no identity the server accepts', zh: '令牌无效或已被吊销' };

/** Adds a platform named "Fake" (taken) with the keyboard alone, and returns the dialog's error. */
async function addTakenPlatformByKeyboard(rig: ConsoleRig): Promise<string> {
  const { page } = rig;
  await page.focus('#add-platform');
  await page.keyboard.press('Enter');
  await page.locator('#new-platform-name').waitFor();
  await page.keyboard.type('Fake');
  await page.keyboard.press('Tab');
  await page.keyboard.type(rig.upstream.url);
  await page.keyboard.press('Enter');
  const error = page.locator('#platform-form-error:not([hidden])');
  await error.waitFor();
  return (await error.textContent()) ?? '';
}

describe('console (browser): the server\'s errors in both languages, at 1280×800 and 390×844, by keyboard', () => {
  jest.setTimeout(90_000);
  useNoNetworkGuard();
  const signedIn = useSignedInConsole();

  describe.each(Object.entries(SIZES))('%s', (size, viewport) => {
    it.each(['en', 'zh'] as const)('a name conflict, in DB mode and in YAML mode (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      await page.setViewportSize(viewport);
      await openPage(rig, 'platforms');
      await page.selectOption('#lang', lang);
      expect(await addTakenPlatformByKeyboard(rig)).toContain(CONFLICT[lang]);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `error-conflict-${size}-${lang}`);
      await page.keyboard.press('Escape');

      await switchMode(rig, 'yaml');
      expect(await addTakenPlatformByKeyboard(rig)).toContain(YAML_CONFLICT[lang]);
      await page.keyboard.press('Escape');
      await switchMode(rig, 'db');
      await page.selectOption('#lang', 'en');
    });

    it.each(['en', 'zh'] as const)('a key the upstream rejects, probed by keyboard (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      await page.setViewportSize(viewport);
      await openPage(rig, 'platforms');
      await page.selectOption('#lang', lang);
      await page.click('tr.selectable:has-text("Fake")');
      await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
      await page.focus('#probe-key');
      await page.keyboard.type('sk-wrong-key');
      await page.keyboard.press('Enter');
      const error = page.locator('#probe-error');
      await error.waitFor();
      expect(await error.textContent()).toContain(KEY_REJECTED[lang]);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `error-key-rejected-${size}-${lang}`);
      await page.selectOption('#lang', 'en');
    });
  });

  it.each(['en', 'zh'] as const)('a wrong token at sign-in (%s)', async (lang) => {
    const { rig } = signedIn;
      const { page } = rig;
    await openPage(rig, 'platforms');
    await page.click('#logout');
    await page.selectOption('#login-lang', lang);
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport);
      await page.fill('#login-token', '');
      await page.focus('#login-token');
      await page.keyboard.type('llmu_not-a-real-token');
      await page.keyboard.press('Enter');
      await page.locator('#login-error', { hasText: WRONG_TOKEN[lang] }).waitFor();
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `error-sign-in-${size}-${lang}`);
    }
    await page.selectOption('#login-lang', 'en');
    await signIn(rig);
  });
});
