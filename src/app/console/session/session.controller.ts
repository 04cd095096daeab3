import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { ApiAdminErrors } from '../../../llm-manager/admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../../../llm-manager/common/llm-manager-api.decorator';
import { AdminOnly, CurrentIdentity, type RequestIdentity } from '../../../llm-manager/common/request-identity';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../../../llm-manager/llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../../../llm-manager/llm-manager.options';

class AdminSessionDto {
  @ApiProperty({ description: 'The user id the admin token stands for.', example: 'admin' }) userId!: string;
  @ApiProperty({ example: true }) isAdmin!: boolean;
  @ApiProperty({ description: 'LLM_AUTO_KEY: users without a key of their own spend the system keys.', example: false })
  autoKey!: boolean;
  @ApiProperty({ description: 'USE_SYS_LLM_CONFIG: users may only add their own keys to system platforms.', example: false })
  useSysLlmConfig!: boolean;
}

/**
 * What the console signs in with, and the server modes it shows (LLM_AUTO_KEY, USE_SYS_LLM_CONFIG): a 200 proves an admin token, a 403 a valid user token, a 401 a wrong one. It reads
 * nothing but the token, so neither a broken `llm_mgr_cfg.yaml` nor anything else on the server can lock an admin out.
 */
@LlmManagerApi('console: session')
@AdminOnly()
@Controller('api/ai/admin/session')
export class SessionController {
  constructor(@Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions) {}

  @Get()
  @ApiOperation({ summary: 'Check an admin token', description: 'Answers who the token is; depends on nothing else.' })
  @ApiOkResponse({ type: AdminSessionDto })
  @ApiAdminErrors()
  session(@CurrentIdentity() identity: RequestIdentity): AdminSessionDto {
    return { userId: identity.userId, isAdmin: identity.isAdmin, autoKey: this.options.autoKey, useSysLlmConfig: this.options.useSysLlmConfig };
  }
}
