import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { LlmManagerExceptionFilter } from '../llm-manager/common/llm-manager-exception.filter';
import { OpenAiErrorFilter } from '../llm-manager/gateway/openai-error.filter';

/**
 * The standalone server's global filter, for errors raised before routing (malformed JSON, a body over the limit):
 * the gateway's paths answer in OpenAI's shape, as their OpenAI SDK clients expect; every other path in llm-mgr's.
 */
@Catch()
export class StandaloneExceptionFilter implements ExceptionFilter {
  private readonly domain = new LlmManagerExceptionFilter();
  private readonly openAi = new OpenAiErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const path = host.switchToHttp().getRequest<{ path?: string }>().path ?? '';
    (path === '/v1' || path.startsWith('/v1/') ? this.openAi : this.domain).catch(exception, host);
  }
}
