import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses, type ChatOpenAIFields } from '@langchain/openai';
import type { CallTracker } from './call-tracker';

import type { UsageSummary } from '../usage/usage-query.types';

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
}

class TrackedCompletions extends ChatOpenAICompletions {
  constructor(
    fields: ChatOpenAIFields,
    private readonly tracker: CallTracker,
  ) {
    super(fields);
  }

  override _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    return this.tracker.trackGenerate(messages, options, (tracked) => super._generate(messages, tracked, runManager));
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    yield* this.tracker.trackStream(messages, options, (tracked) => super._streamResponseChunks(messages, tracked, runManager));
  }
}

class TrackedResponses extends ChatOpenAIResponses {
  constructor(
    fields: ChatOpenAIFields,
    private readonly tracker: CallTracker,
  ) {
    super(fields);
  }

  override _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    return this.tracker.trackGenerate(messages, options, (tracked) => super._generate(messages, tracked, runManager));
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    yield* this.tracker.trackStream(messages, options, (tracked) => super._streamResponseChunks(messages, tracked, runManager));
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What `getUserLlm()` returns: a real `ChatOpenAI` (invoke, stream, batch, bindTools, withStructuredOutput) whose
 * every call is recorded in `usage_log_entries`. Tracking lives in the completions/responses delegates that
 * ChatOpenAI keeps in its fields, so models derived by `bindTools`/`withStructuredOutput`/`withConfig` (which
 * LangChain builds as plain `ChatOpenAI` from the same fields) are tracked too.
 */
export class TrackedChatModel extends ChatOpenAI {
  constructor(
    fields: ChatOpenAIFields,
    tracker: CallTracker,
    readonly info: TrackedModelInfo,
    private readonly usage: ModelUsageSource,
  ) {
    super({
      ...fields,
      completions: new TrackedCompletions(fields, tracker),
      responses: new TrackedResponses(fields, tracker),
    });
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
