import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`; "Authorize" takes the admin or a user token. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('llm-mgr')
      .setDescription(
        'Universal LLM manager: platforms, models, keys, usage slots and usage statistics. Authorize with the admin ' +
          'token (LLM_MGR_ADMIN_TOKEN in .env) or a user token issued by POST /api/ai/admin/tokens.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin token (llma_…) or user token (llmu_…)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
