import type { TestingModule } from '@nestjs/testing';
import { readFileSync } from 'fs';
import { DataSource } from 'typeorm';
import { SystemPlatformService } from '../../src/llm-manager/admin/system-platform.service';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UserSelectionEntity } from '../../src/llm-manager/database/user-selection.entity';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { YamlSyncService } from '../../src/llm-manager/yaml-sync/yaml-sync.service';
import { TempStore } from '../support/temp-store';

const EXTRA_PLATFORM = `
  Extra:
    base_url: https://extra.example.com/v1
    models:
      extra-1: extra-model-1
`;

function names(platforms: Array<{ name: string }>): string[] {
  return platforms.map((p) => p.name);
}

async function bindings(moduleRef: TestingModule): Promise<Record<string, [number | null, number | null]>> {
  const rows = await moduleRef
    .get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN)
    .getRepository(UserSelectionEntity)
    .findBy({ userId: SYSTEM_USER_ID });
  return Object.fromEntries(rows.map((r) => [r.usageKey, [r.platformId, r.modelId]]));
}

describe('YAML sync: the three strategies of M11', () => {
  let store: TempStore;
  let moduleRef: TestingModule | undefined;

  beforeEach(() => {
    store = new TempStore();
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    store.remove();
  });

  it('first start on an empty database imports every platform, model and binding in YAML order', async () => {
    moduleRef = await store.start();
    const platforms = await moduleRef.get(SystemPlatformService).list();
    expect(names(platforms)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
    expect(platforms[0]).toMatchObject({ isDefault: true, keySource: 'env', usable: true, maskedKey: 'sk-…3333' });
    expect(platforms[0].models.map((m) => [m.displayName, m.modelName, m.extraBody])).toEqual([
      ['DeepSeek-V3', 'deepseek-chat', null],
      ['DeepSeek-R1', 'deepseek-reasoner', { thinking: { type: 'enabled' } }],
    ]);
    expect(platforms[1]).toMatchObject({ keySource: 'encrypted', maskedKey: 'sk-…dddd', usable: true });
    expect(platforms[2]).toMatchObject({ usable: false, keySource: 'env' });
    expect(platforms[2].unusableReason).toContain('NOT_SET_ANYWHERE');

    const deepseek = platforms[0];
    const qwen = platforms[1];
    expect(await bindings(moduleRef)).toEqual({
      main: [deepseek.id, deepseek.models[0].id],
      fast: [qwen.id, qwen.models[0].id],
      reason: [deepseek.id, deepseek.models[1].id],
    });
  });

  it('later starts add only what is new, never overwrite admin edits, never bring back admin deletions', async () => {
    moduleRef = await store.start();
    const system = moduleRef.get(SystemPlatformService);
    const [deepseek, qwen, missing] = await system.list();
    // Moved with its key named again: a stored key never follows a base URL on its own.
    await system.update(deepseek.id, { baseUrl: 'https://edited.example.com/v1', apiKeyEnv: deepseek.apiKeyEnv });
    await system.deleteModel(deepseek.models[1].id);
    await system.delete(missing.id);
    await moduleRef.close();

    store.writeYaml(
      readFileSync(store.yamlPath, 'utf8')
        .replace('      通义flash: qwen-flash', '      通义flash: qwen-flash-changed\n      通义plus: qwen-plus')
        .replace('usages:', EXTRA_PLATFORM.trimEnd() + '\nusages:')
        .replace('  reason:', '  custom: { platform: Extra, model: extra-1 }\n  reason:'),
    );
    moduleRef = await store.start();
    const after = await moduleRef.get(SystemPlatformService).list();
    expect(names(after)).toEqual(['DeepSeek', '阿里云百炼', 'Extra']);
    expect(after[0].baseUrl).toBe('https://edited.example.com/v1');
    expect(after[0].models.map((m) => m.displayName)).toEqual(['DeepSeek-V3']);
    expect(after[1].models.map((m) => [m.displayName, m.modelName])).toEqual([
      ['通义flash', 'qwen-flash'],
      ['通义plus', 'qwen-plus'],
    ]);
    expect(after[1].id).toBe(qwen.id);
    const bound = await bindings(moduleRef);
    expect(bound.custom).toEqual([after[2].id, after[2].models[0].id]);
    expect(bound.main).toEqual([deepseek.id, deepseek.models[0].id]);
  });

  it('warns with a code and details when a new usage or its fallback points at a model deleted in the database (issue 19)', async () => {
    moduleRef = await store.start();
    const system = moduleRef.get(SystemPlatformService);
    const [deepseek] = await system.list();
    await system.deleteModel(deepseek.models[1].id);
    store.writeYaml(
      readFileSync(store.yamlPath, 'utf8').replace(
        '  reason:',
        '  custom: { platform: DeepSeek, model: DeepSeek-R1 }\n' +
          '  backed: { platform: DeepSeek, model: DeepSeek-V3, fallbacks: [{ platform: DeepSeek, model: DeepSeek-R1 }] }\n  reason:',
      ),
    );
    const report = await moduleRef.get(YamlSyncService).syncIncremental();
    expect(report.warningDetails.map(({ code, details }) => ({ code, details }))).toEqual([
      { code: 'PLAINTEXT_API_KEY', details: { platform: '阿里云百炼', file: store.yamlPath, line: 13 } },
      { code: 'USAGE_TARGET_MISSING', details: { usageKey: 'custom', platform: 'DeepSeek', model: 'DeepSeek-R1' } },
      { code: 'FALLBACK_TARGET_MISSING', details: { usageKey: 'backed', platform: 'DeepSeek', model: 'DeepSeek-R1' } },
    ]);
    expect(report.warnings).toEqual(report.warningDetails.map((warning) => warning.message));
    expect(report.warnings[1]).toContain("Usage 'custom' points at DeepSeek/DeepSeek-R1");
  });

  it('force reset makes the system platforms equal the YAML, keeping users\' keys, platforms and ids', async () => {
    moduleRef = await store.start();
    const system = moduleRef.get(SystemPlatformService);
    const users = moduleRef.get(UserPlatformService);
    const [deepseek] = await system.list();
    await system.update(deepseek.id, { baseUrl: 'https://edited.example.com/v1', name: 'Renamed', apiKeyEnv: deepseek.apiKeyEnv });
    await system.create({ name: 'AdminOnly', baseUrl: 'https://admin.example.com/v1' });
    const qwen = (await system.list()).find((p) => p.name === '阿里云百炼')!;
    await users.setUserPlatformKey('alice', qwen.id, 'sk-alice-own-key-1234567890');
    const own = await users.addPlatform('alice', { name: 'AliceOwn', baseUrl: 'https://alice.example.com/v1' });

    const report = await moduleRef.get(YamlSyncService).forceReset();

    expect(report.mode).toBe('reset');
    expect(report.removed).toEqual(expect.arrayContaining(['Renamed', 'AdminOnly']));
    expect(report.replaced).toEqual(expect.arrayContaining(['阿里云百炼', '阿里云百炼/通义flash']));
    const after = await system.list();
    expect(names(after)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
    expect(after[0].baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(after[1].id).toBe(qwen.id);
    expect(after[1].models[0].id).toBe(qwen.models[0].id);
    expect(await users.listUserPlatformKeys('alice')).toEqual([
      expect.objectContaining({ platformId: qwen.id, maskedKey: 'sk-…7890' }),
    ]);
    expect(names(await users.listVisible('alice'))).toContain(own.name);
    expect(Object.keys(await bindings(moduleRef)).sort()).toEqual(['fast', 'main', 'reason']);
  });
});
