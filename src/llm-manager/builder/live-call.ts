import { randomUUID } from 'node:crypto';
import type { BudgetHold } from '../budgets/budget-gate';
import type { UsageOutcome } from '../database/usage-log-entry.entity';
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
  /** What the call reserved of its budgets before it left; settled to its cost when its row is counted. */
  hold: BudgetHold | null = null;
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
   * Records the call as ended with `outcome` (an `error` with the code of what failed it, for the metrics); false (and
   * nothing recorded) when it had already settled.
   */
  settle(outcome: UsageOutcome, errorCode: string = 'UPSTREAM_ERROR'): boolean {
    if (this.ending !== null) return false;
    this.ending = outcome;
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    const finished = this.observation.finish(this.id, outcome, this.end.now());
    if (outcome === 'error') finished.errorCode = errorCode;
    this.end.record(finished);
    return true;
  }

  /** Ends the call from outside (caller's abort, shutdown, nobody reading): records it, then cancels its request. */
  stop(outcome: UsageOutcome, reason: unknown): void {
    if (this.settle(outcome)) this.controller.abort(reason);
  }

  private readonly onCallerAbort = (): void => this.stop('aborted', this.callerSignal?.reason);
}
