import type { TestingModule } from '@nestjs/testing';
import { createServer } from 'net';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { UpstreamCallError } from '../../src/llm-manager/builder/upstream-call-error';
import type { TrackedChatModel } from '../../src/llm-manager/builder/tracked-chat-model';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/** A port that was free a moment ago and that nobody listens on now: connecting is refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Issue 14, finding 16: model calls throw `LlmManagerError`s with a code, the SDK's error as `cause`, status and headers kept. */
describe('model calls fail with coded LlmManagerErrors', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let llm: TrackedChatModel;
  let deadPort: number;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    deadPort = await closedPort();
  });
  afterAll(() => upstream.close());

  beforeEach(async () => {
    store = new TempStore(
      `${upstreamYaml(upstream.url)}`.replace(
        'usages:',
        `  Gone:\n    base_url: http://127.0.0.1:${deadPort}/v1\n    api_key: '{${SYSTEM_KEY_ENV}}'\n    models:\n      gone-chat: fake-chat\nusages:`,
      ),
    );
    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, requestTimeoutMs: 2_000 });
    llm = await moduleRef.get(LlmManagerService).getSpecSysLlm('Fake', 'chat');
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
    upstream.reset();
  });

  async function rows(): Promise<UsageLogEntryEntity[]> {
    await moduleRef.get(CallRecorder).drain();
    await moduleRef.get(UsageWriter).flush();
    return moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
  }

  async function failure(call: () => Promise<unknown>): Promise<UpstreamCallError> {
    const error = await call().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LlmManagerError);
    expect(error).toBeInstanceOf(UpstreamCallError);
    return error as UpstreamCallError;
  }

  it.each([
    [401, 'UPSTREAM_KEY_REJECTED'],
    [403, 'UPSTREAM_KEY_REJECTED'],
    [500, 'UPSTREAM_ERROR'],
  ] as const)('HTTP %i → %s, the SDK error as cause, its status kept, no key in the message', async (status, code) => {
    upstream.enqueue({ error: { status } });
    const error = await failure(() => llm.invoke('hi'));
    expect(error).toMatchObject({ code, status, details: { status } });
    expect((error.cause as { status?: unknown }).status).toBe(status);
    expect((error.cause as Error).constructor.name).toMatch(/Error$/);
    expect(error.message).toContain('Fake');
    expect(error.message).not.toContain(SYSTEM_KEY);
  });

  it('429 → UPSTREAM_RATE_LIMITED with Retry-After readable from headers and details', async () => {
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 7 } });
    const error = await failure(() => llm.invoke('hi'));
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429, retryAfterSeconds: 7, details: { status: 429, retryAfterSeconds: 7 } });
    expect(error.headers?.get('retry-after')).toBe('7');
  });

  it('stream and batch throw the same coded errors', async () => {
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 3 } }, { error: { status: 401 } });
    const streamed = await failure(async () => {
      for await (const _ of await llm.stream('hi')) {
        // never reached
      }
    });
    expect(streamed).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 3 });
    const batched = await failure(() => llm.batch(['one']));
    expect(batched).toMatchObject({ code: 'UPSTREAM_KEY_REJECTED', status: 401 });
  });

  it('a closed port → UPSTREAM_UNREACHABLE; a silent upstream → UPSTREAM_TIMEOUT; each call still gets exactly one row', async () => {
    const gone = await moduleRef.get(LlmManagerService).getSpecSysLlm('Gone', 'gone-chat');
    const refused = await failure(() => gone.invoke('hi'));
    expect(refused).toMatchObject({ code: 'UPSTREAM_UNREACHABLE' });
    expect(refused.message).toContain(`127.0.0.1:${deadPort}`);
    expect(refused.cause).toBeDefined();

    upstream.enqueue({ firstByteDelayMs: 5_000 });
    const slow = await failure(() => llm.invoke('hi'));
    expect(slow).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(slow.message).toContain('2000 ms');

    await upstream.settled();
    expect((await rows()).map((r) => [r.outcome, r.success])).toEqual([
      ['error', false],
      ['error', false],
    ]);
  });

  it('a caller abort stays the AbortError LangChain throws, recorded as aborted', async () => {
    upstream.enqueue({ firstByteDelayMs: 2_000 });
    const controller = new AbortController();
    const call = llm.invoke('hi', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).not.toBeInstanceOf(LlmManagerError);
    await upstream.settled();
    expect((await rows()).map((r) => r.outcome)).toEqual(['aborted']);
  });
});
