import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AdminModule } from './admin/admin.module';
import { BuilderModule } from './builder/builder.module';
import { ClusterModule } from './cluster/cluster.module';
import { ConfigChanges } from './common/config-changes';
import { errorMessage } from './common/error-message';
import { withHostEnvFile } from './common/host-env';
import { dataSourceProvider, LLM_MGR_DATA_SOURCE_TOKEN } from './database/database.providers';
import { LLM_MANAGER_RESOLVED_OPTIONS } from './llm-manager.constants';
import { LLM_MANAGER_OPTIONS, LLM_MANAGER_OPTIONS_TYPE, LlmManagerConfigurableModule } from './llm-manager.module-definition';
import { resolveOptions, type LlmManagerOptions } from './llm-manager.options';
import { LlmManagerService } from './llm-manager.service';
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
  imports: [SecurityModule, ClusterModule, AdminModule, YamlSyncModule, UserSelectionModule, UsageModule, BuilderModule],
  providers: [resolvedOptionsProvider, dataSourceProvider, ConfigChanges, LlmManagerService],
  exports: [
    LLM_MANAGER_RESOLVED_OPTIONS,
    LLM_MGR_DATA_SOURCE_TOKEN,
    ConfigChanges,
    LlmManagerService,
    SecurityModule,
    AdminModule,
    YamlSyncModule,
    UserSelectionModule,
    UsageModule,
    BuilderModule,
  ],
})
export class LlmManagerModule extends LlmManagerConfigurableModule implements OnApplicationShutdown {
  constructor(@Inject(LLM_MGR_DATA_SOURCE_TOKEN) private readonly dataSource: DataSource) {
    super();
  }

  /**
   * `forRoot()` with no argument is the headline call: every option has a default or an environment variable. The
   * builder's own `forRoot(options)` requires the object and reads the extras (`isGlobal`, `controllers`) from it.
   */
  static override forRoot(options: typeof LLM_MANAGER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    try {
      await this.dataSource.destroy();
    } catch (error) {
      // A database that is down cannot stop the process from exiting; what it did not take is in the usage journal.
      new Logger('LlmManager').warn(`Closing the database connection failed: ${errorMessage(error)}`);
    }
  }
}
