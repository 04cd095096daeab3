import type { ServerResponse } from 'node:http';
import { fallsBack } from '../builder/fallback-chain';
import { RetryLoop } from '../builder/retry-loop';
import { LlmManagerError } from '../common/llm-manager.error';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { AttemptFailure } from './attempt-failure';
import { clientGoneSignal } from './gateway-call';
import { sendUpstreamError } from './upstream-exchange';
import type { UpstreamRoute } from './upstream-route';

/** The project's one retry loop (issue 18) as the gateway runs it: `maxRetries`, `retryBackoff`, Retry-After. */
export function gatewayRetryLoop(options: ResolvedLlmManagerOptions): RetryLoop {
  return new RetryLoop({ retries: options.maxRetries, ...options.retryBackoff });
}

/**
 * Walks `chain` (a slot's model and its fallbacks; one route for embeddings) until the client is answered: each model
 * retried by `retry` while `attempt` throws an AttemptFailure, then the next model, all before any byte reaches the
 * client. The last model's last 429 or 5xx reaches the client as the upstream sent it; an upstream that never
 * answered is the gateway's 502. The attempts share one signal that fires when the client goes away: a back-off
 * ends early then, and nobody is answered. Each attempt counts toward its platform key's cooldown (issue 18), as a
 * call of `getUserLlm()` does.
 */
export async function walkAttempts(
  retry: RetryLoop,
  chain: readonly UpstreamRoute[],
  res: ServerResponse,
  attempt: (target: UpstreamRoute, clientGone: AbortSignal) => Promise<unknown>,
): Promise<void> {
  const clientGone = clientGoneSignal(res);
  for (const [index, target] of chain.entries()) {
    const last = index === chain.length - 1;
    try {
      await retry.generate(() => observed(target, attempt(target, clientGone)), clientGone);
      return;
    } catch (error) {
      if (clientGone.aborted) return;
      // The next model takes a 429, a 5xx, an unreachable upstream or a broken-off answer, before any byte was sent.
      if (!last && !res.headersSent && (fallsBack(error) || (error instanceof LlmManagerError && error.code === 'UPSTREAM_ERROR'))) continue;
      if (!(error instanceof AttemptFailure)) throw error;
      if (error.answer === null) throw error.unanswered;
      return sendUpstreamError(res, error.answer, target.apiKey);
    }
  }
}

/**
 * An attempt's failure as its route's key health sees it: a 429, 5xx, timeout or unreachable upstream counts. Only a
 * 2xx answer relayed whole resets it (asLiveCall): a relayed 4xx, a stream broken off or a client gone say nothing.
 */
function observed<T>(target: UpstreamRoute, attempt: Promise<T>): Promise<T> {
  const health = target.health;
  if (!health) return attempt;
  return attempt.catch(async (error: unknown) => {
    await health.failed(error);
    throw error;
  });
}
