import { AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { RetryLoop, type RetryEffects } from './retry-loop';
import { UpstreamCallError } from './upstream-call-error';

const BACKOFF = { retries: 3, baseDelayMs: 100, maxDelayMs: 250, retryAfterMaxMs: 5_000 };

function rateLimited(retryAfter?: string): UpstreamCallError {
  const headers = retryAfter === undefined ? undefined : new Headers({ 'retry-after': retryAfter });
  return new UpstreamCallError('UPSTREAM_RATE_LIMITED', '429', 429, headers, new Error('429'));
}

function serverError(status = 503): UpstreamCallError {
  return new UpstreamCallError('UPSTREAM_ERROR', String(status), status, undefined, new Error(String(status)));
}

/** Records the waits instead of waiting; `random` is fixed. */
function effects(random = 0.5): RetryEffects & { waits: number[] } {
  const waits: number[] = [];
  return { waits, random: () => random, sleep: async (ms) => void waits.push(ms) };
}

const RESULT: ChatResult = { generations: [] };

describe('RetryLoop', () => {
  it('retries 5xx with full-jitter exponential back-off capped at maxDelayMs, then gives up with the last error', async () => {
    const fx = effects(0.5);
    let calls = 0;
    const last = serverError(502);
    const error = await new RetryLoop(BACKOFF, fx)
      .generate(async () => {
        calls++;
        throw calls === 4 ? last : serverError();
      }, undefined)
      .catch((e: unknown) => e);
    expect(error).toBe(last);
    expect(calls).toBe(4);
    expect(fx.waits).toEqual([50, 100, 125]);
  });

  it('waits exactly the Retry-After asked for, and not at all when it is longer than retryAfterMaxMs', async () => {
    const fx = effects();
    let calls = 0;
    const result = await new RetryLoop(BACKOFF, fx).generate(async () => {
      if (++calls === 1) throw rateLimited('2');
      return RESULT;
    }, undefined);
    expect(result).toBe(RESULT);
    expect(fx.waits).toEqual([2_000]);

    const tooLong = rateLimited('60');
    const refused = await new RetryLoop(BACKOFF, fx).generate(async () => Promise.reject(tooLong), undefined).catch((e: unknown) => e);
    expect(refused).toBe(tooLong);
    expect(fx.waits).toEqual([2_000]);
  });

  it('never retries a rejected key, a 4xx or a caller abort', async () => {
    for (const error of [
      new UpstreamCallError('UPSTREAM_KEY_REJECTED', '401', 401, undefined, null),
      serverError(400),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
    ]) {
      let calls = 0;
      await new RetryLoop(BACKOFF, effects()).generate(async () => {
        calls++;
        throw error;
      }, undefined).catch(() => undefined);
      expect(calls).toBe(1);
    }
  });

  it('retries a stream that failed before its first chunk, never one that failed after', async () => {
    const fx = effects();
    let calls = 0;
    async function* flaky(): AsyncGenerator<ChatGenerationChunk> {
      calls++;
      if (calls === 1) throw serverError();
      yield new ChatGenerationChunk({ text: 'a', message: new AIMessageChunk('a') });
      throw serverError();
    }
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of new RetryLoop(BACKOFF, fx).stream(flaky, undefined)) seen.push(chunk.text);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamCallError);
    expect(calls).toBe(2);
    expect(seen).toEqual(['a']);
  });

  it('an aborted caller is not retried', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    await new RetryLoop(BACKOFF, effects()).generate(async () => {
      calls++;
      throw serverError();
    }, controller.signal).catch(() => undefined);
    expect(calls).toBe(1);
  });
});
