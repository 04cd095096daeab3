import { errorMessage } from '../common/error-message';
import { LlmManagerError } from '../common/llm-manager.error';
import type { LiveCall } from '../builder/live-call';
import type { UpstreamAnswer } from './upstream-client';

/** How `requestTimeoutMs` bounds one upstream request on the gateway path. */
export type DeadlineKind = 'whole' | 'idle';

/**
 * `requestTimeoutMs` on the gateway path, as clients of LLM APIs expect it (OpenAI's SDKs, LiteLLM, Portkey): a
 * non-streamed call is bounded as a whole, status line to last byte; a stream is bounded until its status line and
 * then between two chunks (an idle timeout), so a long answer that keeps coming is never cut, and one that stalls
 * is. Only time spent waiting on the upstream counts: a stream held back by a slow client is `abandonedStreamMs`'s.
 * On expiry the call is stopped (recorded as `error`, its request cancelled) with a 502 `UPSTREAM_ERROR` saying so.
 */
export class UpstreamDeadline {
  private timer: NodeJS.Timeout | null = null;
  private answered = false;

  constructor(
    private readonly call: LiveCall,
    private readonly timeoutMs: number,
    private readonly kind: DeadlineKind,
  ) {}

  /** Starts (or restarts) the clock. */
  arm(): void {
    this.clear();
    this.timer = setTimeout(() => {
      const reason = this.expired();
      // The row says what happened (issue 19); the client still gets the 502 `reason` carries.
      this.call.stop('error', reason, { code: 'UPSTREAM_TIMEOUT', detail: errorMessage(reason) });
    }, this.timeoutMs);
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * The answer with its body under the deadline: the clock keeps running for a whole call and stops when the body
   * ends; for a stream it runs only while the next chunk is awaited.
   */
  bound(answer: UpstreamAnswer): UpstreamAnswer {
    this.answered = true;
    if (this.kind === 'idle') this.clear();
    return { ...answer, body: this.timed(answer.body) };
  }

  private async *timed(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const chunks = body[Symbol.asyncIterator]();
    let ended = false;
    try {
      for (;;) {
        if (this.kind === 'idle') this.arm();
        const next = await chunks.next();
        if (this.kind === 'idle') this.clear();
        if (next.done) {
          ended = true;
          return;
        }
        yield next.value;
      }
    } finally {
      this.clear();
      // A consumer that stops early (the call was settled) lets the upstream body go, as a for-await would.
      if (!ended) await chunks.return?.();
    }
  }

  private expired(): LlmManagerError {
    const where = !this.answered
      ? 'did not answer'
      : this.kind === 'whole'
        ? 'did not finish its answer'
        : 'sent nothing more of its stream';
    return new LlmManagerError('UPSTREAM_ERROR', `The platform ${where} within ${this.timeoutMs} ms (requestTimeoutMs). Try again, or raise requestTimeoutMs.`, {
      details: { timeoutMs: this.timeoutMs },
    });
  }
}
