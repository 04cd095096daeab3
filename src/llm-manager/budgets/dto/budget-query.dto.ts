import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

/** `GET /api/ai/admin/budgets?userId=`: one user's budgets, or every budget without it. */
export class BudgetListQueryDto {
  @ApiPropertyOptional({ description: 'Only this user\'s budgets.', example: 'user_123' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  userId?: string;
}
