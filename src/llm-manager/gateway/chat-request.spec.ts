import { agentNameOf, readChatRequest, upstreamBody, wantsStreamUsage } from './chat-request';
import type { UpstreamRoute } from './upstream-route';

const route = (extraBody: Record<string, unknown> | null): UpstreamRoute => ({
  baseUrl: 'http://upstream/v1',
  apiKey: 'sk-x',
  modelName: 'deepseek-chat',
  extraBody,
  guardedFetch: null,
  billing: { userId: 'u', modelId: 1, agentName: null, family: 'openai' },
});

describe('chat requests on their way upstream', () => {
  it('refuses bodies without a model or messages with VALIDATION_FAILED naming the field', () => {
    for (const [body, field] of [[null, 'body'], [[], 'body'], [{ messages: [{}] }, 'model'], [{ model: '', messages: [{}] }, 'model'], [{ model: 'main' }, 'messages'], [{ model: 'main', messages: [] }, 'messages']] as const) {
      expect(() => readChatRequest(body)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field } }));
    }
  });

  it('X-LLM-Agent: absent is null; 1–100 characters are kept (trimmed); empty, repeated or longer is refused', () => {
    expect(agentNameOf(undefined)).toBeNull();
    expect(agentNameOf(' agent_muse ')).toBe('agent_muse');
    for (const bad of ['', '  ', 'a'.repeat(101), ['a', 'b']]) expect(() => agentNameOf(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('replaces the model, merges extra_body over the client fields, and asks streams for usage', () => {
    const request = readChatRequest({ model: 'main', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, enable_thinking: false, stream: true, stream_options: { foo: 1 } });
    expect(wantsStreamUsage(request)).toBe(false);
    expect(JSON.parse(upstreamBody(request, route({ enable_thinking: true })))).toEqual({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      enable_thinking: true,
      stream: true,
      stream_options: { foo: 1, include_usage: true },
    });
    const plain = readChatRequest({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    expect(wantsStreamUsage(plain)).toBe(true);
    expect(JSON.parse(upstreamBody(plain, route(null)))).toEqual({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
  });
});
