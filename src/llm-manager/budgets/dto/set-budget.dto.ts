import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsRowId } from '../../admin/dto/sys-fields';
import { BUDGET_PERIODS, type BudgetPeriod } from '../budget.entity';

/** `PUT /api/ai/admin/budgets`: one budget per (user, slot, token); putting it again replaces it. */
export class SetBudgetDto {
  @ApiProperty({ description: 'The user id the host application uses ("-1": the system user).', example: 'user_123' })
  @IsString()
  @Length(1, 64)
  userId!: string;

  @ApiPropertyOptional({ description: 'Only this slot\'s calls count; omitted or null: every slot.', example: 'main', nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  usageKey?: string | null;

  @ApiPropertyOptional({ description: 'Only calls made with this API token count; omitted or null: every call.', example: 3, nullable: true })
  @IsOptional()
  @IsRowId()
  tokenId?: number | null;

  @ApiProperty({ description: 'The limit in USD per period.', example: 5 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e9)
  limitUsd!: number;

  @ApiProperty({ description: 'How long a window lasts; calendar-aligned in `timeZone`. `total` never resets.', enum: BUDGET_PERIODS, example: 'month' })
  @IsIn(BUDGET_PERIODS)
  period!: BudgetPeriod;

  @ApiPropertyOptional({ description: 'IANA time zone of the calendar. Default: the `budgetTimeZone` option (UTC).', example: 'Asia/Shanghai' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timeZone?: string;

  @ApiPropertyOptional({ description: 'true (default): calls are refused at the limit (402 BUDGET_EXCEEDED); false: only an event and a log line.', example: true })
  @IsOptional()
  @IsBoolean()
  hard?: boolean;
}

/** A budget and its current window, in USD. */
export class BudgetViewDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'user_123' }) userId!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) usageKey!: string | null;
  @ApiProperty({ example: null, nullable: true, type: Number }) tokenId!: number | null;
  @ApiProperty({ example: 5 }) limitUsd!: number;
  @ApiProperty({ enum: BUDGET_PERIODS, example: 'month' }) period!: BudgetPeriod;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone!: string;
  @ApiProperty({ example: true }) hard!: boolean;
  @ApiProperty({ description: 'Start of the current window.', example: '2026-02-28T16:00:00.000Z' }) windowStart!: string;
  @ApiProperty({ description: 'When the spend resets; null for total.', example: '2026-03-31T16:00:00.000Z', nullable: true, type: String })
  resetsAt!: string | null;
  @ApiProperty({ description: 'Cost of the calls counted in this window.', example: 1.25 }) spentUsd!: number;
  @ApiProperty({ description: 'Estimated cost of calls admitted and not yet counted.', example: 0.01 }) reservedUsd!: number;
  @ApiProperty({ example: 3.74 }) remainingUsd!: number;
  @ApiProperty({
    description: 'auto-key: created on first use from the autoKeyBudget default (users spending the system keys); null: set by an administrator.',
    enum: ['auto-key'], nullable: true, example: null,
  })
  defaultFor!: 'auto-key' | null;
}
