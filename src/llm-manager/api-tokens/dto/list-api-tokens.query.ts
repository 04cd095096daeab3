import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** Filter of `GET /api/ai/admin/tokens`. */
export class ListApiTokensQuery {
  @ApiPropertyOptional({ description: 'Only this user\'s tokens; all tokens when omitted.', example: 'alice', maxLength: 64 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId?: string;
}
