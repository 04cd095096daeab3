import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { screenshot } from '../support/browser';
import { confirm, openPage, signIn, startConsoleRig, toastWith, type ConsoleRig } from '../support/browser-console';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';

const PLAIN_KEY = 'sk-plaintext-on-purpose-4242';

/** YAML mode of the console: every edit lands in llm_mgr_cfg.yaml (validated, comments kept), not in the database. */
describe('console (browser): YAML mode', () => {
  jest.setTimeout(60_000);
  useNoNetworkGuard();
  let rig: ConsoleRig;
  let yamlPath: string;
  const yaml = (): string => readFileSync(yamlPath, 'utf8');
  const doc = (): { platforms: Record<string, { base_url: string; api_key?: string; models: Record<string, unknown> }>; usages: Record<string, unknown> } =>
    parse(yaml());
  const dbNames = async (): Promise<string[]> => (await rig.call('GET', '/api/ai/admin/sys-platforms')).body.map((p: { name: string }) => p.name);

  beforeAll(async () => {
    rig = await startConsoleRig();
    yamlPath = join(rig.dir, 'llm_mgr_cfg.yaml');
    writeFileSync(yamlPath, `# Kept by the console: an operator's comment.\n${yaml()}`);
    await signIn(rig);
    await rig.page.click('#mode-yaml');
    await rig.page.waitForSelector('#page[data-page="platforms"][data-ready="true"]');
  });
  afterAll(async () => {
    await rig?.close();
  });
  afterEach(() => {
    expect(rig.pageErrors).toEqual([]);
  });

  it('switches to YAML mode, marked "applies on restart", listing the file\'s platforms', async () => {
    const { page } = rig;
    expect(await page.textContent('#mode-banner')).toContain('apply on restart');
    expect(await page.getAttribute('#mode-yaml', 'aria-checked')).toBe('true');
    await page.locator('#page', { hasText: yamlPath }).waitFor();
    expect(await page.locator('tr[data-id="Fake"]').count()).toBe(1);
  });

  it('adds a platform to the file only, and shows the server\'s conflict message for a taken name', async () => {
    const { page } = rig;
    await page.click('#add-platform');
    await page.fill('#new-platform-name', 'Fake');
    await page.fill('#new-platform-base-url', rig.upstream.url);
    await page.click('#new-platform-save');
    await page.locator('#platform-form-error', { hasText: "Platform 'Fake' already exists in the YAML" }).waitFor();
    await page.fill('#new-platform-name', 'YAML Lab');
    await page.click('#new-platform-save');
    await page.locator('#platform-detail h3', { hasText: 'YAML Lab' }).waitFor();
    expect(doc().platforms['YAML Lab']).toEqual({ base_url: rig.upstream.url, models: {} });
    expect(yaml()).toContain("# Kept by the console: an operator's comment.");
    expect(await dbNames()).toEqual(['Fake', 'Spare']);
  });

  it('saves the key encrypted, in plain text only after the explicit warning, or as an {ENV} placeholder', async () => {
    const { page } = rig;
    await page.check('#key-mode-encrypted');
    await page.fill('#key-value', SYSTEM_KEY);
    await page.click('#save-key');
    await page.locator('#key-section .badge', { hasText: 'sk-…0001' }).waitFor();
    expect(doc().platforms['YAML Lab'].api_key).toMatch(/^ENC:v1:/);
    expect(yaml()).not.toContain(SYSTEM_KEY);

    await page.check('#key-mode-plain');
    await page.locator('#key-section .alert.warn').waitFor();
    await page.fill('#key-value', PLAIN_KEY);
    await page.click('#save-key');
    await page.locator('.modal', { hasText: 'UNENCRYPTED' }).waitFor();
    await screenshot(page, '11-yaml-plaintext-warning');
    await page.click('#confirm-cancel');
    expect(yaml()).not.toContain(PLAIN_KEY);
    await page.click('#save-key');
    await confirm(page);
    await page.locator('#key-section .badge', { hasText: 'sk-…4242' }).waitFor();
    expect(doc().platforms['YAML Lab'].api_key).toBe(PLAIN_KEY);
    await page.locator('#yaml-warnings', { hasText: 'plain-text api_key' }).waitFor();

    await page.check('#key-mode-env');
    await page.fill('#key-env', 'YAML_LAB_KEY');
    await page.click('#save-key');
    await page.locator('#key-section .badge', { hasText: '{YAML_LAB_KEY}' }).waitFor();
    expect(doc().platforms['YAML Lab'].api_key).toBe('{YAML_LAB_KEY}');
  });

  it("probes with the file's key (the upstream's refusal shown verbatim) or a typed one, and adds a model with extra_body", async () => {
    const { page } = rig;
    await page.click('#probe');
    await page.locator('#probe-error', { hasText: '401' }).waitFor();
    await page.fill('#probe-key', SYSTEM_KEY);
    await page.click('#probe');
    await page.locator('#probe-results [data-model="fake-reasoning"] button').click();
    await page.fill('#model-display-name', '推理');
    await page.fill('#model-extra-body', '{"enable_thinking": true, "thinking_budget": 64}');
    await page.fill('#model-input-price', '1');
    await page.fill('#model-output-price', '4');
    await page.click('#model-save');
    await toastWith(page, 'Model added');
    expect(doc().platforms['YAML Lab'].models).toEqual({
      推理: { model_name: 'fake-reasoning', extra_body: { enable_thinking: true, thinking_budget: 64 }, input_price: 1, output_price: 4 },
    });
    expect(yaml()).toContain('extra_body: { enable_thinking: true, thinking_budget: 64 }');
    await page.locator('#models-section tr', { hasText: '推理' }).locator('[data-action="edit-model"]').click();
    expect(await page.inputValue('#model-output-price')).toBe('4');
    await page.fill('#model-extra-body', '');
    await page.fill('#model-input-price', '');
    await page.fill('#model-output-price', '');
    await page.click('#model-save');
    await toastWith(page, 'Saved');
    expect(doc().platforms['YAML Lab'].models).toEqual({ 推理: 'fake-reasoning' });
    expect(await page.locator('#models-section [data-action="test-model"]').count()).toBe(1);
    await screenshot(page, '12-yaml-platforms');
  });

  it('moves a platform to the top of the file (the default)', async () => {
    await rig.page.click('#set-default');
    await toastWith(rig.page, 'is now the default');
    expect(Object.keys(doc().platforms)).toEqual(['YAML Lab', 'Fake', 'Spare']);
  });

  it('binds system usages in the file, and removes a custom one', async () => {
    const { page } = rig;
    await openPage(rig, 'usages');
    const fast = page.locator('#usages-table tr[data-id="fast"]');
    await fast.locator('select').first().selectOption({ label: 'YAML Lab' });
    await fast.locator('[data-action="save-usage"]').click();
    await toastWith(page, 'Usage "fast" saved');
    await page.fill('#new-usage-key', 'vision');
    await page.selectOption('#new-usage-platform', { label: 'Fake' });
    await page.click('#add-usage');
    await page.locator('#usages-table tr[data-id="vision"]').waitFor();
    expect(doc().usages).toMatchObject({ fast: { platform: 'YAML Lab', model: '推理' }, vision: { platform: 'Fake', model: 'chat' } });
    await screenshot(page, '13-yaml-usages');
    await page.locator('#usages-table tr[data-id="vision"] button.danger').click();
    await confirm(page);
    await page.locator('#usages-table tr[data-id="vision"]').waitFor({ state: 'detached' });
    expect(Object.keys(doc().usages)).toEqual(['main', 'fast', 'reason']);
  });

  it('refuses an edit the loader rejects, with its message, leaving the file byte-identical', async () => {
    const before = yaml();
    const refused = await rig.call('PUT', '/api/ai/admin/yaml/usages/fast', { platform: 'Fake', model: 'no-such-model' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CONFIG_INVALID');
    expect(refused.body.message).toContain('no-such-model');
    expect(yaml()).toBe(before);
  });

  it('applies the file to the database with "Reset DB from YAML"', async () => {
    await openPage(rig, 'settings');
    await rig.page.click('#reset-from-yaml');
    await confirm(rig.page);
    await rig.page.locator('#reset-report').waitFor();
    expect(await dbNames()).toEqual(['YAML Lab', 'Fake', 'Spare']);
  });

  it('deletes a model and a platform from the file, with the bindings that pointed at them', async () => {
    const { page } = rig;
    await openPage(rig, 'platforms');
    await page.locator('#models-section tr', { hasText: '推理' }).locator('[data-action="delete-model"]').click();
    await confirm(page);
    await page.locator('#models-section tr', { hasText: '推理' }).waitFor({ state: 'detached' });
    expect(doc().platforms['YAML Lab'].models).toEqual({});
    expect(Object.keys(doc().usages)).toEqual(['main', 'reason']);
    await page.click('#delete-platform');
    await confirm(page);
    await toastWith(page, 'Platform "YAML Lab" deleted');
    expect(Object.keys(doc().platforms)).toEqual(['Fake', 'Spare']);
    expect(yaml()).toContain("# Kept by the console: an operator's comment.");
  });

  it('speaks Chinese too, and never received a key in clear', async () => {
    const { page } = rig;
    await page.selectOption('#lang', 'zh');
    await page.locator('#mode-banner', { hasText: '重启后生效' }).waitFor();
    await screenshot(page, '14-yaml-zh');
    await page.selectOption('#lang', 'en');
    for (const body of rig.apiBodies) {
      expect(body).not.toContain(SYSTEM_KEY);
      expect(body).not.toContain(PLAIN_KEY);
    }
  });
});
