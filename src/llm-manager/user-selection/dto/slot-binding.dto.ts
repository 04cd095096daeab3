import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_ID } from '../../admin/dto/user-route-id.pipe';
import type { SlotBinding } from '../selection.types';
import { FallbackList, UserSlotFallbackDto, userFallbacks } from './slot-fallback.dto';

/** The `platform_id` + `model_id` pair a slot is bound to (snake_case, as in the seed). */
export abstract class SlotBindingDto {
  @ApiProperty({ description: 'Id of a platform visible to the caller.', example: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  platform_id!: number;

  @ApiProperty({ description: 'Id of a model of that platform.', example: 2, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  model_id!: number;

  @FallbackList(UserSlotFallbackDto)
  fallbacks?: UserSlotFallbackDto[];

  toBinding(): SlotBinding {
    const fallbacks = userFallbacks(this.fallbacks);
    return { platformId: this.platform_id, modelId: this.model_id, ...(fallbacks ? { fallbacks } : {}) };
  }
}
