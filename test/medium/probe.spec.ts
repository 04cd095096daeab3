import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { failureOf } from '../support/failure';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

describe('probePlatformModels and testModel against a real HTTP upstream', () => {
  useNoNetworkGuard();
  const KEY = 'sk-probe-key-0000111122223333';
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY, models: ['m-1', 'm-2'] });
    store = new TempStore(upstreamYaml(upstream.url));
    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: KEY }, maxRetries: 0 });
    manager = moduleRef.get(LlmManagerService);
  });
  afterAll(async () => {
    await moduleRef.close();
    store.remove();
    await upstream.close();
  });

  it('lists model ids, with or without /v1 in the base URL', async () => {
    expect(await manager.probePlatformModels(upstream.url, KEY)).toEqual(['m-1', 'm-2']);
    expect(await manager.probePlatformModels(upstream.url.replace(/\/v1$/, ''), KEY)).toEqual(['m-1', 'm-2']);
  });

  it('says clearly when the key is wrong, the path is wrong, or the host is unreachable', async () => {
    const unauthorized = await failureOf(manager.probePlatformModels(upstream.url, 'sk-wrong-key-999988887777'));
    expect(unauthorized).toMatchObject({ code: 'UPSTREAM_ERROR', details: { status: 401 } });
    expect(unauthorized.message).toMatch(/rejected the API key/);
    expect(unauthorized.message).not.toContain('sk-wrong-key');

    const notFound = await failureOf(manager.probePlatformModels(`${upstream.url}/nothing/v1`, KEY));
    expect(notFound).toMatchObject({ code: 'UPSTREAM_ERROR', details: { status: 404 } });
    expect(notFound.message).toMatch(/base_url/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await failureOf(manager.probePlatformModels(`http://127.0.0.1:${port}/v1`, KEY));
    expect(unreachable.message).toMatch(/unreachable \(ECONNREFUSED\)/);
  });

  it('times out a silent server', async () => {
    const silent: Server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const service = moduleRef.get((await import('../../src/llm-manager/builder/model-probe.service')).ModelProbeService);
    try {
      const error = await failureOf(service.probePlatformModels(`http://127.0.0.1:${port}/v1`, KEY, { timeoutMs: 200 }));
      expect(error.message).toMatch(/did not answer within/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('tests a model: latency on success, the upstream error otherwise', async () => {
    const fake = (await manager.listPlatforms('-1')).find((p) => p.name === 'Fake')!;
    const chat = fake.models.find((m) => m.displayName === 'chat')!;
    const broken = fake.models.find((m) => m.displayName === 'broken')!;
    const ok = await manager.testModel(undefined, { platformId: fake.id, modelId: chat.id });
    expect(ok.ok).toBe(true);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const failed = await manager.testModel(undefined, { platformId: fake.id, modelId: broken.id });
    expect(failed).toMatchObject({ ok: false, status: 500 });
    expect(failed.error).toBeTruthy();
    expect((await manager.testModel(undefined, { usageKey: 'fast' })).ok).toBe(true);
    expect((await failureOf(manager.testModel(undefined, { platformId: fake.id, modelId: 99999 }))).code).toBe('MODEL_NOT_FOUND');
  });
});
