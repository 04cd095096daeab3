import { Module, type DynamicModule } from '@nestjs/common';
import { ApiTokensModule } from '../llm-manager/api-tokens/api-tokens.module';
import { LlmManagerModule } from '../llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../llm-manager/llm-manager.options';
import type { AuthThrottleSettings } from './auth/auth-failure-throttle';
import { BearerIdentityResolver } from './auth/bearer-identity.resolver';
import { StandaloneAuthModule } from './auth/standalone-auth.module';
import { ConsoleModule } from './console/console.module';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { METRICS_TOKEN, MetricsController } from './metrics/metrics.controller';

/** What `AppModule.forRoot()` needs, resolved before Nest starts (see `createApp()`). */
export interface AppModuleConfig {
  adminToken: string;
  /** `LLM_MGR_METRICS_TOKEN`: reads `GET /metrics` and nothing else; null when only the admin token may. */
  metricsToken: string | null;
  authThrottle: AuthThrottleSettings;
  llmManager: LlmManagerOptions;
}

/** The standalone server: llm-mgr on the embedded SQLite default and the shipped YAML, behind bearer tokens. */
@Module({})
export class AppModule {
  static forRoot(config: AppModuleConfig): DynamicModule {
    const auth = StandaloneAuthModule.forRoot(config.adminToken, config.authThrottle);
    return {
      module: AppModule,
      imports: [
        LlmManagerModule.forRootAsync({
          gateway: true,
          imports: [auth],
          inject: [BearerIdentityResolver],
          useFactory: (bearer: BearerIdentityResolver): LlmManagerOptions => ({
            ...config.llmManager,
            resolveIdentity: (request) => bearer.resolve(request),
          }),
        }),
        ApiTokensModule,
        ConsoleModule,
        auth,
      ],
      controllers: [HealthController, MetricsController],
      providers: [HealthService, { provide: METRICS_TOKEN, useValue: config.metricsToken }],
    };
  }
}
