import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { HttpApp } from './http-app';

const OWN_KEY = 'sk-carol-own-key-000011112222cccc';

interface Platform {
  id: number;
  name: string;
  maskedKey: string | null;
  usable: boolean;
  unusableReason: string | null;
}

/** `usable` in a user's listing means "a call would find a key", the way KeyResolver decides (M5). */
describe.each([
  ['off', false],
  ['on', true],
])("a user's listing of system platforms with LLM_AUTO_KEY %s", (_label, autoKey) => {
  useNoNetworkGuard();
  let http: HttpApp;
  const fakeAs = async (user: string): Promise<Platform> =>
    ((await http.get('/api/ai/user/platforms', user)).body as Platform[]).find((p) => p.name === 'Fake')!;

  beforeAll(async () => {
    http = await HttpApp.start(upstreamYaml('http://127.0.0.1:9/v1'), { autoKey, env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY } });
  });
  afterAll(async () => {
    expect(http.leaked([OWN_KEY, SYSTEM_KEY])).toEqual([]);
    await http.close();
  });

  it('without a key of their own: usable only when the system key may pay, and its mask only then', async () => {
    const fake = await fakeAs('carol');
    if (autoKey) {
      expect(fake).toMatchObject({ usable: true, maskedKey: 'sk-…0001', unusableReason: null });
    } else {
      expect(fake).toMatchObject({ usable: false, maskedKey: null });
      expect(fake.unusableReason).toContain('POST /api/ai/user/api-key');
      const tested = (await http.post('/api/ai/user/test-model', 'carol', { usageKey: 'main' })).body as { ok: boolean; error?: string };
      expect(tested).toMatchObject({ ok: false, error: expect.stringMatching(/No API key/) });
    }
  });

  it('with a key of their own: usable, and the system key is not shown', async () => {
    const fake = await fakeAs('carol');
    expect((await http.post('/api/ai/user/api-key', 'carol', { platformId: fake.id, apiKey: OWN_KEY })).status).toBe(200);
    expect(await fakeAs('carol')).toMatchObject({ usable: true, maskedKey: null, unusableReason: null });
  });

  it('the admin (system user) still sees the system key masked', async () => {
    const fake = ((await http.call('get', '/api/ai/admin/sys-platforms', { as: '-1', admin: true })).body as Platform[]).find((p) => p.name === 'Fake');
    expect(fake).toMatchObject({ usable: true, maskedKey: 'sk-…0001' });
  });
});
