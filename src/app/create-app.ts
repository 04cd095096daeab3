import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { urlencoded } from 'express';
import { installGatewayFastPath } from '../llm-manager/gateway/gateway-fast-path';
import { AppModule } from './app.module';
import { resolveAdminToken } from './auth/admin-token';
import { AuthFailureThrottle } from './auth/auth-failure-throttle';
import { gatewayAuthThrottle } from './auth/gateway-auth-throttle';
import { gatewayJsonParser } from './gateway-json-parser';
import { StandaloneExceptionFilter } from './standalone-exception.filter';
import { setupSwagger } from './swagger';
import { resolveStandaloneConfig, type StandaloneAppOptions } from './standalone-config';

/** A built, not yet listening, standalone server and where it should listen. */
export interface StandaloneApp {
  app: INestApplication;
  port: number;
  /** The interface (`HOST`, default 127.0.0.1). */
  host: string;
}

/**
 * Builds the standalone server: reads `.env` and the environment, finds or generates the admin token, starts
 * llm-mgr (migrations, `LLM_KEY`, YAML sync) and mounts Swagger. `main.ts` calls it with nothing; tests point it at
 * a temp folder. Errors propagate (no `process.exit`), so the caller decides how to report them.
 */
export async function createApp(options: StandaloneAppOptions = {}): Promise<StandaloneApp> {
  const logger = options.logger ?? new Logger();
  const config = resolveStandaloneConfig(options);
  const admin = resolveAdminToken({
    configured: config.adminTokenFromEnv,
    envFilePath: config.envFile,
    log: (line) => logger.log(line, 'LlmManager'),
  });
  const app = await NestFactory.create(AppModule.forRoot({
    adminToken: admin.token,
    metricsToken: config.metricsToken,
    authThrottle: config.authThrottle,
    llmManager: config.llmManager,
  }), {
    abortOnError: false,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  // The server owns every route, so errors raised before routing (malformed JSON, a body over the limit) get the
  // same JSON shape and codes as the rest (OpenAI's on the gateway's /v1); host apps keep their own global filters.
  app.useGlobalFilters(new StandaloneExceptionFilter());
  // The fast path below sends no X-Powered-By; Express's routes say nothing of the server either.
  (app.getHttpAdapter().getInstance() as { disable(setting: string): unknown }).disable('x-powered-by');
  const gatewayDoor = [gatewayAuthThrottle(app.get(AuthFailureThrottle)), gatewayJsonParser(config.gatewayBodyLimitBytes)];
  app.use('/v1', ...gatewayDoor);
  // The gateway's exact routes skip Express and Nest's pipeline (bench P6); Nest's form parser, which the Express
  // path gets at init(), comes last so a form-encoded body reads as it did there. Middleware added to the app after
  // this point (CORS, helmet) never reaches those routes: add it to `gatewayDoor` as well.
  installGatewayFastPath(app, [...gatewayDoor, urlencoded({ extended: true })]);
  setupSwagger(app, config.docs);
  return { app, port: config.port, host: config.host };
}
