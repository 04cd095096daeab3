import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { LlmManagerExceptionFilter } from '../../src/llm-manager/common/llm-manager-exception.filter';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerDatabaseOptions } from '../../src/llm-manager/llm-manager.options';
import { TcpProxy } from '../support/tcp-proxy';
import { TempStore } from '../support/temp-store';
import { createTestDatabase, type TestDatabase, type TestEngineName } from '../support/test-engine';

const QUERY_TIMEOUT_MS = 800;
const CONNECT_TIMEOUT_MS = 800;

/**
 * Issue 14, finding 12: a cold `getUserLlm()` while the database server is down or frozen fails fast with a coded
 * `DATABASE_UNAVAILABLE` (503 on routes), not a raw driver error after the whole freeze. A real server behind a real
 * TCP hop that the test takes down or freezes; nothing of the driver is mocked.
 */
describe.each<[TestEngineName, number]>([
  ['postgres', 5432],
  ['mariadb', 3306],
])('a %s server that goes away', (engine, serverPort) => {
  let proxy: TcpProxy;
  let store: TempStore;
  let place: TestDatabase;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;

  beforeEach(async () => {
    proxy = await TcpProxy.start(serverPort);
    store = new TempStore();
    place = createTestDatabase(engine, store.dbPath);
    const database = { ...place.options, port: proxy.port } as LlmManagerDatabaseOptions;
    moduleRef = await store.start({
      database,
      databaseConnectTimeoutMs: CONNECT_TIMEOUT_MS,
      databaseQueryTimeoutMs: QUERY_TIMEOUT_MS,
      autoKey: true,
    });
    manager = moduleRef.get(LlmManagerService);
  });
  afterEach(async () => {
    // Connections frozen mid-protocol never recover: reset them, then let the store close through a working hop.
    await proxy.down();
    await proxy.up();
    await moduleRef?.close();
    await proxy.close();
    place.drop();
    store.remove();
  });

  async function coldFailure(): Promise<{ error: LlmManagerError; ms: number }> {
    const started = Date.now();
    const error = await manager.getUserLlm('alice').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    const ms = Date.now() - started;
    expect(error).toBeInstanceOf(LlmManagerError);
    return { error: error as LlmManagerError, ms };
  }

  it('down (connection refused / reset): DATABASE_UNAVAILABLE with the driver error as cause, 503 on routes', async () => {
    await proxy.down();
    const { error } = await coldFailure();
    expect(error.code).toBe('DATABASE_UNAVAILABLE');
    expect(error.cause).toBeDefined();
    expect(error.message).not.toMatch(/127\.0\.0\.1|postgres:\/\/|mysql:\/\/|password/i);
    expect(new LlmManagerExceptionFilter().toBody(error)).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });

    // A raw driver error that reaches a route (any repository call) is answered the same way.
    const raw = await moduleRef
      .get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN)
      .query('SELECT 1')
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(raw).toBeDefined();
    expect(new LlmManagerExceptionFilter().toBody(raw)).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', details: { retryAfterSeconds: 5 } });

    // The server comes back: the next call works, nothing was cached from the failure.
    await proxy.up();
    await expect(manager.getUserLlm('alice')).resolves.toBeDefined();
  });

  it('frozen (accepts, never answers): DATABASE_UNAVAILABLE within the timeouts, not after the freeze', async () => {
    proxy.freeze();
    const { error, ms } = await coldFailure();
    expect(error.code).toBe('DATABASE_UNAVAILABLE');
    // One query timeout or one connect timeout (a pooled connection may be fresh or not), plus scheduling slack.
    expect(ms).toBeLessThan(QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 1_500);
  });
});
