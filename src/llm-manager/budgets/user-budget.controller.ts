import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { BudgetService } from './budget.service';
import type { BudgetView } from './budget.types';
import { BudgetViewDto } from './dto/set-budget.dto';

/** The caller's own budgets (issue 16): read-only; administrators set them. */
@LlmManagerApi('User budget')
@Controller('api/ai/user/budget')
export class UserBudgetController {
  constructor(private readonly budgets: BudgetService) {}

  @Get()
  @ApiOperation({ summary: 'My budgets', description: 'Each limit on my calls, what this window spent and when it resets.' })
  @ApiOkResponse({ type: [BudgetViewDto] })
  mine(@CurrentIdentity() me: RequestIdentity): Promise<BudgetView[]> {
    return this.budgets.getBudgets(me.userId);
  }
}
