import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsRowIdText } from '../../admin/dto/sys-fields';

/** `/api/ai/admin/rate-limits/:id`. */
export class RateLimitIdParamDto {
  @ApiProperty({ example: 1 })
  @IsRowIdText()
  id!: number;
}

/** `GET /api/ai/admin/rate-limits?userId=`: one user's limits (their slots' included), or every limit without it. */
export class RateLimitListQueryDto {
  @ApiPropertyOptional({ description: 'Only this user\'s limits.', example: 'user_123' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  userId?: string;
}
