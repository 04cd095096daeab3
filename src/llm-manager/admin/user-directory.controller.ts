import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { AdminUserIdParamDto } from '../usage/dto/admin-usage.dto';
import { UpdateSystemUsageDto } from '../user-selection/dto/system-usage.dto';
import { UserSelectionViewDto } from '../user-selection/dto/user-selection-view.dto';
import type { UserSelectionView } from '../user-selection/selection.types';
import { UserSelectionService } from '../user-selection/user-selection.service';
import { ApiAdminErrors } from './dto/sys-error-body.dto';
import { UserApiKeyViewDto } from './dto/user-api-key-view.dto';
import { UserDetailDto, UserKeyParamDto, UserSlotParamDto, UserSummaryDto } from './dto/user-directory.dto';
import { SetUserApiKeyDto } from './dto/user-api-key.dto';
import { UserDirectoryService, type UserDetail, type UserSummary } from './user-directory.service';
import { UserPlatformService, type UserPlatformKeyView } from './user-platform.service';

const { BAD_REQUEST, NOT_FOUND } = HttpStatus;

/** Users, their slots and their own keys, for administrators (the console's Users page). Keys are masked. */
@LlmManagerApi('admin: users')
@AdminOnly()
@Controller('api/ai/admin/users')
export class UserDirectoryController {
  constructor(
    private readonly users: UserDirectoryService,
    private readonly selections: UserSelectionService,
    private readonly userPlatforms: UserPlatformService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List users', description: 'Everyone with a slot, an own key, a private platform or an API token (llm-mgr has no user table).' })
  @ApiOkResponse({ type: [UserSummaryDto] })
  @ApiAdminErrors()
  list(): Promise<UserSummary[]> {
    return this.users.list();
  }

  @Get(':userId')
  @ApiOperation({ summary: 'One user: slots, own keys, private platforms, API tokens', description: 'Creates the default slots from the system bindings if the user has none yet.' })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiAdminErrors(BAD_REQUEST)
  detail(@Param() param: AdminUserIdParamDto): Promise<UserDetail> {
    return this.users.detail(param.userId);
  }

  @Put(':userId/slots/:usageKey')
  @ApiOperation({ summary: "Re-bind one of a user's slots", description: 'To a system platform model or one of the user\'s own.' })
  @ApiOkResponse({ type: UserSelectionViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  rebind(@Param() param: UserSlotParamDto, @Body() dto: UpdateSystemUsageDto): Promise<UserSelectionView> {
    return this.selections.updateUserSelection(param.userId, param.usageKey, dto.toBinding());
  }

  @Post(':userId/api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Save a user's own key for a system platform", description: 'Stored encrypted; answered masked.' })
  @ApiOkResponse({ type: UserApiKeyViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  setKey(@Param() param: AdminUserIdParamDto, @Body() dto: SetUserApiKeyDto): Promise<UserPlatformKeyView> {
    return this.userPlatforms.setUserPlatformKey(param.userId, dto.platformId, dto.apiKey);
  }

  @Delete(':userId/api-key/:platformId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Remove a user's own key for a system platform" })
  @ApiNoContentResponse({ description: 'Removed (or there was none).' })
  @ApiAdminErrors(BAD_REQUEST)
  async deleteKey(@Param() param: UserKeyParamDto): Promise<void> {
    await this.userPlatforms.deleteUserPlatformKey(param.userId, param.platformId);
  }
}
