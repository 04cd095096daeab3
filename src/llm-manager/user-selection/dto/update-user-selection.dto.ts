import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { USAGE_KEY_PATTERN } from '../../common/input-rules';
import { SlotBindingDto } from './slot-binding.dto';
import { USAGE_KEY_MESSAGE } from './user-selection-query.dto';

/** `POST /api/ai/user-selection`: re-binds one of the caller's slots (snake_case, as in the seed). */
export class UpdateUserSelectionDto extends SlotBindingDto {
  @ApiPropertyOptional({ description: 'The slot to re-bind; default main.', example: 'fast', pattern: USAGE_KEY_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: USAGE_KEY_MESSAGE })
  usage_key?: string;
}
