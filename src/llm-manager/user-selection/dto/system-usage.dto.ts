import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { IsRowId } from '../../admin/dto/sys-fields';
import { USAGE_KEY_PATTERN } from '../../common/input-rules';
import type { SlotBinding } from '../selection.types';
import { FallbackList, SystemSlotFallbackDto, systemFallbacks } from './slot-fallback.dto';

const USAGE_KEY_MESSAGE = '$property must be 1–64 letters, digits, "_", "." or "-", e.g. "fast"';

/** `/api/ai/admin/usages/:usageKey`. */
export class SystemUsageKeyParamDto {
  @ApiProperty({ description: 'Usage slot key.', example: 'fast' })
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: USAGE_KEY_MESSAGE })
  usageKey!: string;
}

/** `PUT /api/ai/admin/usages/:usageKey`: what the system binding points at. */
export class UpdateSystemUsageDto {
  @ApiProperty({ description: 'Id of a system platform.', example: 1 })
  @IsRowId()
  platformId!: number;

  @ApiProperty({ description: 'Id of a model of that platform.', example: 2 })
  @IsRowId()
  modelId!: number;

  @FallbackList(SystemSlotFallbackDto)
  fallbacks?: SystemSlotFallbackDto[];

  toBinding(): SlotBinding {
    const fallbacks = systemFallbacks(this.fallbacks);
    return { platformId: this.platformId, modelId: this.modelId, ...(fallbacks ? { fallbacks } : {}) };
  }
}

/** `POST /api/ai/admin/usages`: a new system binding, which every user's slot of that key starts from. */
export class CreateSystemUsageDto extends UpdateSystemUsageDto {
  @ApiProperty({ description: 'New usage slot key: 1–64 letters, digits, "_", "." or "-".', example: 'vision' })
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: USAGE_KEY_MESSAGE })
  usageKey!: string;
}
