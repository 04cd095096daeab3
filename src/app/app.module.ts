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

/** What `AppModule.forRoot()` needs, resolved before Nest starts (see `createApp()`). */
export interface AppModuleConfig {
  adminToken: string;
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
      ],
      controllers: [HealthController],
      providers: [HealthService],
    };
  }
}
