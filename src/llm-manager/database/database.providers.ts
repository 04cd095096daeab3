import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { SecurityService } from '../security/security.service';
import { openStore } from './store-startup';

/** Injection token of llm-mgr's TypeORM DataSource. */
export const LLM_MGR_DATA_SOURCE_TOKEN = Symbol('LLM_MGR_DATA_SOURCE');

export const dataSourceProvider: Provider = {
  provide: LLM_MGR_DATA_SOURCE_TOKEN,
  inject: [LLM_MANAGER_RESOLVED_OPTIONS, SecurityService],
  useFactory: (options: ResolvedLlmManagerOptions, security: SecurityService): Promise<DataSource> =>
    openStore(options, security),
};
