import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import {
  atBothSizes, CONSOLE_SIZES, confirm, focusedId, openPage, overflowOf, pageWidth, setLang, signIn, startConsoleRig, switchMode, tabTo, toastWith, type ConsoleRig,
} from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';

// Page-side expressions are strings: this spec compiles without the DOM's types.
const focusedAction = (page: Page): Promise<string> => page.evaluate('`${document.activeElement?.dataset?.action ?? ""}@${document.activeElement?.dataset?.index ?? ""}`');

/** Issue 19's operator screens, at 1280×800 and 390×844, in English and Chinese, by keyboard alone. */
describe('console (browser): budgets, token controls, platform health, fallback order, YAML warnings', () => {
  jest.setTimeout(120_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;
  const platformId = async (name: string): Promise<number> =>
    ((await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ id: number; name: string }>).find((p) => p.name === name)!.id;

  beforeAll(async () => {
    rig = await startConsoleRig();
    await signIn(rig);
    await rig.page.setViewportSize(CONSOLE_SIZES.desktop);
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.page.setViewportSize(CONSOLE_SIZES.desktop);
    await openPage(rig, 'platforms');
    await setLang(rig, 'en');
  });
  afterEach(() => {
    expect(rig.pageErrors).toEqual([]);
  });

  it('budgets: set by keyboard, spend against the limit, edit, delete; bad input changes nothing', async () => {
    const { page } = rig;
    // Alice spends through the gateway on a priced model, so the budget has something to show.
    const fake = await platformId('Fake');
    const chat = ((await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ id: number; models: Array<{ id: number; displayName: string }> }>)
      .find((p) => p.id === fake)!.models.find((m) => m.displayName === 'chat')!;
    await rig.call('PUT', `/api/ai/admin/sys-model/${chat.id}`, { inputPrice: 500, outputPrice: 500 });
    await rig.call('POST', '/api/ai/admin/users/alice/api-key', { platformId: fake, apiKey: SYSTEM_KEY });
    const token = (await rig.call('POST', '/api/ai/admin/tokens', { userId: 'alice', name: 'alice budget' })).body.token as string;

    await openPage(rig, 'budgets');
    await page.focus('#budget-user');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('abc');
    await page.keyboard.press('Enter');
    await page.locator('label:has(#budget-limit) .field-error', { hasText: 'A number ≥ 0' }).waitFor();
    expect(await focusedId(page)).toBe('budget-limit');
    expect((await rig.call('GET', '/api/ai/admin/budgets')).body).toEqual([]);

    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Budget of "alice" saved.');
    const [saved] = (await rig.call('GET', '/api/ai/admin/budgets')).body as Array<{ id: number; limitUsd: number; period: string; hard: boolean }>;
    expect(saved).toMatchObject({ userId: 'alice', limitUsd: 5, period: 'month', hard: true, usageKey: null, tokenId: null });

    // Alice spends (a hard limit admits a call whose worst-case cost fits), and the budget counts it.
    const sent = await fetch(`${rig.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hello there, how much does this cost?' }] }),
    });
    expect(sent.status).toBe(200);
    await sent.text();
    let spent = 0;
    for (let i = 0; i < 50 && spent === 0; i += 1) {
      spent = ((await rig.call('GET', '/api/ai/admin/budgets')).body as Array<{ spentUsd: number }>)[0]!.spentUsd;
      if (spent === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(spent).toBeGreaterThan(0);

    // Filtered to alice: her all-time spend, and the budget's spend against its limit with a bar.
    await openPage(rig, 'budgets');
    await page.fill('#budget-filter', 'alice');
    await page.press('#budget-filter', 'Enter');
    await page.locator('#budget-spend', { hasText: 'All-time spend of alice' }).waitFor();
    const row = page.locator(`#budgets-card tr[data-id="${saved.id}"]`);
    expect(await row.textContent()).toContain('/ 5.00 USD');
    expect(Number(await row.locator('.meter').getAttribute('aria-valuenow'))).toBeCloseTo(spent, 6);
    expect(parseFloat(/width:\s*([\d.]+)%/.exec((await row.locator('.meter i').getAttribute('style')) ?? '')?.[1] ?? '0')).toBeGreaterThan(0);

    // Edit by keyboard: the row's Edit fills the form, a soft weekly limit for the slot replaces nothing else.
    await page.focus('#budget-filter');
    await tabTo(page, `#budgets-card tr[data-id="${saved.id}"] [data-action="edit-budget"]`);
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('budget-limit');
    expect(await page.inputValue('#budget-limit')).toBe('5');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7.5');
    await page.selectOption('#budget-hard', 'soft');
    await page.selectOption('#budget-period', 'week');
    await page.fill('#budget-tz', 'Asia/Shanghai');
    await page.focus('#budget-limit');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Budget of "alice" saved.');
    expect((await rig.call('GET', '/api/ai/admin/budgets')).body).toMatchObject([
      { id: saved.id, limitUsd: 7.5, period: 'week', hard: false, timeZone: 'Asia/Shanghai' },
    ]);
    await page.locator(`#budgets-card tr[data-id="${saved.id}"]`, { hasText: 'Soft: report only' }).waitFor();

    // A slot budget next to it, then the server's refusal of an unknown time zone is shown and changes nothing.
    await page.fill('#budget-user', 'alice');
    await page.fill('#budget-limit', '1');
    await page.fill('#budget-slot', 'main');
    await page.fill('#budget-tz', 'Mars/Olympus');
    await page.click('#save-budget');
    await page.locator('.toast.error').first().waitFor();
    expect((await rig.call('GET', '/api/ai/admin/budgets')).body).toHaveLength(1);
    await page.fill('#budget-tz', '');
    await page.click('#save-budget');
    await page.locator('#budgets-card tr', { hasText: 'slot main' }).waitFor();
    // Editing a budget's slot moves it: one budget for slot fast, none left for main.
    await page.locator('#budgets-card tr', { hasText: 'slot main' }).locator('[data-action="edit-budget"]').click();
    await page.fill('#budget-slot', 'fast');
    await page.click('#save-budget');
    await page.locator('#budgets-card tr', { hasText: 'slot fast' }).waitFor();
    expect(((await rig.call('GET', '/api/ai/admin/budgets')).body as Array<{ usageKey: string | null }>).map((b) => b.usageKey).sort()).toEqual(['fast', null]);

    for (const lang of ['en', 'zh'] as const) {
      await setLang(rig, lang);
      if (lang === 'zh') {
        await page.locator('h2', { hasText: '预算' }).waitFor();
        expect(await page.textContent('#budgets-card')).toContain('用途 fast');
        expect(await page.textContent('#budgets-card')).toContain('软限制：仅提醒');
      }
      await atBothSizes(rig, `ops-budgets-${lang}`, async () => {
        await page.locator('#budgets-card tr[data-id]').first().waitFor();
        // Each budget's spend, Edit and Delete are on the screen at both sizes, not scrolled away inside the card.
        expect(await overflowOf(page, '#budgets-card')).toBe(0);
      });
    }
    await setLang(rig, 'en');

    // Delete by keyboard: Enter opens the confirmation on Cancel; Tab, Enter confirms.
    await page.focus('#budget-filter');
    await tabTo(page, `#budgets-card tr[data-id="${saved.id}"] [data-action="delete-budget"]`);
    await page.keyboard.press('Enter');
    await page.locator('.modal').waitFor();
    expect(await focusedId(page)).toBe('confirm-cancel');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Budget deleted.');
    expect(((await rig.call('GET', '/api/ai/admin/budgets')).body as Array<{ id: number }>).map((b) => b.id)).not.toContain(saved.id);
  });

  it('tokens: issued with expiry, allowed models and IPs by keyboard, listed with their state (active, expired, revoked)', async () => {
    const { page } = rig;
    await openPage(rig, 'users');
    await page.focus('#token-user');
    await page.keyboard.type('dora');
    await page.keyboard.press('Tab');
    await page.keyboard.type('dora phone');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('token-expires');
    await page.fill('#token-expires', '2000-01-01');
    await page.focus('#token-models');
    await page.keyboard.press('Enter');
    await page.locator('label:has(#token-expires) .field-error', { hasText: 'Pick a day from today on.' }).waitFor();
    expect(((await rig.call('GET', '/api/ai/admin/tokens?userId=dora')).body as unknown[])).toEqual([]);

    const nextYear = new Date().getFullYear() + 1;
    await page.fill('#token-expires', `${nextYear}-06-30`);
    await page.focus('#token-models');
    await page.keyboard.type('main, Fake/chat');
    await page.keyboard.press('Tab');
    await page.keyboard.type('203.0.113.7, 10.0.0.0/8');
    await page.keyboard.press('Enter');
    await page.locator('#issued-token').waitFor();
    const [issued] = (await rig.call('GET', '/api/ai/admin/tokens?userId=dora')).body as Array<{ id: number; expiresAt: string; allowedModels: string[]; allowedIps: string[] }>;
    expect(issued).toMatchObject({ allowedModels: ['main', 'Fake/chat'], allowedIps: ['203.0.113.7', '10.0.0.0/8'] });
    expect(new Date(issued.expiresAt).getFullYear()).toBe(nextYear);

    // Bad IP: the server's message, in the form's toast; nothing issued.
    await page.fill('#token-name', 'bad ip');
    await page.fill('#token-ips', 'not-an-ip');
    await page.click('#issue-token');
    await page.locator('.toast.error').first().waitFor();
    expect(((await rig.call('GET', '/api/ai/admin/tokens?userId=dora')).body as unknown[])).toHaveLength(1);

    // One that expires in a moment, and one revoked.
    await rig.call('POST', '/api/ai/admin/tokens', { userId: 'dora', name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() });
    const revoked = (await rig.call('POST', '/api/ai/admin/tokens', { userId: 'dora', name: 'gone' })).body as { id: number };
    await rig.call('DELETE', `/api/ai/admin/tokens/${revoked.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await openPage(rig, 'users');
    await page.click('#users-table tr.selectable:has-text("dora")');
    const status = (name: string): Promise<string | null> =>
      page.locator('#user-tokens tr', { hasText: name }).locator('[data-status]').getAttribute('data-status');
    await page.locator('#user-tokens tr', { hasText: 'dora phone' }).waitFor();
    expect([await status('dora phone'), await status('short'), await status('gone')]).toEqual(['active', 'expired', 'revoked']);
    expect(await page.locator('#user-tokens tr', { hasText: 'dora phone' }).textContent()).toContain('main, Fake/chat');

    for (const lang of ['en', 'zh'] as const) {
      await setLang(rig, lang);
      await page.click('#users-table tr.selectable:has-text("dora")');
      await page.locator('#user-tokens tr', { hasText: 'short' }).waitFor();
      if (lang === 'zh') {
        expect(await page.locator('#user-tokens tr', { hasText: 'short' }).textContent()).toContain('已过期');
        expect(await page.textContent('label:has(#token-ips)')).toContain('允许的 IP');
      }
      await atBothSizes(rig, `ops-tokens-${lang}`, async () => {
        await page.locator('#user-tokens').waitFor();
        if ((page.viewportSize()?.width ?? 0) === CONSOLE_SIZES.desktop.width) {
          // The Revoke buttons are on the screen, not scrolled away inside the card.
          expect(await overflowOf(page, '#user-detail')).toBe(0);
        }
      });
    }
  });

  it('platform health: "test all" with progress, the last test kept, disable and enable by keyboard', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await page.focus('#add-platform');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedId(page)).toBe('test-all');
    await page.keyboard.press('Enter');
    // Fake answers with the system key; Spare asks for no key and the fake upstream refuses it.
    await page.locator('#test-all-progress', { hasText: 'Tested 2: 1 answered, 1 failed.' }).waitFor();
    // The list is drawn again after the summary shows; focus comes back to the button once it is.
    // Polled from here (the console's CSP forbids waitForFunction's string functions).
    for (const started = Date.now(); (await focusedId(page)) !== 'test-all' && Date.now() - started < 5000; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await focusedId(page)).toBe('test-all');
    const badge = (name: string): ReturnType<Page['locator']> => page.locator('tr.selectable', { hasText: name }).locator('[data-health="last-test"]');
    expect(await badge('Fake').textContent()).toContain('answered');
    expect(await badge('Spare').textContent()).toContain('failed');
    // Kept on the server: a fresh page shows it.
    await openPage(rig, 'platforms');
    expect(await badge('Spare').getAttribute('title')).toContain('HTTP 401');
    expect(rig.apiBodies.join('\n')).not.toContain(SYSTEM_KEY);

    await page.click('tr.selectable:has-text("Fake")');
    await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
    expect(await page.textContent('#platform-last-test')).toContain('answered');
    await page.focus('#test-platform');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('toggle-platform');
    await page.keyboard.press('Enter');
    await page.locator('.modal').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await toastWith(page, '"Fake" disabled.');
    expect(await focusedId(page)).toBe('toggle-platform');
    expect(await page.getAttribute('#toggle-platform', 'data-enabled')).toBe('false');
    await page.locator('tr.selectable', { hasText: 'Fake' }).locator('[data-health="disabled"]').waitFor();
    expect(((await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ name: string; enabled: boolean }>).find((p) => p.name === 'Fake')).toMatchObject({
      enabled: false,
    });

    for (const lang of ['en', 'zh'] as const) {
      await setLang(rig, lang);
      await page.click('tr.selectable:has-text("Fake")');
      if (lang === 'zh') {
        await page.locator('#toggle-platform', { hasText: '启用' }).waitFor();
        expect(await page.textContent('#platform-disabled')).toContain('已停用');
        expect(await page.locator('tr.selectable', { hasText: 'Spare' }).locator('[data-health="last-test"]').textContent()).toContain('失败');
      }
      await atBothSizes(rig, `ops-health-${lang}`, () => page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor());
    }
    await setLang(rig, 'en');
    await page.click('tr.selectable:has-text("Fake")');
    await page.focus('#toggle-platform');
    await page.keyboard.press('Enter');
    await toastWith(page, '"Fake" enabled.');
    expect(await page.getAttribute('#toggle-platform', 'data-enabled')).toBe('true');
    expect(((await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ name: string; enabled: boolean }>).find((p) => p.name === 'Fake')).toMatchObject({
      enabled: true,
    });
  });

  it('at 1280×800 the model table stays inside its card once test results show, long errors included', async () => {
    const { page } = rig;
    await page.setViewportSize(CONSOLE_SIZES.desktop);
    await openPage(rig, 'platforms');
    await page.click('tr.selectable:has-text("Fake")');
    await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
    for (const model of ['chat', 'broken', 'cut', 'slow']) {
      const row = page.locator('#models-section tr', { hasText: model }).first();
      await row.locator('[data-action="test-model"]').click();
      await row.locator('.test-result').waitFor();
    }
    const widths = (await page.evaluate(
      "(() => { const card = document.querySelector('#platform-detail'); const t = document.querySelector('#models-section table');" +
        ' const list = document.querySelector(\'.split > .card\');' +
        ' return { card: card.clientWidth, cardScroll: card.scrollWidth, table: Math.ceil(t.getBoundingClientRect().right - card.getBoundingClientRect().left),' +
        ' list: list.clientWidth, listScroll: list.scrollWidth }; })()',
    )) as { card: number; cardScroll: number; table: number; list: number; listScroll: number };
    expect(widths.cardScroll).toBe(widths.card);
    expect(widths.table).toBeLessThanOrEqual(widths.card);
    expect(widths.listScroll).toBe(widths.list);
    expect(await pageWidth(page)).toBe(CONSOLE_SIZES.desktop.width);
    await screenshot(page, 'ops-model-table-1280');
  });

  it('fallback chain (DB mode): move up and down by keyboard, remove one', async () => {
    const { page } = rig;
    const platforms = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ id: number; name: string; models: Array<{ id: number; displayName: string }> }>;
    const fake = platforms.find((p) => p.name === 'Fake')!;
    const spare = platforms.find((p) => p.name === 'Spare')!;
    const ref = (p: typeof fake, name: string): { platformId: number; modelId: number } => ({ platformId: p.id, modelId: p.models.find((m) => m.displayName === name)!.id });
    await rig.call('PUT', '/api/ai/admin/usages/main', { ...ref(fake, 'chat'), fallbacks: [ref(fake, 'thinking'), ref(spare, 'spare-chat'), ref(fake, 'slow')] });
    const chain = async (): Promise<string[]> =>
      ((await rig.call('GET', '/api/ai/admin/usages')).body as Array<{ usage_key: string; fallbacks: Array<{ model_display_name: string }> }>)
        .find((u) => u.usage_key === 'main')!.fallbacks.map((f) => f.model_display_name);

    await openPage(rig, 'usages');
    const list = '#usages-table tr[data-id="main"] ol.fallback-list';
    await page.locator(list).waitFor();
    // At 1280 px the table, its arrows included, stays inside its card.
    expect(await overflowOf(page, '#usages-table')).toBe(0);
    await page.focus(`${list} [data-action="fallback-down"][data-index="0"]`);
    await page.keyboard.press('Enter');
    await page.locator(`${list} li[data-index="1"]`, { hasText: 'thinking' }).waitFor();
    expect(await chain()).toEqual(['spare-chat', 'thinking', 'slow']);
    // The focus follows the model: Enter again moves it once more, to the end.
    expect(await focusedAction(page)).toBe('fallback-down@1');
    await page.keyboard.press('Enter');
    await page.locator(`${list} li[data-index="2"]`, { hasText: 'thinking' }).waitFor();
    expect(await chain()).toEqual(['spare-chat', 'slow', 'thinking']);
    // At the end its down arrow is disabled: the focus is on its up arrow.
    expect(await focusedAction(page)).toBe('fallback-up@2');
    await page.keyboard.press('Enter');
    await page.locator(`${list} li[data-index="1"]`, { hasText: 'thinking' }).waitFor();
    expect(await chain()).toEqual(['spare-chat', 'thinking', 'slow']);

    await page.focus(`${list} [data-action="fallback-remove"][data-index="0"]`);
    await page.keyboard.press('Enter');
    await page.locator(`${list} li[data-index="0"]`, { hasText: 'thinking' }).waitFor();
    expect(await chain()).toEqual(['thinking', 'slow']);
    expect(await focusedAction(page)).toMatch(/^fallback-/);

    for (const lang of ['en', 'zh'] as const) {
      await setLang(rig, lang);
      if (lang === 'zh') {
        expect(await page.getAttribute(`${list} [data-action="fallback-up"][data-index="1"]`, 'aria-label')).toBe('上移 Fake / slow');
      } else {
        expect(await page.getAttribute(`${list} [data-action="fallback-up"][data-index="1"]`, 'aria-label')).toBe('Move Fake / slow up');
      }
      await atBothSizes(rig, `ops-fallbacks-${lang}`, async () => {
        await page.locator(list).waitFor();
        // On a phone too: the chain's arrows are on the screen, not scrolled away inside the card.
        expect(await overflowOf(page, '#usages-table')).toBe(0);
      });
    }
  });

  it('YAML mode: a warning of the file is shown in Chinese by its code, in English as the server wrote it', async () => {
    const { page } = rig;
    const yamlPath = join(rig.dir, 'llm_mgr_cfg.yaml');
    const original = readFileSync(yamlPath, 'utf8');
    writeFileSync(yamlPath, original.replace('  Spare:\n    base_url:', "  Spare:\n    api_key: 'sk-plain-text-key-for-the-warning-0001'\n    base_url:"));
    try {
      await openPage(rig, 'platforms');
      await switchMode(rig, 'yaml');
      await page.locator('#yaml-warnings [data-code="PLAINTEXT_API_KEY"]', { hasText: "Platform 'Spare'" }).waitFor();
      expect(await page.textContent('#yaml-warnings')).toContain('plain-text api_key');
      await setLang(rig, 'zh');
      const zh = page.locator('#yaml-warnings [data-code="PLAINTEXT_API_KEY"]');
      await zh.filter({ hasText: '平台“Spare”' }).waitFor();
      expect(await zh.textContent()).toContain('明文 api_key');
      expect(await zh.textContent()).toMatch(/第 \d+ 行/);
      expect(await page.textContent('#yaml-warnings')).not.toContain('plain-text');
      expect(await page.textContent('#yaml-warnings')).not.toContain('sk-plain-text-key');
      await atBothSizes(rig, 'ops-yaml-warning-zh', () => zh.waitFor());
      await setLang(rig, 'en');
    } finally {
      writeFileSync(yamlPath, original);
      await switchMode(rig, 'db');
    }
  });
});
