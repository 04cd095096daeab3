import { useNoNetworkGuard } from '../support/no-network';
import { expectValidationError, HttpApp, type Method } from './http-app';

const A = 'alice';
const GOOD_PLATFORM = { name: 'Mine', baseUrl: 'https://api.example.com/v1' };
const GOOD_MODEL = { displayName: 'chat', modelName: 'gpt-4o-mini' };
const LONE = 'a\ud800';

/** Every route of the library that validates a JSON body, and whether it is the admin's. */
const BODY_ROUTES: Array<[Method, string, boolean]> = [
  ['post', '/api/ai/user/platforms', false],
  ['put', '/api/ai/user/platforms/:pid', false],
  ['post', '/api/ai/user/platforms/:pid/models', false],
  ['put', '/api/ai/user/models/:mid', false],
  ['post', '/api/ai/user/api-key', false],
  ['post', '/api/ai/user/probe', false],
  ['post', '/api/ai/user/test-model', false],
  ['post', '/api/ai/user-selection', false],
  ['post', '/api/ai/user-selection/usage', false],
  ['post', '/api/ai/admin/sys-platform', true],
  ['put', '/api/ai/admin/sys-platform', true],
  ['delete', '/api/ai/admin/sys-platform', true],
  ['post', '/api/ai/admin/sys-platform/api-key', true],
  ['post', '/api/ai/admin/sys-platform/:sid/models', true],
  ['put', '/api/ai/admin/sys-model/:smid', true],
  ['post', '/api/ai/admin/probe', true],
  ['post', '/api/ai/admin/test-model', true],
  ['post', '/api/ai/admin/usages', true],
  ['put', '/api/ai/admin/usages/main', true],
  ['post', '/api/ai/admin/tokens', true],
  ['post', '/api/ai/admin/users/bob/api-key', true],
  ['put', '/api/ai/admin/users/bob/slots/main', true],
  ['post', '/api/ai/admin/usage/purge', true],
];

/** Non-canonical spellings of the id 1 (and of 1000): each must be refused, not read as a number. */
const ODD_IDS = ['1e0', '1e3', '%201', '1%20', '01', '+1', '0x1', '1.0'];

interface Platform {
  id: number;
  name: string;
  models: { id: number }[];
}

function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('input no rule further down can handle is refused at the edge (400), and nothing is stored', () => {
  useNoNetworkGuard();
  let http: HttpApp;
  let ids: Record<string, number>;

  beforeAll(async () => {
    http = await HttpApp.start();
    const created = await http.post('/api/ai/user/platforms', A, { ...GOOD_PLATFORM, models: [GOOD_MODEL] });
    const system = ((await http.call('get', '/api/ai/admin/sys-platforms', { as: '-1', admin: true })).body as Platform[])[0]!;
    const mine = created.body as Platform;
    ids = { pid: mine.id, mid: mine.models[0]!.id, sid: system.id, smid: system.models[0]!.id };
  });
  afterAll(async () => {
    await http.close();
  });

  const at = (path: string): string => path.replace(/:(\w+)/g, (_m, name: string) => String(ids[name]));
  const platformsOf = async (user: string): Promise<string[]> =>
    ((await http.get('/api/ai/user/platforms', user)).body as Platform[]).map((p) => p.name);

  it.each(BODY_ROUTES)('%s %s: a body nested 2,400 levels deep is 400 VALIDATION_FAILED, not a stack overflow', async (method, path, admin) => {
    const response = await http.call(method, at(path), { as: admin ? '-1' : A, admin, raw: `{"x":${nested(2400)}}` });
    expectValidationError(response, 'nested more than 32 levels');
  });

  it('a real extraBody a few levels deep still passes', async () => {
    const extraBody = JSON.parse(nested(20)) as Record<string, unknown>;
    const response = await http.post(`/api/ai/user/platforms/${ids.pid}/models`, A, { ...GOOD_MODEL, displayName: 'deepish', extraBody });
    expect(response.status).toBe(201);
  });

  it('"models": null is 400 naming models on the user and the admin create routes', async () => {
    expectValidationError(await http.post('/api/ai/user/platforms', A, { ...GOOD_PLATFORM, name: 'Null', models: null }), 'models');
    const admin = await http.call('post', '/api/ai/admin/sys-platform', { as: '-1', admin: true, body: { ...GOOD_PLATFORM, name: 'Null', models: null } });
    expectValidationError(admin, 'models');
    expect(await platformsOf(A)).not.toContain('Null');
  });

  it.each([
    ['a platform name', '/api/ai/user/platforms', { ...GOOD_PLATFORM, name: LONE }, 'body.name'],
    ['a model name', '/api/ai/user/platforms', { ...GOOD_PLATFORM, name: 'S', models: [{ ...GOOD_MODEL, modelName: LONE }] }, 'body.models[0].modelName'],
    ['a key of extraBody', '/api/ai/user/platforms', { ...GOOD_PLATFORM, name: 'S', models: [{ ...GOOD_MODEL, extraBody: { [LONE]: 1 } }] }, 'extraBody'],
    ['an API key', '/api/ai/user/api-key', { platformId: 1, apiKey: `sk-${LONE}` }, 'body.apiKey'],
    ['a platform name (NUL, which PostgreSQL refuses)', '/api/ai/user/platforms', { ...GOOD_PLATFORM, name: 'S\u0000' }, 'body.name'],
  ])('an unpaired surrogate or NUL in %s is 400 naming the field, and nothing is stored', async (_name, path, body, field) => {
    expectValidationError(await http.post(path, A, body), field);
    expect(await platformsOf(A)).toEqual(expect.not.arrayContaining([LONE, 'S', 'S\u0000']));
  });

  it('a rename onto an ill-formed name is refused before it reaches the database', async () => {
    expectValidationError(await http.put(`/api/ai/user/platforms/${ids.pid}`, A, { name: LONE }), 'body.name');
    expect(await platformsOf(A)).toContain('Mine');
  });

  it('a surrogate pair (a character outside the BMP) is well-formed and stored as sent', async () => {
    const response = await http.post('/api/ai/user/platforms', A, { ...GOOD_PLATFORM, name: 'Emoji 😀' });
    expect(response.status).toBe(201);
    expect(await platformsOf(A)).toContain('Emoji 😀');
  });

  it('a NUL in a path parameter or a query is 400 too (PostgreSQL answered 500)', async () => {
    const admin = { as: '-1', admin: true };
    expectValidationError(await http.call('get', '/api/ai/admin/users/a%00b', admin), 'userId');
    expectValidationError(await http.call('get', '/api/ai/admin/tokens?userId=a%00b', admin), 'userId');
  });

  it.each(ODD_IDS)('the id %p is 400 on user routes, the token revocation and admin id routes', async (odd) => {
    const routes: Array<[Method, string, boolean, unknown]> = [
      ['put', `/api/ai/user/platforms/${odd}`, false, { name: 'x' }],
      ['delete', `/api/ai/user/platforms/${odd}`, false, undefined],
      ['post', `/api/ai/user/platforms/${odd}/models`, false, GOOD_MODEL],
      ['put', `/api/ai/user/models/${odd}`, false, { modelName: 'x' }],
      ['delete', `/api/ai/user/models/${odd}`, false, undefined],
      ['delete', `/api/ai/user/api-key/${odd}`, false, undefined],
      ['delete', `/api/ai/admin/tokens/${odd}`, true, undefined],
      ['post', `/api/ai/admin/sys-platform/${odd}/default`, true, undefined],
      ['delete', `/api/ai/admin/sys-platform?id=${odd}`, true, undefined],
      ['delete', `/api/ai/admin/users/bob/api-key/${odd}`, true, undefined],
    ];
    for (const [method, path, admin, body] of routes) {
      const response = await http.call(method, path, { as: admin ? '-1' : A, admin, body });
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await platformsOf(A)).toContain('Mine');
  });
});
