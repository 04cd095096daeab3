import type { AIMessageChunk } from '@langchain/core/messages';
import { chatOpenAIFor, FAKE_API_KEY } from './chat-openai-for';
import { FAKE_REASONING_TEXT, startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { useNoNetworkGuard } from './no-network';

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function concatAll(chunks: AIMessageChunk[]): AIMessageChunk {
  return chunks.reduce((sum, chunk) => sum.concat(chunk));
}

describe('fake upstream driven by a real ChatOpenAI', () => {
  let upstream: FakeUpstream;
  useNoNetworkGuard();

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: FAKE_API_KEY });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  it('invoke: reply text and usage_metadata come from the scripted usage', async () => {
    upstream.enqueue({ reply: 'Hello back', usage: { prompt: 12, completion: 3 } });
    const message = await chatOpenAIFor(upstream, 'fake-chat').invoke('Hello');
    expect(message.content).toBe('Hello back');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 3, total_tokens: 15 });
    expect(upstream.chatRequests[0]).toMatchObject({ authorization: `Bearer ${FAKE_API_KEY}`, outcome: 'completed' });
    expect(upstream.chatRequests[0].body).toMatchObject({ model: 'fake-chat', messages: [{ role: 'user' }] });
  });

  it('invoke: reasoning_content and reasoning tokens reach the message', async () => {
    upstream.enqueue({ usage: { prompt: 5, completion: 20, reasoning: 12 } });
    const message = await chatOpenAIFor(upstream, 'fake-reasoning').invoke('Why?');
    expect(message.additional_kwargs['reasoning_content']).toBe(FAKE_REASONING_TEXT);
    expect(message.usage_metadata?.output_token_details).toEqual({ reasoning: 12 });
  });

  it('invoke without usage leaves usage_metadata without counts (and nothing is estimated)', async () => {
    const message = await chatOpenAIFor(upstream, 'fake-no-usage').invoke('Hi');
    expect(message.usage_metadata?.total_tokens).toBeUndefined();
  });

  it('stream: asks for include_usage and consumes the choices: [] usage chunk', async () => {
    upstream.enqueue({ reply: 'one two three', usage: { prompt: 7, completion: 4 } });
    const chunks = await collect(await chatOpenAIFor(upstream, 'fake-chat').stream('Count'));
    expect(upstream.chatRequests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const withUsage = chunks.filter((chunk) => chunk.usage_metadata !== undefined);
    expect(withUsage).toHaveLength(1);
    const whole = concatAll(chunks);
    expect(whole.content).toBe('one two three');
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 7, output_tokens: 4, total_tokens: 11 });
  });

  it('stream with cumulative usage: only the last totals become usage_metadata, raw totals get summed', async () => {
    upstream.enqueue({ reply: 'abcdefghi', usage: { prompt: 10, completion: 6 }, chunkCount: 3 });
    const chunks = await collect(await chatOpenAIFor(upstream, 'fake-cumulative-usage').stream('Go'));
    // Finding: LangChain keeps the last `usage` it saw and emits it once, as an extra final chunk.
    expect(chunks.filter((chunk) => chunk.usage_metadata !== undefined)).toHaveLength(1);
    const whole = concatAll(chunks);
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 10, output_tokens: 6, total_tokens: 16 });
    // Finding: every chunk's response_metadata.usage carries the raw running totals, and concat() adds them up,
    // so the aggregate's response_metadata.usage is meaningless; read usage_metadata only.
    const rawUsage = whole.response_metadata['usage'] as { prompt_tokens: number };
    expect(rawUsage.prompt_tokens).toBeGreaterThan(10);
  });

  it('stream with streamUsage: false and no cumulative usage yields no usage at all', async () => {
    const chunks = await collect(await chatOpenAIFor(upstream, 'fake-chat', { streamUsage: false }).stream('Hi'));
    expect(upstream.chatRequests[0].body?.['stream_options']).toBeUndefined();
    expect(concatAll(chunks).usage_metadata).toBeUndefined();
  });

  it('stream: reasoning deltas arrive as additional_kwargs.reasoning_content', async () => {
    const chunks = await collect(await chatOpenAIFor(upstream, 'fake-reasoning').stream('Think'));
    const reasoning = chunks.map((chunk) => chunk.additional_kwargs['reasoning_content'] ?? '').join('');
    expect(reasoning).toBe(FAKE_REASONING_TEXT);
  });

  it('batch: one request per prompt, each with its own usage', async () => {
    const replies = await chatOpenAIFor(upstream, 'fake-chat').batch(['first', 'second', 'third']);
    expect(replies.map((reply) => reply.content).sort()).toEqual(['Echo: first', 'Echo: second', 'Echo: third']);
    expect(replies.every((reply) => (reply.usage_metadata?.total_tokens ?? 0) > 0)).toBe(true);
    expect(upstream.chatRequests).toHaveLength(3);
  });

  const weatherTool = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };

  it('bindTools + invoke: tool_calls are parsed with the scripted arguments', async () => {
    upstream.enqueue({ toolCall: { arguments: { city: 'Paris' } } });
    const message = await chatOpenAIFor(upstream, 'fake-tools').bindTools([weatherTool]).invoke('Weather?');
    expect(message.tool_calls).toEqual([
      expect.objectContaining({ name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' }),
    ]);
    expect(upstream.chatRequests[0].body?.['tools']).toHaveLength(1);
  });

  it('bindTools + stream: tool_call deltas concatenate into a parsed tool call', async () => {
    upstream.enqueue({ toolCall: { arguments: { city: 'Lyon' } }, chunkCount: 4 });
    const model = chatOpenAIFor(upstream, 'fake-tools').bindTools([weatherTool]);
    const whole = concatAll(await collect(await model.stream('Weather?')));
    expect(whole.tool_calls).toEqual([expect.objectContaining({ name: 'get_weather', args: { city: 'Lyon' } })]);
    expect(whole.usage_metadata?.total_tokens).toBeGreaterThan(0);
  });

  it("tool_choice 'none' gets a text reply even with tools bound", async () => {
    const model = chatOpenAIFor(upstream, 'fake-tools').bindTools([weatherTool], { tool_choice: 'none' });
    const message = await model.invoke('Just talk');
    expect(message.tool_calls).toEqual([]);
    expect(message.content).toBe('Echo: Just talk');
  });

  const personSchema = {
    title: 'person',
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'number' } },
    required: ['name', 'age'],
  };

  it('withStructuredOutput default method sends response_format json_schema (for non gpt-3/gpt-4- names)', async () => {
    upstream.enqueue({ json: { name: 'Ada', age: 36 } });
    const result = await chatOpenAIFor(upstream, 'fake-chat').withStructuredOutput(personSchema).invoke('Who?');
    expect(result).toEqual({ name: 'Ada', age: 36 });
    expect(upstream.chatRequests[0].body?.['response_format']).toMatchObject({
      type: 'json_schema',
      // The schema's title is not used as the name, and no `strict` is sent for a plain JSON schema.
      json_schema: { name: 'extract', schema: personSchema },
    });
  });

  it('withStructuredOutput without a scripted value gets a sample of the schema', async () => {
    const result = await chatOpenAIFor(upstream, 'fake-chat').withStructuredOutput(personSchema).invoke('Who?');
    expect(result).toEqual({ name: 'fake', age: 0 });
  });

  it('withStructuredOutput functionCalling goes through the tool_calls path', async () => {
    upstream.enqueue({ toolCall: { arguments: { name: 'Alan', age: 41 } } });
    const model = chatOpenAIFor(upstream, 'fake-chat').withStructuredOutput(personSchema, {
      method: 'functionCalling',
    });
    expect(await model.invoke('Who?')).toEqual({ name: 'Alan', age: 41 });
    expect(upstream.chatRequests[0].body?.['tool_choice']).toEqual({
      type: 'function',
      function: { name: 'person' },
    });
  });

  it.each([
    ['fake-error-500', 500, /500/],
    ['fake-error-429', 429, /429 Rate limit/],
  ])('%s surfaces as a thrown error', async (model, status, message) => {
    await expect(chatOpenAIFor(upstream, model).invoke('Hi')).rejects.toMatchObject({ status, message });
    expect(upstream.chatRequests).toHaveLength(1);
  });

  it('a wrong key surfaces as a 401 error that does not echo the key', async () => {
    const model = chatOpenAIFor(upstream, 'fake-chat', { apiKey: 'sk-wrong-key-123456' });
    const error: unknown = await model.invoke('Hi').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    expect(String(error)).not.toContain('sk-wrong-key-123456');
  });

  it('an AbortSignal passed to stream() aborts it and the server sees the client disconnect', async () => {
    const controller = new AbortController();
    const stream = await chatOpenAIFor(upstream, 'fake-drip-1000').stream('Slowly', { signal: controller.signal });
    const received: AIMessageChunk[] = [];
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) {
        received.push(chunk);
        controller.abort();
      }
    };
    await expect(consume()).rejects.toThrow(/abort/i);
    expect(received).toHaveLength(1);
    await upstream.settled();
    expect(upstream.chatRequests[0].outcome).toBe('client-disconnected');
    expect(upstream.inFlight).toBe(0);
  });

  it('a mid-stream disconnect by the server surfaces as an error to the consumer', async () => {
    const stream = await chatOpenAIFor(upstream, 'fake-disconnect-2').stream('Break');
    await expect(collect(stream)).rejects.toThrow(/terminated/);
    expect(upstream.chatRequests[0]).toMatchObject({ outcome: 'server-disconnected', chunksSent: 2 });
  });

  it("DeepSeek's cache fields reach response_metadata.usage; LangChain's usage_metadata has no cache_read for them", async () => {
    upstream.enqueue({ usage: { prompt: 50, completion: 10, cached: 30, shape: 'deepseek' } });
    const message = await chatOpenAIFor(upstream, 'fake-chat').invoke('Hi');
    expect(message.response_metadata['usage']).toMatchObject({ prompt_cache_hit_tokens: 30, prompt_cache_miss_tokens: 20 });
    expect(message.usage_metadata?.input_token_details?.cache_read).toBeUndefined();
  });

  it("Kimi's usage inside choices[0].usage of the finish chunk: plain LangChain never sees it", async () => {
    upstream.enqueue({ usage: { prompt: 64, completion: 16, cached: 48, shape: 'kimi' }, streamUsage: 'in-choice' });
    const chunks = await collect(await chatOpenAIFor(upstream, 'fake-chat').stream('Hi'));
    expect(concatAll(chunks).usage_metadata).toBeUndefined();
  });

  it('requireReasoningBack refuses a tool-call turn sent back without its reasoning_content, as DeepSeek does', async () => {
    const post = (call: Record<string, unknown>): Promise<Response> => {
      upstream.enqueue({ requireReasoningBack: true });
      const messages = [{ role: 'user', content: 'weather?' }, call, { role: 'tool', tool_call_id: 'c', content: 'sunny' }];
      return fetch(`${upstream.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${FAKE_API_KEY}` },
        body: JSON.stringify({ model: 'fake-chat', messages }),
      });
    };
    const call = { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'weather', arguments: '{}' } }] };
    const refused = await post(call);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('must be passed back');
    expect((await post({ ...call, reasoning_content: 'call the tool' })).status).toBe(200);
  });

  it('modelKwargs (extra body fields) reach the server', async () => {
    const model = chatOpenAIFor(upstream, 'fake-chat', { modelKwargs: { enable_thinking: true, top_k: 5 } });
    await model.invoke('Hi');
    await collect(await model.stream('Hi'));
    for (const request of upstream.chatRequests) {
      expect(request.body).toMatchObject({ enable_thinking: true, top_k: 5 });
    }
  });
});
