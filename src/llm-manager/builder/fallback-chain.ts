import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { UpstreamCallError } from './upstream-call-error';

/**
 * Whether the next model of a slot's chain may take over a failed call (issue 18): a 429, a 5xx, a timeout or an
 * unreachable upstream say nothing about the request, so another model may answer it. A rejected key, a 4xx and an
 * abort are about this request or caller: every model would fail it the same way.
 */
export function fallsBack(error: unknown): boolean {
  if (!(error instanceof UpstreamCallError)) return false;
  switch (error.code) {
    case 'UPSTREAM_RATE_LIMITED':
    case 'UPSTREAM_TIMEOUT':
    case 'UPSTREAM_UNREACHABLE':
      return true;
    case 'UPSTREAM_ERROR':
      return error.status !== undefined && error.status >= 500;
    case 'UPSTREAM_KEY_REJECTED':
      return false;
  }
}

/** `attempt()`, then `next()` when it failed in a way another model may answer. */
export async function generateWithFallback(attempt: () => Promise<ChatResult>, next: (() => Promise<ChatResult>) | undefined): Promise<ChatResult> {
  if (!next) return attempt();
  try {
    return await attempt();
  } catch (error) {
    if (!fallsBack(error)) throw error;
    return next();
  }
}

/**
 * The chunks of `attempt`, or of `next` when `attempt` failed before its first chunk. After the first chunk the caller
 * holds part of an answer: switching models would splice two answers, so the error surfaces (LiteLLM #22296, #26015).
 */
export async function* streamWithFallback(
  attempt: AsyncGenerator<ChatGenerationChunk>,
  next: (() => AsyncGenerator<ChatGenerationChunk>) | undefined,
): AsyncGenerator<ChatGenerationChunk> {
  if (!next) return yield* attempt;
  let started = false;
  try {
    for await (const chunk of attempt) {
      started = true;
      yield chunk;
    }
  } catch (error) {
    if (started || !fallsBack(error)) throw error;
    yield* next();
  }
}

/** Each of `attempts` in turn while the one before failed in a way another model may answer (see generateWithFallback). */
export function generateInOrder(attempts: ReadonlyArray<() => Promise<ChatResult>>): Promise<ChatResult> {
  const chained = attempts.reduceRight<(() => Promise<ChatResult>) | undefined>(
    (next, attempt) => () => generateWithFallback(attempt, next),
    undefined,
  );
  return chained ? chained() : Promise.reject(new Error('A fallback chain needs at least one model.'));
}

/** The chunks of the first of `attempts` that gets to its first chunk (see streamWithFallback). */
export function streamInOrder(attempts: ReadonlyArray<() => AsyncGenerator<ChatGenerationChunk>>): AsyncGenerator<ChatGenerationChunk> {
  const chained = attempts.reduceRight<(() => AsyncGenerator<ChatGenerationChunk>) | undefined>(
    (next, attempt) => () => streamWithFallback(attempt(), next),
    undefined,
  );
  if (!chained) throw new Error('A fallback chain needs at least one model.');
  return chained();
}
