import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { LlmManagerError } from '../common/llm-manager.error';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { LlmManagerService } from '../llm-manager.service';
import { CreateModelDto } from './dto/model-create.dto';
import { UpdateModelDto } from './dto/model-update.dto';
import { ModelViewDto } from './dto/model-view.dto';
import { CreatePlatformDto } from './dto/platform-create.dto';
import { UpdatePlatformDto } from './dto/platform-update.dto';
import { PlatformViewDto } from './dto/platform-view.dto';
import { SetUserApiKeyDto } from './dto/user-api-key.dto';
import { UserApiKeyViewDto } from './dto/user-api-key-view.dto';
import { MODEL_EXAMPLE, PLATFORM_EXAMPLE, SYSTEM_PLATFORM_EXAMPLE, USER_KEY_EXAMPLE } from './dto/user-platform.examples';
import { ParseIdPipe } from './dto/user-route-id.pipe';
import type { ModelView, PlatformView } from './platform.types';
import { UserPlatformService, type UserPlatformKeyView } from './user-platform.service';

const PLATFORM_ID = ApiParam({ name: 'id', description: 'Id of one of my platforms.', example: 7, type: 'integer' });
const MODEL_ID = ApiParam({ name: 'id', description: 'Id of a model of one of my platforms.', example: 12, type: 'integer' });
const SYSTEM_PLATFORM_ID = ApiParam({ name: 'platformId', description: 'Id of the system platform.', example: 1, type: 'integer' });

const CUSTOM_MODE = 'Custom-platform mode only: in fixed mode (USE_SYS_LLM_CONFIG=true) this is 403 FORBIDDEN_IN_FIXED_MODE.';

/**
 * A user's side of the catalogue (M1.2, M1.3): the platforms they may use, their private platforms and models, and
 * their own keys for system platforms. Every route acts on the caller's rows only.
 */
@LlmManagerApi('User platforms')
@Controller('api/ai/user')
export class UserPlatformController {
  constructor(
    private readonly llm: LlmManagerService,
    private readonly userPlatforms: UserPlatformService,
  ) {}

  @Get('platforms')
  @ApiOperation({
    summary: 'List the platforms I can use',
    description: "System platforms first, then the caller's own (custom mode), each with its models. Keys are masked.",
  })
  @ApiOkResponse({ type: [PlatformViewDto], description: 'Visible platforms.', example: [SYSTEM_PLATFORM_EXAMPLE, PLATFORM_EXAMPLE] })
  list(@CurrentIdentity() me: RequestIdentity): Promise<PlatformView[]> {
    return this.llm.listPlatforms(me.userId);
  }

  @Post('platforms')
  @ApiOperation({
    summary: 'Create a private platform',
    description: `An OpenAI-compatible platform only the caller sees, optionally with models. The key is stored encrypted. ${CUSTOM_MODE}`,
  })
  @ApiCreatedResponse({ type: PlatformViewDto, description: 'The new platform, key masked.', example: PLATFORM_EXAMPLE })
  create(@CurrentIdentity() me: RequestIdentity, @Body() dto: CreatePlatformDto): Promise<PlatformView> {
    return this.llm.addPlatform(me.userId, { name: dto.name, baseUrl: dto.baseUrl, apiKey: dto.apiKey }, dto.models);
  }

  @Put('platforms/:id')
  @PLATFORM_ID
  @ApiOperation({
    summary: 'Edit one of my platforms',
    description:
      'Only the fields sent change. Sending back the masked key keeps the stored key; null or "" clears it. A new baseUrl ' +
      `for a platform with a key needs the key again in the same request, or apiKey: null. ${CUSTOM_MODE}`,
  })
  @ApiOkResponse({ type: PlatformViewDto, description: 'The platform after the edit.', example: PLATFORM_EXAMPLE })
  update(
    @CurrentIdentity() me: RequestIdentity,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdatePlatformDto,
  ): Promise<PlatformView> {
    return this.llm.updatePlatform(me.userId, id, dto);
  }

  @Delete('platforms/:id')
  @PLATFORM_ID
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete one of my platforms',
    description: `Its models go with it; slots bound to them are repaired on next use. ${CUSTOM_MODE}`,
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  remove(@CurrentIdentity() me: RequestIdentity, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.llm.deletePlatform(me.userId, id);
  }

  @Post('platforms/:id/models')
  @PLATFORM_ID
  @ApiOperation({
    summary: 'Add a model to one of my platforms',
    description: `Display names are unique within a platform. ${CUSTOM_MODE}`,
  })
  @ApiCreatedResponse({ type: ModelViewDto, description: 'The new model.', example: MODEL_EXAMPLE })
  addModel(
    @CurrentIdentity() me: RequestIdentity,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: CreateModelDto,
  ): Promise<ModelView> {
    return this.llm.addModel(me.userId, id, dto);
  }

  @Put('models/:id')
  @MODEL_ID
  @ApiOperation({ summary: 'Edit one of my models', description: `Only the fields sent change. ${CUSTOM_MODE}` })
  @ApiOkResponse({ type: ModelViewDto, description: 'The model after the edit.', example: MODEL_EXAMPLE })
  updateModel(
    @CurrentIdentity() me: RequestIdentity,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateModelDto,
  ): Promise<ModelView> {
    return this.llm.updateModel(me.userId, id, dto);
  }

  @Delete('models/:id')
  @MODEL_ID
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete one of my models', description: `Slots bound to it are repaired on next use. ${CUSTOM_MODE}` })
  @ApiNoContentResponse({ description: 'Deleted.' })
  removeModel(@CurrentIdentity() me: RequestIdentity, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.llm.deleteModel(me.userId, id);
  }

  @Get('api-keys')
  @ApiOperation({ summary: 'List my own keys for system platforms', description: 'Masked; allowed in both modes.' })
  @ApiOkResponse({ type: [UserApiKeyViewDto], description: "The caller's keys.", example: [USER_KEY_EXAMPLE] })
  listKeys(@CurrentIdentity() me: RequestIdentity): Promise<UserPlatformKeyView[]> {
    return this.userPlatforms.listUserPlatformKeys(me.userId);
  }

  @Post('api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Set my own key for a system platform',
    description:
      "Stores (or replaces) the caller's key, encrypted; it pays for the caller's calls on that platform (M5). " +
      'Allowed in both modes.',
  })
  @ApiOkResponse({ type: UserApiKeyViewDto, description: 'The key, masked.', example: USER_KEY_EXAMPLE })
  setKey(@CurrentIdentity() me: RequestIdentity, @Body() dto: SetUserApiKeyDto): Promise<UserPlatformKeyView> {
    return this.llm.setUserPlatformKey(me.userId, dto.platformId, dto.apiKey);
  }

  @Delete('api-key/:platformId')
  @SYSTEM_PLATFORM_ID
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete my own key for a system platform',
    description: 'Calls on that platform then need the system key (LLM_AUTO_KEY) or a new key. No key of yours: 404 NOT_FOUND.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  async removeKey(@CurrentIdentity() me: RequestIdentity, @Param('platformId', ParseIdPipe) platformId: number): Promise<void> {
    // The service answers "was there one?"; the route turns "no" into a 404 like every other unknown id.
    if (!(await this.userPlatforms.deleteUserPlatformKey(me.userId, platformId))) throw noOwnKey(platformId);
  }
}

function noOwnKey(platformId: number): LlmManagerError {
  return new LlmManagerError(
    'NOT_FOUND',
    `You have no API key of your own for platform ${platformId}. List yours with GET /api/ai/user/api-keys.`,
    { details: { platformId } },
  );
}
