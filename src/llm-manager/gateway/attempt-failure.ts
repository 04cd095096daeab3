import { LlmManagerError } from '../common/llm-manager.error';
import { UpstreamCallError } from '../builder/upstream-call-error';

/** An upstream's error answer as read off the wire, to pass on when nobody else will answer. */
export interface UpstreamErrorAnswer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/**
 * One gateway attempt that failed before any byte reached the client, in the terms of the project's retry loop and
 * fallback chain (`UpstreamCallError`: `fallsBack`, `retryAfterSeconds`): the upstream answered 429 or 5xx
 * (`answer`, passed on as it came when it is the last word), or it never answered (`unanswered`: the gateway's own
 * 502, unreachable or past requestTimeoutMs). Never reaches the client itself.
 */
export class AttemptFailure extends UpstreamCallError {
  private constructor(
    code: 'UPSTREAM_RATE_LIMITED' | 'UPSTREAM_ERROR' | 'UPSTREAM_UNREACHABLE',
    readonly answer: UpstreamErrorAnswer | null,
    readonly unanswered: LlmManagerError | null,
  ) {
    const headers = answer?.retryAfter ? new Headers({ 'retry-after': answer.retryAfter }) : undefined;
    super(code, unanswered?.message ?? `The platform answered HTTP ${answer!.status}.`, answer?.status, headers, unanswered ?? undefined);
  }

  /** A 429 or 5xx the upstream answered. */
  static answered(answer: UpstreamErrorAnswer): AttemptFailure {
    return new AttemptFailure(answer.status === 429 ? 'UPSTREAM_RATE_LIMITED' : 'UPSTREAM_ERROR', answer, null);
  }

  /** No status line: refused connection, DNS, TLS, requestTimeoutMs (the gateway's UPSTREAM_ERROR). */
  static unanswered(error: LlmManagerError): AttemptFailure {
    return new AttemptFailure('UPSTREAM_UNREACHABLE', null, error);
  }
}
