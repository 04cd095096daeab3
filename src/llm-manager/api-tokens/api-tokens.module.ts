import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../usage/clock';
import { ApiTokenGenerator } from './api-token.secrets';
import { ApiTokenService } from './api-token.service';

/**
 * Per-user API tokens (issue, list, revoke, verify). Relies on the global `LLM_MGR_DATA_SOURCE_TOKEN` of
 * `LlmManagerModule`. Imported by the HTTP module (the admin routes) and by the standalone app (its auth); Nest
 * builds one instance, so a revocation through the routes empties the cache the app's auth reads.
 */
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, ApiTokenGenerator, ApiTokenService],
  exports: [ApiTokenService],
})
export class ApiTokensModule {}
