import type { Response as ExpressResponse } from 'express';
import type { AttemptTrail } from '../builder/attempt-trail';
import type { CallRecorder } from '../builder/call-recorder';
import type { CallObservation } from '../builder/call-observation';
import type { CallSink } from '../builder/call-tracker';
import { LiveCall } from '../builder/live-call';
import { failureCode } from '../builder/upstream-call-error';
import type { GatewayCaller } from './gateway-token.guard';
import type { UpstreamRoute } from './upstream-route';

/**
 * Runs one gateway request as a live call of the builder's recorder, so it ends in exactly one usage row: the call
 * follows the client's connection (a client that goes away aborts it), and whatever `work` throws settles it as
 * `error` before the error reaches the client, unless the client is already gone and nobody is left to answer
 * (then it resolves to undefined). A budget that refuses the call stops it before anything leaves (per-token budgets
 * match the caller's token). An attempt of a fallback chain carries its number and the call it replaces (`trail`).
 */
export async function asLiveCall<O extends CallObservation, R>(
  recorder: CallRecorder,
  route: UpstreamRoute,
  caller: GatewayCaller,
  res: ExpressResponse,
  observe: (startedAt: number) => O,
  work: (call: LiveCall, observation: O, sink: CallSink) => Promise<R>,
  trail?: AttemptTrail,
): Promise<R | undefined> {
  const sink = recorder.sinkFor({ ...route.billing, tokenId: caller.tokenId });
  const clientGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort(new Error('The client closed the connection.'));
  });
  const observation = observe(sink.now());
  // Budgets: refused here (402 BUDGET_EXCEEDED) before anything leaves; no await when no budget applies.
  const admission = sink.admit(observation);
  const hold = admission === null ? null : await admission;
  const call = new LiveCall(observation, sink, clientGone.signal);
  call.hold = hold;
  if (trail) Object.assign(observation, trail.next(call.id));
  sink.open(call);
  try {
    return await work(call, observation, sink);
  } catch (error) {
    call.settle('error', failureCode(error));
    if (!clientGone.signal.aborted) throw error;
    return undefined;
  }
}
