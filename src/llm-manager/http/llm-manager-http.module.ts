import { Module, type Type } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { BuilderModule } from '../builder/builder.module';
import { IdentityGuard } from '../common/request-identity';
import { UsageModule } from '../usage/usage.module';
import { UserSelectionModule } from '../user-selection/user-selection.module';
import { YamlSyncModule } from '../yaml-sync/yaml-sync.module';

/** Every controller of llm-mgr; mounted unless the host passes `controllers: false`. */
export const LLM_MANAGER_CONTROLLERS: Type<unknown>[] = [];

/** The REST API (M12): thin controllers over the feature modules' services. */
@Module({
  imports: [AdminModule, BuilderModule, UsageModule, UserSelectionModule, YamlSyncModule],
  controllers: LLM_MANAGER_CONTROLLERS,
  providers: [IdentityGuard],
})
export class LlmManagerHttpModule {}
