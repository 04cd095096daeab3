import { ConsoleLogger } from '@nestjs/common';
import { LlmManagerError } from '../llm-manager/common/llm-manager.error';

/**
 * Nest's console logger, minus the stack trace Nest's ExceptionHandler prints when a provider refuses to start
 * (wrong `LLM_KEY`, bad YAML): that refusal is ours, its message says what to do, and `main.ts` prints it once.
 */
export class StandaloneLogger extends ConsoleLogger {
  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (message instanceof LlmManagerError && optionalParams.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...optionalParams);
  }
}
