import type { IncomingHttpHeaders } from 'node:http';

/** JSON as it travels over the wire; the fake never trusts a body to have any particular shape. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Token counts the fake reports; `total` is always prompt + completion. */
export interface UsageScript {
  prompt: number;
  completion: number;
  /** Sent as `completion_tokens_details.reasoning_tokens` (counted inside `completion`, as OpenAI does). */
  reasoning?: number;
  /** Prompt tokens read from the provider's cache (counted inside `prompt`, as OpenAI, DeepSeek and Kimi do). */
  cached?: number;
  /**
   * Where `cached` is written. Default `openai`.
   * - `openai`: `prompt_tokens_details.cached_tokens`;
   * - `deepseek`: `prompt_cache_hit_tokens` and `prompt_cache_miss_tokens` (their sum is `prompt_tokens`);
   * - `kimi`: top-level `cached_tokens`.
   */
  shape?: 'openai' | 'deepseek' | 'kimi';
}

/**
 * How usage travels in a streamed reply.
 * - `final-chunk`: OpenAI: one extra chunk with `choices: []` + `usage`, only when the request has
 *   `stream_options.include_usage: true`; every other chunk carries `usage: null`.
 * - `cumulative`: every chunk carries the running totals (some providers do this), whatever the request says.
 * - `with-finish`: the chunk holding `finish_reason` also holds the totals (DeepSeek/Moonshot style).
 * - `in-choice`: the totals sit inside `choices[0].usage` of the chunk holding `finish_reason` (Kimi), nowhere else.
 * - `none`: no usage anywhere.
 */
export type StreamUsageMode = 'final-chunk' | 'cumulative' | 'with-finish' | 'in-choice' | 'none';

/** An OpenAI-shaped error reply. */
export interface ErrorScript {
  status: number;
  message?: string;
  /** Sent as the `retry-after` header (seconds); defaults to 1 for 429. */
  retryAfterSeconds?: number;
}

/** Forces (or suppresses, with `false`) a tool call in the reply. */
export interface ToolCallScript {
  /** Defaults to the tool named by `tool_choice`, else the first tool of the request. */
  name?: string;
  /** Serialised with JSON.stringify; defaults to a sample built from the tool's parameter schema. */
  arguments?: unknown;
}

/**
 * What the fake does with one chat request. Every field is optional; see the header of fake-upstream.ts for the
 * order in which model-name conventions, per-model scripts and queued scripts are merged.
 */
export interface ChatScript {
  /** Assistant text. Default: `Echo: <last user message>`. */
  reply?: string;
  /** DeepSeek-style `reasoning_content` on the message / deltas. */
  reasoning?: string;
  /** Token counts, or `'none'` to omit usage entirely. Default: derived from text length (see estimateUsage). */
  usage?: UsageScript | 'none';
  /** Default: `final-chunk`. */
  streamUsage?: StreamUsageMode;
  /** Default: a tool call whenever the request has tools and `tool_choice` is not `'none'`. */
  toolCall?: ToolCallScript | false;
  /** Content sent when the request asks for `response_format` json_schema/json_object. Default: a schema sample. */
  json?: unknown;
  /** Reply with this error instead of a completion. */
  error?: ErrorScript;
  /**
   * DeepSeek's thinking-mode rule: a 400 when an assistant message with `tool_calls` in the request comes without
   * its `reasoning_content` ("The `reasoning_content` in the thinking mode must be passed back to the API.").
   */
  requireReasoningBack?: boolean;
  /** Wait before the status line is written. */
  firstByteDelayMs?: number;
  /** Wait between SSE chunks. */
  chunkDelayMs?: number;
  /** How many pieces the reply text (or tool arguments) is cut into when streamed. Default: 3. */
  chunkCount?: number;
  /**
   * Destroy the socket after this many SSE `data:` lines, without `[DONE]`. For a non-stream request any value
   * destroys the socket before a byte is sent.
   */
  disconnectAfterChunks?: number;
}

/**
 * What became of a recorded request.
 * `client-disconnected`: the client closed the connection before the reply was complete (abort, break).
 * `server-disconnected`: the fake destroyed the socket on purpose (`disconnectAfterChunks`).
 */
export type RequestOutcome = 'pending' | 'completed' | 'client-disconnected' | 'server-disconnected';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  authorization: string | undefined;
  /** Parsed JSON body; `undefined` when the body was empty or not JSON. */
  body: JsonObject | undefined;
  /** Epoch milliseconds at which the request was received. */
  receivedAt: number;
  outcome: RequestOutcome;
  /** Number of SSE `data:` lines written (0 for non-stream replies). */
  chunksSent: number;
}

export interface FakeUpstreamOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>` or gets a 401. Default: any key passes. */
  apiKey?: string;
  /** Default: 0 (an ephemeral port). */
  port?: number;
  /** Ids listed by `GET /v1/models`. Default: DEFAULT_FAKE_MODELS. */
  models?: readonly string[];
}

export interface FakeUpstream {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received since start or the last reset, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** The `/v1/chat/completions` requests only. */
  readonly chatRequests: readonly RecordedRequest[];
  /** The `/v1/embeddings` requests only. */
  readonly embeddingsRequests: readonly RecordedRequest[];
  /** Sockets currently open (keep-alive sockets count). */
  readonly openConnections: number;
  /** Requests whose reply has not finished and whose connection is still open. */
  readonly inFlight: number;
  /** Applies `script` to the next chat request only (FIFO, one script per request). */
  enqueue(...scripts: ChatScript[]): void;
  /** Applies `script` to every chat request for `model` (merged under queued scripts). */
  scriptModel(model: string, script: ChatScript): void;
  /** Replaces the ids listed by `GET /v1/models`. */
  setModels(models: readonly string[]): void;
  /** Resolves once at least `count` requests (since start or reset) have been received with their body read. */
  waitForRequests(count: number): Promise<readonly RecordedRequest[]>;
  /** Resolves once no recorded request is `pending` any more (e.g. after an abort reached the server). */
  settled(): Promise<void>;
  /** Forgets requests, queued and per-model scripts, and restores the model list given at start. */
  reset(): void;
  close(): Promise<void>;
}
