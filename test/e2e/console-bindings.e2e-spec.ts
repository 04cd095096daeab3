import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { CONSOLE_SIZES, openPage, pageWidth, switchMode, toastWith, type ConsoleRig, useSignedInConsole } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

const SIZES = CONSOLE_SIZES;
const WORDS = {
  dbUnbinds: { en: 'become unbound', zh: '将变为未绑定' },
  yamlRemoves: { en: 'are removed from the YAML', zh: '将从 YAML 中删除' },
  unbound: { en: 'unbound', zh: '未绑定' },
  removed: { en: 'Binding "{key}" removed.', zh: '已删除绑定“{key}”。' },
};

/** Presses Enter on `selector` and Enter on the dialog's confirm button: the keyboard alone. */
async function pressAndConfirm(page: Page, selector: string): Promise<string> {
  await page.focus(selector);
  await page.keyboard.press('Enter');
  const dialog = page.locator('.modal');
  await dialog.waitFor();
  const text = (await dialog.textContent()) ?? '';
  return text;
}

async function confirmByKeyboard(page: Page): Promise<void> {
  await page.focus('#confirm-ok');
  await page.keyboard.press('Enter');
  await page.locator('.modal').waitFor({ state: 'detached' });
}

/** Bindings are never lost without a word: the dialogs name them, an unbound one looks unbound, a custom one can go. */
describe('console (browser): bindings touched by deletes, unbound bindings, removing a custom binding', () => {
  jest.setTimeout(120_000);
  useNoNetworkGuard();
  const signedIn = useSignedInConsole();

  it('DELETE /api/ai/admin/usages/:usageKey refuses the built-in slots and names an unknown one', async () => {
    const { rig } = signedIn;
    expect(await rig.call('DELETE', '/api/ai/admin/usages/main')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', details: { field: 'usageKey', usageKey: 'main' } },
    });
    expect(await rig.call('DELETE', '/api/ai/admin/usages/nowhere')).toMatchObject({
      status: 404,
      body: { code: 'USAGE_SLOT_NOT_FOUND', details: { usageKey: 'nowhere' } },
    });
  });

  describe.each(Object.entries(SIZES))('%s', (size, viewport) => {
    it.each(['en', 'zh'] as const)('DB mode: deleting a platform names the bindings it unbinds; they show unbound; a custom one is removed (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      const name = `Doomed-${size}-${lang}`;
      const usageKey = `vision-${size}-${lang}`;
      const platform = (await rig.call('POST', '/api/ai/admin/sys-platform', { name, baseUrl: rig.upstream.url })).body;
      const model = (await rig.call('POST', `/api/ai/admin/sys-platform/${platform.id}/models`, { displayName: 'eye', modelName: 'fake-chat' })).body;
      const modelId = (model.models ?? [model]).find((m: { displayName: string }) => m.displayName === 'eye').id;
      expect((await rig.call('POST', '/api/ai/admin/usages', { usageKey, platformId: platform.id, modelId })).status).toBe(201);

      await page.setViewportSize(viewport);
      await openPage(rig, 'platforms');
      await page.selectOption('#lang', lang);
      await page.click(`tr.selectable:has-text("${name}")`);
      await page.locator('#platform-detail h3', { hasText: name }).waitFor();
      const warning = await pressAndConfirm(page, '#delete-platform');
      expect(warning).toContain(usageKey);
      expect(warning).toContain(WORDS.dbUnbinds[lang]);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `bindings-delete-platform-${size}-${lang}`);
      await confirmByKeyboard(page);
      // The toast says the delete is done: only then does the usages page read the bindings.
      await toastWith(page, name);

      await openPage(rig, 'usages');
      const row = page.locator(`tr[data-id="${usageKey}"]`);
      await row.waitFor();
      expect(await row.locator('.badge.bad').textContent()).toBe(WORDS.unbound[lang]);
      expect(await row.locator('select').first().inputValue()).toBe('');
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `bindings-unbound-${size}-${lang}`);

      await pressAndConfirm(page, `tr[data-id="${usageKey}"] [data-action="delete-usage"]`);
      await confirmByKeyboard(page);
      await toastWith(page, WORDS.removed[lang].replace('{key}', usageKey));
      await row.waitFor({ state: 'detached' });
      const left = (await rig.call('GET', '/api/ai/admin/usages')).body as Array<{ usage_key: string }>;
      expect(left.map((s) => s.usage_key)).not.toContain(usageKey);
      await page.selectOption('#lang', 'en');
    });

    it.each(['en', 'zh'] as const)('YAML mode: deleting a model names the bindings removed with it (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      const model = `m-${size}-${lang}`;
      const usageKey = `u-${size}-${lang}`;
      expect((await rig.call('POST', '/api/ai/admin/yaml/platforms/Spare/models', { displayName: model, modelName: 'fake-chat' })).status).toBe(201);
      expect((await rig.call('PUT', `/api/ai/admin/yaml/usages/${usageKey}`, { platform: 'Spare', model })).status).toBe(200);

      await page.setViewportSize(viewport);
      await openPage(rig, 'platforms');
      await switchMode(rig, 'yaml');
      await page.selectOption('#lang', lang);
      await page.click('tr.selectable:has-text("Spare")');
      await page.locator('#platform-detail h3', { hasText: 'Spare' }).waitFor();
      const warning = await pressAndConfirm(page, `#models-section tr:has-text("${model}") [data-action="delete-model"]`);
      expect(warning).toContain(usageKey);
      expect(warning).toContain(WORDS.yamlRemoves[lang]);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `bindings-delete-model-yaml-${size}-${lang}`);
      await confirmByKeyboard(page);
      await switchMode(rig, 'db');
      await page.selectOption('#lang', 'en');
    });
  });
});
