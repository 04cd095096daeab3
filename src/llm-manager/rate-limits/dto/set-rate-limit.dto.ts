import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { IsRowId } from '../../admin/dto/sys-fields';
import { MAX_RATE_LIMIT } from '../rate-limit.options';

/** A limit: absent or null (none of that kind), else a whole number from 1 to MAX_RATE_LIMIT. */
function IsRateLimit(): PropertyDecorator {
  return applyDecorators(ValidateIf((_, value) => value !== null && value !== undefined), IsInt(), Min(1), Max(MAX_RATE_LIMIT));
}

const LIMIT = (what: string, example: number): Parameters<typeof ApiPropertyOptional>[0] => ({
  description: `${what}; omitted or null: no limit of this kind.`,
  example,
  nullable: true,
  type: Number,
  minimum: 1,
  maximum: MAX_RATE_LIMIT,
});

/**
 * `PUT /api/ai/admin/rate-limits`: the limit of a user (`userId`), of one slot of a user (`userId` + `usageKey`), or of
 * an API token (`tokenId` alone). Putting it again replaces it.
 */
export class SetRateLimitDto {
  @ApiPropertyOptional({ description: 'The user limited ("-1": the system user). Required unless tokenId is given.', example: 'user_123', nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  userId?: string | null;

  @ApiPropertyOptional({ description: 'Only this slot of the user: its calls count on a limit of their own.', example: 'fast', nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  usageKey?: string | null;

  @ApiPropertyOptional({ description: 'Only calls made with this API token (then neither userId nor usageKey).', example: 3, nullable: true, type: Number })
  @IsOptional()
  @IsRowId()
  tokenId?: number | null;

  @ApiPropertyOptional(LIMIT('Requests per minute', 60))
  @IsRateLimit()
  rpm?: number | null;

  @ApiPropertyOptional(LIMIT('Tokens per minute (prompt + completion; the prompt\'s estimate counts before the call)', 100000))
  @IsRateLimit()
  tpm?: number | null;

  @ApiPropertyOptional(LIMIT('Calls in flight at once', 4))
  @IsRateLimit()
  concurrent?: number | null;
}

/** The three limits; `null`: none of that kind. */
export class RateLimitsDto {
  @ApiProperty({ example: 60, nullable: true, type: Number }) rpm!: number | null;
  @ApiProperty({ example: 100000, nullable: true, type: Number }) tpm!: number | null;
  @ApiProperty({ example: 4, nullable: true, type: Number }) concurrent!: number | null;
}

/** A stored rate limit. */
export class RateLimitViewDto extends RateLimitsDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ enum: ['user', 'slot', 'token'], example: 'user' }) scope!: 'user' | 'slot' | 'token';
  @ApiProperty({ example: 'user_123', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) usageKey!: string | null;
  @ApiProperty({ example: null, nullable: true, type: Number }) tokenId!: number | null;
}

/** `GET /api/ai/admin/rate-limits`. */
export class RateLimitsViewDto {
  @ApiProperty({ description: 'Where the counters live, shared by every instance.', enum: ['database', 'redis'], example: 'database' })
  backend!: 'database' | 'redis';

  @ApiProperty({ description: 'The limit of every user without one of their own (options, else YAML); null: none.', type: RateLimitsDto, nullable: true })
  defaultUser!: RateLimitsDto | null;

  @ApiProperty({ type: [RateLimitViewDto] })
  limits!: RateLimitViewDto[];
}
