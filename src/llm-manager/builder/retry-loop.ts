import { setTimeout as delay } from 'node:timers/promises';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { fallsBack } from './fallback-chain';
import type { UpstreamCallError } from './upstream-call-error';

/** How llm-mgr's one retry loop waits (issue 18); the SDK's and LangChain's own retries are off wherever it runs. */
export interface RetryBackoff {
  /** Retries of one model after its first attempt; then the slot's next model, if any. */
  retries: number;
  /** The first back-off; each retry doubles it, up to `maxDelayMs`, and waits a random part of it (full jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the call goes to the next model, or fails. */
  retryAfterMaxMs: number;
}

/** The side effects of waiting, so tests can take them over. */
export interface RetryEffects {
  random(): number;
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

export const REAL_RETRY_EFFECTS: RetryEffects = {
  random: Math.random,
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

/**
 * Retries one model of a chain: a 429, a 5xx, a timeout or an unreachable upstream is tried again after a jittered
 * exponential back-off, or after exactly the `Retry-After` the upstream asked for. Every attempt is a request of its
 * own (and a usage row of its own); nothing below retries, so attempts never multiply (LiteLLM #19985).
 */
export class RetryLoop {
  constructor(
    private readonly backoff: RetryBackoff,
    private readonly effects: RetryEffects = REAL_RETRY_EFFECTS,
  ) {}

  async generate<T = ChatResult>(attempt: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        await this.beforeRetry(error, retry, signal);
      }
    }
  }

  /** Retries only before the first chunk: after it, the caller holds part of an answer. */
  async *stream(attempt: () => AsyncGenerator<ChatGenerationChunk>, signal: AbortSignal | undefined): AsyncGenerator<ChatGenerationChunk> {
    for (let retry = 0; ; retry++) {
      let started = false;
      try {
        for await (const chunk of attempt()) {
          started = true;
          yield chunk;
        }
        return;
      } catch (error) {
        if (started) throw error;
        await this.beforeRetry(error, retry, signal);
      }
    }
  }

  /** Waits before retry `retry + 1`, or rethrows `error` when it is not to be retried. */
  private async beforeRetry(error: unknown, retry: number, signal: AbortSignal | undefined): Promise<void> {
    const wait = this.waitMs(error, retry);
    if (wait === undefined || signal?.aborted) throw error;
    await this.effects.sleep(wait, signal);
  }

  /** How long to wait before retry `retry + 1`; undefined: do not retry. */
  waitMs(error: unknown, retry: number): number | undefined {
    if (retry >= this.backoff.retries || !fallsBack(error)) return undefined;
    const asked = (error as UpstreamCallError).retryAfterSeconds;
    if (asked !== undefined) {
      const ms = asked * 1000;
      return ms > this.backoff.retryAfterMaxMs ? undefined : ms;
    }
    const ceiling = Math.min(this.backoff.maxDelayMs, this.backoff.baseDelayMs * 2 ** retry);
    return Math.round(this.effects.random() * ceiling);
  }
}
