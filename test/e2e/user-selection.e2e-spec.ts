import type { Response } from 'supertest';
import { useNoNetworkGuard } from '../support/no-network';
import { expectCleanError, expectValidationError, HttpApp } from './http-app';

const SELECTION = '/api/ai/user-selection';
const SLOT = '/api/ai/user-selection/usage';
const A = 'alice';
const B = 'bob';
const A_KEY = 'sk-alice-private-key-0000111122223333';

interface Slot {
  usage_key: string;
  platform_id: number | null;
  model_id: number | null;
  model_display_name: string | null;
}
interface Selection extends Slot {
  user_id: string;
  usage_selections: Slot[];
}
interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}

function selection(response: Response): Selection {
  return response.body as Selection;
}

describe('user selection routes (M3, M12): the seed’s three routes with snake_case bodies', () => {
  useNoNetworkGuard();
  let http: HttpApp;
  let deepSeek: Platform;
  let qwen: Platform;

  beforeAll(async () => {
    http = await HttpApp.start();
    const platforms = (await http.get('/api/ai/user/platforms', A)).body as Platform[];
    deepSeek = platforms.find((p) => p.name === 'DeepSeek')!;
    qwen = platforms.find((p) => p.name === '阿里云百炼')!;
  });
  afterAll(async () => {
    expect(http.leaked([A_KEY, 'sk-test-env-key-0000111122223333', 'sk-plain-yaml-key-aaaabbbbccccdddd'])).toEqual([]);
    await http.close();
  });

  const model = (platform: Platform, name: string): number => platform.models.find((m) => m.displayName === name)!.id;

  it('refuses every route without an identity (401)', async () => {
    for (const response of [
      await http.get(SELECTION),
      await http.post(SELECTION, undefined, { platform_id: 1, model_id: 1 }),
      await http.post(SLOT, undefined, { usage_key: 'x', platform_id: 1, model_id: 1 }),
    ]) {
      expectCleanError(response, 401, 'UNAUTHENTICATED');
    }
  });

  it('GET returns main by default, with usage_selections holding main, fast and reason', async () => {
    const response = await http.get(SELECTION, A);
    expect(response.status).toBe(200);
    expect(selection(response)).toMatchObject({
      user_id: A,
      usage_key: 'main',
      platform_id: deepSeek.id,
      model_id: model(deepSeek, 'DeepSeek-V3'),
      model_display_name: 'DeepSeek-V3',
      model_name: 'deepseek-chat',
      is_system_platform: true,
    });
    expect(selection(response).usage_selections.map((s) => s.usage_key)).toEqual(['main', 'fast', 'reason']);
  });

  it('GET ?usage_key=fast returns that slot; an unknown slot is 404 USAGE_SLOT_NOT_FOUND', async () => {
    expect(selection(await http.get(`${SELECTION}?usage_key=fast`, A))).toMatchObject({ usage_key: 'fast', platform_id: qwen.id });
    expectCleanError(await http.get(`${SELECTION}?usage_key=nothing-here`, A), 404, 'USAGE_SLOT_NOT_FOUND');
  });

  it('POST re-binds the slot named by usage_key, and main when it is omitted', async () => {
    const r1 = model(deepSeek, 'DeepSeek-R1');
    const fast = await http.post(SELECTION, A, { usage_key: 'fast', platform_id: deepSeek.id, model_id: r1 });
    expect(fast.status).toBe(200);
    expect(selection(fast)).toMatchObject({ usage_key: 'fast', platform_id: deepSeek.id, model_id: r1 });

    const main = await http.post(SELECTION, A, { platform_id: qwen.id, model_id: model(qwen, '通义flash') });
    expect(selection(main)).toMatchObject({ usage_key: 'main', platform_id: qwen.id });
    const all = selection(await http.get(SELECTION, A)).usage_selections;
    expect(all.find((s) => s.usage_key === 'fast')).toMatchObject({ model_id: r1 });
    expect(all.find((s) => s.usage_key === 'main')).toMatchObject({ platform_id: qwen.id });
  });

  it('POST refuses unknown slots and models with their domain codes', async () => {
    const v3 = model(deepSeek, 'DeepSeek-V3');
    expectCleanError(await http.post(SELECTION, A, { usage_key: 'nope', platform_id: deepSeek.id, model_id: v3 }), 404, 'USAGE_SLOT_NOT_FOUND');
    expectCleanError(await http.post(SELECTION, A, { platform_id: deepSeek.id, model_id: 999_999 }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.post(SELECTION, A, { platform_id: 999_999, model_id: v3 }), 404, 'MODEL_NOT_FOUND');
    // A real model, but not of that platform.
    expectCleanError(await http.post(SELECTION, A, { platform_id: deepSeek.id, model_id: model(qwen, '通义flash') }), 404, 'MODEL_NOT_FOUND');
  });

  it('POST /usage creates a custom slot (201); the same name again is 409 NAME_CONFLICT', async () => {
    const body = { usage_key: 'translate', platform_id: qwen.id, model_id: model(qwen, '通义flash') };
    const created = await http.post(SLOT, A, body);
    expect(created.status).toBe(201);
    expect(selection(created)).toMatchObject({ usage_key: 'translate', platform_id: qwen.id });
    expect(selection(created).usage_selections.map((s) => s.usage_key)).toContain('translate');
    expect(selection(await http.get(`${SELECTION}?usage_key=translate`, A))).toMatchObject({ usage_key: 'translate' });
    expectCleanError(await http.post(SLOT, A, body), 409, 'NAME_CONFLICT');
    expectCleanError(await http.post(SLOT, A, { ...body, usage_key: 'other', model_id: 999_999 }), 404, 'MODEL_NOT_FOUND');
  });

  it.each([
    ['camelCase fields are unknown', { platformId: 1, modelId: 1 }, 'platformId'],
    ['platform_id as a string', { platform_id: '1', model_id: 1 }, 'platform_id'],
    ['model_id as a float', { platform_id: 1, model_id: 1.5 }, 'model_id'],
    ['model_id zero', { platform_id: 1, model_id: 0 }, 'model_id'],
    ['platform_id negative', { platform_id: -3, model_id: 1 }, 'platform_id'],
    ['platform_id null', { platform_id: null, model_id: 1 }, 'platform_id'],
    ['usage_key with a space', { usage_key: 'my slot', platform_id: 1, model_id: 1 }, 'usage_key'],
    ['usage_key too long', { usage_key: 'k'.repeat(65), platform_id: 1, model_id: 1 }, 'usage_key'],
    ['usage_key as a number', { usage_key: 7, platform_id: 1, model_id: 1 }, 'usage_key'],
    ['an unknown field', { platform_id: 1, model_id: 1, user_id: 'bob' }, 'user_id'],
  ])('POST refuses %s (400 VALIDATION_FAILED)', async (_name, body, field) => {
    expectValidationError(await http.post(SELECTION, A, body), field);
    expectValidationError(await http.post(SLOT, A, { usage_key: 'fresh', ...body }), field);
  });

  it('fallbacks (issue 18): POST stores a chain, GET shows it, an omitted chain is kept and [] clears it', async () => {
    const v3 = model(deepSeek, 'DeepSeek-V3');
    const flash = model(qwen, '通义flash');
    const created = await http.post(SLOT, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: [{ platform_id: qwen.id, model_id: flash }] });
    expect(created.status).toBe(201);
    const chain = [{ platform_id: qwen.id, platform_name: qwen.name, model_id: flash, model_display_name: '通义flash' }];
    expect(created.body).toMatchObject({ usage_key: 'sturdy', fallbacks: chain });
    expect((await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: model(deepSeek, 'DeepSeek-R1') })).body).toMatchObject({ fallbacks: chain });
    expect((await http.get(`${SELECTION}?usage_key=sturdy`, A)).body).toMatchObject({ fallbacks: chain });
    expect((await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: [] })).body).toMatchObject({ fallbacks: [] });
    expectCleanError(await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: [{ platform_id: qwen.id, model_id: v3 }] }), 404, 'MODEL_NOT_FOUND');
    expectValidationError(await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: null }), 'fallbacks');
    expectValidationError(await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: [{ platformId: 1, modelId: 1 }] }), 'fallbacks');
    const six = Array.from({ length: 6 }, () => ({ platform_id: qwen.id, model_id: flash }));
    expectValidationError(await http.post(SELECTION, A, { usage_key: 'sturdy', platform_id: deepSeek.id, model_id: v3, fallbacks: six }), 'fallbacks');
  });

  it('POST /usage needs usage_key; GET validates usage_key and refuses unknown query fields', async () => {
    expectValidationError(await http.post(SLOT, A, { platform_id: 1, model_id: 1 }), 'usage_key');
    expectValidationError(await http.get(`${SELECTION}?usage_key=a%20b`, A), 'usage_key');
    expectValidationError(await http.get(`${SELECTION}?usage_key=a&usage_key=b`, A), 'usage_key');
    expectValidationError(await http.get(`${SELECTION}?usageKey=fast`, A), 'usageKey');
  });

  it('refuses malformed JSON (400) and oversized bodies (413) with a clean JSON error', async () => {
    for (const path of [SELECTION, SLOT]) {
      expectCleanError(await http.call('post', path, { as: A, raw: '{"platform_id": 1,' }), 400);
      expectCleanError(await http.call('post', path, { as: A, raw: '[1, 2]' }), 400, 'VALIDATION_FAILED');
      expectCleanError(await http.call('post', path, { as: A, raw: JSON.stringify({ usage_key: 'x'.repeat(120_000) }) }), 413);
    }
  });

  describe('between users', () => {
    let privatePlatform: Platform;

    beforeAll(async () => {
      const created = await http.post('/api/ai/user/platforms', A, {
        name: 'Alice private',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKey: A_KEY,
        models: [{ displayName: 'alice-model', modelName: 'alice-model' }],
      });
      expect(created.status).toBe(201);
      privatePlatform = created.body as Platform;
      await http.post(SELECTION, A, { usage_key: 'reason', platform_id: privatePlatform.id, model_id: privatePlatform.models[0]!.id });
      await http.post(SLOT, A, { usage_key: 'alice-only', platform_id: privatePlatform.id, model_id: privatePlatform.models[0]!.id });
    });

    it("B cannot bind a slot to A's private model, by update or by creation", async () => {
      const binding = { platform_id: privatePlatform.id, model_id: privatePlatform.models[0]!.id };
      expectCleanError(await http.post(SELECTION, B, binding), 404, 'MODEL_NOT_FOUND');
      expectCleanError(await http.post(SLOT, B, { usage_key: 'steal', ...binding }), 404, 'MODEL_NOT_FOUND');
    });

    it("B never sees A's slots, and B's changes leave A's slots alone", async () => {
      expectCleanError(await http.get(`${SELECTION}?usage_key=alice-only`, B), 404, 'USAGE_SLOT_NOT_FOUND');
      const bobs = selection(await http.get(SELECTION, B));
      expect(bobs.user_id).toBe(B);
      expect(bobs.usage_selections.map((s) => s.usage_key)).toEqual(['main', 'fast', 'reason']);
      expect(JSON.stringify(bobs)).not.toContain('Alice private');

      const before = selection(await http.get(SELECTION, A)).usage_selections;
      await http.post(SELECTION, B, { usage_key: 'reason', platform_id: deepSeek.id, model_id: model(deepSeek, 'DeepSeek-V3') });
      await http.post(SLOT, B, { usage_key: 'alice-only', platform_id: deepSeek.id, model_id: model(deepSeek, 'DeepSeek-V3') });
      const after = selection(await http.get(SELECTION, A)).usage_selections;
      expect(after).toEqual(before);
      expect(after.find((s) => s.usage_key === 'reason')).toMatchObject({ platform_id: privatePlatform.id });
    });
  });
});
