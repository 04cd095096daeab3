import { screenshot } from '../support/browser';
import { CONSOLE_SIZES, openPage, pageWidth, switchMode, type ConsoleRig, useSignedInConsole } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

const SIZES = CONSOLE_SIZES;
const OK = { en: 'OK ·', zh: '正常 ·' };

/** In YAML mode a model is tested with the file's URL and key, before any restart or reset. */
describe('console (browser): testing models in YAML mode', () => {
  jest.setTimeout(90_000);
  useNoNetworkGuard();
  const signedIn = useSignedInConsole();

  describe.each(Object.entries(SIZES))('%s', (size, viewport) => {
    it.each(['en', 'zh'] as const)('a model that answers shows its latency, a broken one the upstream error (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      await page.setViewportSize(viewport);
      await openPage(rig, 'platforms');
      await switchMode(rig, 'yaml');
      await page.selectOption('#lang', lang);
      await page.click('tr.selectable:has-text("Fake")');
      await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
      for (const model of ['chat', 'broken']) {
        const row = page.locator('#models-section tr', { hasText: model }).first();
        await row.locator('[data-action="test-model"]').focus();
        await page.keyboard.press('Enter');
        await row.locator('.test-result').waitFor();
      }
      const chat = page.locator('#models-section tr', { hasText: 'chat' }).first().locator('.test-result');
      expect(await chat.textContent()).toContain(OK[lang]);
      const broken = page.locator('#models-section tr', { hasText: 'broken' }).first().locator('.test-result');
      expect(await broken.getAttribute('title')).toBe('HTTP 500');
      // The upstream's own message, not its whole JSON body.
      expect(await broken.textContent()).not.toContain('{');
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `yaml-test-model-${size}-${lang}`);
      await switchMode(rig, 'db');
      await page.selectOption('#lang', 'en');
    });
  });
});
