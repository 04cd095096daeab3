import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { BudgetsModule } from './budgets/budgets.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { BuilderModule } from './builder/builder.module';
import { ClusterModule } from './cluster/cluster.module';
import { ConfigChanges } from './common/config-changes';
import { CooldownsModule } from './cooldowns/cooldowns.module';
import { withHostEnvFile } from './common/host-env';
import { LlmManagerDataSourceModule } from './database/database.providers';
import { LLM_MANAGER_RESOLVED_OPTIONS } from './llm-manager.constants';
import { LLM_MANAGER_OPTIONS, LLM_MANAGER_OPTIONS_TYPE, LlmManagerConfigurableModule } from './llm-manager.module-definition';
import { resolveOptions, type LlmManagerOptions } from './llm-manager.options';
import { LlmManagerService } from './llm-manager.service';
import { MetricsModule } from './metrics/metrics.module';
import { SecurityModule } from './security/security.module';
import { UsageModule } from './usage/usage.module';
import { UserSelectionModule } from './user-selection/user-selection.module';
import { YamlSyncModule } from './yaml-sync/yaml-sync.module';

const resolvedOptionsProvider: Provider = {
  provide: LLM_MANAGER_RESOLVED_OPTIONS,
  inject: [LLM_MANAGER_OPTIONS],
  useFactory: (options: LlmManagerOptions) => withHostEnvFile(options, resolveOptions(options)),
};

/**
 * What a host imports: `LlmManagerModule.forRoot(options)` or `LlmManagerModule.forRootAsync({ useFactory, inject })`.
 * Global by default (`isGlobal: false` to opt out) so the feature modules and the host see one store and one key.
 */
@Module({
  imports: [
    LlmManagerDataSourceModule, SecurityModule, ClusterModule, AdminModule, YamlSyncModule, UserSelectionModule, UsageModule, BudgetsModule,
    RateLimitsModule, BuilderModule, MetricsModule, CooldownsModule,
  ],
  providers: [resolvedOptionsProvider, ConfigChanges, LlmManagerService],
  exports: [
    LLM_MANAGER_RESOLVED_OPTIONS,
    ConfigChanges,
    LlmManagerService,
    SecurityModule,
    AdminModule,
    YamlSyncModule,
    UserSelectionModule,
    UsageModule,
    BudgetsModule,
    RateLimitsModule,
    BuilderModule,
    MetricsModule,
    CooldownsModule,
  ],
})
export class LlmManagerModule extends LlmManagerConfigurableModule {
  /**
   * `forRoot()` with no argument is the headline call: every option has a default or an environment variable. The
   * builder's own `forRoot(options)` requires the object and reads the extras (`isGlobal`, `controllers`) from it.
   */
  static override forRoot(options: typeof LLM_MANAGER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
