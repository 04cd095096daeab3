/**
 * A local OpenAI-compatible server that every test talks to over real HTTP, on 127.0.0.1 and an ephemeral port.
 *
 * Endpoints: `GET /v1/models` and `GET /models` (list shape); `POST /v1/chat/completions` (JSON or SSE);
 * `POST /v1/embeddings` (fake-upstream.embeddings.ts; the scripts' `error` and `usage.prompt` apply);
 * anything else is a 404 with OpenAI's error body. With `apiKey` set, a missing or wrong bearer key is a 401.
 *
 * Behaviour of a chat request is a ChatScript, merged from three layers (later wins, field by field):
 *   1. the model name, when it starts with `fake-` (see fake-upstream.model-names.ts), e.g.
 *      `fake-error-500`, `fake-error-429`, `fake-slow-300` (first byte after 300 ms), `fake-drip-50` (50 ms
 *      between chunks), `fake-disconnect-2` (socket destroyed after 2 chunks), `fake-no-usage`,
 *      `fake-cumulative-usage`, `fake-finish-usage`, `fake-choice-usage` (Kimi), `fake-reasoning`, `fake-no-tools`,
 *      `fake-thinking-tools` (DeepSeek's rule: `reasoning_content` must come back on tool-call turns); they compose:
 *      `fake-reasoning-drip-20-cumulative-usage`;
 *   2. `upstream.scriptModel(model, script)`, for every request to that model;
 *   3. `upstream.enqueue(script)`, consumed by the next chat request whatever its model (FIFO).
 * Defaults: reply `Echo: <last user message>`, usage estimated at 4 characters a token, OpenAI-style stream usage
 * (a `choices: []` chunk, only when `stream_options.include_usage` is true), a tool call whenever the request has
 * tools and `tool_choice` is not 'none', JSON content sampled from the schema for `response_format` json_schema.
 *
 * Observing: `requests` / `chatRequests` record method, path, headers, parsed body (so `stream_options` and extra
 * body fields such as `enable_thinking` can be asserted) and an `outcome` that turns `client-disconnected` when the
 * client goes away mid-reply. `waitForRequests(n)` and `settled()` let a test wait for the server side without
 * sleeping; every server-side delay is cut short when the client disconnects, so aborting tests stay fast.
 * `chatOpenAIFor(upstream, model)` (chat-openai-for.ts) builds a ChatOpenAI aimed at the fake, and
 * `useNoNetworkGuard()` (no-network.ts) proves a test never leaves loopback.
 *
 * @example
 *   const upstream = await startFakeUpstream({ apiKey: 'sk-test' });
 *   upstream.enqueue({ reply: 'Hi', usage: { prompt: 10, completion: 2 } });
 *   const llm = new ChatOpenAI({ model: 'fake-chat', apiKey: 'sk-test', maxRetries: 0,
 *     configuration: { baseURL: upstream.url } });
 *   await llm.invoke('Hello');
 *   expect(upstream.chatRequests[0].body?.['model']).toBe('fake-chat');
 *   await upstream.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { completionBody, missingReasoningBack, planChatReply, streamChunks } from './fake-upstream.chat-reply';
import { pause, parseJsonObject, readBody, sendError, sendJson, writeFlushed } from './fake-upstream.http';
import { answerEmbeddings } from './fake-upstream.embeddings';
import { DEFAULT_FAKE_MODELS, scriptFromModelName } from './fake-upstream.model-names';
import type { ChatScript, FakeUpstream, FakeUpstreamOptions, RecordedRequest } from './fake-upstream.types';
import { maskKey, openAiErrorBody } from './openai-error';

export { DEFAULT_FAKE_MODELS, FAKE_REASONING_TEXT } from './fake-upstream.model-names';
export type * from './fake-upstream.types';

const CHAT_PATH = '/v1/chat/completions';
const EMBEDDINGS_PATH = '/v1/embeddings';

/** One request being answered: `closed` aborts as soon as the socket goes away, whoever closed it. */
interface Exchange {
  record: RecordedRequest;
  res: ServerResponse;
  closed: AbortSignal;
}

class FakeUpstreamServer implements FakeUpstream {
  readonly url: string;
  readonly port: number;
  private recorded: RecordedRequest[] = [];
  private queue: ChatScript[] = [];
  private modelScripts = new Map<string, ChatScript>();
  private models: readonly string[];
  private readonly sockets = new Set<Socket>();
  private settleWaiters: (() => void)[] = [];
  private requestWaiters: { count: number; resolve: (requests: readonly RecordedRequest[]) => void }[] = [];
  private bodiesRead = 0;
  private chatSequence = 0;

  constructor(
    private readonly server: Server,
    private readonly options: FakeUpstreamOptions,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/v1`;
    this.models = options.models ?? DEFAULT_FAKE_MODELS;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the fake must fail the test loudly, not hang it waiting for a reply.
        if (!res.headersSent) sendJson(res, 500, openAiErrorBody(500, `fake upstream failed: ${String(error)}`));
        else res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  get chatRequests(): readonly RecordedRequest[] {
    return this.recorded.filter((record) => record.path === CHAT_PATH);
  }

  get embeddingsRequests(): readonly RecordedRequest[] {
    return this.recorded.filter((record) => record.path === EMBEDDINGS_PATH);
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  get inFlight(): number {
    return this.recorded.filter((record) => record.outcome === 'pending').length;
  }

  enqueue(...scripts: ChatScript[]): void {
    this.queue.push(...scripts);
  }

  scriptModel(model: string, script: ChatScript): void {
    this.modelScripts.set(model, script);
  }

  setModels(models: readonly string[]): void {
    this.models = models;
  }

  waitForRequests(count: number): Promise<readonly RecordedRequest[]> {
    if (this.bodiesRead >= count) return Promise.resolve(this.recorded);
    return new Promise((resolve) => this.requestWaiters.push({ count, resolve }));
  }

  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  reset(): void {
    this.recorded = [];
    this.bodiesRead = 0;
    this.queue = [];
    this.modelScripts.clear();
    this.models = this.options.models ?? DEFAULT_FAKE_MODELS;
    this.notifySettled();
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private notifyReceived(): void {
    this.bodiesRead += 1;
    const ready = this.requestWaiters.filter((waiter) => waiter.count <= this.bodiesRead);
    this.requestWaiters = this.requestWaiters.filter((waiter) => waiter.count > this.bodiesRead);
    ready.forEach((waiter) => waiter.resolve(this.recorded));
  }

  private notifySettled(): void {
    if (this.inFlight > 0) return;
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const authorization = req.headers.authorization;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      authorization,
      body: undefined,
      receivedAt: Date.now(),
      outcome: 'pending',
      chunksSent: 0,
    };
    this.recorded.push(record);
    const closing = new AbortController();
    res.on('close', () => {
      if (record.outcome === 'pending') record.outcome = res.writableFinished ? 'completed' : 'client-disconnected';
      closing.abort();
      this.notifySettled();
    });
    const rawBody = await readBody(req);
    record.body = parseJsonObject(rawBody);
    this.notifyReceived();
    const exchange: Exchange = { record, res, closed: closing.signal };

    const expected = this.options.apiKey;
    if (expected !== undefined && authorization !== `Bearer ${expected}`) {
      const given = authorization?.replace(/^Bearer\s+/i, '') ?? '';
      const message = given ? `Incorrect API key provided: ${maskKey(given)}.` : "You didn't provide an API key.";
      return sendError(res, { status: 401, message });
    }
    if (record.method === 'GET' && (path === '/v1/models' || path === '/models')) return this.listModels(res);
    if (record.method === 'POST' && path === CHAT_PATH) return this.chat(exchange, rawBody);
    if (record.method === 'POST' && path === EMBEDDINGS_PATH) {
      const model = record.body?.['model'];
      return answerEmbeddings(res, record.body, this.scriptFor(typeof model === 'string' ? model : ''));
    }
    sendJson(res, 404, openAiErrorBody(404, `Unknown request URL: ${record.method} ${path}.`));
  }

  private listModels(res: ServerResponse): void {
    const data = this.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-upstream' }));
    sendJson(res, 200, { object: 'list', data });
  }

  private scriptFor(model: string): ChatScript {
    return { ...scriptFromModelName(model), ...this.modelScripts.get(model), ...this.queue.shift() };
  }

  private async chat(exchange: Exchange, rawBody: string): Promise<void> {
    const { record, res, closed } = exchange;
    const body = record.body;
    if (body === undefined || typeof body['model'] !== 'string') {
      const message = `Expected a JSON body with a model, got: ${rawBody.slice(0, 80)}`;
      return sendError(res, { status: 400, message });
    }
    const script = this.scriptFor(body['model']);
    await pause(script.firstByteDelayMs ?? 0, closed);
    if (closed.aborted) return;
    if (script.error) return sendError(res, script.error);
    const refusal = script.requireReasoningBack ? missingReasoningBack(body) : undefined;
    if (refusal) return sendError(res, { status: 400, message: refusal });
    const plan = planChatReply(body, script, ++this.chatSequence);
    if (body['stream'] !== true) {
      if (script.disconnectAfterChunks !== undefined) return this.disconnect(exchange);
      return sendJson(res, 200, completionBody(plan));
    }
    const streamOptions = body['stream_options'];
    const includeUsage =
      typeof streamOptions === 'object' && streamOptions !== null && !Array.isArray(streamOptions)
        ? streamOptions['include_usage'] === true
        : false;
    const chunks = streamChunks(plan, script.streamUsage ?? 'final-chunk', includeUsage);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // Real providers send the status line before the first token; a client's "connected" moment depends on it.
    res.flushHeaders();
    for (const [index, chunk] of chunks.entries()) {
      if (index > 0) await pause(script.chunkDelayMs ?? 0, closed);
      if (closed.aborted) return;
      if (record.chunksSent === script.disconnectAfterChunks) return this.disconnect(exchange);
      await writeFlushed(res, `data: ${JSON.stringify(chunk)}\n\n`);
      record.chunksSent += 1;
    }
    if (record.chunksSent === script.disconnectAfterChunks) return this.disconnect(exchange);
    res.end('data: [DONE]\n\n');
  }

  private disconnect({ record, res }: Exchange): void {
    record.outcome = 'server-disconnected';
    res.socket?.destroy();
  }
}

/** Starts the fake on 127.0.0.1; always `close()` it (an `afterAll` is the usual place). */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new FakeUpstreamServer(server, options);
}
