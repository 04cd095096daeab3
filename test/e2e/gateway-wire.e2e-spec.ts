import { ChatOpenAI } from '@langchain/openai';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';
import { RAW_SSE_CONTENT, RAW_SSE_DONE, RAW_SSE_USAGE, startRawSseUpstream } from './gateway-raw-upstream';

/** Ids and timestamps differ from one request to the next; everything else must be the same bytes. */
function normalised(raw: string): string {
  return raw.replace(/chatcmpl-fake-\d+/g, 'chatcmpl-ID').replace(/"created":\d+/g, '"created":0');
}

describe('gateway on the wire: SSE bytes as the upstream sent them, and LangChain as a client', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream);
    token = await gateway.tokenFor('carol');
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  async function rawStream(url: string, key: string, body: Record<string, unknown>): Promise<{ text: string; contentType: string | null }> {
    const response = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Bytes, please — 你好' }], stream: true, ...body }),
    });
    expect(response.status).toBe(200);
    return { text: await response.text(), contentType: response.headers.get('content-type') };
  }

  it('with include_usage the client gets exactly the upstream bytes (model id is the upstream one)', async () => {
    const usage = { usage: { prompt: 7, completion: 3 }, chunkCount: 4 };
    upstream.enqueue(usage, usage);
    const direct = await rawStream(upstream.url, SYSTEM_KEY, { model: 'fake-chat', stream_options: { include_usage: true } });
    const through = await rawStream(gateway.url, token, { model: 'main', stream_options: { include_usage: true } });
    expect(through.contentType).toMatch(/^text\/event-stream/);
    expect(normalised(through.text)).toBe(normalised(direct.text));
    expect(through.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('without include_usage: the same bytes minus the usage-only chunk the gateway asked for', async () => {
    const usage = { usage: { prompt: 7, completion: 3 } };
    upstream.enqueue(usage, usage);
    const direct = await rawStream(upstream.url, SYSTEM_KEY, { model: 'fake-chat', stream_options: { include_usage: true } });
    const through = await rawStream(gateway.url, token, { model: 'main' });
    const events = normalised(direct.text).split(/(?<=\n\n)/);
    const usageOnly = events.filter((event) => event.includes('"choices":[]'));
    expect(usageOnly).toHaveLength(1);
    expect(normalised(through.text)).toBe(events.filter((event) => !usageOnly.includes(event)).join(''));
  });

  it('a non-stream answer is the upstream body byte for byte', async () => {
    const ask = (url: string, key: string, model: string): Promise<string> =>
      fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'whole' }] }),
      }).then((r) => r.text());
    const direct = await ask(upstream.url, SYSTEM_KEY, 'fake-chat');
    expect(normalised(await ask(gateway.url, token, 'main'))).toBe(normalised(direct));
  });

  it("LangChain's ChatOpenAI pointed at the gateway: invoke and stream, one row each", async () => {
    const before = (await gateway.rows()).length;
    const llm = new ChatOpenAI({ model: 'fast', apiKey: token, maxRetries: 0, configuration: { baseURL: gateway.url, defaultHeaders: { 'X-LLM-Agent': 'lc-agent' } } });
    upstream.enqueue({ usage: { prompt: 5, completion: 2 } });
    const reply = await llm.invoke('Hi from LangChain');
    expect(reply.content).toBe('Echo: Hi from LangChain');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 5, output_tokens: 2 });
    let streamed = '';
    for await (const chunk of await llm.stream('Stream from LangChain')) streamed += String(chunk.content);
    expect(streamed).toBe('Echo: Stream from LangChain');
    const rows = (await gateway.rows()).slice(before);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.outcome === 'ok' && r.agentName === 'lc-agent' && r.userId === 'carol')).toBe(true);
  });

  it('bytes no re-serialisation would keep (comments, event fields, CRLF, spacing, vendor fields) pass unchanged', async () => {
    const raw = await startRawSseUpstream();
    const rawGateway = await GatewayApp.start(upstream, {}, `
platforms:
  Raw:
    base_url: ${raw.url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models:
      raw: raw-model
usages:
  main: { platform: Raw, model: raw }
  fast: { platform: Raw, model: raw }
  reason: { platform: Raw, model: raw }
`);
    try {
      const rawToken = await rawGateway.tokenFor('dave');
      const withUsage = await rawStream(rawGateway.url, rawToken, { model: 'main', stream_options: { include_usage: true } });
      expect(withUsage.text).toBe([...RAW_SSE_CONTENT, RAW_SSE_USAGE, RAW_SSE_DONE].join(''));
      const withoutUsage = await rawStream(rawGateway.url, rawToken, { model: 'Raw/raw' });
      expect(withoutUsage.text).toBe([...RAW_SSE_CONTENT, RAW_SSE_DONE].join(''));
      const rows = await rawGateway.rows();
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.outcome === 'ok' && r.reportedPromptTokens === 30 && r.reportedCompletionTokens === 2)).toBe(true);
    } finally {
      await rawGateway.close();
      await raw.close();
    }
  });
});
