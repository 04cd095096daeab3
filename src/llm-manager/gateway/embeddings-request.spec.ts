import { EmbeddingsObservation, embeddingsUpstreamBody, readEmbeddingsRequest } from './embeddings-request';
import type { UpstreamRoute } from './upstream-route';

const route: UpstreamRoute = {
  baseUrl: 'http://upstream/v1',
  apiKey: 'sk-x',
  modelName: 'text-embedding-v3',
  extraBody: { enable_thinking: false },
  guardedFetch: null,
  billing: { userId: 'u', modelId: 1, agentName: null, family: 'openai', labels: { platform: 'P', model: 'm' } },
};

describe('embeddings requests on their way upstream', () => {
  it('refuses bodies without a model or a non-empty input with VALIDATION_FAILED naming the field', () => {
    for (const [body, field] of [[null, 'body'], [[], 'body'], [{ input: 'x' }, 'model'], [{ model: 'e' }, 'input'], [{ model: 'e', input: '' }, 'input'], [{ model: 'e', input: [] }, 'input']] as const) {
      expect(() => readEmbeddingsRequest(body)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field } }));
    }
  });

  it('replaces only the model (no chat extra_body) and keeps every other field', () => {
    const request = readEmbeddingsRequest({ model: 'P/e', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64', user: 'x' });
    expect(JSON.parse(embeddingsUpstreamBody(request, route))).toEqual({ model: 'text-embedding-v3', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64', user: 'x' });
  });

  it('observes the text inputs as the prompt (one message each; a token array as one), the reported prompt count, no completion', () => {
    const strings = new EmbeddingsObservation(0, readEmbeddingsRequest({ model: 'e', input: ['one', 'two'] }));
    expect(strings.promptMessages.map((m) => m.content)).toEqual(['one', 'two']);
    const tokens = new EmbeddingsObservation(0, readEmbeddingsRequest({ model: 'e', input: [1, 2, 3] }));
    expect(tokens.promptMessages).toHaveLength(1);
    expect(String(tokens.promptMessages[0].content).split('x')).toHaveLength(4);
    tokens.observeAnswer({ usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(tokens.finish('c', 'ok', 1)).toMatchObject({ completionText: '', reported: { prompt: 3, completion: 0 }, billable: true });
    expect(new EmbeddingsObservation(0, readEmbeddingsRequest({ model: 'e', input: 'x' })).finish('c', 'error', 1).billable).toBe(false);
  });
});
