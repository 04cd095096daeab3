import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import { CreateSystemUsageDto, SystemUsageKeyParamDto, UpdateSystemUsageDto } from './dto/system-usage.dto';
import { SlotViewDto, UserSelectionViewDto } from './dto/user-selection-view.dto';
import type { SlotView, UserSelectionView } from './selection.types';
import { UserSelectionService } from './user-selection.service';

/**
 * System usage bindings (M3, M7): the slots of the system user `-1`, which every user's `main`, `fast`, `reason`
 * (and any custom key bound here) start from. A binding must point at a system platform's model.
 */
@LlmManagerApi('admin: system usage bindings')
@AdminOnly()
@Controller('api/ai/admin/usages')
export class SystemUsageController {
  constructor(private readonly selections: UserSelectionService) {}

  @Get()
  @ApiOperation({
    summary: 'List the system usage bindings',
    description: 'Every system slot and the platform/model it is bound to. Missing defaults (main, fast, reason) are created on the first usable system model.',
  })
  @ApiOkResponse({ type: [SlotViewDto] })
  @ApiAdminErrors()
  list(): Promise<SlotView[]> {
    return this.selections.listSlots(SYSTEM_USER_ID);
  }

  @Put(':usageKey')
  @ApiOperation({
    summary: 'Re-bind a system usage slot',
    description: 'Points an existing system slot at another system model. Users who already have that slot keep their own binding.',
  })
  @ApiOkResponse({ type: UserSelectionViewDto })
  @ApiAdminErrors(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  update(@Param() param: SystemUsageKeyParamDto, @Body() dto: UpdateSystemUsageDto): Promise<UserSelectionView> {
    return this.selections.updateUserSelection(SYSTEM_USER_ID, param.usageKey, dto.toBinding());
  }

  @Post()
  @ApiOperation({
    summary: 'Add a system usage slot',
    description: "Creates a new system binding (e.g. `vision`); every user's slot of that key starts from it on first use.",
  })
  @ApiCreatedResponse({ type: UserSelectionViewDto })
  @ApiAdminErrors(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  create(@Body() dto: CreateSystemUsageDto): Promise<UserSelectionView> {
    return this.selections.createUserUsageSlot(SYSTEM_USER_ID, dto.usageKey, dto.toBinding());
  }

  @Delete(':usageKey')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Remove a custom system usage slot',
    description: 'Deletes a custom system binding (main, fast and reason cannot be removed). Users who already have that slot keep their own binding.',
  })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiAdminErrors(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  remove(@Param() param: SystemUsageKeyParamDto): Promise<void> {
    return this.selections.deleteUserUsageSlot(SYSTEM_USER_ID, param.usageKey);
  }
}
