import { readFileSync } from 'fs';
import type { Page } from 'playwright-core';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { join } from 'path';
import { screenshot, SCREENSHOT_DIR } from '../support/browser';
import { CONSOLE_SIZES, openPage, pageWidth, useSignedInConsole, type ConsoleRig } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { usageRow } from '../support/usage-rows';

const USERS = 56;
const DAY = 86_400_000;
/** Midnight UTC two days ago: the rows fall inside "last 7 days" and inside a date range the test types. */
const DAY0 = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

// Page-side expressions are strings: this spec compiles without the DOM's types.
const pageHeight = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollHeight') as Promise<number>;
const focusedId = (page: Page): Promise<string> => page.evaluate("document.activeElement?.id ?? ''") as Promise<string>;
const renders = async (page: Page): Promise<number> => Number((await page.getAttribute('#page', 'data-renders')) ?? 0);

/** Presses Tab until `selector` has the focus: the keyboard alone gets there, as a user without a mouse would. */
async function tabTo(page: Page, selector: string, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i += 1) {
    if (await page.evaluate(`Boolean(document.activeElement?.matches(${JSON.stringify(selector)}))`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Runs `action` and waits until the page has drawn its data again. */
async function redrawn(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await renders(page);
  await action();
  // Polled from here: the console's CSP forbids the string functions waitForFunction would evaluate in the page.
  for (const started = Date.now(); (await renders(page)) <= before; ) {
    if (Date.now() - started > 10_000) throw new Error('The page did not draw again within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('console (browser): request log and dashboard at scale, 1280×800 and 390×844, en and zh, keyboard only (issue 19)', () => {
  jest.setTimeout(90_000);
  useNoNetworkGuard();
  const signedIn = useSignedInConsole();
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = signedIn.rig;
    const platforms = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ id: number; name: string; models: Array<{ id: number; displayName: string }> }>;
    const fake = platforms.find((p) => p.name === 'Fake')!;
    const spare = platforms.find((p) => p.name === 'Spare')!;
    const writer = rig.app.get(UsageWriter);
    // 56 users over two days; user-0 calls the most. The Spare platform is deleted below: its model keeps its name.
    for (let u = 0; u < USERS; u += 1) {
      for (let c = 0; c < 3; c += 1) {
        writer.enqueue(usageRow({
          userId: `user-${u}`, createdAt: new Date(DAY0 + (u * 3 + c) * 60_000 + (c === 2 ? DAY : 0)), totalTokens: (USERS - u) * 10 + c,
          promptTokens: (USERS - u) * 10, completionTokens: c, modelId: c === 1 ? spare.models[0]!.id : fake.models[0]!.id,
          agentName: c === 0 ? 'agent_muse' : 'agent_critic', usageKey: c === 0 ? 'main' : 'fast',
        }));
      }
    }
    await writer.flush();
    // A real failing request: the upstream quotes the key back; the retry after it succeeds. The log shows both
    // attempts, the failed one with its code and a masked text.
    rig.upstream.enqueue({ error: { status: 429, message: `Rate limit reached for key ${SYSTEM_KEY}`, retryAfterSeconds: 0 } });
    const llm = await rig.app.get(LlmManagerService).getUserLlm('-1', { usageKey: 'fast', agentName: 'agent_muse' });
    await llm.invoke('hello');
    expect((await rig.call('DELETE', `/api/ai/admin/sys-platform?id=${spare.id}`)).status).toBe(204);
  });
  afterAll(() => {
    if (rig) expect(rig.apiBodies.filter((body) => body.includes(SYSTEM_KEY))).toEqual([]);
  });

  it('has every text of the console in both languages', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'src', 'app', 'console', 'web', 'js', 'i18n.js'), 'utf8');
    const cut = source.indexOf('const zh = {');
    const keys = (text: string): string[] => [...text.matchAll(/'([\w./-]+)':/g)].map((m) => m[1]!).sort();
    const [en, zh] = [keys(source.slice(0, cut)), keys(source.slice(cut))];
    expect(en).toContain('nav.requests');
    expect(zh).toEqual(en);
  });

  it.each([
    ['desktop', 'en'],
    ['desktop', 'zh'],
    ['phone', 'en'],
    ['phone', 'zh'],
  ] as const)('dashboard (%s, %s): top users instead of 56 blocks, all users by model and agent, deleted models by name', async (size, lang) => {
    const { page } = rig;
    await page.setViewportSize(CONSOLE_SIZES[size]);
    await openPage(rig, 'dashboard');
    await page.selectOption('#lang', lang);
    await page.waitForSelector('#page[data-page="dashboard"][data-ready="true"] #dash-top');
    expect(await page.locator('#dash-users tbody tr').count()).toBe(10);
    expect(await page.textContent('#dash-top-count')).toBe(lang === 'en' ? '10 of 57 users' : '显示 10 / 共 57 个用户');
    expect(await page.locator('#dash-users tbody tr').first().textContent()).toContain('user-0');
    const deleted = page.locator('#dash-all-models tr', { hasText: 'spare-chat' });
    expect(await deleted.locator('.badge').textContent()).toBe(lang === 'en' ? 'deleted' : '已删除');
    expect(await deleted.textContent()).toContain('Spare');
    expect(await page.locator('#dash-all-agents tbody tr').count()).toBe(2);
    expect(await pageWidth(page)).toBe(CONSOLE_SIZES[size].width);
    // 56 users (57 with the system user) once made a 5,500 px page; the top ten and the rankings keep it short whatever the number of users.
    expect(await pageHeight(page)).toBeLessThan(size === 'desktop' ? 3000 : 6000);
    await screenshot(page, `requests-dashboard-${size}-${lang}`);
    // The parts at their real size too (a phone's full page is too tall to read once scaled down).
    for (const part of ['dash-top', 'dash-all-models-card']) {
      await page.locator(`#${part}`).screenshot({ path: join(SCREENSHOT_DIR, `requests-${part}-${size}-${lang}.png`) });
    }
    await page.selectOption('#lang', 'en');
  });

  it('dashboard by keyboard: search the users, pick a top-N, a date range, and download the CSV', async () => {
    const { page } = rig;
    await page.setViewportSize(CONSOLE_SIZES.desktop);
    await openPage(rig, 'dashboard');
    await tabTo(page, '#dash-search');
    await page.keyboard.type('user-1');
    await redrawn(page, () => page.keyboard.press('Enter'));
    // user-1 and user-10 … user-19.
    expect(await page.textContent('#dash-top-count')).toBe('10 of 11 users');
    await tabTo(page, '#dash-top-n');
    await redrawn(page, () => page.selectOption('#dash-top-n', '25'));
    expect(await page.locator('#dash-users tbody tr').count()).toBe(11);

    await tabTo(page, '#dash-csv-users');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(csv[0]).toBe('"user_id","tokens","prompt_tokens","completion_tokens","requests","errors","cost_usd"');
    expect(csv.filter((line) => line.startsWith('"user-1'))).toHaveLength(11);

    // Only the first day: every user's first call, nothing of the second day.
    await tabTo(page, '#dash-since');
    await page.selectOption('#dash-since', 'custom');
    await tabTo(page, '#dash-from');
    await page.fill('#dash-from', isoDay(DAY0));
    await page.fill('#dash-to', isoDay(DAY0));
    await tabTo(page, '#dash-apply');
    await redrawn(page, () => page.keyboard.press('Enter'));
    const requests = Number((await page.textContent('#total-requests .value'))!.replace(/\D/g, ''));
    expect(requests).toBe(USERS * 2);
    await screenshot(page, 'requests-dashboard-range');
  });

  it.each([
    ['desktop', 'en'],
    ['phone', 'zh'],
  ] as const)('request log (%s, %s) by keyboard: filter, page older and newer, open a failed call and close it', async (size, lang) => {
    const { page } = rig;
    await page.setViewportSize(CONSOLE_SIZES[size]);
    await openPage(rig, 'dashboard');
    await page.selectOption('#lang', lang);
    // From the navigation to the page, with the keyboard only.
    await page.focus('#lang');
    await tabTo(page, '#nav a[data-page="requests"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page[data-page="requests"][data-ready="true"]');
    // A full page of the size chosen (the console keeps the filters and the size while it is open).
    expect(await page.locator('#rq-table tbody tr').count()).toBe(Number(await page.inputValue('#rq-size')));
    expect(await pageWidth(page)).toBe(CONSOLE_SIZES[size].width);
    await screenshot(page, `requests-log-${size}-${lang}`);

    await tabTo(page, '#rq-user');
    await page.keyboard.type('user-0');
    await tabTo(page, '#rq-slot');
    await page.keyboard.type('fast');
    await redrawn(page, () => page.keyboard.press('Enter'));
    // user-0's two calls for the fast slot, newest first.
    expect(await page.locator('#rq-table tbody tr').count()).toBe(2);
    // The system user's failed call.
    await tabTo(page, '#rq-user');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('-1');
    await redrawn(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#rq-table tbody tr').count()).toBe(2);
    const first = page.locator('#rq-table tbody tr', { has: page.locator('.badge.bad') });
    expect(await first.textContent()).toContain(lang === 'en' ? 'error' : '失败');

    await first.focus();
    await page.keyboard.press('Enter');
    await page.locator('#rq-error').waitFor();
    const detail = (await page.textContent('#rq-error'))!;
    expect(detail).toContain('UPSTREAM_RATE_LIMITED');
    expect(detail).toContain(lang === 'en' ? 'rate-limited' : '限流');
    expect(detail).toContain('sk-…');
    expect(detail).not.toContain(SYSTEM_KEY);
    expect(await focusedId(page)).toBe('rq-detail-close');
    await screenshot(page, `requests-detail-${size}-${lang}`);
    await page.keyboard.press('Escape');
    expect(await page.locator('.modal').count()).toBe(0);
    expect(await page.evaluate("document.activeElement?.closest('tr')?.dataset.id ?? ''")).toBe(await first.getAttribute('data-id'));

    // The deleted model by its kept name: user-0's call of it, marked deleted.
    await tabTo(page, '#rq-clear');
    await redrawn(page, () => page.keyboard.press('Enter'));
    await tabTo(page, '#rq-user');
    await page.keyboard.type('user-0');
    await tabTo(page, '#rq-modelName');
    await page.keyboard.type('spare-chat');
    await redrawn(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#rq-table tbody tr').count()).toBe(1);
    expect(await page.locator('#rq-table tbody tr .badge.warn').textContent()).toBe(lang === 'en' ? 'deleted' : '已删除');

    // Pages of 25 over every call: older, then newer again, the same rows.
    await tabTo(page, '#rq-clear');
    await redrawn(page, () => page.keyboard.press('Enter'));
    await redrawn(page, () => page.selectOption('#rq-size', '25'));
    expect(await page.locator('#rq-table tbody tr').count()).toBe(25);
    const firstPage = await page.locator('#rq-table tbody tr').first().getAttribute('data-id');
    await tabTo(page, '#rq-next');
    await redrawn(page, () => page.keyboard.press('Enter'));
    expect(await page.textContent('#rq-page')).toBe(lang === 'en' ? 'Page 2' : '第 2 页');
    const secondPage = await page.locator('#rq-table tbody tr').first().getAttribute('data-id');
    expect(Number(secondPage)).toBeLessThan(Number(firstPage));
    await tabTo(page, '#rq-prev');
    await redrawn(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#rq-table tbody tr').first().getAttribute('data-id')).toBe(firstPage);
    await page.selectOption('#lang', 'en');
  });
});
