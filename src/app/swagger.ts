import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';

/** How the API documentation is served. */
export interface DocsOptions {
  /**
   * Swagger UI keeps a pasted token in the browser's localStorage across reloads, where any script of the origin and
   * anyone at the machine can read it. Off unless `LLM_MGR_DOCS_PERSIST_AUTHORIZATION=true`.
   */
  persistAuthorization: boolean;
}

/**
 * Swagger UI loads only its own files: three scripts and the document from this origin. Its template and its
 * components set inline styles, and its icons are data: URLs; nothing else is allowed, and no site may frame it
 * (clickjacking the "Authorize" dialog).
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`; "Authorize" takes the admin or a user token. */
export function setupSwagger(app: INestApplication, options: DocsOptions): void {
  // Registered before the Swagger routes, so every file under /docs (and /docs-json) carries the headers.
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.path === '/docs' || request.path.startsWith('/docs/') || request.path === '/docs-json') {
      response.setHeader('Content-Security-Policy', DOCS_CSP);
      response.setHeader('X-Frame-Options', 'DENY');
      response.setHeader('X-Content-Type-Options', 'nosniff');
      response.setHeader('Referrer-Policy', 'no-referrer');
    }
    next();
  });
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
    swaggerOptions: { persistAuthorization: options.persistAuthorization },
  });
}
