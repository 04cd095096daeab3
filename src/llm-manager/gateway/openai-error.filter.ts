import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { sendOpenAiError } from './openai-error';

/** The gateway's errors in OpenAI's shape (`{ error: { message, type, code } }`), with the domain status. */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    sendOpenAiError(host.switchToHttp().getResponse<ServerResponse>(), exception);
  }
}
