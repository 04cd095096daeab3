import type { Response as ExpressResponse } from 'express';
import { fallsBack } from '../builder/fallback-chain';
import type { LiveCall } from '../builder/live-call';
import { RetryLoop } from '../builder/retry-loop';
import { LlmManagerError } from '../common/llm-manager.error';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { AttemptFailure } from './attempt-failure';
import { clientGoneSignal } from './gateway-call';
import type { DeadlineKind } from './upstream-deadline';
import type { UpstreamAnswer, UpstreamClient } from './upstream-client';
import { postUpstream, readErrorAnswer, sendUpstreamError } from './upstream-exchange';
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
 * ends early then, and nobody is answered.
 */
export async function walkAttempts(
  retry: RetryLoop,
  chain: readonly UpstreamRoute[],
  res: ExpressResponse,
  attempt: (target: UpstreamRoute, clientGone: AbortSignal) => Promise<unknown>,
): Promise<void> {
  const clientGone = clientGoneSignal(res);
  for (const [index, target] of chain.entries()) {
    const last = index === chain.length - 1;
    try {
      await retry.generate(() => attempt(target, clientGone), clientGone);
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
 * One request upstream for one attempt: its answer, or an AttemptFailure the retry loop and the chain take (a 429 or
 * 5xx, read whole and the call settled as `error`; no status line at all). Other answers are the caller's to pass on.
 */
export async function postAttempt(
  client: UpstreamClient,
  route: UpstreamRoute,
  path: string,
  body: string,
  call: LiveCall,
  timeoutMs: number,
  kind: DeadlineKind,
): Promise<UpstreamAnswer> {
  let upstream: UpstreamAnswer;
  try {
    upstream = await postUpstream(client, route, path, body, call, timeoutMs, kind);
  } catch (error) {
    throw error instanceof LlmManagerError && error.code === 'UPSTREAM_ERROR' && !call.signal.aborted ? AttemptFailure.unanswered(error) : error;
  }
  if (upstream.status === 429 || upstream.status >= 500) throw AttemptFailure.answered(await readErrorAnswer(upstream, call));
  return upstream;
}
