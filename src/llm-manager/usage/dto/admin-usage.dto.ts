import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/** Longest retention a purge may name: a century. */
export const MAX_PURGE_DAYS = 36_500;

/** `/api/ai/admin/usage/users/:userId`. */
export class AdminUserIdParamDto {
  @ApiProperty({ description: 'The user id the host application uses, at most 64 characters ("-1": the system user).', example: 'user_123' })
  @IsString()
  @Length(1, 64)
  userId!: string;
}

/** `POST /api/ai/admin/usage/purge`. */
export class AdminPurgeDto {
  @ApiProperty({ description: `Delete usage rows older than this many days (1–${MAX_PURGE_DAYS}).`, example: 90 })
  @IsInt()
  @Min(1)
  @Max(MAX_PURGE_DAYS)
  olderThanDays!: number;
}
