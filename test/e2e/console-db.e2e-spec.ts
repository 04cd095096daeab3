import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { screenshot } from '../support/browser';
import { CONSOLE_ADMIN_TOKEN, CONSOLE_LLM_KEY, confirm, openPage, signIn, startConsoleRig, toastWith, type ConsoleRig } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';

const USER_KEY = 'sk-alice-own-key-for-console-7777';

/** The web console in DB mode, driven in Debian's Chromium against the real server and the fake upstream. */
describe('console (browser): login, DB mode, users, dashboard, LLM_KEY, reset', () => {
  jest.setTimeout(60_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;
  let aliceToken: string;

  beforeAll(async () => {
    rig = await startConsoleRig();
  });
  afterAll(async () => {
    await rig?.close();
  });
  afterEach(() => {
    expect(rig.pageErrors).toEqual([]);
  });

  it('serves the page and its modules from the server itself, under a strict CSP', async () => {
    const html = await fetch(`${rig.baseUrl}/console`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).toContain('/console/js/app.js');
    expect((await fetch(`${rig.baseUrl}/console/js/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${rig.baseUrl}/console/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('signs in with the admin token only, showing the server\'s message otherwise, and switches language', async () => {
    const { page } = rig;
    await page.goto(`${rig.baseUrl}/console`);
    await page.fill('#login-token', 'llma_wrong-token-0000000000000000000000000');
    await page.click('#login-submit');
    await page.locator('#login-error', { hasText: 'Authentication required' }).waitFor();
    const issued = await rig.call('POST', '/api/ai/admin/tokens', { userId: 'alice', name: 'alice laptop' });
    aliceToken = issued.body.token;
    await page.fill('#login-token', aliceToken);
    await page.click('#login-submit');
    await page.locator('#login-error', { hasText: 'not the admin token' }).waitFor();
    await page.selectOption('#login-lang', 'zh');
    expect(await page.textContent('#login-submit')).toBe('登录');
    await screenshot(page, '01-login-zh');
    await page.selectOption('#login-lang', 'en');
    await signIn(rig);
    expect(await page.textContent('#mode-banner')).toContain('apply at once');
    await page.selectOption('#lang', 'zh');
    await page.locator('#nav a[data-page="platforms"]', { hasText: '平台与模型' }).waitFor();
    await page.reload();
    await page.locator('#nav a[data-page="platforms"]', { hasText: '平台与模型' }).waitFor();
    await screenshot(page, '02-platforms-zh');
    await page.selectOption('#lang', 'en');
    await page.locator('#nav a[data-page="platforms"]', { hasText: 'Platforms & models' }).waitFor();
  });

  it('adds a platform (validating the form, showing the server\'s conflict message), saves its key encrypted, edits it', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await page.click('#add-platform');
    await page.fill('#new-platform-name', 'Console');
    await page.fill('#new-platform-base-url', 'not a url');
    await page.click('#new-platform-save');
    await page.locator('.field-error', { hasText: 'http(s) URL' }).waitFor();
    await page.fill('#new-platform-base-url', rig.upstream.url);
    await page.fill('#new-platform-name', 'Fake');
    await page.click('#new-platform-save');
    await page.locator('#platform-form-error', { hasText: "A platform named 'Fake' already exists. Choose another name." }).waitFor();
    await page.fill('#new-platform-name', 'Console');
    await page.click('#new-platform-save');
    await page.locator('#platform-detail h3', { hasText: 'Console' }).waitFor();

    await page.check('#key-mode-encrypted');
    await page.fill('#key-value', SYSTEM_KEY);
    await page.click('#save-key');
    await toastWith(page, 'API key saved');
    await page.locator('#key-section .badge', { hasText: 'sk-…0001' }).waitFor();
    expect(await page.content()).not.toContain(SYSTEM_KEY);
    const stored = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.find((p: { name: string }) => p.name === 'Console');
    expect(stored).toMatchObject({ keySource: 'encrypted', maskedKey: 'sk-…0001', usable: true });

    await page.fill('#platform-base-url', `${rig.upstream.url}/`);
    await page.fill('#platform-name', 'Console Lab');
    await page.click('#save-platform');
    await page.locator('#platform-detail h3', { hasText: 'Console Lab' }).waitFor();
  });

  it('probes the models, adds one with a validated extra_body, tests it (latency) and a broken one (the upstream error)', async () => {
    const { page } = rig;
    await page.click('#probe');
    await page.locator('#probe-results [data-model="fake-chat"]').waitFor();
    await screenshot(page, '03-probe');
    await page.click('#probe-results [data-model="fake-chat"] button');
    expect(await page.inputValue('#model-name')).toBe('fake-chat');
    await page.fill('#model-display-name', 'Chat via console');
    await page.fill('#model-extra-body', '{ "enable_thinking": fals');
    await page.locator('.field-error', { hasText: 'Not valid JSON' }).waitFor();
    await page.click('#model-save');
    expect(await page.locator('#model-save').isVisible()).toBe(true);
    await page.fill('#model-extra-body', '["not", "an object"]');
    await page.locator('.field-error', { hasText: 'must be a JSON object' }).waitFor();
    await page.fill('#model-extra-body', '{ "enable_thinking": false }');
    await page.fill('#model-input-price', '-1');
    await page.locator('.field-error', { hasText: 'A number ≥ 0' }).waitFor();
    await page.fill('#model-input-price', '2');
    await page.fill('#model-cached-input-price', '0.5');
    await page.fill('#model-output-price', '8');
    await screenshot(page, '04-add-model');
    await page.click('#model-save');
    await toastWith(page, 'Model added');
    await page.locator('#probe-results [data-model="fake-chat"] .badge', { hasText: 'added' }).waitFor().catch(() => undefined);
    const row = page.locator('#models-section tr', { hasText: 'Chat via console' });
    expect(await row.textContent()).toContain('{"enable_thinking":false}');
    expect(await row.textContent()).toContain('in 2 · cached 0.5 · out 8');
    const added = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body as Array<{ models: Array<Record<string, unknown>> }>;
    expect(added.flatMap((p) => p.models).find((m) => m['displayName'] === 'Chat via console')).toMatchObject({ inputPrice: 2, cachedInputPrice: 0.5, outputPrice: 8 });
    await row.locator('[data-action="test-model"]').click();
    await row.locator('.test-result', { hasText: /OK · \d+ ms/ }).waitFor();

    await page.click('#add-model');
    await page.fill('#model-display-name', 'Broken');
    await page.fill('#model-name', 'fake-error-500');
    await page.click('#model-save');
    const broken = page.locator('#models-section tr', { hasText: 'Broken' });
    await broken.locator('[data-action="test-model"]').click();
    await broken.locator('.test-result', { hasText: '500' }).waitFor();
    await screenshot(page, '05-test-results');
    const chat = rig.upstream.chatRequests.find((r) => r.body?.['model'] === 'fake-chat' && r.body?.['enable_thinking'] === false);
    expect(chat?.authorization).toBe(`Bearer ${SYSTEM_KEY}`);
  });

  it('sets the default (moves to the top), switches the key to an {ENV} placeholder, deletes a model and a platform', async () => {
    const { page } = rig;
    await page.click('#set-default');
    await toastWith(page, 'is now the default');
    expect((await rig.call('GET', '/api/ai/admin/sys-platforms')).body[0].name).toBe('Console Lab');
    await page.check('#key-mode-env');
    await page.fill('#key-env', 'bad name');
    await page.click('#save-key');
    await page.locator('.field-error', { hasText: 'Letters, digits' }).waitFor();
    await page.fill('#key-env', 'CONSOLE_LAB_KEY');
    await page.click('#save-key');
    await page.locator('#key-section .badge', { hasText: '{CONSOLE_LAB_KEY}' }).waitFor();
    await page.locator('#models-section tr', { hasText: 'Broken' }).locator('[data-action="delete-model"]').click();
    await confirm(page);
    await page.locator('#models-section tr', { hasText: 'Broken' }).waitFor({ state: 'detached' });
    await page.click('#delete-platform');
    await confirm(page);
    await toastWith(page, 'Platform "Console Lab" deleted');
    await page.locator('#platform-detail h3', { hasText: 'Fake' }).waitFor();
    const names = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.map((p: { name: string }) => p.name);
    expect(names).toEqual(['Fake', 'Spare']);
  });

  it('re-binds a system usage and adds a custom one', async () => {
    const { page } = rig;
    await openPage(rig, 'usages');
    const fast = page.locator('#usages-table tr[data-id="fast"]');
    await fast.locator('select').first().selectOption({ label: 'Spare' });
    await fast.locator('[data-action="save-usage"]').click();
    await toastWith(page, 'Usage "fast" saved');
    await page.fill('#new-usage-key', 'vision');
    await page.selectOption('#new-usage-platform', { label: 'Fake' });
    await page.selectOption('#new-usage-model', { label: 'thinking (fake-reasoning)' });
    await page.click('#add-usage');
    await page.locator('#usages-table tr[data-id="vision"]').waitFor();
    await screenshot(page, '06-usages');
    const usages = (await rig.call('GET', '/api/ai/admin/usages')).body as Array<{ usage_key: string; platform_name: string; model_display_name: string }>;
    expect(usages.find((u) => u.usage_key === 'fast')).toMatchObject({ platform_name: 'Spare', model_display_name: 'spare-chat' });
    expect(usages.find((u) => u.usage_key === 'vision')).toMatchObject({ platform_name: 'Fake', model_display_name: 'thinking' });
  });

  it('adds a fallback to a system usage and clears the chain (issue 18)', async () => {
    const { page } = rig;
    await openPage(rig, 'usages');
    const main = page.locator('#usages-table tr[data-id="main"]');
    await main.locator('select[id$="-fallback-platform"]').selectOption({ label: 'Fake' });
    await main.locator('select[id$="-fallback-model"]').selectOption({ label: 'thinking (fake-reasoning)' });
    await main.locator('[data-action="add-fallback"]').click();
    await toastWith(page, 'Usage "main" saved');
    await page.locator('#usages-table tr[data-id="main"] .fallbacks', { hasText: 'Fake / thinking' }).waitFor();
    const chainOf = async (): Promise<unknown> =>
      ((await rig.call('GET', '/api/ai/admin/usages')).body as Array<{ usage_key: string; fallbacks: Array<{ model_display_name: string }> }>)
        .find((u) => u.usage_key === 'main')!.fallbacks.map((f) => f.model_display_name);
    expect(await chainOf()).toEqual(['thinking']);
    await page.locator('#usages-table tr[data-id="main"] [data-action="clear-fallbacks"]').click();
    // The toast of the first save may still show: wait for the page drawn again, so nothing redraws it after we leave.
    await page.locator('#usages-table tr[data-id="main"] .fallbacks', { hasText: 'none' }).waitFor();
    expect(await chainOf()).toEqual([]);
  });

  it('lists users; issues a token (shown once); shows and edits a user\'s slots and own keys; revokes a token', async () => {
    const { page } = rig;
    await openPage(rig, 'users');
    await page.fill('#token-user', 'bob');
    await page.fill('#token-name', 'bob ci');
    await page.click('#issue-token');
    const token = (await page.locator('#issued-token .mono').textContent())!.trim();
    expect(token).toMatch(/^llmu_/);
    expect((await rig.call('GET', '/api/ai/user-selection', undefined, token)).status).toBe(200);
    await page.locator('#users-table tr[data-id="alice"]').click();
    await page.locator('#user-detail h3', { hasText: 'alice' }).waitFor();
    await page.locator('#user-slots tr[data-id="main"]').waitFor();
    await page.selectOption('#user-key-platform', { label: 'Fake' });
    await page.fill('#user-key-value', USER_KEY);
    await page.click('#save-user-key');
    await page.locator('#user-keys td', { hasText: 'sk-…7777' }).waitFor();
    const reason = page.locator('#user-slots tr[data-id="reason"]');
    await reason.locator('select').first().selectOption({ label: 'Fake' });
    await reason.locator('select').nth(1).selectOption({ label: 'chat (fake-chat)' });
    await reason.locator('[data-action="save-slot"]').click();
    await toastWith(page, 'Usage "reason" saved');
    const alice = (await rig.call('GET', '/api/ai/admin/users/alice')).body;
    expect(alice.slots.find((s: { usage_key: string }) => s.usage_key === 'reason')).toMatchObject({ model_display_name: 'chat' });
    expect(alice.keys).toEqual([expect.objectContaining({ platformName: 'Fake', maskedKey: 'sk-…7777' })]);
    await screenshot(page, '07-users');

    await page.locator('#user-tokens tr', { hasText: 'alice laptop' }).locator('[data-action="revoke"]').click();
    await confirm(page);
    await page.locator('#user-tokens .badge', { hasText: 'revoked' }).waitFor();
    expect((await rig.call('GET', '/api/ai/user-selection', undefined, aliceToken)).status).toBe(401);
    await page.locator('#user-keys tr', { hasText: 'Fake' }).locator('[data-action="delete-key"]').click();
    await confirm(page);
    await page.locator('#user-keys .empty').waitFor();
  });

  it('charts usage by time, model, agent and user with the numbers beside them', async () => {
    const { page } = rig;
    const carol = (await rig.call('POST', '/api/ai/admin/tokens', { userId: 'carol', name: 'carol' })).body.token as string;
    await rig.call('POST', '/api/ai/admin/users/carol/api-key', { platformId: 1, apiKey: SYSTEM_KEY });
    expect((await rig.call('POST', '/api/ai/user/test-model', { usageKey: 'main' }, carol)).body).toMatchObject({ ok: true });
    expect((await rig.call('POST', '/api/ai/user/test-model', { usageKey: 'reason' }, carol)).body).toMatchObject({ ok: true });
    // 'fast' was re-bound to the keyless Spare platform above, which the fake upstream refuses: an error row.
    expect((await rig.call('POST', '/api/ai/user/test-model', { usageKey: 'fast' }, carol)).body).toMatchObject({ ok: false, status: 401 });
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // usage rows are written in batches, off the call
    await openPage(rig, 'dashboard');
    await page.selectOption('#dash-user', 'carol');
    await page.locator('#dash-by-agent td', { hasText: 'llm-mgr:test' }).waitFor();
    const requests = Number((await page.locator('#total-requests .value').textContent())!.replace(/\D/g, ''));
    expect(requests).toBeGreaterThanOrEqual(3);
    expect(Number((await page.locator('#total-errors .value').textContent())!.replace(/\D/g, ''))).toBeGreaterThanOrEqual(1);
    // The model added above with prices was tested (a cost); the slots' models have none (unpriced calls, named).
    expect(await page.locator('#total-cost .value').textContent()).toMatch(/^\$0\.\d*[1-9] · [1-9]\d* unpriced$/);
    expect(await page.locator('#dash-users tr', { hasText: 'carol' }).textContent()).toMatch(/carol/);
    expect(await page.locator('#dash-timeline svg rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('#dash-by-model td', { hasText: 'chat' }).count()).toBeGreaterThan(0);
    // The fake upstream reports usage on every answered call: that model shows how far the estimate was, in percent.
    const drifts = await page.locator('#dash-by-model span[title]').allTextContents();
    expect(drifts.filter((text) => /^[+-]?[\d.]+ % \/ [+-]?[\d.]+ %$/.test(text)).length).toBeGreaterThan(0);
    await page.selectOption('#dash-granularity', 'hour');
    await page.selectOption('#dash-since', '24h');
    await page.locator('#dash-timeline[data-since="24h"][data-granularity="hour"] svg').waitFor();
    expect(await page.locator('#dash-timeline svg rect.bar:not(.err)').count()).toBeGreaterThanOrEqual(24);
    await screenshot(page, '08-dashboard');
  });

  it('shows the LLM_KEY status, refuses another key with the server\'s message, and writes the key in force to .env', async () => {
    const { page } = rig;
    await openPage(rig, 'settings');
    expect(await page.textContent('#llm-key-source')).toBe('process environment');
    expect(await page.textContent('#llm-key-in-env')).toBe('does not hold LLM_KEY');
    await page.fill('#llm-key-input', 'short');
    await page.click('#llm-key-save');
    await page.locator('.field-error', { hasText: 'at least 32' }).waitFor();
    await page.fill('#llm-key-input', 'a-different-master-key-0123456789-abcdefghij');
    await page.click('#llm-key-save');
    await page.locator('#llm-key-error', { hasText: 'not the LLM_KEY the server runs with' }).waitFor();
    await page.fill('#llm-key-input', CONSOLE_LLM_KEY);
    await page.check('#llm-key-write-env');
    await page.click('#llm-key-save');
    await page.locator('#llm-key-in-env', { hasText: 'holds this key' }).waitFor();
    expect(await page.textContent('#llm-key-source')).toBe('.env file');
    expect(readFileSync(join(rig.dir, '.env'), 'utf8')).toContain(`LLM_KEY=${CONSOLE_LLM_KEY}\n`);
    expect(await page.content()).not.toContain(CONSOLE_LLM_KEY);
    await screenshot(page, '09-llm-key');
  });

  it('resets the database from the YAML behind a confirmation', async () => {
    const { page } = rig;
    await rig.call('POST', '/api/ai/admin/sys-platform', { name: 'Temporary', baseUrl: rig.upstream.url });
    await page.click('#reset-from-yaml');
    await page.click('#confirm-cancel');
    expect((await rig.call('GET', '/api/ai/admin/sys-platforms')).body).toHaveLength(3);
    await page.click('#reset-from-yaml');
    await confirm(page);
    await page.locator('#reset-report', { hasText: 'Reset done' }).waitFor();
    await screenshot(page, '10-reset');
    const names = (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.map((p: { name: string }) => p.name);
    expect(names).toEqual(['Fake', 'Spare']);
  });

  it('signs in and shows Settings while llm_mgr_cfg.yaml is broken, with the file\'s problem where it belongs', async () => {
    const { page } = rig;
    const yamlPath = join(rig.dir, 'llm_mgr_cfg.yaml');
    const good = readFileSync(yamlPath, 'utf8');
    writeFileSync(yamlPath, 'platforms:\n  Fake:\n\tbase_url: broken by hand\n');
    try {
      await page.click('#logout');
      await signIn(rig);
      await openPage(rig, 'settings');
      await page.locator('#yaml-problem', { hasText: 'llm_mgr_cfg.yaml:3:' }).waitFor();
      expect(await page.textContent('#llm-key-sealed')).toContain('the YAML could not be read');
      expect(await page.isVisible('#llm-key-save')).toBe(true);
      await page.selectOption('#lang', 'zh');
      await page.locator('#yaml-problem', { hasText: '无法读取 llm_mgr_cfg.yaml' }).waitFor();
      await screenshot(page, '11-settings-broken-yaml-zh');
      await page.selectOption('#lang', 'en');
    } finally {
      writeFileSync(yamlPath, good);
    }
  });

  it('never received a key in clear: every API answer the page got masks them', () => {
    expect(rig.apiBodies.length).toBeGreaterThan(30);
    for (const body of rig.apiBodies) {
      expect(body).not.toContain(SYSTEM_KEY);
      expect(body).not.toContain(USER_KEY);
      expect(body).not.toContain(CONSOLE_LLM_KEY);
      expect(body).not.toContain(CONSOLE_ADMIN_TOKEN);
    }
  });
});
