import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../../../llm-manager/admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../../../llm-manager/common/llm-manager-api.decorator';
import { AdminOnly } from '../../../llm-manager/common/request-identity';
import { MasterKeyStatusDto, SaveMasterKeyDto } from './master-key.dto';
import { MasterKeyService, type MasterKeyStatus } from './master-key.service';

/** The master key `LLM_KEY` of the standalone server (M7): status, and saving it to `.env`. Never returns the key. */
@LlmManagerApi('console: master key')
@AdminOnly()
@Controller('api/ai/admin/master-key')
export class MasterKeyController {
  constructor(private readonly masterKey: MasterKeyService) {}

  @Get()
  @ApiOperation({ summary: 'Status of LLM_KEY', description: 'Where the key in force comes from, its fingerprint, and how many secrets it seals.' })
  @ApiOkResponse({ type: MasterKeyStatusDto })
  @ApiAdminErrors()
  status(): Promise<MasterKeyStatus> {
    return this.masterKey.status();
  }

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Confirm LLM_KEY and optionally write it to .env',
    description:
      'Accepts only the key the server runs with (a running server cannot switch keys: use `npx llm-mgr rotate-key` with the server stopped). With `writeEnvFile`, sets LLM_KEY in .env.',
  })
  @ApiOkResponse({ type: MasterKeyStatusDto })
  @ApiAdminErrors(HttpStatus.BAD_REQUEST)
  save(@Body() dto: SaveMasterKeyDto): Promise<MasterKeyStatus> {
    return this.masterKey.save(dto.key, dto.writeEnvFile);
  }
}
