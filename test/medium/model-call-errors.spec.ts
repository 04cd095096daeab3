import { UpstreamCallError } from '../../src/llm-manager/builder/upstream-call-error';
import type { TrackedChatModel } from '../../src/llm-manager/builder/tracked-chat-model';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { freePort } from '../support/standalone-process';
import { useTrackedModels } from '../support/tracked-models';
import { SYSTEM_KEY } from '../support/upstream-yaml';

/** Issue 14, finding 16: model calls throw `LlmManagerError`s with a code, the SDK's error as `cause`, status and headers kept. */
describe('model calls fail with coded LlmManagerErrors', () => {
  const models = useTrackedModels();
  let llm: TrackedChatModel;

  beforeEach(async () => {
    // Short enough for the timeout test; the loopback platform of the closed-port test is a user's, so allowed here.
    await models.restart({ requestTimeoutMs: 2_000, allowPrivateBaseUrls: true });
    llm = await models.spec('chat');
  });

  /** A user's platform on a port nobody listens on, bound to a slot of hers: its model's calls are refused. */
  async function modelOnClosedPort(): Promise<{ llm: TrackedChatModel; port: number }> {
    const port = await freePort();
    const platform = await models.manager.addPlatform('carol', { name: 'Gone', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-carol-0000111122223333' }, [
      { displayName: 'gone-chat', modelName: 'fake-chat' },
    ]);
    await models.manager.createUserUsageSlot('carol', 'gone', { platformId: platform.id, modelId: platform.models[0].id });
    return { llm: await models.manager.getUserLlm('carol', { usageKey: 'gone' }), port };
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
    models.upstream.enqueue({ error: { status } });
    const error = await failure(() => llm.invoke('hi'));
    expect(error).toMatchObject({ code, status, details: { status } });
    expect((error.cause as { status?: unknown }).status).toBe(status);
    expect((error.cause as Error).constructor.name).toMatch(/Error$/);
    expect(error.message).toContain('Fake');
    expect(error.message).not.toContain(SYSTEM_KEY);
  });

  it('429 → UPSTREAM_RATE_LIMITED with Retry-After readable from headers and details', async () => {
    models.upstream.enqueue({ error: { status: 429, retryAfterSeconds: 7 } });
    const error = await failure(() => llm.invoke('hi'));
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429, retryAfterSeconds: 7, details: { status: 429, retryAfterSeconds: 7 } });
    expect(error.headers?.get('retry-after')).toBe('7');
  });

  it('stream and batch throw the same coded errors', async () => {
    models.upstream.enqueue({ error: { status: 429, retryAfterSeconds: 3 } }, { error: { status: 401 } });
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
    const gone = await modelOnClosedPort();
    const refused = await failure(() => gone.llm.invoke('hi'));
    expect(refused).toMatchObject({ code: 'UPSTREAM_UNREACHABLE' });
    expect(refused.message).toContain(`127.0.0.1:${gone.port}`);
    expect(refused.message).not.toContain('sk-carol-0000111122223333');
    expect(refused.cause).toBeDefined();

    models.upstream.enqueue({ firstByteDelayMs: 5_000 });
    const slow = await failure(() => llm.invoke('hi'));
    expect(slow).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(slow.message).toContain('2000 ms');

    await models.upstream.settled();
    expect((await models.rows()).map((r) => [r.outcome, r.success])).toEqual([
      ['error', false],
      ['error', false],
    ]);
  });

  it('a caller abort stays the AbortError LangChain throws, recorded as aborted', async () => {
    models.upstream.enqueue({ firstByteDelayMs: 2_000 });
    const controller = new AbortController();
    const call = llm.invoke('hi', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).not.toBeInstanceOf(LlmManagerError);
    await models.upstream.settled();
    expect((await models.rows()).map((r) => r.outcome)).toEqual(['aborted']);
  });
});
