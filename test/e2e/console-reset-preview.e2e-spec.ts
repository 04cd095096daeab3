import { screenshot } from '../support/browser';
import { CONSOLE_SIZES, openPage, pageWidth, switchMode, type ConsoleRig, useSignedInConsole } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

const SIZES = CONSOLE_SIZES;
const WORDS = {
  intro: { en: 'their keys for a system platform the YAML no longer has are deleted', zh: '它们为 YAML 中已没有的系统平台保存的 Key 会随之删除' },
  userKeys: { en: "Users' keys to delete (1)", zh: '将删除的用户 Key（1）' },
  userSlots: { en: "Users' slots to unbind (1)", zh: '将变为未绑定的用户用途（1）' },
  keysDeleted: { en: "Users' keys deleted (1)", zh: '已删除的用户 Key（1）' },
  slotsUnbound: { en: "Users' slots unbound (1)", zh: '已变为未绑定的用户用途（1）' },
};

/** A platform only the database has, with a user's own key for it and her `main` slot on it. */
async function arrange(rig: ConsoleRig, platformName: string, userId: string): Promise<void> {
  const platform = (await rig.call('POST', '/api/ai/admin/sys-platform', { name: platformName, baseUrl: rig.upstream.url })).body;
  const model = (await rig.call('POST', `/api/ai/admin/sys-platform/${platform.id}/models`, { displayName: 'local-chat', modelName: 'fake-chat' })).body;
  const modelId = (model.models ?? [model]).find((m: { displayName: string }) => m.displayName === 'local-chat').id;
  expect((await rig.call('POST', `/api/ai/admin/users/${userId}/api-key`, { platformId: platform.id, apiKey: 'sk-user-own-key-0001' })).status).toBe(200);
  expect((await rig.call('PUT', `/api/ai/admin/users/${userId}/slots/main`, { platformId: platform.id, modelId })).status).toBe(200);
}

/** "Reset DB from YAML" says what it will do, to whom, before it does it, and what it did after. */
describe('console (browser): the reset from YAML previews and reports users\' keys and slots', () => {
  jest.setTimeout(120_000);
  useNoNetworkGuard();
  const signedIn = useSignedInConsole();

  it('GET /api/ai/admin/reload-from-yaml/preview writes nothing and names the users touched', async () => {
    const { rig } = signedIn;
    await arrange(rig, 'Preview-only', 'pat');
    const preview = await rig.call('GET', '/api/ai/admin/reload-from-yaml/preview');
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      mode: 'reset',
      dryRun: true,
      removed: ['Preview-only'],
      impact: {
        userKeysRemoved: [{ userId: 'pat', platform: 'Preview-only' }],
        userSlotsUnbound: [{ userId: 'pat', usageKey: 'main', platform: 'Preview-only', model: 'local-chat' }],
      },
    });
    const names = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.map((p: { name: string }) => p.name);
    expect(names).toContain('Preview-only');
    expect((await rig.call('GET', '/api/ai/admin/users/pat')).body.keys).toHaveLength(1);
    const done = await rig.call('POST', '/api/ai/admin/reload-from-yaml');
    expect(done.body.impact.userKeysRemoved).toEqual([{ userId: 'pat', platform: 'Preview-only' }]);
    expect(done.body.dryRun).toBeUndefined();
  });

  describe.each(Object.entries(SIZES))('%s', (size, viewport) => {
    it.each(['en', 'zh'] as const)('the dialog lists the changes and the users touched; the result lists them too (%s)', async (lang) => {
      const { rig } = signedIn;
      const { page } = rig;
      const platformName = `Local-${size}-${lang}`;
      const userId = `alice-${size}-${lang}`;
      await arrange(rig, platformName, userId);
      await page.setViewportSize(viewport);
      await openPage(rig, 'settings');
      await page.selectOption('#lang', lang);
      expect(await page.textContent('#reset-card')).toContain(WORDS.intro[lang]);

      await page.focus('#reset-from-yaml');
      await page.keyboard.press('Enter');
      const dialog = page.locator('.modal #reset-preview');
      await dialog.waitFor();
      const preview = (await dialog.textContent()) ?? '';
      for (const expected of [platformName, userId, WORDS.userKeys[lang], WORDS.userSlots[lang]]) expect(preview).toContain(expected);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `reset-preview-${size}-${lang}`);

      await page.keyboard.press('Escape');
      await page.locator('.modal').waitFor({ state: 'detached' });
      const names = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.map((p: { name: string }) => p.name);
      expect(names).toContain(platformName);

      await page.focus('#reset-from-yaml');
      await page.keyboard.press('Enter');
      await page.locator('.modal #reset-preview').waitFor();
      await page.focus('#confirm-ok');
      await page.keyboard.press('Enter');
      const report = page.locator('#reset-report');
      await report.waitFor();
      const result = (await report.textContent()) ?? '';
      for (const expected of [platformName, userId, WORDS.keysDeleted[lang], WORDS.slotsUnbound[lang]]) expect(result).toContain(expected);
      expect(await pageWidth(page)).toBe(viewport.width);
      await screenshot(page, `reset-result-${size}-${lang}`);
      await page.selectOption('#lang', 'en');
    });
  });
});
