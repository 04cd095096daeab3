import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import type { AttemptTrail } from './attempt-trail';
import type { CallTracker } from './call-tracker';
import { generateWithFallback, streamWithFallback } from './fallback-chain';
import type { RetryLoop } from './retry-loop';

/**
 * The calls one model makes for one request (issue 18): each attempt tracked as a call of its own, retried by the
 * retry loop, then handed to the next model of the slot's chain (`next`) when it may answer instead.
 */
export class ModelAttempts {
  constructor(
    private readonly tracker: CallTracker,
    private readonly retry: RetryLoop,
  ) {}

  generate<O extends { signal?: AbortSignal }>(
    messages: BaseMessage[],
    options: O,
    trail: AttemptTrail,
    send: (tracked: O) => Promise<ChatResult>,
    next: (() => Promise<ChatResult>) | undefined,
  ): Promise<ChatResult> {
    return generateWithFallback(() => this.retry.generate(() => this.tracker.trackGenerate(messages, options, send, trail), options.signal), next);
  }

  stream<O extends { signal?: AbortSignal }>(
    messages: BaseMessage[],
    options: O,
    trail: AttemptTrail,
    send: (tracked: O) => AsyncGenerator<ChatGenerationChunk>,
    next: (() => AsyncGenerator<ChatGenerationChunk>) | undefined,
  ): AsyncGenerator<ChatGenerationChunk> {
    return streamWithFallback(this.retry.stream(() => this.tracker.trackStream(messages, options, send, trail), options.signal), next);
  }
}
