import { ApiProperty } from '@nestjs/swagger';
import { IsRowIdText } from '../../admin/dto/sys-fields';

/** `/api/ai/admin/budgets/:id`. */
export class BudgetIdParamDto {
  @ApiProperty({ example: 1 })
  @IsRowIdText()
  id!: number;
}
