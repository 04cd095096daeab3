import type { DataSource } from 'typeorm';
import { KeyHealthEntity } from '../../src/llm-manager/cooldowns/key-health.entity';
import { KEYLESS_ID } from '../../src/llm-manager/cooldowns/key-id';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { screenshot } from '../support/browser';
import { openPage, signIn, startConsoleRig, toastWith, type ConsoleRig } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

/** The console's smaller truths: what a radio, a label, a toast or a settings page says is what the server has. */
describe('console (browser): key modes, labels, the one-time token, server modes', () => {
  jest.setTimeout(60_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsoleRig();
    await rig.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.baseUrl });
    await signIn(rig);
  });
  afterAll(async () => {
    await rig?.close();
  });
  afterEach(() => {
    expect(rig.pageErrors).toEqual([]);
  });

  it('after saving "No key" the radio stays on "No key" and the toast says the key was removed', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await page.click('tr.selectable:has-text("Spare")');
    await page.locator('#platform-detail h3', { hasText: 'Spare' }).waitFor();
    expect(await page.isChecked('#key-mode-none')).toBe(true);
    await page.click('tr.selectable:has-text("Fake")');
    await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
    await page.check('#key-mode-none');
    await page.click('#save-key');
    await toastWith(page, 'Key removed');
    expect(await page.locator('.toast', { hasText: 'API key saved' }).count()).toBe(0);
    await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
    expect(await page.isChecked('#key-mode-none')).toBe(true);
    expect((await rig.call('GET', '/api/ai/admin/sys-platforms')).body.find((p: { name: string }) => p.name === 'Fake')).toMatchObject({
      keySource: 'none',
    });
  });

  it('labels the platform pickers "Platform", in both languages', async () => {
    const { page } = rig;
    await openPage(rig, 'usages');
    expect(await page.locator('label:has(#new-usage-platform) > span').first().textContent()).toBe('Platform');
    await page.selectOption('#lang', 'zh');
    await page.locator('label:has(#new-usage-platform) > span', { hasText: '平台' }).waitFor();
    await page.selectOption('#lang', 'en');
  });

  it('copies the one-time token with a button', async () => {
    const { page } = rig;
    await openPage(rig, 'users');
    await page.fill('#token-user', 'erin');
    await page.fill('#token-name', 'erin laptop');
    await page.click('#issue-token');
    const token = (await page.locator('#issued-token .mono').textContent())!.trim();
    expect(token).toMatch(/^llmu_/);
    await page.click('#copy-token');
    await toastWith(page, 'Token copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    await screenshot(page, 'token-copy');
  });

  it('shows LLM_AUTO_KEY and USE_SYS_LLM_CONFIG on the settings page, in both languages', async () => {
    const { page } = rig;
    await openPage(rig, 'settings');
    expect(await page.textContent('#mode-auto-key')).toBe('off');
    expect(await page.textContent('#mode-sys-config')).toBe('off');
    expect(await page.textContent('#modes-card')).toContain('Users need a key of their own');
    await page.selectOption('#lang', 'zh');
    await page.locator('#mode-auto-key', { hasText: '关' }).waitFor();
    await screenshot(page, 'settings-modes-zh');
    await page.selectOption('#lang', 'en');
  });

  it('marks a platform whose key cools down with until when, in both languages (issue 18)', async () => {
    const { page } = rig;
    const spare = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.find((p: { name: string }) => p.name === 'Spare');
    const health = rig.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(KeyHealthEntity);
    // As another instance would have written it: Spare's (keyless) endpoint failed repeatedly.
    const until = Date.now() + 3_600_000;
    await health.insert({ platformId: spare.id, keyId: KEYLESS_ID, failures: 0, windowStartMs: Date.now(), coolingUntilMs: until, nextCooldownMs: 10_000, reason: 'UPSTREAM_ERROR 503', updatedAtMs: Date.now() });
    try {
      // Instances read the shared state at most once a second: wait until the server's view has it.
      const coolingOf = async (): Promise<unknown> =>
        (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.find((p: { name: string }) => p.name === 'Spare').coolingUntil;
      while ((await coolingOf()) === null) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await coolingOf()).toBe(new Date(until).toISOString());

      await openPage(rig, 'platforms');
      const badge = page.locator('tr.selectable:has-text("Spare") .cooling');
      await badge.waitFor();
      expect(await badge.textContent()).toMatch(/^cooling down until /);
      expect(await page.locator('tr.selectable:has-text("Fake") .cooling').count()).toBe(0);
      await page.selectOption('#lang', 'zh');
      await page.locator('tr.selectable:has-text("Spare") .cooling', { hasText: '冷却中' }).waitFor();
      await page.selectOption('#lang', 'en');
    } finally {
      await health.delete({ platformId: spare.id });
    }
  });
});

