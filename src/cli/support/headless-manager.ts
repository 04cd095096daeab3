import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LlmManagerModule } from '../../llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../llm-manager/llm-manager.options';
import { maskSecretsInText } from '../../llm-manager/security/mask-secret';
import { libraryOptions, type CliContext } from '../cli-context';
import { currentCipher } from './master-key-source';

/** Nest's log lines, on stderr only (stdout carries the command's result), masked; used with `--debug`. */
class StderrLogger implements LoggerService {
  constructor(private readonly ctx: CliContext) {}

  log(message: unknown, context?: string): void {
    this.write('log', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', message, context ?? trace);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('verbose', message, context);
  }

  private write(level: string, message: unknown, context: string | undefined): void {
    const line = `[${level}]${context ? ` ${context}:` : ''} ${String(message)}`;
    this.ctx.io.stderr.write(`${maskSecretsInText(line, this.ctx.secrets)}\n`);
  }
}

/**
 * Boots `LlmManagerModule` without HTTP (no controllers, no purge cron), runs `work` against it and closes it, so
 * the DataSource is destroyed and queued usage rows are flushed. Start-up is the library's: migrations, the
 * LLM_KEY check, and the YAML sync only when `overrides.syncOnStart` asks for it.
 */
export async function withManager<T>(
  ctx: CliContext,
  overrides: LlmManagerOptions,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  // A missing or short LLM_KEY is refused here, before the library's start opens (and on SQLite creates) the store.
  if (overrides.masterKey === undefined) currentCipher(ctx);
  const app = await NestFactory.createApplicationContext(
    LlmManagerModule.forRoot({
      ...libraryOptions(ctx, { syncOnStart: false, ...overrides }),
      usagePurgeCron: false,
      controllers: false,
    }),
    // abortOnError: false, so a refused start throws here instead of Nest ending the process with its own output.
    { logger: ctx.debug ? new StderrLogger(ctx) : false, abortOnError: false },
  );
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
