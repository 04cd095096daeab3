import { ConfigurableModuleBuilder } from '@nestjs/common';
import { GatewayModule } from './gateway/gateway.module';
import { LlmManagerHttpModule } from './http/llm-manager-http.module';
import type { LlmManagerOptions } from './llm-manager.options';

/** `forRoot` / `forRootAsync({ imports, useFactory | useClass | useExisting, inject })` for free, as @nestjs/cache-manager does. */
export const {
  ConfigurableModuleClass: LlmManagerConfigurableModule,
  MODULE_OPTIONS_TOKEN: LLM_MANAGER_OPTIONS,
  OPTIONS_TYPE: LLM_MANAGER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LLM_MANAGER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LlmManagerOptions>({ moduleName: 'LlmManager' })
  .setClassMethodName('forRoot')
  // Extras are static (known at import time, also for forRootAsync): module visibility and whether routes mount.
  // `gateway: true` mounts the OpenAI-compatible /v1 routes (off by default in a host app; on in the standalone server).
  .setExtras({ isGlobal: true, controllers: true, gateway: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    imports: [
      ...(definition.imports ?? []),
      // The gateway first: Express matches a request against routes in the order they were added, and /v1 is the hot path.
      ...(extras.gateway ? [GatewayModule] : []),
      ...(extras.controllers ? [LlmManagerHttpModule] : []),
    ],
  }))
  .build();
