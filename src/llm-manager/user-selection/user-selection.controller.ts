import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { LlmManagerService } from '../llm-manager.service';
import { CreateUsageSlotDto } from './dto/create-usage-slot.dto';
import { UpdateUserSelectionDto } from './dto/update-user-selection.dto';
import { UserSelectionQueryDto } from './dto/user-selection-query.dto';
import { USER_SELECTION_EXAMPLE, UserSelectionViewDto } from './dto/user-selection-view.dto';
import type { UserSelectionView } from './selection.types';

const DEFAULT_SLOT = 'main';

/** The caller's usage slots (M3, M12): the seed's three routes, with its snake_case bodies. */
@LlmManagerApi('User selection')
@Controller('api/ai/user-selection')
export class UserSelectionController {
  constructor(private readonly llm: LlmManagerService) {}

  @Get()
  @ApiOperation({
    summary: 'Read one of my usage slots',
    description:
      'Returns the slot `usage_key` (default main) with the platform and model it is bound to, plus `usage_selections`, ' +
      'every slot of the caller. The main/fast/reason slots are created from the system bindings on first use; a slot ' +
      'pointing at a deleted model is repaired to the first usable default.',
  })
  @ApiOkResponse({ type: UserSelectionViewDto, description: 'The slot and all slots.', example: USER_SELECTION_EXAMPLE })
  get(@CurrentIdentity() me: RequestIdentity, @Query() query: UserSelectionQueryDto): Promise<UserSelectionView> {
    return this.llm.getUserSelection(me.userId, query.usage_key ?? DEFAULT_SLOT);
  }

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Re-bind one of my usage slots',
    description:
      'Binds the slot `usage_key` (default main) to `model_id` of `platform_id`; both must be visible to the caller ' +
      '(a system platform, or one of their own). Unknown slot: 404 USAGE_SLOT_NOT_FOUND; unknown model: 404 MODEL_NOT_FOUND.',
  })
  @ApiOkResponse({ type: UserSelectionViewDto, description: 'The updated slot and all slots.', example: USER_SELECTION_EXAMPLE })
  update(@CurrentIdentity() me: RequestIdentity, @Body() dto: UpdateUserSelectionDto): Promise<UserSelectionView> {
    return this.llm.updateUserSelection(me.userId, dto.usage_key ?? DEFAULT_SLOT, dto.toBinding());
  }

  @Post('usage')
  @ApiOperation({
    summary: 'Create a custom usage slot',
    description:
      'Adds a slot named `usage_key` (e.g. translate) bound to `model_id` of `platform_id`. An existing name is ' +
      '409 NAME_CONFLICT: re-bind it with POST /api/ai/user-selection instead.',
  })
  @ApiCreatedResponse({
    type: UserSelectionViewDto,
    description: 'The new slot and all slots.',
    example: { ...USER_SELECTION_EXAMPLE, usage_key: 'translate' },
  })
  create(@CurrentIdentity() me: RequestIdentity, @Body() dto: CreateUsageSlotDto): Promise<UserSelectionView> {
    return this.llm.createUserUsageSlot(me.userId, dto.usage_key, dto.toBinding());
  }
}
