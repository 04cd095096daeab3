import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // Lets llm-mgr flush queued usage rows and close its database on SIGTERM.
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '0.0.0.0');
  new Logger('HostApp').log(`Listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('HostApp').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
