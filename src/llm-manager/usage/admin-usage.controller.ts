import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { Clock } from './clock';
import { daysBefore, parseSince } from './dto/admin-since';
import { AdminPurgeDto, AdminUserIdParamDto } from './dto/admin-usage.dto';
import { UsageRangeQueryDto } from './dto/usage-range-query.dto';
import { UsageSinceQueryDto } from './dto/usage-since-query.dto';
import { UsageTimelineQueryDto } from './dto/usage-timeline-query.dto';
import { AgentUsageDto, ModelUsageDto, TimelinePointDto, UsageSummaryDto } from './dto/usage-view.dto';
import { AdminPurgeResultDto, AdminUserUsageDto } from './dto/admin-usage-view.dto';
import { UsageQueryService } from './usage-query.service';
import type { AgentUsage, ModelUsage, TimelinePoint, UsageSummary, UserUsage } from './usage-query.types';

const { BAD_REQUEST } = HttpStatus;

/** Usage statistics of every user, for administrators (M16). Numbers are tokens and calls; `since` bounds time. */
@LlmManagerApi('admin: usage statistics')
@AdminOnly()
@Controller('api/ai/admin/usage')
export class AdminUsageController {
  constructor(
    private readonly usage: UsageQueryService,
    private readonly clock: Clock,
  ) {}

  @Get('users')
  @ApiOperation({ summary: 'Totals per user', description: 'Every user who made calls since `since`, most tokens first.' })
  @ApiOkResponse({ type: [AdminUserUsageDto] })
  @ApiAdminErrors(BAD_REQUEST)
  userTotals(@Query() query: UsageSinceQueryDto): Promise<UserUsage[]> {
    return this.usage.userTotals({ since: parseSince(query.since, this.clock.now()) });
  }

  @Get('total')
  @ApiOperation({ summary: 'Totals of all users', description: 'Tokens, requests and errors of every call from `since` to `until`.' })
  @ApiOkResponse({ type: UsageSummaryDto })
  @ApiAdminErrors(BAD_REQUEST)
  total(@Query() query: UsageRangeQueryDto): Promise<UsageSummary> {
    return this.usage.summary(query.rangeAt(this.clock));
  }

  @Get('users/:userId')
  @ApiOperation({ summary: "One user's totals", description: 'Zeros for a user without calls.' })
  @ApiOkResponse({ type: UsageSummaryDto })
  @ApiAdminErrors(BAD_REQUEST)
  userSummary(@Param() param: AdminUserIdParamDto, @Query() query: UsageSinceQueryDto): Promise<UsageSummary> {
    return this.usage.summary({ userId: param.userId, since: parseSince(query.since, this.clock.now()) });
  }

  @Get('users/:userId/by-model')
  @ApiOperation({ summary: "One user's usage per model", description: 'Most tokens first; `model_name` is null for a deleted model.' })
  @ApiOkResponse({ type: [ModelUsageDto] })
  @ApiAdminErrors(BAD_REQUEST)
  byModel(@Param() param: AdminUserIdParamDto, @Query() query: UsageRangeQueryDto): Promise<ModelUsage[]> {
    return this.usage.byModel(param.userId, query.rangeAt(this.clock));
  }

  @Get('users/:userId/by-agent')
  @ApiOperation({ summary: "One user's usage per agent", description: 'Most tokens first; calls without an agent name share `null`.' })
  @ApiOkResponse({ type: [AgentUsageDto] })
  @ApiAdminErrors(BAD_REQUEST)
  byAgent(@Param() param: AdminUserIdParamDto, @Query() query: UsageRangeQueryDto): Promise<AgentUsage[]> {
    return this.usage.byAgent(param.userId, query.rangeAt(this.clock));
  }

  @Get('users/:userId/timeline')
  @ApiOperation({
    summary: "One user's usage over time",
    description: 'Tokens, requests and errors per UTC hour or day from `since` (default 24h) to now, empty buckets included; at most 10 000 buckets.',
  })
  @ApiOkResponse({ type: [TimelinePointDto] })
  @ApiAdminErrors(BAD_REQUEST)
  timeline(@Param() param: AdminUserIdParamDto, @Query() query: UsageTimelineQueryDto): Promise<TimelinePoint[]> {
    return this.usage.timeline(param.userId, {
      granularity: query.granularity ?? 'hour',
      since: parseSince(query.since ?? '24h', this.clock.now()) ?? this.clock.now(),
    });
  }

  @Post('purge')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Delete old usage rows',
    description: 'Deletes usage rows older than `olderThanDays` days, in chunks, and says how many went. The scheduled purge does the same daily.',
  })
  @ApiOkResponse({ type: AdminPurgeResultDto })
  @ApiAdminErrors(BAD_REQUEST)
  async purge(@Body() dto: AdminPurgeDto): Promise<AdminPurgeResultDto> {
    return { deleted: await this.usage.purge(daysBefore(this.clock.now(), dto.olderThanDays)) };
  }
}
