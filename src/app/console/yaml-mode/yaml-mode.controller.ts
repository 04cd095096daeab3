import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../../../llm-manager/admin/dto/sys-error-body.dto';
import { ProbeResultDto } from '../../../llm-manager/builder/dto/probe-result.dto';
import { TestModelResultDto } from '../../../llm-manager/builder/dto/test-model-result.dto';
import type { ModelTestResult } from '../../../llm-manager/builder/model-probe.service';
import { LlmManagerApi } from '../../../llm-manager/common/llm-manager-api.decorator';
import { AdminOnly } from '../../../llm-manager/common/request-identity';
import * as edits from './yaml-document-edits';
import {
  CreateYamlPlatformDto,
  SetYamlKeyDto,
  SetYamlUsageDto,
  UpdateYamlPlatformDto,
  YamlModelDto,
  YamlProbeDto,
  YamlUsageKeyParamDto,
} from './yaml-mode.dto';
import { YamlModeService } from './yaml-mode.service';
import type { YamlModeView } from './yaml-mode.types';
import { YamlModeViewDto } from './yaml-mode.view.dto';

const { BAD_REQUEST, NOT_FOUND, CONFLICT, BAD_GATEWAY } = HttpStatus;

/**
 * YAML mode of the console (M7): edits `llm_mgr_cfg.yaml`, which applies on the next start (or a reset from YAML).
 * Every answer is the whole file as validated by the loader; a change that would make the file invalid is refused
 * with the loader's message and nothing is written. Names in paths are display names (URL-encoded).
 */
@LlmManagerApi('console: YAML mode')
@AdminOnly()
@Controller('api/ai/admin/yaml')
export class YamlModeController {
  constructor(private readonly yaml: YamlModeService) {}

  @Get()
  @ApiOperation({ summary: 'Read llm_mgr_cfg.yaml', description: 'Platforms in file order, models, keys masked, system bindings and the loader warnings.' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST)
  view(): YamlModeView {
    return this.yaml.view();
  }

  @Post('platforms')
  @ApiOperation({ summary: 'Add a platform to the YAML' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, CONFLICT)
  addPlatform(@Body() dto: CreateYamlPlatformDto): YamlModeView {
    return this.yaml.edit((doc) => edits.addPlatform(doc, dto.name, dto.baseUrl));
  }

  @Put('platforms/:name')
  @ApiOperation({
    summary: 'Rename a YAML platform or change its base_url',
    description: "A platform's api_key is only sent to the base_url it was saved with: remove it first (POST …/api-key, mode none), then set it again.",
  })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  updatePlatform(@Param('name') name: string, @Body() dto: UpdateYamlPlatformDto): Promise<YamlModeView> {
    return this.yaml.updatePlatform(name, dto);
  }

  @Delete('platforms/:name')
  @ApiOperation({ summary: 'Delete a YAML platform', description: 'System bindings that point at it are removed too (listed in `removedUsages`).' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  deletePlatform(@Param('name') name: string): YamlModeView {
    return this.yaml.edit((doc) => edits.deletePlatform(doc, name));
  }

  @Post('platforms/:name/default')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Move a YAML platform to the top (the default)' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  setDefault(@Param('name') name: string): YamlModeView {
    return this.yaml.edit((doc) => edits.moveToTop(doc, name));
  }

  @Post('platforms/:name/api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Set a YAML platform's api_key",
    description: 'Encrypted with LLM_KEY (ENC:v1:), as an {ENV} placeholder, in plain text only with `confirmPlaintext: true`, or removed.',
  })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  setKey(@Param('name') name: string, @Body() dto: SetYamlKeyDto): YamlModeView {
    return this.yaml.setKey(name, dto);
  }

  @Post('platforms/:name/probe')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'List the models a YAML platform serves', description: "With the file's URL and key, or the ones sent." })
  @ApiOkResponse({ type: ProbeResultDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, BAD_GATEWAY)
  async probe(@Param('name') name: string, @Body() dto: YamlProbeDto): Promise<ProbeResultDto> {
    return { models: await this.yaml.probe(name, dto) };
  }

  @Post('platforms/:name/models/:model/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Test a YAML model', description: "One tiny chat request with the file's URL, key and extra_body: `{ ok, latencyMs, error?, status? }`." })
  @ApiOkResponse({ type: TestModelResultDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  testModel(@Param('name') name: string, @Param('model') model: string): Promise<ModelTestResult> {
    return this.yaml.testModel(name, model);
  }

  @Post('platforms/:name/models')
  @ApiOperation({ summary: 'Add a model to a YAML platform' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  addModel(@Param('name') name: string, @Body() dto: YamlModelDto): YamlModeView {
    return this.yaml.edit((doc) => edits.addModel(doc, name, dto));
  }

  @Put('platforms/:name/models/:model')
  @ApiOperation({ summary: 'Replace a model of a YAML platform', description: 'Bindings follow a renamed display name.' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND, CONFLICT)
  updateModel(@Param('name') name: string, @Param('model') model: string, @Body() dto: YamlModelDto): YamlModeView {
    return this.yaml.edit((doc) => edits.updateModel(doc, name, model, dto));
  }

  @Delete('platforms/:name/models/:model')
  @ApiOperation({ summary: 'Delete a model of a YAML platform', description: 'System bindings that point at it are removed too.' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  deleteModel(@Param('name') name: string, @Param('model') model: string): YamlModeView {
    return this.yaml.edit((doc) => edits.deleteModel(doc, name, model));
  }

  @Put('usages/:usageKey')
  @ApiOperation({ summary: 'Bind a system usage slot in the YAML' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST)
  setUsage(@Param() param: YamlUsageKeyParamDto, @Body() dto: SetYamlUsageDto): YamlModeView {
    return this.yaml.edit((doc) => edits.setUsage(doc, param.usageKey, dto.platform, dto.model));
  }

  @Delete('usages/:usageKey')
  @ApiOperation({ summary: 'Remove a system usage binding from the YAML' })
  @ApiOkResponse({ type: YamlModeViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  deleteUsage(@Param() param: YamlUsageKeyParamDto): YamlModeView {
    return this.yaml.edit((doc) => edits.deleteUsage(doc, param.usageKey));
  }
}
