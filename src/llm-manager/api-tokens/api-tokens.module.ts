import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { Clock, SystemClock } from '../usage/clock';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokenGenerator } from './api-token.secrets';
import { ApiTokenService } from './api-token.service';

/**
 * Per-user API tokens (issue, list, revoke, verify). Its table is on llm-mgr's data source (`LlmManagerModule`). Imported by the HTTP module (the admin routes) and by the standalone app (its auth); Nest
 * builds one instance, so a revocation through the routes empties the cache the app's auth reads.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity], LLM_MGR_DATA_SOURCE)],
  providers: [{ provide: Clock, useClass: SystemClock }, ApiTokenGenerator, ApiTokenService],
  exports: [ApiTokenService],
})
export class ApiTokensModule {}
