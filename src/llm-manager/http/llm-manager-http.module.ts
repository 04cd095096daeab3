import { Module, type Type } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { PlatformHealthController } from '../admin/platform-health.controller';
import { PlatformHealthService } from '../admin/platform-health.service';
import { SysPlatformController } from '../admin/sys-platform.controller';
import { UserDirectoryController } from '../admin/user-directory.controller';
import { UserDirectoryService } from '../admin/user-directory.service';
import { UserPlatformController } from '../admin/user-platform.controller';
import { ApiTokensController } from '../api-tokens/api-tokens.controller';
import { ApiTokensModule } from '../api-tokens/api-tokens.module';
import { AdminBudgetsController } from '../budgets/admin-budgets.controller';
import { BudgetsModule } from '../budgets/budgets.module';
import { UserBudgetController } from '../budgets/user-budget.controller';
import { AdminRateLimitsController } from '../rate-limits/admin-rate-limits.controller';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { UserRateLimitsController } from '../rate-limits/user-rate-limits.controller';
import { BuilderModule } from '../builder/builder.module';
import { ProbeController } from '../builder/probe.controller';
import { IdentityGuard } from '../common/request-identity';
import { Clock, SystemClock } from '../usage/clock';
import { AdminRequestLogController } from '../usage/admin-request-log.controller';
import { AdminUsageController } from '../usage/admin-usage.controller';
import { UsageController } from '../usage/usage.controller';
import { UsageModule } from '../usage/usage.module';
import { UserSelectionController } from '../user-selection/user-selection.controller';
import { SystemUsageController } from '../user-selection/system-usage.controller';
import { UserSelectionModule } from '../user-selection/user-selection.module';
import { YamlSyncModule } from '../yaml-sync/yaml-sync.module';

/** Every controller of llm-mgr; mounted unless the host passes `controllers: false`. */
export const LLM_MANAGER_CONTROLLERS: Type<unknown>[] = [
  ApiTokensController,
  UserSelectionController,
  UserPlatformController,
  ProbeController,
  UsageController,
  SysPlatformController,
  PlatformHealthController,
  SystemUsageController,
  AdminUsageController,
  AdminRequestLogController,
  UserDirectoryController,
  UserBudgetController,
  AdminBudgetsController,
  AdminRateLimitsController,
  UserRateLimitsController,
];

/** The REST API (M12): thin controllers over the feature modules' services. */
@Module({
  imports: [AdminModule, ApiTokensModule, BudgetsModule, RateLimitsModule, BuilderModule, UsageModule, UserSelectionModule, YamlSyncModule],
  controllers: LLM_MANAGER_CONTROLLERS,
  providers: [{ provide: Clock, useClass: SystemClock }, IdentityGuard, UserDirectoryService, PlatformHealthService],
})
export class LlmManagerHttpModule {}
