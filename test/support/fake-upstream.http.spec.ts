import { startFakeUpstream, type ChatScript, type FakeUpstream } from './fake-upstream';
import { useNoNetworkGuard } from './no-network';

const KEY = 'sk-http-spec-key-0000';

interface SseChunk {
  choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** The `data:` payloads of an SSE body; `[DONE]` is kept as a string so its presence can be asserted. */
function sseData(text: string): (SseChunk | '[DONE]')[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as SseChunk)));
}

describe('fake upstream over raw HTTP', () => {
  let upstream: FakeUpstream;
  useNoNetworkGuard();

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY, models: ['m-1', 'm-2'] });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  const call = (path: string, init: RequestInit = {}, key = KEY): Promise<Response> =>
    fetch(`${upstream.url.replace(/\/v1$/, '')}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
  const chat = (body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> =>
    call('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm-1', ...body }), signal });
  const userSays = (text: string): { role: string; content: string }[] => [{ role: 'user', content: text }];

  it('serves the model list at /v1/models and /models', async () => {
    for (const path of ['/v1/models', '/models']) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        object: 'list',
        data: [
          { id: 'm-1', object: 'model', created: 0, owned_by: 'fake-upstream' },
          { id: 'm-2', object: 'model', created: 0, owned_by: 'fake-upstream' },
        ],
      });
    }
    upstream.setModels(['other']);
    expect(await (await call('/v1/models')).json()).toMatchObject({ data: [{ id: 'other' }] });
    upstream.reset();
    expect(await (await call('/v1/models')).json()).toMatchObject({ data: [{ id: 'm-1' }, { id: 'm-2' }] });
  });

  it('answers a wrong key with a 401 in OpenAI shape that masks the key', async () => {
    const response = await call('/v1/models', {}, 'sk-wrong-but-long-key');
    expect(response.status).toBe(401);
    const body: unknown = await response.json();
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } });
    expect(JSON.stringify(body)).not.toContain('sk-wrong-but-long-key');
  });

  it('answers unknown paths with a 404 in OpenAI shape', async () => {
    for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/chat/completions']]) {
      const response = await call(path, { method, body: method === 'POST' ? '{}' : undefined });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'unknown_url', message: expect.any(String) } });
    }
  });

  it('embeddings: one vector per input, floats or base64 float32, estimated or scripted usage, scripted errors', async () => {
    const embed = (body: Record<string, unknown>): Promise<Response> => call('/v1/embeddings', { method: 'POST', body: JSON.stringify(body) });
    const floats = (await (await embed({ model: 'm-1', input: ['abcdefgh', [1, 2, 3]] })).json()) as { data: Array<{ index: number; embedding: number[] }>; usage: unknown };
    expect(floats.data.map((d) => [d.index, d.embedding.length])).toEqual([[0, 8], [1, 8]]);
    expect(floats.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    const encoded = (await (await embed({ model: 'm-1', input: 'abcdefgh', encoding_format: 'base64' })).json()) as { data: Array<{ embedding: string }> };
    const decoded = Array.from(new Float32Array(new Uint8Array(Buffer.from(encoded.data[0].embedding, 'base64')).buffer));
    expect(decoded).toEqual(floats.data[0].embedding.map((n) => Math.fround(n)));
    upstream.enqueue({ usage: 'none' });
    expect(await (await embed({ model: 'm-1', input: 'x' })).json()).not.toHaveProperty('usage');
    expect((await embed({ model: 'fake-error-503', input: 'x' })).status).toBe(503);
    expect((await embed({ model: 'm-1', input: [] })).status).toBe(400);
    expect(upstream.embeddingsRequests).toHaveLength(5);
  });

  it('answers a body that is not JSON with a 400', async () => {
    const response = await call('/v1/chat/completions', { method: 'POST', body: 'not json' });
    expect(response.status).toBe(400);
  });

  it('non-stream: completion shape with reasoning_content and reasoning tokens', async () => {
    upstream.enqueue({ reply: 'Done', reasoning: 'Hmm', usage: { prompt: 9, completion: 5, reasoning: 2 } });
    const body: unknown = await (await chat({ messages: userSays('Go') })).json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'm-1',
      choices: [
        { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Done', reasoning_content: 'Hmm' } },
      ],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 5,
        total_tokens: 14,
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    });
  });

  it("non-stream: usage 'none' omits the usage field", async () => {
    upstream.enqueue({ usage: 'none' });
    const body = (await (await chat({ messages: userSays('Go') })).json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('usage');
  });

  it('errors carry the status, the OpenAI body and retry-after for 429', async () => {
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 7 } }, { error: { status: 500 } });
    const limited = await chat({ messages: userSays('Go') });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'requests' } });
    const failed = await chat({ messages: userSays('Go') });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { type: 'server_error', code: null } });
  });

  const streamed = async (script: ChatScript, includeUsage: boolean): Promise<(SseChunk | '[DONE]')[]> => {
    upstream.enqueue({ reply: 'abcdef', usage: { prompt: 4, completion: 6 }, ...script });
    const streamOptions = includeUsage ? { stream_options: { include_usage: true } } : {};
    const response = await chat({ messages: userSays('Go'), stream: true, ...streamOptions });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    return sseData(await response.text());
  };

  it('stream, OpenAI usage: a choices: [] chunk only when include_usage is asked for', async () => {
    const without = await streamed({}, false);
    expect(without.at(-1)).toBe('[DONE]');
    expect(without.slice(0, -1).every((chunk) => chunk !== '[DONE]' && !('usage' in chunk))).toBe(true);

    const withUsage = await streamed({}, true);
    const usageChunk = withUsage.at(-2);
    expect(usageChunk).toMatchObject({ choices: [], usage: { total_tokens: 10 } });
    expect(withUsage.slice(0, -2).every((chunk) => chunk !== '[DONE]' && chunk.usage === null)).toBe(true);
    const contentOf = (chunk: SseChunk | '[DONE]'): unknown =>
      chunk === '[DONE]' ? '' : (chunk.choices[0]?.delta['content'] ?? '');
    expect(withUsage.map(contentOf).join('')).toBe('abcdef');
  });

  it('stream, cumulative usage: every chunk carries growing totals, ending at the final ones', async () => {
    const chunks = (await streamed({ streamUsage: 'cumulative' }, false)).filter((c): c is SseChunk => c !== '[DONE]');
    const completions = chunks.map((chunk) => chunk.usage?.completion_tokens ?? -1);
    expect(completions.every((value, i) => value >= (completions[i - 1] ?? 0))).toBe(true);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it("stream, usage on the finish chunk ('with-finish') and no usage at all ('none')", async () => {
    const finish = (await streamed({ streamUsage: 'with-finish' }, true)).filter((c): c is SseChunk => c !== '[DONE]');
    expect(finish.filter((chunk) => chunk.usage)).toEqual([expect.objectContaining({ usage: expect.anything() })]);
    expect(finish.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    const none = await streamed({ streamUsage: 'none' }, true);
    expect(none.every((chunk) => chunk === '[DONE]' || !('usage' in chunk))).toBe(true);
  });

  it('queued scripts beat per-model scripts, which beat model-name conventions', async () => {
    upstream.scriptModel('fake-error-500', { error: undefined, reply: 'model script' });
    upstream.enqueue({ reply: 'queued' });
    const first = (await (await chat({ model: 'fake-error-500', messages: userSays('a') })).json()) as unknown;
    const second = (await (await chat({ model: 'fake-error-500', messages: userSays('b') })).json()) as unknown;
    expect(first).toMatchObject({ choices: [{ message: { content: 'queued' } }] });
    expect(second).toMatchObject({ choices: [{ message: { content: 'model script' } }] });
    upstream.reset();
    expect((await chat({ model: 'fake-error-500', messages: userSays('c') })).status).toBe(500);
  });

  it('counts open connections and records a client that gives up before the first byte', async () => {
    const controller = new AbortController();
    const pending = chat({ model: 'fake-slow-60000', messages: userSays('wait') }, controller.signal);
    const [request] = await upstream.waitForRequests(1);
    expect(upstream.inFlight).toBe(1);
    expect(upstream.openConnections).toBeGreaterThanOrEqual(1);
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await upstream.settled();
    expect(request.outcome).toBe('client-disconnected');
    expect(upstream.inFlight).toBe(0);
  });
});
