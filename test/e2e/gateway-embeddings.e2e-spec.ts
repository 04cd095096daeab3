import OpenAI from 'openai';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { FAKE_EMBEDDING_DIMENSIONS } from '../support/fake-upstream.embeddings';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

describe('gateway /v1/embeddings with the official openai SDK: one usage row per call', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let client: OpenAI;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream);
    token = await gateway.tokenFor('alice');
    client = new OpenAI({ apiKey: token, baseURL: gateway.url, maxRetries: 0, defaultHeaders: { 'X-LLM-Agent': 'agent_rag' } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  it('a slot: the body goes upstream with the model id and the platform key, the vectors come back, the row has the reported count', async () => {
    upstream.enqueue({ usage: { prompt: 17, completion: 0 } });
    const before = (await gateway.rows()).length;
    const answer = await client.embeddings.create({ model: 'main', input: ['first text', 'second text'], dimensions: 8 });
    expect(answer.data.map((d) => [d.index, d.embedding.length])).toEqual([[0, FAKE_EMBEDDING_DIMENSIONS], [1, FAKE_EMBEDDING_DIMENSIONS]]);
    expect(answer.usage).toEqual({ prompt_tokens: 17, total_tokens: 17 });
    const sent = upstream.embeddingsRequests[0];
    // Forwarded untouched but for the model (the SDK asks for base64 and decodes it itself).
    expect(sent.body).toEqual({ model: 'fake-chat', input: ['first text', 'second text'], dimensions: 8, encoding_format: 'base64' });
    expect(sent.authorization).toBe(`Bearer ${SYSTEM_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain(token);
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      userId: 'alice', agentName: 'agent_rag', outcome: 'ok', success: true,
      reportedPromptTokens: 17, reportedCompletionTokens: 0, completionTokens: 0, estimatedCompletionTokens: 0,
    });
    // Both counts are kept; the token columns hold the one `billedUsage` names (the estimate by default).
    expect(rows[0].estimatedPromptTokens).toBeGreaterThan(0);
  });

  it('`platform/model`, floats asked, no usage reported: the row holds the estimate of the inputs, completion 0', async () => {
    upstream.enqueue({ usage: 'none' });
    const before = (await gateway.rows()).length;
    const answer = await client.embeddings.create({ model: 'Fake/chat', input: 'a longer text to embed, long enough to count', encoding_format: 'float' });
    expect(answer.data[0].embedding).toHaveLength(FAKE_EMBEDDING_DIMENSIONS);
    expect(answer.usage).toBeUndefined();
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'ok', reportedPromptTokens: null, completionTokens: 0 });
    expect(rows[0].promptTokens).toBeGreaterThanOrEqual(8);
  });

  it('an upstream error comes back with its status in OpenAI shape and is one error row', async () => {
    const before = (await gateway.rows()).length;
    const failed = await client.embeddings.create({ model: 'Fake/broken', input: 'x' }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed).toMatchObject({ status: 500, type: 'server_error' });
    expect(JSON.stringify(failed)).not.toContain(SYSTEM_KEY);
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', success: false });
  });

  it('no input 400, unknown model 404, a model the token may not use 403: OpenAI shape, nothing sent or recorded', async () => {
    const before = (await gateway.rows()).length;
    const bad = await client.embeddings.create({ model: 'main', input: '' }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({ code: 'validation_failed' });
    const unknown = await client.embeddings.create({ model: 'Fake/nothing', input: 'x' }).catch((error: unknown) => error);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' });
    const limited = (await gateway.app.get(ApiTokenService).issue('alice', 'fast only', { allowedModels: ['fast'] })).token;
    const limitedClient = new OpenAI({ apiKey: limited, baseURL: gateway.url, maxRetries: 0 });
    await expect(limitedClient.embeddings.create({ model: 'main', input: 'x' })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(upstream.embeddingsRequests).toHaveLength(0);
    expect((await gateway.rows()).length).toBe(before);
  });
});
