import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toOpenAiError } from './openai-error';

/** The gateway's errors in OpenAI's shape (`{ error: { message, type, code } }`), with the domain status. */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // A stream already under way carries its own error event (ChatRelay); nothing more can be said here.
    if (response.headersSent) {
      response.end();
      return;
    }
    const { status, body, retryAfterSeconds } = toOpenAiError(exception);
    if (retryAfterSeconds !== null) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(status).json(body);
  }
}
