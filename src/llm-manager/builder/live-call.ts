import { randomUUID } from 'node:crypto';
import type { CallHold } from './call-hold';
import type { UsageOutcome } from '../database/usage-log-entry.entity';
import type { CallFailure } from './call-failure';
import type { CallObservation, FinishedCall } from './call-observation';

/** Where a call reports that it ended; exactly once per call. */
export interface CallEnd {
  now(): number;
  record(call: FinishedCall): void;
}

/**
 * One request on its way to the upstream, from the moment it leaves until it is recorded. It settles exactly once,
 * by whoever sees the end first: the model's own code (result, error, the consumer's `break`), the caller's
 * AbortSignal (LangChain stops pulling a stream when that fires between chunks and never returns its generator, so
 * no `finally` would run), the shutdown drain, or the sweep for streams nobody reads.
 *
 * The request itself runs on a signal of the call's own, which follows the caller's: whoever settles the call from
 * outside also cancels the request, so nothing keeps streaming after its row is written.
 */
export class LiveCall {
  readonly id = randomUUID();
  /** What the call holds of its budgets and rate limits; settled when it ends and its row is counted. */
  hold: CallHold | null = null;
  /** Epoch ms since which a stream has waited for its consumer to ask for the next chunk; 0 when not waiting. */
  waitingSince = 0;
  private readonly controller = new AbortController();
  private ending: UsageOutcome | null = null;

  constructor(
    readonly observation: CallObservation,
    private readonly end: CallEnd,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    callerSignal?.addEventListener('abort', this.onCallerAbort);
  }

  /** What the request runs on. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** How the call was recorded, or `null` while it is live. */
  get outcome(): UsageOutcome | null {
    return this.ending;
  }

  /**
   * Records the call as ended with `outcome` (and, for an `error`, why: kept on its usage row); false (and nothing
   * recorded) when it had already settled.
   */
  settle(outcome: UsageOutcome, failure: CallFailure | null = null): boolean {
    if (this.ending !== null) return false;
    this.ending = outcome;
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    this.end.record({ ...this.observation.finish(this.id, outcome, this.end.now()), failure: outcome === 'error' ? failure : null });
    return true;
  }

  /** Ends the call from outside (caller's abort, shutdown, nobody reading): records it, then cancels its request. */
  stop(outcome: UsageOutcome, reason: unknown, failure: CallFailure | null = null): void {
    if (this.settle(outcome, failure)) this.controller.abort(reason);
  }

  private readonly onCallerAbort = (): void => this.stop('aborted', this.callerSignal?.reason);
}
