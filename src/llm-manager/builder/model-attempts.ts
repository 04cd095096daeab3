import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import type { AttemptTrail } from './attempt-trail';
import type { CallTracker } from './call-tracker';
import type { ModelHealth } from './model-health';
import type { RetryLoop } from './retry-loop';

/**
 * The calls one model makes for one request (issue 18): each attempt tracked as a call of its own, its outcome told
 * to cooldowns, retried by the retry loop. The slot's chain (fallback-chain.ts) then hands a failure on.
 */
export class ModelAttempts {
  constructor(
    private readonly tracker: CallTracker,
    private readonly retry: RetryLoop,
    private readonly health: ModelHealth,
  ) {}

  generate<O extends { signal?: AbortSignal }>(
    messages: BaseMessage[],
    options: O,
    trail: AttemptTrail,
    send: (tracked: O) => Promise<ChatResult>,
  ): Promise<ChatResult> {
    return this.retry.generate(() => this.health.observe(this.tracker.trackGenerate(messages, options, send, trail)), options.signal);
  }

  stream<O extends { signal?: AbortSignal }>(
    messages: BaseMessage[],
    options: O,
    trail: AttemptTrail,
    send: (tracked: O) => AsyncGenerator<ChatGenerationChunk>,
  ): AsyncGenerator<ChatGenerationChunk> {
    return this.retry.stream(() => this.health.observeStream(this.tracker.trackStream(messages, options, send, trail)), options.signal);
  }
}
