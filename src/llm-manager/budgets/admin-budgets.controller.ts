import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { AdminUserIdParamDto } from '../usage/dto/admin-usage.dto';
import { UsageSinceQueryDto } from '../usage/dto/usage-since-query.dto';
import { Clock } from '../usage/clock';
import { BudgetService } from './budget.service';
import type { BudgetView, SpendView } from './budget.types';
import { BudgetIdParamDto } from './dto/budget-id.dto';
import { BudgetListQueryDto } from './dto/budget-query.dto';
import { BudgetViewDto, SetBudgetDto } from './dto/set-budget.dto';
import { SpendViewDto } from './dto/spend-view.dto';

const { BAD_REQUEST, NOT_FOUND } = HttpStatus;

/** Budgets of every user (issue 16), for administrators. */
@LlmManagerApi('admin: budgets')
@AdminOnly()
@Controller('api/ai/admin/budgets')
export class AdminBudgetsController {
  constructor(
    private readonly budgets: BudgetService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List budgets', description: 'Every budget, or one user\'s with `?userId=`, with the current window\'s spend.' })
  @ApiOkResponse({ type: [BudgetViewDto] })
  @ApiAdminErrors(BAD_REQUEST)
  list(@Query() query: BudgetListQueryDto): Promise<BudgetView[]> {
    return query.userId === undefined ? this.budgets.listAll() : this.budgets.getBudgets(query.userId);
  }

  @Put()
  @ApiOperation({ summary: 'Set a budget', description: 'Creates or replaces the budget of (userId, usageKey, tokenId).' })
  @ApiOkResponse({ type: BudgetViewDto })
  @ApiAdminErrors(BAD_REQUEST)
  set(@Body() dto: SetBudgetDto): Promise<BudgetView> {
    return this.budgets.setBudget(dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a budget' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  remove(@Param() param: BudgetIdParamDto): Promise<void> {
    return this.budgets.deleteBudget(param.id);
  }

  @Get('spend/:userId')
  @ApiOperation({ summary: 'What a user spent', description: 'USD from the usage ledger since `since` (default: all time).' })
  @ApiOkResponse({ type: SpendViewDto })
  @ApiAdminErrors(BAD_REQUEST)
  spend(@Param() param: AdminUserIdParamDto, @Query() query: UsageSinceQueryDto): Promise<SpendView> {
    return this.budgets.getSpend(param.userId, query.sinceAt(this.clock));
  }
}
