import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USAGE_KEY_PATTERN } from '../../common/input-rules';
import { SlotBindingDto } from './slot-binding.dto';
import { USAGE_KEY_MESSAGE } from './user-selection-query.dto';

/** `POST /api/ai/user-selection/usage`: a new custom slot of the caller (snake_case, as in the seed). */
export class CreateUsageSlotDto extends SlotBindingDto {
  @ApiProperty({ description: 'Name of the new slot.', example: 'translate', pattern: USAGE_KEY_PATTERN.source })
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: USAGE_KEY_MESSAGE })
  usage_key!: string;
}
