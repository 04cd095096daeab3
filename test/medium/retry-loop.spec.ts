import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { useTrackedModels } from '../support/tracked-models';

/** Issue 18: one retry loop, each attempt a request and a usage row of its own; Retry-After honoured; then the chain. */
describe('the retry loop of built models', () => {
  const models = useTrackedModels();

  beforeEach(() => models.restart({ maxRetries: 2, autoKey: true, retryBackoff: { baseDelayMs: 1, maxDelayMs: 2, retryAfterMaxMs: 1_500 } }));

  it('retries 5xx up to maxRetries: every attempt is one request and one row, never more (no nested retries)', async () => {
    models.upstream.enqueue({ error: { status: 500 } }, { error: { status: 503 } });
    const llm = await models.spec('chat');
    expect((await llm.invoke('hi')).content).toBe('Echo: hi');
    expect(models.upstream.chatRequests).toHaveLength(3);
    const rows = await models.rows();
    expect(rows.map((r) => [r.success, r.attempt, r.fallbackFrom])).toEqual([
      [false, 1, null],
      [false, 2, rows[0]!.callId],
      [true, 3, rows[1]!.callId],
    ]);

    models.upstream.reset();
    models.upstream.scriptModel('fake-chat', { error: { status: 502 } });
    await expect(llm.invoke('again')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status: 502 });
    expect(models.upstream.chatRequests).toHaveLength(3);
    expect(await models.rows()).toHaveLength(6);
  });

  it('a 429 waits the Retry-After asked for; one longer than retryAfterMaxMs moves on to the fallback at once', async () => {
    models.upstream.enqueue({ error: { status: 429, retryAfterSeconds: 1 } });
    const llm = await models.spec('chat');
    const started = Date.now();
    const chunks: string[] = [];
    for await (const chunk of await llm.stream('hi')) chunks.push(String(chunk.content));
    expect(chunks.join('')).toBe('Echo: hi');
    const [first, second] = models.upstream.chatRequests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(1_500 + 1_000);

    models.upstream.reset();
    const fake = (await models.manager.listPlatforms(SYSTEM_USER_ID)).find((p) => p.name === 'Fake')!;
    const id = (name: string): { platformId: number; modelId: number } => ({ platformId: fake.id, modelId: fake.models.find((m) => m.displayName === name)!.id });
    await models.manager.createUserUsageSlot('bob', 'sturdy', { ...id('chat'), fallbacks: [id('thinking')] });
    models.upstream.scriptModel('fake-chat', { error: { status: 429, retryAfterSeconds: 60 } });
    const sturdy = await models.manager.getUserLlm('bob', { usageKey: 'sturdy' });
    expect((await sturdy.invoke('hi')).content).toBe('Echo: hi');
    expect(models.upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-reasoning']);
  });
});
