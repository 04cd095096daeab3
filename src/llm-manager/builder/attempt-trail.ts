/**
 * The requests one call of a model has made so far, across its retries and its slot's fallback chain (issue 18):
 * each attempt's row carries its number and the call id of the attempt it replaced.
 */
export class AttemptTrail {
  private made = 0;
  private last: string | null = null;

  /** Numbers the attempt with call id `callId`: what its row records. */
  next(callId: string): { attempt: number; fallbackFrom: string | null } {
    const numbered = { attempt: ++this.made, fallbackFrom: this.last };
    this.last = callId;
    return numbered;
  }
}
