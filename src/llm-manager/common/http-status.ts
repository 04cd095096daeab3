import { HttpStatus } from '@nestjs/common';
import { assertUnreachable, type LlmManagerErrorCode } from './llm-manager.error';

/** The one mapping from domain codes to HTTP statuses. */
export function httpStatusFor(code: LlmManagerErrorCode): HttpStatus {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'CONFIG_INVALID':
    case 'URL_NOT_ALLOWED':
    case 'API_KEY_MISSING':
      return HttpStatus.BAD_REQUEST;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'AUTH_THROTTLED':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'FORBIDDEN':
    case 'FORBIDDEN_IN_FIXED_MODE':
      return HttpStatus.FORBIDDEN;
    case 'NOT_FOUND':
    case 'PLATFORM_NOT_FOUND':
    case 'MODEL_NOT_FOUND':
    case 'USAGE_SLOT_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'NAME_CONFLICT':
    case 'NO_USABLE_MODEL':
    case 'PLATFORM_DISABLED':
      return HttpStatus.CONFLICT;
    case 'UPSTREAM_ERROR':
    case 'UPSTREAM_KEY_REJECTED':
    case 'UPSTREAM_UNREACHABLE':
      return HttpStatus.BAD_GATEWAY;
    case 'BUDGET_EXCEEDED':
      return HttpStatus.PAYMENT_REQUIRED;
    case 'UPSTREAM_RATE_LIMITED':
    case 'RATE_LIMITED':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'UPSTREAM_TIMEOUT':
      return HttpStatus.GATEWAY_TIMEOUT;
    case 'STREAM_ABANDONED':
      return HttpStatus.REQUEST_TIMEOUT;
    case 'DATABASE_BUSY':
    case 'DATABASE_UNAVAILABLE':
    case 'SHUTTING_DOWN':
    case 'RATE_LIMITER_UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'MASTER_KEY_MISSING':
    case 'MASTER_KEY_INVALID':
    case 'SECRET_INVALID':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default:
      return assertUnreachable(code);
  }
}
