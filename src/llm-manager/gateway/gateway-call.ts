import type { ServerResponse } from 'node:http';
import type { AttemptTrail } from '../builder/attempt-trail';
import type { CallRecorder } from '../builder/call-recorder';
import { callFailure } from '../builder/call-failure';
import type { CallObservation } from '../builder/call-observation';
import type { CallSink } from '../builder/call-tracker';
import { LiveCall } from '../builder/live-call';
import type { GatewayCaller } from './gateway-caller';
import type { UpstreamRoute } from './upstream-route';

/**
 * Runs one gateway request as a live call of the builder's recorder, so it ends in exactly one usage row: the call
 * follows the client's connection (a client that goes away aborts it), and whatever `work` throws settles it as
 * `error` before the error reaches the client, unless the client is already gone and nobody is left to answer
 * (then it resolves to undefined). A rate limit or budget that refuses the call stops it before anything leaves
 * (per-token ones match the caller's token). An attempt of a fallback chain carries its number and the call it replaces
 * (`trail`); the attempts of one request share one `clientGone` signal.
 */
export async function asLiveCall<O extends CallObservation, R>(
  recorder: CallRecorder,
  route: UpstreamRoute,
  caller: GatewayCaller,
  res: ServerResponse,
  observe: (startedAt: number) => O,
  work: (call: LiveCall, observation: O, sink: CallSink) => Promise<R>,
  trail?: AttemptTrail,
  clientGone: AbortSignal = clientGoneSignal(res),
): Promise<R | undefined> {
  const sink = recorder.sinkFor({ ...route.billing, tokenId: caller.tokenId });
  const observation = observe(sink.now());
  // Rate limits and budgets: refused here (429 RATE_LIMITED, 402 BUDGET_EXCEEDED) before anything leaves; no await
  // when none applies.
  const admission = sink.admit(observation);
  const hold = admission === null ? null : await admission;
  if (clientGone.aborted) {
    // The client left while the call waited for admission: nothing leaves, nothing is recorded, the hold goes back.
    if (hold) sink.release(hold);
    return undefined;
  }
  const call = new LiveCall(observation, sink, clientGone);
  call.hold = hold;
  if (trail) Object.assign(observation, trail.next(call.id));
  sink.open(call);
  try {
    const answered = await work(call, observation, sink);
    // The upstream answered 2xx and the client got it whole: the key's cooldown count starts again (issue 18).
    if (call.outcome === 'ok') await route.health?.succeeded();
    return answered;
  } catch (error) {
    call.settle('error', callFailure(error, [route.apiKey]));
    if (!clientGone.aborted) throw error;
    return undefined;
  }
}

/** Aborts when the client closes its connection before its answer was sent whole (not after a normal end). */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort(new Error('The client closed the connection.'));
  });
  return gone.signal;
}
