import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { USAGE_KEY_PATTERN } from '../../common/input-rules';

export const USAGE_KEY_MESSAGE = 'usage_key must be 1–64 characters of letters, digits, "_", "." or "-", e.g. "fast"';

/** `GET /api/ai/user-selection?usage_key=fast` (snake_case, as in the seed). */
export class UserSelectionQueryDto {
  @ApiPropertyOptional({ description: 'Which slot to return; default main.', example: 'fast', pattern: USAGE_KEY_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: USAGE_KEY_MESSAGE })
  usage_key?: string;
}
