import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { httpStatusFor } from './http-status';
import { LlmManagerError } from './llm-manager.error';

/** What every error response looks like: a code to switch on, a message that says what to do, optional details. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  errors?: string[];
}

/**
 * Domain errors to HTTP in one place. Nothing internal leaks: no stack, no file path, no key (domain messages are
 * written without secrets; anything unexpected becomes a generic 500 and is logged on the server only).
 */
@Catch()
export class LlmManagerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('LlmManager');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof LlmManagerError) {
      const statusCode = httpStatusFor(exception.code);
      return { statusCode, code: exception.code, message: exception.message, ...(exception.details ? { details: publicDetails(exception.details) } : {}) };
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    this.logger.error(`Unexpected error: ${exception instanceof Error ? exception.name : typeof exception}`, exception instanceof Error ? exception.stack : undefined);
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'Internal server error. The server log has the details.' };
  }

  private fromHttpException(exception: HttpException): ErrorBody {
    const statusCode = exception.getStatus();
    const raw = exception.getResponse();
    const messages = typeof raw === 'object' && raw !== null && 'message' in raw ? (raw as { message: unknown }).message : exception.message;
    const list = Array.isArray(messages) ? messages.map(String) : [String(messages)];
    const code = statusCode === HttpStatus.BAD_REQUEST ? 'VALIDATION_FAILED' : httpCodeName(statusCode);
    const message = statusCode === HttpStatus.BAD_REQUEST && list.some((m) => /JSON/i.test(m)) && !Array.isArray(messages)
      ? 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.'
      : list.join('; ');
    return { statusCode, code, message, ...(Array.isArray(messages) ? { errors: list } : {}) };
  }
}

function httpCodeName(status: number): string {
  switch (status) {
    case HttpStatus.UNAUTHORIZED:
      return 'UNAUTHENTICATED';
    case HttpStatus.FORBIDDEN:
      return 'FORBIDDEN';
    case HttpStatus.NOT_FOUND:
      return 'NOT_FOUND';
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return 'PAYLOAD_TOO_LARGE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}

/** Details are built by our own code without secrets; still, drop anything that is not a plain value. */
function publicDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value;
  }
  return out;
}
