import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ModelProbeService, type ModelTestResult } from '../builder/model-probe.service';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import type { SyncReport } from '../yaml-sync/sync-report';
import { YamlSyncService } from '../yaml-sync/yaml-sync.service';
import { ProbeResultDto } from '../builder/dto/probe-result.dto';
import { TestModelResultDto } from '../builder/dto/test-model-result.dto';
import { CreateModelDto } from './dto/model-create.dto';
import { UpdateModelDto } from './dto/model-update.dto';
import { ModelViewDto } from './dto/model-view.dto';
import { PlatformViewDto } from './dto/platform-view.dto';
import { ApiAdminErrors } from './dto/sys-error-body.dto';
import {
  CreateSysPlatformDto,
  DeleteSysPlatformBodyDto,
  DeleteSysPlatformQueryDto,
  deleteTarget,
  SetSysApiKeyDto,
  SysIdParamDto,
  toModelPatch,
  UpdateSysPlatformDto,
} from './dto/sys-platform.dto';
import { SysProbeDto, SysSyncReportDto, SysTestModelDto } from './dto/sys-probe.dto';
import { KeyResolver } from '../catalogue/key-resolver';
import { PlatformAdminService } from './platform-admin.service';
import type { ModelView, PlatformView } from './platform.types';
import { SystemPlatformService } from './system-platform.service';

const { BAD_REQUEST, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, BAD_GATEWAY } = HttpStatus;

/**
 * System platforms and models for administrators (M7, M11, M12). The first six routes are the seed's, kept
 * exactly; the rest are what the console needs. Changes apply at once (DB mode).
 */
@LlmManagerApi('admin: system platforms')
@AdminOnly()
@Controller('api/ai/admin')
export class SysPlatformController {
  constructor(
    private readonly platforms: SystemPlatformService,
    private readonly yamlSync: YamlSyncService,
    private readonly probe: ModelProbeService,
    private readonly owned: PlatformAdminService,
    private readonly keys: KeyResolver,
  ) {}

  @Get('sys-platforms')
  @ApiOperation({
    summary: 'List the system platforms',
    description: 'Every system platform in order (the first is the default) with its models. Keys are masked; `usable` is false when a key is expected but missing, and `unusableReason` says what to do.',
  })
  @ApiOkResponse({ type: [PlatformViewDto] })
  @ApiAdminErrors()
  list(): Promise<PlatformView[]> {
    return this.platforms.list();
  }

  @Post('sys-platform')
  @ApiOperation({
    summary: 'Add a system platform',
    description: 'Appends a platform (optionally with models). A key given in plaintext is stored encrypted; `apiKeyEnv` names an environment variable instead.',
  })
  @ApiCreatedResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, CONFLICT, PAYLOAD_TOO_LARGE)
  create(@Body() dto: CreateSysPlatformDto): Promise<PlatformView> {
    return this.platforms.create({ name: dto.name, baseUrl: dto.baseUrl, apiKey: dto.apiKey, apiKeyEnv: dto.apiKeyEnv }, dto.models);
  }

  @Put('sys-platform')
  @ApiOperation({
    summary: 'Update a system platform',
    description:
      'Changes only the fields sent. Sending back the masked key a read returned keeps the stored key; null or "" removes it. ' +
      'A new baseUrl for a platform with a key needs the key again in the same request (apiKey or apiKeyEnv) or its removal: ' +
      'a stored key is never sent to another address (400 VALIDATION_FAILED otherwise).',
  })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  update(@Body() dto: UpdateSysPlatformDto): Promise<PlatformView> {
    return this.platforms.update(dto.id, { name: dto.name, baseUrl: dto.baseUrl, apiKey: dto.apiKey, apiKeyEnv: dto.apiKeyEnv });
  }

  @Delete('sys-platform')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a system platform',
    description: 'Deletes the platform, its models and the keys users saved for it; slots bound to it are repaired on next use. Send `{ "id": 3 }` as the JSON body or `?id=3`.',
  })
  @ApiBody({ type: DeleteSysPlatformBodyDto, required: false, examples: { body: { value: { id: 3 } } } })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  delete(@Body() body: DeleteSysPlatformBodyDto, @Query() query: DeleteSysPlatformQueryDto): Promise<void> {
    return this.platforms.delete(deleteTarget(body, query));
  }

  @Post('sys-platform/api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Set or remove a system platform's API key",
    description: 'Stores the key encrypted with LLM_KEY; null or "" removes it. The answer shows the key masked only.',
  })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  setApiKey(@Body() dto: SetSysApiKeyDto): Promise<PlatformView> {
    return this.platforms.setApiKey(dto.platformId, dto.apiKey);
  }

  @Post('reload-from-yaml')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Force reset from llm_mgr_cfg.yaml',
    description:
      "The YAML overwrites the system platforms, models and bindings (M11). Users' own platforms are kept; their keys for a " +
      'system platform the YAML no longer has are deleted with it and their slots on it unbound (listed in `impact`). ' +
      'A YAML that does not validate changes nothing. GET …/preview answers the same report without writing.',
  })
  @ApiOkResponse({ type: SysSyncReportDto })
  @ApiAdminErrors(BAD_REQUEST)
  reloadFromYaml(): Promise<SyncReport> {
    return this.yamlSync.forceReset();
  }

  @Get('reload-from-yaml/preview')
  @ApiOperation({
    summary: 'Preview the force reset from llm_mgr_cfg.yaml',
    description: 'What POST reload-from-yaml would add, replace and remove, and whose keys and slots it touches; nothing is written (`dryRun: true`).',
  })
  @ApiOkResponse({ type: SysSyncReportDto })
  @ApiAdminErrors(BAD_REQUEST)
  previewReloadFromYaml(): Promise<SyncReport> {
    return this.yamlSync.forceReset({ dryRun: true });
  }

  @Post('sys-platform/:id/default')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Make a system platform the default', description: 'Moves it to the top; the others keep their order.' })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  setDefault(@Param() param: SysIdParamDto): Promise<PlatformView> {
    return this.platforms.setDefault(param.id);
  }

  @Post('sys-platform/:id/answering')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Mark a system platform as answering',
    description:
      'What a successful test-model or probe of the platform records: a platform that needs no key (a local Ollama) ' +
      'counts as usable, and self-repair may bind slots to it. Changing its base URL forgets the mark.',
  })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  markAnswering(@Param() param: SysIdParamDto): Promise<PlatformView> {
    return this.platforms.markAnswering(param.id);
  }

  @Post('sys-platform/:id/models')
  @ApiOperation({ summary: 'Add a model to a system platform', description: 'Appends a model; `extraBody` must be a JSON object.' })
  @ApiCreatedResponse({ type: ModelViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  addModel(@Param() param: SysIdParamDto, @Body() dto: CreateModelDto): Promise<ModelView> {
    return this.platforms.addModel(param.id, dto);
  }

  @Put('sys-model/:id')
  @ApiOperation({ summary: 'Update a system model', description: 'Changes only the fields sent; `extraBody: null` removes it.' })
  @ApiOkResponse({ type: ModelViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  updateModel(@Param() param: SysIdParamDto, @Body() dto: UpdateModelDto): Promise<ModelView> {
    return this.platforms.updateModel(param.id, toModelPatch(dto));
  }

  @Delete('sys-model/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a system model', description: 'Slots bound to it are repaired on next use (M9).' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  deleteModel(@Param() param: SysIdParamDto): Promise<void> {
    return this.platforms.deleteModel(param.id);
  }

  @Post('probe')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'List the models a platform serves',
    description: 'GET {baseUrl}/models (also tries /v1). Either `{ baseUrl, apiKey? }`, or `{ platformId }` to use a stored system platform with its own key. Loopback and private hosts are allowed for admins.',
  })
  @ApiBody({
    type: SysProbeDto,
    examples: {
      url: { summary: 'A URL and key', value: { baseUrl: 'https://api.deepseek.com/v1', apiKey: 'sk-your-api-key-here' } },
      stored: { summary: 'A stored platform', value: { platformId: 1 } },
    },
  })
  @ApiOkResponse({ type: ProbeResultDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, BAD_GATEWAY)
  probeModels(@Body() dto: SysProbeDto): Promise<ProbeResultDto> {
    return this.probeTarget(dto);
  }

  @Post('test-model')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Test a system model',
    description: 'Sends one tiny chat request with the system key (recorded as agent `llm-mgr:test`). Upstream failures answer 200 with `ok: false` and the error.',
  })
  @ApiOkResponse({ type: TestModelResultDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  testModel(@Body() dto: SysTestModelDto): Promise<ModelTestResult> {
    return this.probe.testModel(SYSTEM_USER_ID, { platformId: dto.platformId, modelId: dto.modelId });
  }

  private async probeTarget(dto: SysProbeDto): Promise<ProbeResultDto> {
    if (dto.platformId === undefined) return { models: await this.probe.probePlatformModels(dto.baseUrl ?? '', dto.apiKey) };
    const platform = await this.owned.findOwned(SYSTEM_USER_ID, dto.platformId);
    const { apiKey } = await this.keys.resolveFor(SYSTEM_USER_ID, platform);
    return { models: await this.probe.probeStoredPlatform(platform, apiKey) };
  }
}
