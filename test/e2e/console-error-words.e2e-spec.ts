import { screenshot } from '../support/browser';
import { CONSOLE_ADMIN_TOKEN, CONSOLE_SIZES, signIn, openPage, pageWidth, switchMode, type ConsoleRig, useSignedInConsole } from '../support/browser-console';
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

  it("a body the server refuses, in Chinese field by field from details.fields; English as the server said it", async () => {
    const { rig } = signedIn;
    const { page } = rig;
    await openPage(rig, 'platforms');
    /**
     * The console's words for the server's answer to `PUT path body`, in `lang` (error-text.js on a real refusal). A
     * script string: TypeScript would compile an `import()` inside a function into a CommonJS helper the page lacks.
     */
    const words = (lang: 'en' | 'zh', path: string, body: unknown): Promise<{ status: number; text: string }> =>
      page.evaluate(`(async () => {
        const { setLang } = await import('/console/js/i18n.js');
        const { errorText } = await import('/console/js/error-text.js');
        setLang(${JSON.stringify(lang)});
        const response = await fetch(${JSON.stringify(path)}, {
          method: 'PUT',
          headers: { authorization: 'Bearer ${CONSOLE_ADMIN_TOKEN}', 'content-type': 'application/json' },
          body: ${JSON.stringify(JSON.stringify(body))},
        });
        const answer = await response.json();
        return { status: response.status, text: errorText(Object.assign(new Error(answer.message), answer)) };
      })()`) as Promise<{ status: number; text: string }>;
    const limits = '/api/ai/admin/rate-limits';
    expect(await words('zh', limits, { userId: 'alice', rpm: 0, tpm: 1.5 })).toEqual({ status: 400, text: '字段“rpm”不能小于 1；字段“tpm”必须是整数。' });
    // Length's combined message, a type, an unknown field (nested or not), and a message of our own validators.
    expect(await words('zh', limits, { userId: 42, rpm: 5, burst: 1 })).toEqual({
      status: 400,
      text: '不允许字段“burst”；字段“userId”须为 1 到 64 个字符；字段“userId”必须是文本。',
    });
    const english = await words('en', limits, { userId: 'alice', rpm: 0 });
    expect(english).toEqual({ status: 400, text: 'rpm must not be less than 1' });
    await page.evaluate(`import('/console/js/i18n.js').then(({ setLang }) => setLang('en'))`);
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
