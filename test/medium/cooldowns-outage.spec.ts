import type { TestingModule } from '@nestjs/testing';
import { KeyCooldowns } from '../../src/llm-manager/cooldowns/key-cooldowns';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerDatabaseOptions } from '../../src/llm-manager/llm-manager.options';
import { baseTokenCount } from '../../src/llm-manager/usage/token-base-encoding';
import { yamlWithChain } from '../support/cooldown-instances';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TcpProxy } from '../support/tcp-proxy';
import { TempStore } from '../support/temp-store';
import { createTestDatabase, type TestDatabase } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';

const QUERY_TIMEOUT_MS = 5_000;

/**
 * Issue 18: cooldowns never hold up a call. With the PostgreSQL server frozen behind a real TCP hop, a warm model whose
 * first model fails still reaches its fallback long before the cooldown's write could time out.
 */
describe('cooldowns while the database is frozen', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let proxy: TcpProxy;
  let store: TempStore;
  let place: TestDatabase;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    baseTokenCount('warm up');
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    proxy = await TcpProxy.start(5432);
    store = new TempStore(yamlWithChain(upstream.url));
    place = createTestDatabase('postgres', store.dbPath);
    moduleRef = await store.start({
      database: { ...place.options, port: proxy.port } as LlmManagerDatabaseOptions,
      databaseQueryTimeoutMs: QUERY_TIMEOUT_MS,
      env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
      autoKey: true,
      maxRetries: 0,
      usageJournal: false,
    });
  });
  afterEach(async () => {
    await proxy.down();
    await proxy.up();
    await moduleRef.get(KeyCooldowns).idle();
    await moduleRef.close();
    await proxy.close();
    place.drop();
    store.remove();
    upstream.reset();
  });

  it('the failure of the first model is not written, yet the fallback answers at once', async () => {
    const llm = await moduleRef.get(LlmManagerService).getUserLlm('bob', { usageKey: 'resilient' });
    expect((await llm.invoke('warm')).content).toBe('Echo: warm');
    proxy.freeze();
    const started = Date.now();
    expect((await llm.invoke('hi')).content).toBe('Echo: hi');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-error-500', 'fake-chat', 'fake-error-500', 'fake-chat']);
  });
});
