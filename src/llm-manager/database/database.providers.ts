import { getDataSourceToken, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { SecurityModule } from '../security/security.module';
import { SecurityService } from '../security/security.service';
import { buildDataSourceOptions } from './data-source.factory';
import { openStore } from './store-startup';

/**
 * Injection token of llm-mgr's DataSource (`getDataSourceToken('llm-mgr')`): what `@InjectDataSource('llm-mgr')` and
 * `@InjectRepository(Entity, 'llm-mgr')` resolve through, for code that looks it up with `moduleRef.get`.
 */
export const LLM_MGR_DATA_SOURCE_TOKEN = getDataSourceToken(LLM_MGR_DATA_SOURCE);

/** What the options factory hands the data-source factory: @nestjs/typeorm passes only the options object between them. */
const STORE_OPENING = Symbol('llm-mgr store opening');
type StoreOptions = TypeOrmModuleOptions & {
  [STORE_OPENING]?: { options: ResolvedLlmManagerOptions; security: SecurityService };
};

/**
 * llm-mgr's data source on @nestjs/typeorm, named `llm-mgr` so that it never mixes with a host's `TypeOrmModule`: its
 * own pool, entities and migrations, and never `synchronize`. The data source opens the llm-mgr way (`openStore`): connect,
 * then migrate and unlock the secrets under a lock that instances starting together take in turn. A store that cannot
 * open fails the start at once: no retries (@nestjs/typeorm's default is 9 × 3 s), a wrong master key is never retried.
 */
export const LlmManagerDataSourceModule = TypeOrmModule.forRootAsync({
  name: LLM_MGR_DATA_SOURCE,
  imports: [SecurityModule],
  inject: [LLM_MANAGER_RESOLVED_OPTIONS, SecurityService],
  useFactory: (options: ResolvedLlmManagerOptions, security: SecurityService): StoreOptions => ({
    // The name on the factory's result too: @nestjs/typeorm finds the data source by it when the application shuts down.
    ...(buildDataSourceOptions(options.database) as TypeOrmModuleOptions),
    name: LLM_MGR_DATA_SOURCE,
    retryAttempts: 0,
    toRetry: () => false,
    [STORE_OPENING]: { options, security },
  }),
  dataSourceFactory: (typeOrmOptions?: DataSourceOptions): Promise<DataSource> => {
    const opening = (typeOrmOptions as StoreOptions | undefined)?.[STORE_OPENING];
    if (!opening) throw new Error('llm-mgr: the data source factory ran without the options factory of LlmManagerDataSourceModule');
    return openStore(opening.options, opening.security);
  },
});
