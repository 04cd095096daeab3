import { useNoNetworkGuard } from '../support/no-network';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

const A = 'alice';
const GOOD_PLATFORM = { name: 'Mine', baseUrl: 'https://api.example.com/v1' };
const GOOD_MODEL = { displayName: 'chat', modelName: 'gpt-4o-mini' };

type Case = [name: string, body: unknown, field: string];

/** Bad values of one field; POST merges them into a good platform, PUT sends them alone. */
const BAD_PLATFORM_FIELDS: Case[] = [
  ['name empty', { name: '' }, 'name'],
  ['name as a number', { name: 42 }, 'name'],
  ['name of 101 characters', { name: 'n'.repeat(101) }, 'name'],
  ['baseUrl without a protocol', { baseUrl: 'api.example.com/v1' }, 'baseUrl'],
  ['baseUrl with ftp', { baseUrl: 'ftp://api.example.com/v1' }, 'baseUrl'],
  ['baseUrl as javascript:', { baseUrl: 'javascript:alert(1)' }, 'baseUrl'],
  ['baseUrl that is not a URL', { baseUrl: 'not a url' }, 'baseUrl'],
  ['baseUrl of 501 characters', { baseUrl: `https://a.example.com/${'p'.repeat(480)}` }, 'baseUrl'],
  ['apiKey as a number', { apiKey: 12345 }, 'apiKey'],
  ['apiKey of 501 characters', { apiKey: `sk-${'k'.repeat(498)}` }, 'apiKey'],
  ['apiKeyEnv (operators only)', { apiKeyEnv: 'HOME' }, 'apiKeyEnv'],
  ['an unknown field', { ownerId: 'bob' }, 'ownerId'],
];

const BAD_PLATFORM: Case[] = [
  ...BAD_PLATFORM_FIELDS.map(([name, patch, field]): Case => [name, { ...GOOD_PLATFORM, ...(patch as object) }, field]),
  ['name missing', { baseUrl: GOOD_PLATFORM.baseUrl }, 'name'],
  ['baseUrl missing', { name: 'x' }, 'baseUrl'],
  ['models as an object', { ...GOOD_PLATFORM, models: { chat: 'x' } }, 'models'],
  ['a model as a string', { ...GOOD_PLATFORM, models: ['gpt-4o'] }, 'models'],
  ['a model without modelName', { ...GOOD_PLATFORM, models: [{ displayName: 'x' }] }, 'modelName'],
  ['a model with an unknown field', { ...GOOD_PLATFORM, models: [{ ...GOOD_MODEL, platformId: 1 }] }, 'platformId'],
  ['a model with extraBody as an array', { ...GOOD_PLATFORM, models: [{ ...GOOD_MODEL, extraBody: [1] }] }, 'extraBody'],
  ['a model whose extraBody sets the model', { ...GOOD_PLATFORM, models: [{ ...GOOD_MODEL, extraBody: { model: 'gpt-4o' } }] }, 'extraBody'],
];

const BAD_MODEL: Case[] = [
  ['displayName missing', { modelName: 'x' }, 'displayName'],
  ['displayName of 101 characters', { ...GOOD_MODEL, displayName: 'd'.repeat(101) }, 'displayName'],
  ['modelName of 201 characters', { ...GOOD_MODEL, modelName: 'm'.repeat(201) }, 'modelName'],
  ['modelName as a number', { ...GOOD_MODEL, modelName: 4 }, 'modelName'],
  ['extraBody as a string', { ...GOOD_MODEL, extraBody: '{"enable_thinking": false}' }, 'extraBody'],
  ['extraBody as an array', { ...GOOD_MODEL, extraBody: [{ a: 1 }] }, 'extraBody'],
  ['extraBody as a number', { ...GOOD_MODEL, extraBody: 3 }, 'extraBody'],
  ['extraBody setting messages', { ...GOOD_MODEL, extraBody: { messages: [{ role: 'user', content: 'hi' }] } }, 'extraBody'],
  ['extraBody setting stream_options', { ...GOOD_MODEL, extraBody: { stream_options: { include_usage: false } } }, 'extraBody'],
  ['a negative price', { ...GOOD_MODEL, inputPrice: -1 }, 'inputPrice'],
  ['a negative cached input price', { ...GOOD_MODEL, cachedInputPrice: -0.5 }, 'cachedInputPrice'],
  ['a price as a string', { ...GOOD_MODEL, outputPrice: '1.5' }, 'outputPrice'],
  ['an unknown field', { ...GOOD_MODEL, sortOrder: 0 }, 'sortOrder'],
];

const ID_ROUTES: [Method, string, unknown][] = [
  ['put', '/api/ai/user/platforms/:id', { name: 'x' }],
  ['delete', '/api/ai/user/platforms/:id', undefined],
  ['post', '/api/ai/user/platforms/:id/models', GOOD_MODEL],
  ['put', '/api/ai/user/models/:id', { modelName: 'x' }],
  ['delete', '/api/ai/user/models/:id', undefined],
  ['delete', '/api/ai/user/api-key/:id', undefined],
];

const BODY_ROUTES: [Method, string][] = [
  ['post', '/api/ai/user/platforms'],
  ['put', '/api/ai/user/platforms/:id'],
  ['post', '/api/ai/user/platforms/:id/models'],
  ['put', '/api/ai/user/models/:id'],
  ['post', '/api/ai/user/api-key'],
];

describe('user platform, model and key routes refuse bad input cleanly', () => {
  useNoNetworkGuard();
  let http: HttpApp;
  let platformId: number;
  let modelId: number;

  beforeAll(async () => {
    http = await HttpApp.start();
    const created = await http.post('/api/ai/user/platforms', A, { ...GOOD_PLATFORM, models: [GOOD_MODEL] });
    expect(created.status).toBe(201);
    platformId = (created.body as { id: number }).id;
    modelId = (created.body as { models: { id: number }[] }).models[0]!.id;
  });
  afterAll(async () => {
    await http.close();
  });

  const at = (path: string, id: string | number = platformId): string =>
    path.replace(':id', String(path.includes('/models/') ? (id === platformId ? modelId : id) : id));

  it.each(BAD_PLATFORM)('POST /platforms: %s → 400 naming the field', async (_name, body, field) => {
    expectValidationError(await http.post('/api/ai/user/platforms', A, body), field);
  });

  it.each([...BAD_PLATFORM_FIELDS, ['models (edited through their own routes)', { models: [] }, 'models'] as Case])(
    'PUT /platforms/:id: %s → 400 naming the field',
    async (_name, body, field) => {
      expectValidationError(await http.put(at('/api/ai/user/platforms/:id'), A, body), field);
    },
  );

  it.each(BAD_MODEL)('POST /platforms/:id/models: %s → 400 naming the field', async (_name, body, field) => {
    expectValidationError(await http.post(at('/api/ai/user/platforms/:id/models'), A, body), field);
  });

  it.each(BAD_MODEL.filter(([name]) => !/missing/.test(name)))('PUT /models/:id: %s → 400', async (_name, body, field) => {
    expectValidationError(await http.put(at('/api/ai/user/models/:id'), A, body), field);
  });

  it('a refusal of the body lists each field and rule (details.fields; nested ones by path), its message as before', async () => {
    const refused = await http.post('/api/ai/user/platforms', A, {
      ...GOOD_PLATFORM,
      name: 'n'.repeat(101),
      ownerId: 'bob',
      models: [{ ...GOOD_MODEL, platformId: 1 }],
    });
    expectValidationError(refused, 'name');
    const body = refused.body as { message: string; errors: string[]; details: { field: string; fields: { field: string; rule: string; message: string }[] } };
    expect(body.details.fields).toEqual(
      expect.arrayContaining([
        { field: 'name', rule: 'maxLength', message: 'name must be shorter than or equal to 100 characters' },
        { field: 'ownerId', rule: 'whitelistValidation', message: 'property ownerId should not exist' },
        { field: 'models.0.platformId', rule: 'whitelistValidation', message: 'models.0.property platformId should not exist' },
      ]),
    );
    expect(body.details.field).toBe(body.details.fields[0]!.field);
    // The messages are Nest's, one per broken rule, as they were before the fields were added.
    expect(body.details.fields.map((f) => f.message).sort()).toEqual([...body.errors].sort());
    expect(body.message).toBe(body.errors.join('; '));
  });

  it('PUT with null for a required name is refused by the service rules (400)', async () => {
    expectValidationError(await http.put(at('/api/ai/user/platforms/:id'), A, { name: null }), 'name');
    expectValidationError(await http.put(at('/api/ai/user/models/:id'), A, { displayName: '   ' }), 'displayName');
  });

  it.each([['abc'], ['0'], ['-1'], ['1.5'], ['-0'], ['99999999999'], ['2147483648'], ['Infinity'], ['NaN']])(
    'an id of %p is 400 VALIDATION_FAILED naming the parameter, on every route with an id',
    async (id) => {
      for (const [method, path, body] of ID_ROUTES) {
        const response = await http.call(method, path.replace(':id', id), { as: A, body });
        expectValidationError(response, path.includes('api-key') ? 'platformId' : 'id');
      }
    },
  );

  it.each(BODY_ROUTES)('%s %s: malformed JSON is 400, a body over 100 kB is 413, both clean JSON', async (method, path) => {
    expectCleanError(await http.call(method, at(path), { as: A, raw: '{"name": "x",' }), 400);
    expectCleanError(await http.call(method, at(path), { as: A, raw: '{"name": "x"}}' }), 400);
    expectCleanError(await http.call(method, at(path), { as: A, raw: JSON.stringify({ name: 'x'.repeat(110_000) }) }), 413);
    expectCleanError(await http.call(method, at(path), { as: A, raw: 'null' }), 400);
  });

  it('a deeply nested extraBody never answers with a stack or stores anything', async () => {
    let deep = '1';
    for (let i = 0; i < 4000; i += 1) deep = `{"a":${deep}}`;
    const raw = `{"name":"Deep","baseUrl":"https://api.example.com/v1","models":[{"displayName":"d","modelName":"d","extraBody":${deep}}]}`;
    const response = await http.call('post', '/api/ai/user/platforms', { as: A, raw });
    // Refused before class-transformer recurses (it would overflow the stack): see input-hardening.e2e-spec.ts.
    expectValidationError(response, 'nested more than');
    expect(((await http.get('/api/ai/user/platforms', A)).body as { name: string }[]).map((p) => p.name)).not.toContain('Deep');
  });
});
