import { errorMessage } from '../common/error-message';
import { safeErrorDetail } from '../usage/error-detail';
import { ownErrorIn, upstreamStatusCode } from './upstream-call-error';

/** Why a call failed, as its usage row keeps it (issue 19): a code and a short detail with every key masked. */
export interface CallFailure {
  code: string;
  detail: string;
}

/**
 * The failure `error` stands for: the code of the first `LlmManagerError` in its causes (`UPSTREAM_ERROR` for anything else) and its message
 * with the `secrets` the caller holds (the platform key) masked, like every other key-like text.
 */
export function callFailure(error: unknown, secrets: readonly (string | null | undefined)[]): CallFailure {
  const code = ownErrorIn(error)?.code ?? 'UPSTREAM_ERROR';
  return { code, detail: safeErrorDetail(errorMessage(error), secrets) };
}

/** An upstream's error answer (HTTP `status`, body `text`) as a failure, the code chosen as the builder chooses it. */
export function httpFailure(status: number, text: string, secrets: readonly (string | null | undefined)[]): CallFailure {
  return { code: upstreamStatusCode(status), detail: safeErrorDetail(`HTTP ${status}: ${text.trim() || '(no body)'}`, secrets) };
}
