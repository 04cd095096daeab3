import { Controller, Get, Headers, Injectable, Module } from '@nestjs/common';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import type { RequestIdentity } from '../../src/llm-manager/common/request-identity';

/** A host's own identity: a header set by its (imaginary) auth middleware. */
export function headerIdentity(request: unknown): RequestIdentity | null {
  const headers = (request as { headers?: Record<string, string | undefined> }).headers ?? {};
  const userId = headers['x-user-id'];
  return userId ? { userId, isAdmin: headers['x-admin'] === '1' } : null;
}

/** A host controller of its own that uses the injected facade. */
@Controller('host')
export class HostController {
  constructor(private readonly llm: LlmManagerService) {}

  @Get('fast-model')
  async fastModel(@Headers('x-user-id') userId: string): Promise<{ platform: string | null; model: string | null }> {
    const selection = await this.llm.getUserSelection(userId, 'fast');
    return { platform: selection.platform_name, model: selection.model_display_name };
  }
}

/** Stands in for a host's configuration service (e.g. @nestjs/config's ConfigService). */
@Injectable()
export class HostConfig {
  static values: LlmManagerOptions = {};
  llmManager(): LlmManagerOptions {
    return { ...HostConfig.values, resolveIdentity: headerIdentity };
  }
}

@Module({ providers: [HostConfig], exports: [HostConfig] })
export class HostConfigModule {}
