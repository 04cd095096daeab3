import { readFileSync } from 'fs';
import { join } from 'path';
import {
  atBothSizes, CONSOLE_SIZES, focusedId, openPage, overflowOf, setLang, signIn, startConsoleRig, tabTo, toastWith, type ConsoleRig,
} from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';

interface Limit { id: number; scope: string; userId: string | null; usageKey: string | null; tokenId: number | null; rpm: number | null; tpm: number | null; concurrent: number | null }

/** Issue 18's rate limits in the console: at 1280×800 and 390×844, in English and Chinese, by keyboard alone. */
describe('console (browser): rate limits', () => {
  jest.setTimeout(120_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;
  const limits = async (): Promise<Limit[]> => ((await rig.call('GET', '/api/ai/admin/rate-limits')).body as { limits: Limit[] }).limits;
  const row = (text: string) => rig.page.locator('#rate-limits-card tr[data-id]', { hasText: text });

  beforeAll(async () => {
    rig = await startConsoleRig();
    await signIn(rig);
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

  it('has every text of the page in both languages', () => {
    const web = join(__dirname, '..', '..', 'src', 'app', 'console', 'web', 'js');
    const i18n = readFileSync(join(web, 'i18n.js'), 'utf8');
    const cut = i18n.indexOf('const zh = {');
    const keys = (text: string): Set<string> => new Set([...text.matchAll(/'([\w./-]+)':/g)].map((m) => m[1]!));
    const [en, zh] = [keys(i18n.slice(0, cut)), keys(i18n.slice(cut))];
    const page = readFileSync(join(web, 'page-rate-limits.js'), 'utf8');
    // Literal keys, and the ones built from a template: rl.backend.<backend>, rl.scope.<scope>, rl.<kind>, rl.<kind>Long.
    const used = [...page.matchAll(/t\('([\w.]+)'/g)].map((m) => m[1]!).concat(
      ['database', 'redis'].map((b) => `rl.backend.${b}`), ['user', 'slot', 'token'].map((s) => `rl.scope.${s}`),
      ['rpm', 'tpm', 'concurrent'].flatMap((k) => [`rl.${k}`, `rl.${k}Long`]), ['nav.rateLimits']);
    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((key) => !en.has(key) || !zh.has(key))).toEqual([]);
    expect([...en].filter((key) => key.startsWith('rl.') && !zh.has(key))).toEqual([]);
  });

  it('sets user, slot, exempt and token limits by keyboard, lists and filters them, edits one, deletes one; bad input changes nothing', async () => {
    const { page } = rig;
    // The nav entry sits next to Budgets and opens the page from the keyboard.
    expect(await page.$$eval('#nav a', (links) => links.map((a) => a.getAttribute('data-page')))).toEqual(
      expect.arrayContaining(['budgets', 'rate-limits']));
    const pages = await page.$$eval('#nav a', (links) => links.map((a) => a.getAttribute('data-page')));
    expect(pages.indexOf('rate-limits')).toBe(pages.indexOf('budgets') + 1);
    await page.focus('#nav a[data-page="budgets"]');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page[data-page="rate-limits"][data-ready="true"]');
    expect(await page.textContent('#rl-backend')).toContain('the database');
    expect(await page.textContent('#rl-default')).toContain('none');
    expect(await page.textContent('#rate-limits-card')).toContain('No rate limits yet.');

    // Bad input: rpm 0, then no user. The server's message is shown, nothing is saved.
    await page.focus('#rl-scope');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('rl-user');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('rl-rpm');
    await page.keyboard.type('0');
    await page.keyboard.press('Enter');
    await page.locator('#rate-limit-error', { hasText: 'rpm' }).waitFor();
    await page.locator('.toast.error', { hasText: 'rpm' }).first().waitFor();
    expect(await limits()).toEqual([]);
    await page.fill('#rl-user', '');
    await page.fill('#rl-rpm', '600');
    await page.focus('#rl-rpm');
    await page.keyboard.press('Enter');
    await page.locator('#rate-limit-error', { hasText: 'Say whom the limit is for' }).waitFor();
    expect(await limits()).toEqual([]);

    // A user limit, by keyboard.
    await page.focus('#rl-user');
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Rate limit of "alice" saved.');
    const [alice] = await limits();
    expect(alice).toMatchObject({ scope: 'user', userId: 'alice', usageKey: null, tokenId: null, rpm: 600, tpm: null, concurrent: null });

    // A slot limit: the scope picked with the arrow keys shows the slot field.
    await page.focus('#rl-scope');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#rl-scope')).toBe('slot');
    await page.keyboard.press('Tab');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('rl-slot');
    await page.keyboard.type('reason');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('rl-concurrent');
    await page.keyboard.type('1');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Rate limit of "alice" saved.');
    await row('slot reason').waitFor();
    expect(await limits()).toContainEqual(expect.objectContaining({ scope: 'slot', userId: 'alice', usageKey: 'reason', rpm: null, tpm: null, concurrent: 1 }));

    // A user with no limit at all: exempt from the default.
    await page.fill('#rl-user', 'bot');
    await page.click('#save-rate-limit');
    await row('bot').locator('.badge', { hasText: 'exempt' }).waitFor();

    // An API token's limit; an unknown token is refused by the server.
    const token = (await rig.call('POST', '/api/ai/admin/tokens', { userId: 'alice', name: 'alice rl' })).body as { id: number };
    await page.selectOption('#rl-scope', 'token');
    expect(await page.isHidden('#rl-user')).toBe(true);
    await page.fill('#rl-token', '999999');
    await page.fill('#rl-rpm', '30');
    await page.click('#save-rate-limit');
    await page.locator('#rate-limit-error', { hasText: 'No API token 999999' }).waitFor();
    await page.fill('#rl-token', String(token.id));
    await page.click('#save-rate-limit');
    await toastWith(page, `Rate limit of "token #${token.id}" saved.`);
    await row(`token #${token.id}`).waitFor();
    expect(await limits()).toHaveLength(4);

    // Listed: scope, who, rpm, tpm, concurrent.
    const aliceRow = page.locator(`#rate-limits-card tr[data-id="${alice.id}"]`);
    expect((await aliceRow.locator('td').allTextContents()).slice(0, 5)).toEqual(['user', 'alice', '600', '—', '—']);
    expect((await row('slot reason').locator('td').allTextContents()).slice(0, 5)).toEqual(['slot reason', 'alice', '—', '—', '1']);

    // Edit by keyboard: Edit fills the form and focuses rpm; the same row changes.
    await page.focus('#rate-limit-filter');
    await tabTo(page, `#rate-limits-card tr[data-id="${alice.id}"] [data-action="edit-rate-limit"]`);
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('rl-rpm');
    expect(await page.inputValue('#rl-rpm')).toBe('600');
    expect(await page.textContent('#rate-limit-form-card h3')).toBe('Edit the rate limit');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('120');
    await page.keyboard.press('Tab');
    await page.keyboard.type('50000');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Rate limit of "alice" saved.');
    expect((await limits()).find((l) => l.id === alice.id)).toMatchObject({ rpm: 120, tpm: 50000, concurrent: null });
    // The toast comes first; the list is read again after it.
    await aliceRow.locator('td', { hasText: '50,000' }).waitFor();
    expect((await aliceRow.locator('td').allTextContents()).slice(2, 5)).toEqual(['120', '50,000', '—']);
    expect(await limits()).toHaveLength(4);
    // Editing a limit's slot moves it: one limit for slot fast, none left for reason.
    await row('slot reason').locator('[data-action="edit-rate-limit"]').focus();
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#rl-scope')).toBe('slot');
    await page.fill('#rl-slot', 'fast');
    await page.press('#rl-slot', 'Enter');
    await row('slot fast').waitFor();
    expect((await limits()).filter((l) => l.scope === 'slot')).toMatchObject([{ usageKey: 'fast', concurrent: 1 }]);
    expect(await limits()).toHaveLength(4);

    // Filtered to alice: her user and slot limits, not bot's nor the token's.
    await page.fill('#rate-limit-filter', 'alice');
    await page.press('#rate-limit-filter', 'Enter');
    await row('bot').waitFor({ state: 'detached' });
    expect(await page.locator('#rate-limits-card tr[data-id]').count()).toBe(2);
    expect(await page.textContent('#rate-limits-card')).not.toContain('bot');

    // Both languages, both sizes: every cell and button on the screen.
    for (const lang of ['en', 'zh'] as const) {
      await setLang(rig, lang);
      if (lang === 'zh') {
        await page.locator('h2', { hasText: '限流' }).waitFor();
        expect(await page.textContent('#rate-limits-card')).toContain('用途 fast');
        expect(await page.textContent('#rl-backend')).toContain('数据库');
        expect(await page.textContent('#rl-default')).toContain('无');
      }
      await atBothSizes(rig, `rate-limits-${lang}`, async () => {
        await page.locator('#rate-limits-card tr[data-id]').first().waitFor();
        expect(await overflowOf(page, '#rate-limits-card')).toBe(0);
        expect(await overflowOf(page, '#rate-limit-form-card')).toBe(0);
      });
    }

    // In Chinese, the server's errors go through the console's translation by code (NOT_FOUND has a template).
    await page.selectOption('#rl-scope', 'token');
    await page.fill('#rl-token', '999999');
    await page.click('#save-rate-limit');
    await page.locator('#rate-limit-error', { hasText: '要找的内容不存在' }).waitFor();
    expect(await limits()).toHaveLength(4);
    await page.selectOption('#rl-scope', 'user');
    await page.fill('#rl-user', 'carol');
    await page.fill('#rl-rpm', '0');
    await page.click('#save-rate-limit');
    // A class-validator refusal, said in Chinese from its field and rule (details.fields).
    await page.locator('#rate-limit-error', { hasText: '字段“rpm”不能小于 1。' }).waitFor();
    expect(await limits()).toHaveLength(4);
    await setLang(rig, 'en');

    // Delete by keyboard, at phone width: Enter opens the confirmation on Cancel; Tab, Enter confirms.
    await page.setViewportSize(CONSOLE_SIZES.phone);
    const slotId = (await limits()).find((l) => l.scope === 'slot')!.id;
    await page.focus('#rate-limit-filter');
    await tabTo(page, `#rate-limits-card tr[data-id="${slotId}"] [data-action="delete-rate-limit"]`);
    await page.keyboard.press('Enter');
    await page.locator('.modal', { hasText: 'Delete the rate limit of "alice" (slot fast)?' }).waitFor();
    expect(await focusedId(page)).toBe('confirm-cancel');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await toastWith(page, 'Rate limit deleted.');
    expect((await limits()).map((l) => l.id)).not.toContain(slotId);
    expect(await page.locator(`#rate-limits-card tr[data-id="${slotId}"]`).count()).toBe(0);
  });

  it('shows the Redis backend and a default per-user limit, in both languages', async () => {
    const { page } = rig;
    // Where the default comes from (options or YAML) is not the page's concern: it shows what the route says.
    await page.route('**/api/ai/admin/rate-limits', (route) => route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ backend: 'redis', defaultUser: { rpm: 60, tpm: 100000, concurrent: 4 }, limits: [] }),
    }));
    try {
      await openPage(rig, 'rate-limits');
      expect(await page.textContent('#rl-backend')).toContain('Redis');
      expect(await page.textContent('#rl-default')).toContain('60 rpm · 100,000 tpm · 4 concurrent');
      await setLang(rig, 'zh');
      expect(await page.textContent('#rl-default')).toContain('60 rpm · 100,000 tpm · 4 并发');
      await atBothSizes(rig, 'rate-limits-default-zh', () => page.locator('#rl-backend').waitFor());
      await setLang(rig, 'en');
    } finally {
      await page.unroute('**/api/ai/admin/rate-limits');
    }
  });
});
