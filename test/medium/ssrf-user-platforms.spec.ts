import type { LookupAddress } from 'node:dns';
import { Test, type TestingModule } from '@nestjs/testing';
import { Agent } from 'http';
import type { DataSource } from 'typeorm';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { ModelProbeService } from '../../src/llm-manager/builder/model-probe.service';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { ModelEntity } from '../../src/llm-manager/database/model.entity';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { codeOf, failureOf } from '../support/failure';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/** DNS for names that exist only in this test; nothing is ever connected to the public address. */
const RESOLVER: HostResolver = {
  lookup: async (hostname: string): Promise<LookupAddress[]> => {
    const table: Record<string, string[]> = { 'api.public.test': ['93.184.215.14'] };
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: 4 }));
  },
};

/** The LlmManagerError somewhere in a cause chain (the OpenAI SDK and LangChain wrap what fetch throws). */
function guardErrorIn(error: unknown): LlmManagerError | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof LlmManagerError) return current;
  }
  return undefined;
}

describe('B8: users\' platforms cannot reach loopback (real app, real HTTP upstream on 127.0.0.1)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;
  let users: UserPlatformService;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());

  async function start(options: LlmManagerOptions = {}): Promise<void> {
    store = new TempStore(upstreamYaml(upstream.url));
    const all = store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, autoKey: true, ...options });
    moduleRef = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot(all)] })
      .overrideProvider(HostResolver)
      .useValue(RESOLVER)
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    manager = moduleRef.get(LlmManagerService);
    users = moduleRef.get(UserPlatformService);
  }
  beforeEach(() => upstream.reset());
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
  });

  /** A user platform written straight to the database, as an older version or a hand edit might have left it. */
  async function insertUserPlatform(ownerId: string, baseUrl: string): Promise<{ platformId: number; modelId: number }> {
    const dataSource = moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const platform = await dataSource.getRepository(PlatformEntity).save({ ownerId, name: 'Sneaky', baseUrl, apiKeyEnc: null, apiKeyEnv: null });
    const model = await dataSource.getRepository(ModelEntity).save({ platformId: platform.id, displayName: 'sneaky', modelName: 'fake-chat' });
    return { platformId: platform.id, modelId: model.id };
  }

  it('refuses loopback base URLs when a user creates or edits a platform, saying how to allow them', async () => {
    await start();
    const port = upstream.port;
    const created = await failureOf(users.addPlatform('alice', { name: 'Local', baseUrl: upstream.url }));
    expect(created).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass: 'loopback' } });
    expect(created.message).toContain('LLM_ALLOW_PRIVATE_BASE_URLS=true');
    expect(await codeOf(users.addPlatform('alice', { name: 'L2', baseUrl: `http://localhost:${port}/v1` }))).toBe('URL_NOT_ALLOWED');
    expect(await codeOf(users.addPlatform('alice', { name: 'L3', baseUrl: `http://2130706433:${port}/v1` }))).toBe('URL_NOT_ALLOWED');
    const withCredentials = await failureOf(users.addPlatform('alice', { name: 'L4', baseUrl: `http://me:hunter2-pw@127.0.0.1:${port}/v1` }));
    expect(withCredentials.message).not.toContain('hunter2');

    const remote = await users.addPlatform('alice', { name: 'Remote', baseUrl: 'https://api.public.test/v1' });
    const edited = users.updatePlatform('alice', remote.id, { baseUrl: `http://[::ffff:127.0.0.1]:${port}/v1` });
    expect(await codeOf(edited)).toBe('URL_NOT_ALLOWED');
    const own = (await users.listVisible('alice')).filter((platform) => platform.name !== 'Fake' && platform.name !== 'Spare');
    expect(own.map((platform) => [platform.name, platform.baseUrl])).toEqual([['Remote', 'https://api.public.test/v1']]);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a guarded probe of loopback; the host\'s own probe (the facade) stays unguarded', async () => {
    await start();
    const probe = moduleRef.get(ModelProbeService);
    const refused = await failureOf(probe.probePlatformModels(upstream.url, null, { guarded: true }));
    expect(refused).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass: 'loopback' } });
    const byName = probe.probePlatformModels(`http://localhost:${upstream.port}/v1`, null, { guarded: true });
    expect(await codeOf(byName)).toBe('URL_NOT_ALLOWED');
    expect(upstream.requests).toHaveLength(0);

    expect(await manager.probePlatformModels(upstream.url, null)).toContain('fake-chat');
    expect(await probe.probePlatformModels(upstream.url, null, { guarded: false })).toContain('fake-chat');
  });

  it('refuses the LLM call itself for a loopback platform that got into the database anyway', async () => {
    await start();
    const { platformId, modelId } = await insertUserPlatform('carol', upstream.url);
    await manager.updateUserSelection('carol', 'main', { platformId, modelId });

    const llm = await manager.getUserLlm('carol');
    const error = await llm.invoke('hello').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(guardErrorIn(error)).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass: 'loopback' } });

    const tested = await manager.testModel('carol', { platformId, modelId });
    expect(tested).toMatchObject({ ok: false, error: expect.stringContaining('127.0.0.1 is a loopback address') });
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('keeps system platforms on loopback working, for users and for the system', async () => {
    await start();
    expect((await (await manager.getUserLlm('dave')).invoke('hi')).content).toBe('Echo: hi');
    expect((await (await manager.getSpecSysLlm('Fake', 'chat')).invoke('there')).content).toBe('Echo: there');
    expect((await manager.testModel('dave', { usageKey: 'main' })).ok).toBe(true);
    expect(upstream.chatRequests).toHaveLength(3);
  });

  it("keeps the guarded upstream sockets open until calls in flight have drained at shutdown", async () => {
    // Users' platforms are called through UpstreamHttp's own agents (only public addresses, which this machine cannot
    // serve): what must hold is that shutdown closes them after the drain of calls in flight, not before it.
    await start();
    const events: string[] = [];
    const destroy = jest.spyOn(Agent.prototype, 'destroy').mockImplementation(function (this: Agent) {
      events.push('agent destroyed');
    });
    const recorder = moduleRef.get(CallRecorder);
    const drain = recorder.beforeApplicationShutdown.bind(recorder);
    jest.spyOn(recorder, 'beforeApplicationShutdown').mockImplementation(async () => {
      events.push('drain');
      await drain();
    });
    try {
      await moduleRef.close();
    } finally {
      destroy.mockRestore();
    }
    expect(events[0]).toBe('drain');
    expect(events).toContain('agent destroyed');
  });

  it('lets users reach loopback when the operator sets allowPrivateBaseUrls', async () => {
    await start({ allowPrivateBaseUrls: true });
    const probe = moduleRef.get(ModelProbeService);
    expect(await probe.probePlatformModels(upstream.url, null, { guarded: true })).toContain('fake-chat');
    const own = await users.addPlatform('erin', { name: 'Local', baseUrl: upstream.url }, [{ displayName: 'local', modelName: 'fake-chat' }]);
    await manager.updateUserSelection('erin', 'main', { platformId: own.id, modelId: own.models[0].id });
    expect((await (await manager.getUserLlm('erin')).invoke('mine')).content).toBe('Echo: mine');
    expect((await manager.testModel('erin', { platformId: own.id, modelId: own.models[0].id })).ok).toBe(true);
    expect(upstream.chatRequests).toHaveLength(2);
  });
});
