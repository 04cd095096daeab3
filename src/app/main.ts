import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './create-app';
import { StandaloneLogger } from './standalone-logger';

async function bootstrap(): Promise<void> {
  const { app, port, host } = await createApp({ logger: new StandaloneLogger() });
  app.enableShutdownHooks();
  await app.listen(port, host);
  const shown = host.includes(':') ? `[${host}]` : host;
  new Logger('LlmManager').log(`Listening on http://${shown}:${port} (Swagger UI at /docs, health at /health; HOST sets the interface)`);
}

bootstrap().catch((error: unknown) => {
  // A refused start (bad YAML, wrong LLM_KEY) prints its clear message, not a stack trace.
  const message = error instanceof Error ? `${error.name === 'LlmManagerError' ? '' : `${error.name}: `}${error.message}` : String(error);
  new Logger('LlmManager').error(message);
  process.exit(1);
});
