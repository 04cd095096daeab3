import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { basename, isAbsolute } from 'path';
import { databaseFailure } from '../database/database-failure';
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
    if (exception instanceof HttpException && isCustomBody(exception.getResponse())) {
      // A route that chose its own error body (e.g. /health's 503) keeps it.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const body = this.toBody(exception);
    // A refusal that ends by itself says when: `details.retryAfterSeconds`, also sent as the standard header.
    const retryAfter = body.details?.['retryAfterSeconds'];
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof LlmManagerError) {
      const statusCode = httpStatusFor(exception.code);
      const { message, details } = withoutServerPaths(exception.message, exception.details);
      return { statusCode, code: exception.code, message, ...(details ? { details: publicDetails(details) } : {}) };
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    if (isBodyParserError(exception)) return this.fromBodyParser(exception);
    // A database that is down, frozen or locked by another process: 503 + Retry-After, not an opaque 500.
    const database = databaseFailure(exception);
    if (database) return this.toBody(database);
    this.logger.error(`Unexpected error: ${exception instanceof Error ? exception.name : typeof exception}`, exception instanceof Error ? exception.stack : undefined);
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'Internal server error. The server log has the details.' };
  }

  private fromBodyParser(error: BodyParserError): ErrorBody {
    if (error.status === HttpStatus.PAYLOAD_TOO_LARGE) {
      const limit = typeof error.limit === 'number' ? ` (limit ${readableBytes(error.limit)})` : '';
      return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body is too large${limit}.` };
    }
    if (error.type === 'request.aborted' || error.type === 'request.size.invalid') {
      return { statusCode: HttpStatus.BAD_REQUEST, code: 'VALIDATION_FAILED', message: 'The request body ended before its Content-Length.' };
    }
    if (error.type === 'charset.unsupported' || error.type === 'encoding.unsupported') {
      return {
        statusCode: HttpStatus.BAD_REQUEST,
        code: 'VALIDATION_FAILED',
        message: 'The request body must be UTF-8 JSON, uncompressed or gzip/deflate/br. Send Content-Type: application/json.',
      };
    }
    return {
      statusCode: HttpStatus.BAD_REQUEST,
      code: 'VALIDATION_FAILED',
      message: 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.',
    };
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
    const fields = typeof raw === 'object' && raw !== null && 'fields' in raw && Array.isArray(raw.fields) && raw.fields.length > 0 ? raw.fields : null;
    return {
      statusCode,
      code,
      message,
      ...(Array.isArray(messages) ? { errors: list } : {}),
      // The validation pipe's refusals, field by field (llmManagerValidationPipe): the first field, and all of them.
      ...(fields === null ? {} : { details: { field: (fields[0] as { field: string }).field, fields } }),
    };
  }
}

/** A configuration error names its file for operators; over HTTP the file name is enough, the server's path is not. */
function withoutServerPaths(
  message: string,
  details: Record<string, unknown> | undefined,
): { message: string; details: Record<string, unknown> | undefined } {
  const file = details?.['file'];
  if (typeof file !== 'string' || !isAbsolute(file)) return { message, details };
  return { message: message.split(file).join(basename(file)), details: { ...details, file: basename(file) } };
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

/** Nest's own exceptions carry `message`; a body without one was written by the route on purpose. */
function isCustomBody(body: string | object): boolean {
  return typeof body === 'object' && body !== null && !('message' in body);
}

/** Errors of Express's body parser carry `type` (`entity.parse.failed`, `entity.too.large`) and a 4xx `status`. */
/** What body-parser (and the gateway's own JSON parser) throw for a body it refuses; `limit` in bytes for a 413. */
interface BodyParserError {
  status: number;
  type: string;
  limit?: unknown;
}

/** body-parser's client-side errors: the body (`entity.*`), the request cut short, a charset or encoding it cannot read. */
const BODY_PARSER_TYPES = /^(entity\.|request\.aborted$|request\.size\.invalid$|charset\.unsupported$|encoding\.unsupported$)/;

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as { status?: unknown; type?: unknown };
  return typeof candidate?.status === 'number' && candidate.status < 500 && typeof candidate.type === 'string' && BODY_PARSER_TYPES.test(candidate.type);
}

/** 102400 → "100 kB", 16777216 → "16 MB" (as the limits are set). */
function readableBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} bytes`;
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
