import type { ServerResponse } from 'node:http';
import type { LiveCall } from '../builder/live-call';
import { httpFailure } from '../builder/call-failure';
import { AttemptFailure, type UpstreamErrorAnswer } from './attempt-failure';
import { parseJsonObject } from './json-object';
import { sendJson } from './json-reply';
import { UpstreamDeadline, type DeadlineKind } from './upstream-deadline';
import { brokenOff, unreachable, upstreamErrorBody } from './upstream-error';
import { readAll, type UpstreamAnswer, type UpstreamClient } from './upstream-client';
import type { UpstreamRoute } from './upstream-route';

/**
 * One JSON request upstream (`/chat/completions`, `/embeddings`) on the call's signal, with the platform's key, for
 * one attempt: its answer, or an AttemptFailure the retry loop and the chain take (a 429 or 5xx, read whole and the
 * call settled as `error`; no status line at all, `requestTimeoutMs` included). Other answers are the caller's to
 * pass on. `timeoutMs` bounds the whole exchange (`whole`), or for a stream (`idle`) the wait for the status line and
 * then each wait for the next chunk (UpstreamDeadline).
 */
export async function postUpstream(
  client: UpstreamClient,
  route: UpstreamRoute,
  path: string,
  body: string,
  call: LiveCall,
  timeoutMs: number,
  kind: DeadlineKind,
): Promise<UpstreamAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (route.apiKey !== null) headers['authorization'] = `Bearer ${route.apiKey}`;
  const deadline = new UpstreamDeadline(call, timeoutMs, kind);
  deadline.arm();
  let upstream: UpstreamAnswer;
  try {
    upstream = deadline.bound(await client.post(route, path, headers, body, call.signal));
  } catch (error) {
    deadline.clear();
    // A call stopped from outside (the deadline, the client gone, shutdown) says why.
    const failure = unreachable(call.signal.aborted ? call.signal.reason : error);
    throw failure.code === 'UPSTREAM_ERROR' ? AttemptFailure.unanswered(failure) : failure;
  }
  if (upstream.status === 429 || upstream.status >= 500) throw AttemptFailure.answered(await readErrorAnswer(upstream, call, route.apiKey));
  return upstream;
}

/** Whether the upstream answered 2xx. */
export function succeeded(upstream: UpstreamAnswer): boolean {
  return upstream.status >= 200 && upstream.status <= 299;
}

/**
 * An upstream's error answer, passed on: the call settles as `error`, the client gets the status, Retry-After and
 * OpenAI's error shape, with the platform key masked wherever the upstream echoed it.
 */
export async function relayUpstreamError(upstream: UpstreamAnswer, route: UpstreamRoute, call: LiveCall, res: ServerResponse): Promise<void> {
  sendUpstreamError(res, await readErrorAnswer(upstream, call, route.apiKey), route.apiKey);
}

/** Reads an upstream's error answer whole and settles the call as `error`. */
export async function readErrorAnswer(upstream: UpstreamAnswer, call: LiveCall, apiKey: string | null): Promise<UpstreamErrorAnswer> {
  const text = (await bodyOf(() => readAll(upstream), call.signal)).toString('utf8');
  call.settle('error', httpFailure(upstream.status, text, [apiKey]));
  return { status: upstream.status, text, retryAfter: upstream.header('retry-after') };
}

/** An upstream's error answer to the client: its status and Retry-After, OpenAI's error shape, the key masked. */
export function sendUpstreamError(res: ServerResponse, answer: UpstreamErrorAnswer, apiKey: string | null): void {
  if (answer.retryAfter !== null) res.setHeader('retry-after', answer.retryAfter);
  sendJson(res, answer.status, upstreamErrorBody(answer.status, answer.text, apiKey));
}

/** A whole JSON answer passed on as the upstream sent its bytes: `observe` reads it first, the call settles `ok`. */
export async function relayJsonAnswer(upstream: UpstreamAnswer, call: LiveCall, res: ServerResponse, observe: (answer: Record<string, unknown>) => void): Promise<void> {
  const bytes = await bodyOf(() => readAll(upstream), call.signal);
  const answer = parseJsonObject(bytes.toString('utf8'));
  if (answer !== null) observe(answer);
  call.settle('ok');
  res.statusCode = upstream.status;
  res.setHeader('content-type', upstream.header('content-type') ?? 'application/json');
  res.end(bytes);
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
