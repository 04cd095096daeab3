import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { config as loadDotenv } from 'dotenv';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  // Provider keys named in the YAML ({DEEPSEEK_API_KEY}) may live in .env beside LLM_KEY.
  loadDotenv({ quiet: true });
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('llm-mgr')
      .setDescription('Universal LLM manager: platforms, models, keys, usage slots and usage statistics.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('LlmManager').log(`Listening on http://localhost:${port} (Swagger UI at /docs)`);
}

bootstrap().catch((error: unknown) => {
  // A refused start (bad YAML, wrong LLM_KEY) prints its clear message, not a stack trace.
  const message = error instanceof Error ? `${error.name === 'LlmManagerError' ? '' : `${error.name}: `}${error.message}` : String(error);
  new Logger('LlmManager').error(message);
  process.exit(1);
});
