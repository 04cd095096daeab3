import OpenAI from 'openai';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('gateway /v1/chat/completions with the official openai SDK: one usage row per call', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let client: OpenAI;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    // The users' own platforms of this spec live on the loopback fake.
    gateway = await GatewayApp.start(upstream, { allowPrivateBaseUrls: true });
    token = await gateway.tokenFor('alice');
    client = new OpenAI({ apiKey: token, baseURL: gateway.url, maxRetries: 0, defaultHeaders: { 'X-LLM-Agent': 'agent_muse' } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  it('non-stream: the slot resolves to the upstream model with the platform key; the row has agent and reported usage', async () => {
    upstream.enqueue({ usage: { prompt: 12, completion: 5 } });
    const before = (await gateway.rows()).length;
    const reply = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'Hello gateway' }] });
    expect(reply.choices[0].message.content).toBe('Echo: Hello gateway');
    expect(reply.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });
    const sent = upstream.chatRequests[0];
    expect(sent.body?.['model']).toBe('fake-chat');
    // The platform's key goes upstream, never the caller's llmu_ token.
    expect(sent.authorization).toBe(`Bearer ${SYSTEM_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain(token);
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: 'alice', agentName: 'agent_muse', outcome: 'ok', success: true, reportedPromptTokens: 12, reportedCompletionTokens: 5 });
    expect(rows[0].promptTokens).toBeGreaterThan(0);
    expect(rows[0].completionTokens).toBeGreaterThan(0);
  });

  it('stream with include_usage: the client gets the usage chunk, the row the reported counts', async () => {
    upstream.enqueue({ usage: { prompt: 21, completion: 8 } });
    const before = (await gateway.rows()).length;
    const stream = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: Stream please');
    expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 8 });
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'ok', reportedPromptTokens: 21, reportedCompletionTokens: 8 });
  });

  it('stream without include_usage: usage is asked upstream and recorded, the client gets no usage chunk', async () => {
    upstream.enqueue({ usage: { prompt: 9, completion: 4 } });
    const before = (await gateway.rows()).length;
    const stream = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'No usage for me' }], stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true);
    expect(upstream.chatRequests[0].body?.['stream_options']).toEqual({ include_usage: true });
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'ok', reportedPromptTokens: 9, reportedCompletionTokens: 4 });
  });

  it.each([['openai'], ['deepseek'], ['kimi']] as const)('cached prompt tokens in the %s shape reach the row from a stream', async (shape) => {
    upstream.enqueue({ usage: { prompt: 40, completion: 6, cached: 32, shape } });
    const before = (await gateway.rows()).length;
    const stream = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'cached' }], stream: true });
    for await (const chunk of stream) void chunk;
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reportedPromptTokens: 40, reportedCompletionTokens: 6, cachedPromptTokens: 32, usageSource: 'both' });
  });

  it('a tool call round-trip: the tool call comes back, the tool result goes up; two calls, two rows', async () => {
    const before = (await gateway.rows()).length;
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
    const first = await client.chat.completions.create({ model: 'main', messages: [question], tools: [WEATHER_TOOL] });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(upstream.chatRequests[0].body?.['tools']).toEqual([WEATHER_TOOL]);
    const second = await client.chat.completions.create({
      model: 'main',
      messages: [question, first.choices[0].message, { role: 'tool', tool_call_id: call!.id, content: 'Sunny, 21 °C' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'none',
    });
    expect(second.choices[0].message.content).toBe('Echo: Weather in Paris?');
    expect((upstream.chatRequests[1].body?.['messages'] as unknown[])[2]).toMatchObject({ role: 'tool', content: 'Sunny, 21 °C' });
    expect((await gateway.rows()).slice(before).map((r) => r.outcome)).toEqual(['ok', 'ok']);
  });

  it('streams a tool call too', async () => {
    const stream = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER_TOOL], stream: true });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta?.tool_calls?.[0];
      name += call?.function?.name ?? '';
      args += call?.function?.arguments ?? '';
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual(expect.objectContaining({ city: expect.any(String) }));
  });

  it('response_format passes through to the upstream and its JSON answer back', async () => {
    const response_format = {
      type: 'json_schema' as const,
      json_schema: { name: 'answer', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
    };
    upstream.enqueue({ json: { ok: true } });
    const reply = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'json please' }], response_format });
    expect(upstream.chatRequests[0].body?.['response_format']).toEqual(response_format);
    expect(JSON.parse(reply.choices[0].message.content!)).toEqual({ ok: true });
  });

  it("a slot bound to a model with extra_body: merged into the body; reasoning_content passes on", async () => {
    const reply = await client.chat.completions.create({ model: 'reason', messages: [{ role: 'user', content: 'Think' }] });
    expect(upstream.chatRequests[0].body).toMatchObject({ model: 'fake-reasoning', enable_thinking: true, thinking_budget: 256 });
    expect((reply.choices[0].message as unknown as { reasoning_content?: string }).reasoning_content).toBeTruthy();
  });

  it("'platform/model' display names reach that model; the client's other fields travel untouched", async () => {
    const before = (await gateway.rows()).length;
    await client.chat.completions.create({ model: 'Fake/silent', messages: [{ role: 'user', content: 'hi' }], temperature: 0.25, seed: 7, user: 'u-42' });
    expect(upstream.chatRequests[0].body).toMatchObject({ model: 'fake-no-usage', temperature: 0.25, seed: 7, user: 'u-42' });
    expect(upstream.chatRequests[0].authorization).toBe(`Bearer ${SYSTEM_KEY}`);
    expect((await gateway.rows()).slice(before)).toHaveLength(1);
  });

  it('GET /v1/models lists the slots, then platform/model display names', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids.slice(0, 3)).toEqual(['main', 'fast', 'reason']);
    expect(ids).toEqual(expect.arrayContaining(['Fake/chat', 'Fake/thinking', 'Spare/spare-chat']));
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'Fake' });
  });

  it("a user's own platform by 'platform/model': served warm, and a change to the model is seen on the next call", async () => {
    const manager = gateway.app.get(LlmManagerService);
    const own = await manager.addPlatform('alice', { name: 'Own', baseUrl: upstream.url, apiKey: SYSTEM_KEY }, [{ displayName: 'own', modelName: 'fake-chat' }]);
    const ask = (): Promise<OpenAI.ChatCompletion> => client.chat.completions.create({ model: 'Own/own', messages: [{ role: 'user', content: 'mine' }] });
    await ask();
    await ask();
    await manager.updateModel('alice', own.models[0].id, { modelName: 'fake-no-usage' });
    await ask();
    expect(upstream.chatRequests.map((r) => r.body?.['model'])).toEqual(['fake-chat', 'fake-chat', 'fake-no-usage']);
    await manager.deleteModel('alice', own.models[0].id);
    await expect(ask()).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    expect(upstream.chatRequests).toHaveLength(3);
  });
});
