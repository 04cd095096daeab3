import type { Response as ExpressResponse } from 'express';
import type { LiveCall } from '../builder/live-call';
import { upstreamStatusCode } from '../builder/upstream-call-error';
import { brokenOff, unreachable, upstreamErrorBody } from './upstream-error';
import { readAll, type UpstreamAnswer, type UpstreamClient } from './upstream-client';
import type { UpstreamRoute } from './upstream-route';

/**
 * One JSON request upstream (`/chat/completions`, `/embeddings`) on the call's signal, with the platform's key;
 * `timeoutMs` (`requestTimeoutMs`) bounds the wait for the status line.
 */
export async function postUpstream(
  client: UpstreamClient,
  route: UpstreamRoute,
  path: string,
  body: string,
  call: LiveCall,
  timeoutMs: number,
): Promise<UpstreamAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (route.apiKey !== null) headers['authorization'] = `Bearer ${route.apiKey}`;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.stop('error', new Error('requestTimeoutMs elapsed'));
  }, timeoutMs);
  try {
    return await client.post(route, path, headers, body, call.signal);
  } catch (error) {
    throw unreachable(error, timeoutMs, timedOut);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the upstream answered 2xx. */
export function succeeded(upstream: UpstreamAnswer): boolean {
  return upstream.status >= 200 && upstream.status <= 299;
}

/**
 * An upstream's error answer, passed on: the call settles as `error`, the client gets the status, Retry-After and
 * OpenAI's error shape, with the platform key masked wherever the upstream echoed it.
 */
export async function relayUpstreamError(upstream: UpstreamAnswer, route: UpstreamRoute, call: LiveCall, res: ExpressResponse): Promise<void> {
  const text = (await bodyOf(() => readAll(upstream), call.signal)).toString('utf8');
  call.settle('error', upstreamStatusCode(upstream.status));
  const retryAfter = upstream.header('retry-after');
  if (retryAfter !== null) res.setHeader('retry-after', retryAfter);
  res.status(upstream.status).json(upstreamErrorBody(upstream.status, text, route.apiKey));
}

/**
 * An upstream body that breaks off (the socket dropped) is the upstream's failure: a 502, not a 500. A call stopped
 * from outside says why (shutdown: 503 `SHUTTING_DOWN`).
 */
export async function bodyOf<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw brokenOff(signal.aborted ? signal.reason : error);
  }
}
