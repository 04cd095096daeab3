import type { Response } from 'supertest';
import type { DataSource } from 'typeorm';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { UserSelectionService } from '../../src/llm-manager/user-selection/user-selection.service';
import type { SlotView, UserSelectionView } from '../../src/llm-manager/user-selection/selection.types';
import type { TimelinePoint, UsageSummary } from '../../src/llm-manager/usage/usage-query.types';
import { NO_TOKEN_DETAILS } from '../support/usage-rows';
import { useNoNetworkGuard } from '../support/no-network';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('admin: system usage bindings and usage statistics over HTTP', () => {
  useNoNetworkGuard();
  let app: HttpApp;
  let deepseek: PlatformView;
  let bailian: PlatformView;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });

  /** Usage rows written straight into the table, at known times before now. */
  async function seedUsage(): Promise<void> {
    const now = Date.now();
    const v3 = deepseek.models[0]!.id;
    const r1 = deepseek.models[1]!.id;
    const row = (userId: string, modelId: number, ago: number, tokens: [number, number], agentName: string | null, success = true): Partial<UsageLogEntryEntity> => ({
      userId,
      modelId,
      promptTokens: tokens[0],
      completionTokens: tokens[1],
      totalTokens: tokens[0] + tokens[1],
      success,
      agentName,
      costMicroUsd: 0,
      createdAt: new Date(now - ago),
    });
    await app.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).insert([
      row('alice', v3, 1 * HOUR, [100, 50], 'agent_muse'),
      row('alice', r1, 2 * HOUR, [300, 200], 'agent_muse'),
      row('alice', v3, 3 * DAY, [10, 0], null, false),
      row('alice', v3, 40 * DAY, [1000, 1000], 'agent_old'),
      row('bob', r1, 30 * 60_000, [20, 20], null),
    ]);
  }

  beforeAll(async () => {
    app = await HttpApp.start();
    const list = (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
    deepseek = list.find((p) => p.name === 'DeepSeek')!;
    bailian = list.find((p) => p.name === '阿里云百炼')!;
    await seedUsage();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('system usage bindings', () => {
    it('lists the system slots from the YAML', async () => {
      const response = await admin('get', '/api/ai/admin/usages');
      expect(response.status).toBe(200);
      const slots = response.body as SlotView[];
      expect(slots.map((s) => [s.usage_key, s.platform_name, s.model_display_name])).toEqual([
        ['main', 'DeepSeek', 'DeepSeek-V3'],
        ['fast', '阿里云百炼', '通义flash'],
        ['reason', 'DeepSeek', 'DeepSeek-R1'],
      ]);
    });

    it('re-binds a system slot', async () => {
      const r1 = deepseek.models[1]!;
      const response = await admin('put', '/api/ai/admin/usages/fast', { platformId: deepseek.id, modelId: r1.id });
      expect(response.status).toBe(200);
      expect(response.body as UserSelectionView).toMatchObject({ user_id: '-1', usage_key: 'fast', platform_id: deepseek.id, model_id: r1.id, is_system_platform: true });
      expect((response.body as UserSelectionView).usage_selections).toHaveLength(3);
      // A user arriving now starts from the new binding.
      expect(await app.app.get(UserSelectionService).getUserSelection('newcomer', 'fast')).toMatchObject({ model_id: r1.id });
    });

    it('adds a system slot (201) that new users inherit, and refuses it twice (409)', async () => {
      const model = bailian.models[0]!;
      const created = await admin('post', '/api/ai/admin/usages', { usageKey: 'vision.v2', platformId: bailian.id, modelId: model.id });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ usage_key: 'vision.v2', platform_name: '阿里云百炼', model_display_name: '通义flash' });
      expect(await app.app.get(UserSelectionService).getUserSelection('carol', 'vision.v2')).toMatchObject({ model_id: model.id });
      expectCleanError(await admin('post', '/api/ai/admin/usages', { usageKey: 'vision.v2', platformId: bailian.id, modelId: model.id }), 409, 'NAME_CONFLICT');
    });

    it('stores a fallback chain (issue 18) that new users inherit; a private model cannot be in it', async () => {
      const [v3, r1] = [deepseek.models[0]!.id, deepseek.models[1]!.id];
      const flash = bailian.models[0]!.id;
      const created = await admin('post', '/api/ai/admin/usages', { usageKey: 'sturdy', platformId: deepseek.id, modelId: v3, fallbacks: [{ platformId: bailian.id, modelId: flash }, { platformId: deepseek.id, modelId: r1 }] });
      expect(created.status).toBe(201);
      const names = (view: SlotView): string[] => view.fallbacks.map((f) => `${f.platform_name}/${f.model_display_name}`);
      expect(names(created.body as SlotView)).toEqual(['阿里云百炼/通义flash', 'DeepSeek/DeepSeek-R1']);
      expect(names(await app.app.get(UserSelectionService).getUserSelection('dora', 'sturdy'))).toEqual(['阿里云百炼/通义flash', 'DeepSeek/DeepSeek-R1']);
      const listed = ((await admin('get', '/api/ai/admin/usages')).body as SlotView[]).find((s) => s.usage_key === 'sturdy')!;
      expect(names(listed)).toEqual(['阿里云百炼/通义flash', 'DeepSeek/DeepSeek-R1']);
      const own = await app.app.get(UserPlatformService).addPlatform('alice', { name: 'Mine2', baseUrl: 'https://mine2.example/v1' }, [{ displayName: 'm', modelName: 'm' }]);
      expectCleanError(await admin('put', '/api/ai/admin/usages/sturdy', { platformId: deepseek.id, modelId: v3, fallbacks: [{ platformId: own.id, modelId: own.models[0]!.id }] }), 404, 'MODEL_NOT_FOUND');
      expectValidationError(await admin('put', '/api/ai/admin/usages/sturdy', { platformId: deepseek.id, modelId: v3, fallbacks: [{ platform_id: deepseek.id, model_id: v3 }] }), 'fallbacks');
      const cleared = await admin('put', '/api/ai/admin/usages/sturdy', { platformId: deepseek.id, modelId: v3, fallbacks: [] });
      expect((cleared.body as SlotView).fallbacks).toEqual([]);
    });

    it('refuses unknown slots, models of other platforms, private models and bad input', async () => {
      const v3 = deepseek.models[0]!.id;
      expectCleanError(await admin('put', '/api/ai/admin/usages/nope', { platformId: deepseek.id, modelId: v3 }), 404, 'USAGE_SLOT_NOT_FOUND');
      expectCleanError(await admin('put', '/api/ai/admin/usages/main', { platformId: bailian.id, modelId: v3 }), 404, 'MODEL_NOT_FOUND');
      expectCleanError(await admin('put', '/api/ai/admin/usages/main', { platformId: deepseek.id, modelId: 999_999 }), 404, 'MODEL_NOT_FOUND');
      const own = await app.app.get(UserPlatformService).addPlatform('alice', { name: 'Mine', baseUrl: 'https://mine.example/v1' }, [{ displayName: 'm', modelName: 'm' }]);
      expectCleanError(await admin('post', '/api/ai/admin/usages', { usageKey: 'private', platformId: own.id, modelId: own.models[0]!.id }), 404, 'MODEL_NOT_FOUND');

      expectValidationError(await admin('put', '/api/ai/admin/usages/bad%20key', { platformId: deepseek.id, modelId: v3 }), 'usageKey');
      expectValidationError(await admin('put', `/api/ai/admin/usages/${'k'.repeat(65)}`, { platformId: deepseek.id, modelId: v3 }), 'usageKey');
      expectValidationError(await admin('put', '/api/ai/admin/usages/main', { platformId: String(deepseek.id), modelId: v3 }), 'platformId');
      expectValidationError(await admin('put', '/api/ai/admin/usages/main', { platformId: deepseek.id }), 'modelId');
      expectValidationError(await admin('put', '/api/ai/admin/usages/main', { platform_id: deepseek.id, platformId: deepseek.id, modelId: v3 }), 'platform_id');
      expectValidationError(await admin('post', '/api/ai/admin/usages', { usageKey: 'with/slash', platformId: deepseek.id, modelId: v3 }), 'usageKey');
      expectValidationError(await admin('post', '/api/ai/admin/usages', { platformId: deepseek.id, modelId: v3 }), 'usageKey');
    });
  });

  describe('usage statistics', () => {
    it('totals per user, all time and since a duration', async () => {
      const all = await admin('get', '/api/ai/admin/usage/users');
      expect(all.status).toBe(200);
      expect(all.body).toEqual([
        { user_id: 'alice', tokens: 2660, prompt_tokens: 1410, completion_tokens: 1250, requests: 4, errors: 1, ...NO_TOKEN_DETAILS },
        { user_id: 'bob', tokens: 40, prompt_tokens: 20, completion_tokens: 20, requests: 1, errors: 0, ...NO_TOKEN_DETAILS },
      ]);
      const recent = (await admin('get', '/api/ai/admin/usage/users?since=24h')).body as Array<{ user_id: string } & UsageSummary>;
      expect(recent.map((u) => [u.user_id, u.tokens, u.requests])).toEqual([['alice', 650, 2], ['bob', 40, 1]]);
      const iso = new Date(Date.now() - 7 * DAY).toISOString();
      expect((await admin('get', `/api/ai/admin/usage/users?since=${encodeURIComponent(iso)}`)).body).toEqual([
        expect.objectContaining({ user_id: 'alice', tokens: 660, requests: 3, errors: 1 }),
        expect.objectContaining({ user_id: 'bob', tokens: 40 }),
      ]);
    });

    it('totals of everyone', async () => {
      expect((await admin('get', '/api/ai/admin/usage/total')).body).toEqual({ tokens: 2700, prompt_tokens: 1430, completion_tokens: 1270, requests: 5, errors: 1, ...NO_TOKEN_DETAILS });
      expect((await admin('get', '/api/ai/admin/usage/total?since=90m')).body).toMatchObject({ tokens: 190, requests: 2 });
    });

    it("one user's summary, per model, per agent and timeline", async () => {
      expect((await admin('get', '/api/ai/admin/usage/users/alice?since=30d')).body).toEqual({ tokens: 660, prompt_tokens: 410, completion_tokens: 250, requests: 3, errors: 1, ...NO_TOKEN_DETAILS });
      expect((await admin('get', '/api/ai/admin/usage/users/nobody')).body).toEqual({ tokens: 0, prompt_tokens: 0, completion_tokens: 0, requests: 0, errors: 0, ...NO_TOKEN_DETAILS });

      const byModel = (await admin('get', '/api/ai/admin/usage/users/alice/by-model?since=7d')).body as Array<{ model_name: string; tokens: number }>;
      expect(byModel.map((m) => [m.model_name, m.tokens])).toEqual([['DeepSeek-R1', 500], ['DeepSeek-V3', 160]]);
      const byAgent = (await admin('get', '/api/ai/admin/usage/users/alice/by-agent')).body as Array<{ agent_name: string | null; tokens: number }>;
      expect(byAgent.map((a) => [a.agent_name, a.tokens])).toEqual([['agent_old', 2000], ['agent_muse', 650], [null, 10]]);

      const hourly = (await admin('get', '/api/ai/admin/usage/users/alice/timeline')).body as TimelinePoint[];
      expect(hourly.length).toBeGreaterThanOrEqual(24);
      expect(hourly.reduce((sum, p) => sum + p.tokens, 0)).toBe(650);
      expect(hourly[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00$/);
      const daily = (await admin('get', '/api/ai/admin/usage/users/alice/timeline?granularity=day&since=7d')).body as TimelinePoint[];
      expect(daily.length).toBeGreaterThanOrEqual(7);
      expect(daily.reduce((sum, p) => sum + p.requests, 0)).toBe(3);
      expect(daily.reduce((sum, p) => sum + p.errors, 0)).toBe(1);
    });

    it.each([
      ['since', '/api/ai/admin/usage/users?since=yesterday'],
      ['since', '/api/ai/admin/usage/total?since=2026-02-30'],
      ['since', '/api/ai/admin/usage/total?since=0d'],
      ['since', '/api/ai/admin/usage/users/alice?since='],
      ['since', '/api/ai/admin/usage/users/alice/by-model?since=7d&since=1d'],
      ['granularity', '/api/ai/admin/usage/users/alice/timeline?granularity=week'],
      ['until', '/api/ai/admin/usage/users/alice/by-agent?until=2026-13-01'],
      ['until', '/api/ai/admin/usage/total?since=2026-02-01&until=2026-01-01'],
      ['userId', `/api/ai/admin/usage/users/${'u'.repeat(65)}`],
      ['hour', '/api/ai/admin/usage/users/alice/timeline?granularity=hour&since=3650d'],
    ])('refuses a bad %s (400 VALIDATION_FAILED)', async (field, path) => {
      expectValidationError(await admin('get', path), field);
    });

    it('purges rows older than a number of days and says how many', async () => {
      expectValidationError(await admin('post', '/api/ai/admin/usage/purge', {}), 'olderThanDays');
      expectValidationError(await admin('post', '/api/ai/admin/usage/purge', { olderThanDays: 0 }), 'olderThanDays');
      expectValidationError(await admin('post', '/api/ai/admin/usage/purge', { olderThanDays: '30' }), 'olderThanDays');
      expectValidationError(await admin('post', '/api/ai/admin/usage/purge', { olderThanDays: 1.5 }), 'olderThanDays');

      const purged = await admin('post', '/api/ai/admin/usage/purge', { olderThanDays: 30 });
      expect(purged.status).toBe(200);
      expect(purged.body).toEqual({ deleted: 1 });
      expect((await admin('post', '/api/ai/admin/usage/purge', { olderThanDays: 30 })).body).toEqual({ deleted: 0 });
      expect((await admin('get', '/api/ai/admin/usage/total')).body).toMatchObject({ tokens: 700, requests: 4 });
    });
  });
});
