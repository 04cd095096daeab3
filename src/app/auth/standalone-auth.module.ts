import { Module, type DynamicModule } from '@nestjs/common';
import { ApiTokensModule } from '../../llm-manager/api-tokens/api-tokens.module';
import { AuthFailureThrottle, type AuthThrottleSettings } from './auth-failure-throttle';
import { ADMIN_TOKEN, BearerIdentityResolver } from './bearer-identity.resolver';

/** Bearer authentication of the standalone server: one admin token, per-user tokens issued by the admin. */
@Module({})
export class StandaloneAuthModule {
  static forRoot(adminToken: string, throttle: AuthThrottleSettings): DynamicModule {
    return {
      module: StandaloneAuthModule,
      imports: [ApiTokensModule],
      providers: [
        { provide: ADMIN_TOKEN, useValue: adminToken },
        { provide: AuthFailureThrottle, useValue: new AuthFailureThrottle(throttle) },
        BearerIdentityResolver,
      ],
      exports: [BearerIdentityResolver],
    };
  }
}
