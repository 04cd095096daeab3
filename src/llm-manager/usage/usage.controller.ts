import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { LlmManagerService } from '../llm-manager.service';
import { Clock } from './clock';
import { UsageSinceQueryDto } from './dto/usage-since-query.dto';
import { UsageTimelineQueryDto } from './dto/usage-timeline-query.dto';
import { TOKEN_DETAILS_EXAMPLE } from './dto/token-details.dto';
import { AgentUsageDto, ModelUsageDto, SUMMARY_EXAMPLE, TimelinePointDto, UsageSummaryDto } from './dto/usage-view.dto';
import { UsageQueryService } from './usage-query.service';
import type { AgentUsage, ModelUsage, TimelinePoint, UsageSummary } from './usage-query.types';

const SINCE = '`since`: an ISO date or a duration back from now (90m, 24h, 7d, 4w)';

/** The caller's own usage (M15, M16); every route counts the caller's rows only. */
@LlmManagerApi('User usage')
@Controller('api/ai/user/usage')
export class UsageController {
  constructor(
    private readonly llm: LlmManagerService,
    private readonly usage: UsageQueryService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'My usage totals',
    description: `Tokens, requests and errors of the caller's calls; ${SINCE}, default: all time.`,
  })
  @ApiOkResponse({ type: UsageSummaryDto, description: 'Totals; zeros when nothing matched.', example: SUMMARY_EXAMPLE })
  summary(@CurrentIdentity() me: RequestIdentity, @Query() query: UsageSinceQueryDto): Promise<UsageSummary> {
    return this.usage.summary({ userId: me.userId, since: query.sinceAt(this.clock) });
  }

  @Get('by-model')
  @ApiOperation({
    summary: 'My usage per model',
    description: `Most tokens first; a deleted model shows model_name null. ${SINCE}, default: all time.`,
  })
  @ApiOkResponse({
    type: [ModelUsageDto],
    description: 'One row per model.',
    example: [{ model_id: 2, model_name: 'DeepSeek-V3', platform_name: 'DeepSeek', model_deleted: false, ...SUMMARY_EXAMPLE }],
  })
  byModel(@CurrentIdentity() me: RequestIdentity, @Query() query: UsageSinceQueryDto): Promise<ModelUsage[]> {
    return this.llm.getUserUsageStats(me.userId, { since: query.sinceAt(this.clock) });
  }

  @Get('by-agent')
  @ApiOperation({
    summary: 'My usage per agent',
    description: `Most tokens first; calls without an agent name share null. ${SINCE}, default: all time.`,
  })
  @ApiOkResponse({
    type: [AgentUsageDto],
    description: 'One row per agent name.',
    example: [{ agent_name: 'agent_muse', ...SUMMARY_EXAMPLE }],
  })
  byAgent(@CurrentIdentity() me: RequestIdentity, @Query() query: UsageSinceQueryDto): Promise<AgentUsage[]> {
    return this.llm.getUsageByAgent(me.userId, { since: query.sinceAt(this.clock) });
  }

  @Get('timeline')
  @ApiOperation({
    summary: 'My usage over time',
    description:
      `Tokens (with cached, reasoning and the estimate's drift), requests and errors per UTC hour or day, empty buckets included; ${SINCE}, default 24h. ` +
      'At most 10000 buckets.',
  })
  @ApiOkResponse({
    type: [TimelinePointDto],
    description: 'One point per bucket, oldest first.',
    example: [
      { time: '2026-01-31 08:00', tokens: 1520, requests: 6, errors: 0, ...TOKEN_DETAILS_EXAMPLE },
    ],
  })
  timeline(@CurrentIdentity() me: RequestIdentity, @Query() query: UsageTimelineQueryDto): Promise<TimelinePoint[]> {
    return this.llm.getUsageTimeline(me.userId, { granularity: query.granularity, since: query.sinceAt(this.clock) });
  }
}
