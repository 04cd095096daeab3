import type { TestingModule } from '@nestjs/testing';
import { SystemPlatformService } from '../../src/llm-manager/admin/system-platform.service';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { codeOf } from '../support/failure';
import { TempStore } from '../support/temp-store';

describe('platform catalogue (admin module) on a SQLite file', () => {
  let store: TempStore;
  let moduleRef: TestingModule;
  let system: SystemPlatformService;
  let users: UserPlatformService;

  async function start(useSysLlmConfig: boolean): Promise<void> {
    moduleRef = await store.start({ useSysLlmConfig });
    system = moduleRef.get(SystemPlatformService);
    users = moduleRef.get(UserPlatformService);
  }

  beforeEach(() => {
    store = new TempStore();
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
  });

  describe('system platforms', () => {
    beforeEach(() => start(false));

    it('creates, edits, reorders and deletes, with keys only ever masked', async () => {
      const created = await system.create(
        { name: 'Kimi', baseUrl: 'https://api.moonshot.cn/v1/', apiKey: 'sk-kimi-secret-000011112222' },
        [{ displayName: 'K2', modelName: 'kimi-k2', extraBody: { temperature: 0.6 } }],
      );
      expect(created).toMatchObject({
        name: 'Kimi',
        baseUrl: 'https://api.moonshot.cn/v1',
        isSystem: true,
        isDefault: false,
        maskedKey: 'sk-…2222',
        keySource: 'encrypted',
      });
      expect(JSON.stringify(created)).not.toContain('sk-kimi-secret');

      const kept = await system.update(created.id, { apiKey: created.maskedKey, name: 'Kimi' });
      expect(kept.maskedKey).toBe('sk-…2222');
      // The mask keeps the key, but never takes it to another base URL.
      await expect(system.update(created.id, { apiKey: created.maskedKey, baseUrl: 'https://api.moonshot.ai/v1' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      const replaced = await system.setApiKey(created.id, 'sk-kimi-rotated-99998888');
      expect(replaced.maskedKey).toBe('sk-…8888');

      const top = await system.setDefault(created.id);
      expect(top.isDefault).toBe(true);
      expect((await system.list()).map((p) => p.name)).toEqual(['Kimi', 'DeepSeek', '阿里云百炼', 'MissingEnv']);

      const model = await system.addModel(created.id, { displayName: 'K2-thinking', modelName: 'kimi-k2-thinking' });
      expect((await system.updateModel(model.id, { extraBody: { thinking: true } })).extraBody).toEqual({ thinking: true });
      await system.deleteModel(model.id);
      await system.delete(created.id);
      expect((await system.list()).map((p) => p.name)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
    });

    it('refuses duplicates and bad input with clear errors, changing nothing', async () => {
      expect(await codeOf(system.create({ name: 'DeepSeek', baseUrl: 'https://x.example.com' }))).toBe('NAME_CONFLICT');
      expect(await codeOf(system.create({ name: 'X', baseUrl: 'ftp://x.example.com' }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(system.create({ name: '  ', baseUrl: 'https://x.example.com' }))).toBe('VALIDATION_FAILED');
      const [deepseek] = await system.list();
      expect(
        await codeOf(system.addModel(deepseek.id, { displayName: 'DeepSeek-V3', modelName: 'other' })),
      ).toBe('NAME_CONFLICT');
      expect(
        await codeOf(
          system.addModel(deepseek.id, {
            displayName: 'Bad',
            modelName: 'bad',
            extraBody: ['not', 'an', 'object'] as unknown as Record<string, unknown>,
          }),
        ),
      ).toBe('VALIDATION_FAILED');
      expect(await codeOf(system.update(999, { name: 'nope' }))).toBe('PLATFORM_NOT_FOUND');
      expect((await system.list()).map((p) => p.name)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
      expect((await system.list())[0].models).toHaveLength(2);
    });
  });

  describe('custom-platform mode (M1.3)', () => {
    beforeEach(() => start(false));

    it('gives each user private platforms that no other user can see or touch', async () => {
      const alice = await users.addPlatform(
        'alice',
        { name: 'Mine', baseUrl: 'https://alice.example.com/v1', apiKey: 'sk-alice-private-key-4321' },
        [{ displayName: 'a1', modelName: 'alice-model' }],
      );
      const bob = await users.addPlatform('bob', { name: 'Mine', baseUrl: 'https://bob.example.com/v1' });
      expect(alice.id).not.toBe(bob.id);

      const aliceSees = await users.listVisible('alice');
      expect(aliceSees.map((p) => [p.name, p.isSystem])).toEqual([
        ['DeepSeek', true],
        ['阿里云百炼', true],
        ['MissingEnv', true],
        ['Mine', false],
      ]);
      expect(aliceSees[3].baseUrl).toBe('https://alice.example.com/v1');
      expect((await users.listVisible('bob')).filter((p) => !p.isSystem).map((p) => p.baseUrl)).toEqual([
        'https://bob.example.com/v1',
      ]);
      expect((await system.list()).map((p) => p.name)).not.toContain('Mine');

      expect(await codeOf(users.updatePlatform('bob', alice.id, { name: 'stolen' }))).toBe('PLATFORM_NOT_FOUND');
      expect(await codeOf(users.deletePlatform('bob', alice.id))).toBe('PLATFORM_NOT_FOUND');
      expect(await codeOf(users.addModel('bob', alice.id, { displayName: 'x', modelName: 'x' }))).toBe(
        'PLATFORM_NOT_FOUND',
      );
      expect(await codeOf(users.deleteModel('bob', alice.models[0].id))).toBe('MODEL_NOT_FOUND');
      expect(await codeOf(users.updateModel('bob', alice.models[0].id, { modelName: 'x' }))).toBe('MODEL_NOT_FOUND');
      const [deepseek] = await system.list();
      expect(await codeOf(users.updatePlatform('alice', deepseek.id, { name: 'mine now' }))).toBe('PLATFORM_NOT_FOUND');
      expect(await codeOf(users.deletePlatform('alice', deepseek.id))).toBe('PLATFORM_NOT_FOUND');

      expect(await codeOf(users.addPlatform('alice', { name: 'Mine', baseUrl: 'https://x.example.com' }))).toBe(
        'NAME_CONFLICT',
      );
      await users.deletePlatform('alice', alice.id);
      expect((await users.listVisible('alice')).filter((p) => !p.isSystem)).toEqual([]);
      expect((await users.listVisible('bob')).filter((p) => !p.isSystem)).toHaveLength(1);
    });

    it('keeps each user\'s own key for a system platform apart', async () => {
      const [deepseek] = await system.list();
      await users.setUserPlatformKey('alice', deepseek.id, 'sk-alice-deepseek-aaaa1111');
      await users.setUserPlatformKey('alice', deepseek.id, 'sk-alice-deepseek-bbbb2222');
      expect(await users.listUserPlatformKeys('alice')).toEqual([
        expect.objectContaining({ platformId: deepseek.id, platformName: 'DeepSeek', maskedKey: 'sk-…2222' }),
      ]);
      expect(await users.listUserPlatformKeys('bob')).toEqual([]);
      const mine = await users.addPlatform('alice', { name: 'Own', baseUrl: 'https://own.example.com/v1' });
      expect(await codeOf(users.setUserPlatformKey('alice', mine.id, 'sk-x-000000000000'))).toBe('PLATFORM_NOT_FOUND');
      expect(await users.deleteUserPlatformKey('alice', deepseek.id)).toBe(true);
      expect(await users.listUserPlatformKeys('alice')).toEqual([]);
    });

    it('two first saves of the same key at once both succeed, and the key is one of them (issue 14: a 500 before)', async () => {
      const [deepseek] = await system.list();
      const saves = ['sk-dora-first-aaaa1111', 'sk-dora-second-bbbb2222'].map((key) => users.setUserPlatformKey('dora', deepseek.id, key));
      const results = await Promise.allSettled(saves);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const [kept] = await users.listUserPlatformKeys('dora');
      expect(['sk-…1111', 'sk-…2222']).toContain(kept.maskedKey);
    });
  });

  describe('fixed-platform mode (M1.2)', () => {
    beforeEach(() => start(true));

    it('refuses every platform or model change by users, but accepts their own keys', async () => {
      const [deepseek] = await system.list();
      const attempts = [
        users.addPlatform('alice', { name: 'Mine', baseUrl: 'https://alice.example.com/v1' }),
        users.updatePlatform('alice', deepseek.id, { name: 'x' }),
        users.deletePlatform('alice', deepseek.id),
        users.addModel('alice', deepseek.id, { displayName: 'x', modelName: 'x' }),
        users.updateModel('alice', deepseek.models[0].id, { modelName: 'x' }),
        users.deleteModel('alice', deepseek.models[0].id),
      ];
      for (const attempt of attempts) expect(await codeOf(attempt)).toBe('FORBIDDEN_IN_FIXED_MODE');
      expect((await users.listVisible('alice')).map((p) => p.name)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
      const saved = await users.setUserPlatformKey('alice', deepseek.id, 'sk-alice-fixed-mode-77776666');
      expect(saved.maskedKey).toBe('sk-…6666');
    });
  });
});
