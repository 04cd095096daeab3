import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseMessage, BaseMessageChunk } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses, type ChatOpenAIFields, type OpenAIClient } from '@langchain/openai';
import { AttemptTrail } from './attempt-trail';
import type { CallTracker } from './call-tracker';
import { generateInOrder, streamInOrder } from './fallback-chain';
import { ModelAttempts } from './model-attempts';
import { ModelHealth } from './model-health';
import { withReasoningSentBack } from './reasoning-round-trip';
import type { RetryLoop } from './retry-loop';

import type { UsageSummary } from '../usage/usage-query.types';
import type { KeyOrigin } from '../catalogue/key-resolver';

export type { UsageSummary };

/** Answers usage questions about one tracked model (this user, this model), on the manager's clock. */
export interface ModelUsageSource {
  /** The last `ms` milliseconds up to now. */
  last(ms: number): Promise<UsageSummary>;
  /** `start <= created_at < end`; all time when both are null. */
  range(start: Date | null, end: Date | null): Promise<UsageSummary>;
}

/** Who and what a tracked model bills, for introspection. */
export interface TrackedModelInfo {
  userId: string;
  usageKey: string | null;
  agentName: string | null;
  platformId: number;
  platformName: string;
  modelId: number;
  modelDisplayName: string;
  modelName: string;
  /** Whose key the model's requests carry (M5): `system-auto` when auto-key lent the user a system key. */
  keyOrigin: KeyOrigin;
}

class TrackedCompletions extends ChatOpenAICompletions {
  /** The messages of each request in flight, by the signal of its call, for `completionWithRetry`. */
  private readonly outgoing = new WeakMap<AbortSignal, BaseMessage[]>();

  constructor(
    fields: ChatOpenAIFields,
    private readonly attempts: ModelAttempts,
    readonly health: ModelHealth,
    /** The next model of the slot's chain (issue 18). */
    readonly fallback: TrackedCompletions | undefined,
  ) {
    super(fields);
  }

  /** The chain's models not cooling down, in turn, each with its retries; every attempt numbered on one trail. */
  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const trail = new AttemptTrail();
    const turn = await ModelHealth.inTurn(chainOf<TrackedCompletions>(this));
    return generateInOrder(turn.map((model) => () => model.generateOnce(messages, options, runManager, trail)));
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const trail = new AttemptTrail();
    const turn = await ModelHealth.inTurn(chainOf<TrackedCompletions>(this));
    yield* streamInOrder(turn.map((model) => () => model.streamOnce(messages, options, runManager, trail)));
  }

  /** This model with its retries. */
  generateOnce(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager: CallbackManagerForLLMRun | undefined, trail: AttemptTrail): Promise<ChatResult> {
    const send = (tracked: this['ParsedCallOptions']): Promise<ChatResult> => super._generate(messages, this.sending(messages, tracked), runManager);
    return this.attempts.generate(messages, options, trail, send);
  }

  streamOnce(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager: CallbackManagerForLLMRun | undefined,
    trail: AttemptTrail,
  ): AsyncGenerator<ChatGenerationChunk> {
    const send = (tracked: this['ParsedCallOptions']): AsyncGenerator<ChatGenerationChunk> =>
      super._streamResponseChunks(messages, this.sending(messages, tracked), runManager);
    return this.attempts.stream(messages, options, trail, send);
  }

  /** LangChain builds the request from the messages but drops their reasoning: it is put back here. */
  override completionWithRetry(
    request: OpenAIClient.Chat.ChatCompletionCreateParamsStreaming,
    requestOptions?: OpenAIClient.RequestOptions,
  ): Promise<AsyncIterable<OpenAIClient.Chat.Completions.ChatCompletionChunk>>;
  override completionWithRetry(
    request: OpenAIClient.Chat.ChatCompletionCreateParamsNonStreaming,
    requestOptions?: OpenAIClient.RequestOptions,
  ): Promise<OpenAIClient.Chat.Completions.ChatCompletion>;
  override completionWithRetry(
    request: OpenAIClient.Chat.ChatCompletionCreateParams,
    requestOptions?: OpenAIClient.RequestOptions,
  ): Promise<unknown> {
    const messages = requestOptions?.signal ? this.outgoing.get(requestOptions.signal) : undefined;
    const sent = messages ? withReasoningSentBack(request, messages) : request;
    return super.completionWithRetry(sent as OpenAIClient.Chat.ChatCompletionCreateParamsNonStreaming, requestOptions);
  }

  /** Kimi streams its usage inside `choices[0].usage`, where LangChain does not look: it is moved where it does. */
  protected override _convertCompletionsDeltaToBaseMessageChunk(
    delta: Record<string, unknown>,
    rawResponse: OpenAIClient.Chat.Completions.ChatCompletionChunk,
    defaultRole?: OpenAIClient.Chat.ChatCompletionRole,
  ): BaseMessageChunk {
    return super._convertCompletionsDeltaToBaseMessageChunk(delta, withChoiceUsage(rawResponse), defaultRole);
  }

  private sending<O extends { signal?: AbortSignal }>(messages: BaseMessage[], options: O): O {
    if (options.signal) this.outgoing.set(options.signal, messages);
    return options;
  }
}

/** `chunk` with the usage found in its first choice moved to the top level, when only the choice has one. */
function withChoiceUsage(chunk: OpenAIClient.Chat.Completions.ChatCompletionChunk): OpenAIClient.Chat.Completions.ChatCompletionChunk {
  if (chunk.usage) return chunk;
  const usage = (chunk.choices?.[0] as { usage?: OpenAIClient.CompletionUsage } | undefined)?.usage;
  return usage && typeof usage === 'object' ? { ...chunk, usage } : chunk;
}

class TrackedResponses extends ChatOpenAIResponses {
  constructor(
    fields: ChatOpenAIFields,
    private readonly attempts: ModelAttempts,
    readonly health: ModelHealth,
    /** The next model of the slot's chain (issue 18). */
    readonly fallback: TrackedResponses | undefined,
  ) {
    super(fields);
  }

  /** As TrackedCompletions._generate. */
  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const trail = new AttemptTrail();
    const turn = await ModelHealth.inTurn(chainOf<TrackedResponses>(this));
    return generateInOrder(turn.map((model) => () => model.generateOnce(messages, options, runManager, trail)));
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const trail = new AttemptTrail();
    const turn = await ModelHealth.inTurn(chainOf<TrackedResponses>(this));
    yield* streamInOrder(turn.map((model) => () => model.streamOnce(messages, options, runManager, trail)));
  }

  generateOnce(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager: CallbackManagerForLLMRun | undefined, trail: AttemptTrail): Promise<ChatResult> {
    const send = (tracked: this['ParsedCallOptions']): Promise<ChatResult> => super._generate(messages, tracked, runManager);
    return this.attempts.generate(messages, options, trail, send);
  }

  streamOnce(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager: CallbackManagerForLLMRun | undefined,
    trail: AttemptTrail,
  ): AsyncGenerator<ChatGenerationChunk> {
    const send = (tracked: this['ParsedCallOptions']): AsyncGenerator<ChatGenerationChunk> => super._streamResponseChunks(messages, tracked, runManager);
    return this.attempts.stream(messages, options, trail, send);
  }
}

/** A model and those it falls back to, in order. */
function chainOf<T extends { fallback: T | undefined }>(first: T): T[] {
  const chain: T[] = [];
  for (let model: T | undefined = first; model; model = model.fallback) chain.push(model);
  return chain;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What `getUserLlm()` returns: a real `ChatOpenAI` (invoke, stream, batch, bindTools, withStructuredOutput) whose
 * every call is recorded in `usage_log_entries`. Tracking lives in the completions/responses delegates that
 * ChatOpenAI keeps in its fields, so models derived by `bindTools`/`withStructuredOutput`/`withConfig` (which
 * LangChain builds as plain `ChatOpenAI` from the same fields) are tracked too. So does the fallback chain: each
 * delegate hands a call it may not answer to the same delegate of `fallback` (issue 18).
 */
export class TrackedChatModel extends ChatOpenAI {
  constructor(
    fields: ChatOpenAIFields,
    tracker: CallTracker,
    retry: RetryLoop,
    readonly info: TrackedModelInfo,
    private readonly usage: ModelUsageSource,
    /** What this model's calls tell cooldowns, and how they order the chain. */
    readonly health: ModelHealth,
    /** The next model of the slot's chain, itself chained to the rest. */
    private readonly fallback?: TrackedChatModel,
  ) {
    super({
      ...fields,
      // llm-mgr's retry loop is the only one: LangChain's own would hide retries inside one tracked call.
      maxRetries: 0,
      completions: new TrackedCompletions({ ...fields, maxRetries: 0 }, new ModelAttempts(tracker, retry, health), health, fallback?.trackedCompletions),
      responses: new TrackedResponses({ ...fields, maxRetries: 0 }, new ModelAttempts(tracker, retry, health), health, fallback?.trackedResponses),
    });
  }

  /** This model and those it falls back to, in the order they are tried. */
  get chain(): TrackedModelInfo[] {
    return this.models.map((model) => model.info);
  }

  /** The models of the chain themselves, this one first (the gateway relays along them). */
  get models(): TrackedChatModel[] {
    return [this, ...(this.fallback?.models ?? [])];
  }

  /** The models of the chain a call would try now: those cooling down left out (issue 18; the gateway walks these). */
  modelsInTurn(): Promise<TrackedChatModel[]> {
    return ModelHealth.inTurn(this.models);
  }

  private get trackedCompletions(): TrackedCompletions {
    return this.completions as TrackedCompletions;
  }

  private get trackedResponses(): TrackedResponses {
    return this.responses as TrackedResponses;
  }

  /** Usage of this user on this model in the last 24 hours. */
  getUsageLast24h(): Promise<UsageSummary> {
    return this.usage.last(DAY_MS);
  }

  /** Usage in the last 7 days. */
  getUsageLastWeek(): Promise<UsageSummary> {
    return this.usage.last(7 * DAY_MS);
  }

  /** Usage in the last 30 days. */
  getUsageLastMonth(): Promise<UsageSummary> {
    return this.usage.last(30 * DAY_MS);
  }

  /** Usage over all time. */
  getUsageTotal(): Promise<UsageSummary> {
    return this.usage.range(null, null);
  }

  /** Usage with `start <= created_at < end`. */
  getUsageByRange(start: Date, end: Date): Promise<UsageSummary> {
    return this.usage.range(start, end);
  }
}
