import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { AdminUserIdParamDto } from '../../usage/dto/admin-usage.dto';
import { SystemUsageKeyParamDto } from '../../user-selection/dto/system-usage.dto';
import { IsRowIdText } from './sys-fields';
import { ApiTokenViewDto } from '../../api-tokens/dto/api-token-view.dto';
import { SlotViewDto } from '../../user-selection/dto/user-selection-view.dto';
import type { UserDetail, UserSummary } from '../user-directory.service';
import { PlatformViewDto } from './platform-view.dto';
import { UserApiKeyViewDto } from './user-api-key-view.dto';

export class UserSummaryDto implements UserSummary {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ description: 'Usage slots.', example: 3 }) slots!: number;
  @ApiProperty({ description: 'Own keys for system platforms.', example: 1 }) ownKeys!: number;
  @ApiProperty({ description: 'Private platforms.', example: 0 }) privatePlatforms!: number;
  @ApiProperty({ description: 'API tokens not revoked.', example: 1 }) activeTokens!: number;
}

export class UserDetailDto implements UserDetail {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ type: [SlotViewDto] }) slots!: SlotViewDto[];
  @ApiProperty({ type: [UserApiKeyViewDto] }) keys!: UserApiKeyViewDto[];
  @ApiProperty({ type: [PlatformViewDto] }) platforms!: PlatformViewDto[];
  @ApiProperty({ type: [ApiTokenViewDto] }) tokens!: ApiTokenViewDto[];
}

/** `/api/ai/admin/users/:userId/slots/:usageKey`. */
export class UserSlotParamDto extends IntersectionType(AdminUserIdParamDto, SystemUsageKeyParamDto) {}

/** `/api/ai/admin/users/:userId/api-key/:platformId`. */
export class UserKeyParamDto extends AdminUserIdParamDto {
  @ApiProperty({ description: 'Id of the system platform.', example: 1 })
  @IsRowIdText()
  platformId!: number;
}
