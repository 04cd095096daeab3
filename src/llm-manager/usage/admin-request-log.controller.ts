import { Controller, Get, HttpStatus, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAdminErrors } from '../admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { Clock } from './clock';
import { RequestLogQueryDto, TopUsersQueryDto, UsageExportQueryDto } from './dto/request-log-query.dto';
import { RequestLogPageDto, TopUsersDto } from './dto/request-log-view.dto';
import { UsageRangeQueryDto } from './dto/usage-range-query.dto';
import { AgentUsageDto, ModelUsageDto } from './dto/usage-view.dto';
import { RequestLogService } from './request-log.service';
import type { RequestLogPage } from './request-log.types';
import { UsageExportService } from './usage-export.service';
import { UsageQueryService } from './usage-query.service';
import type { AgentUsage, ModelUsage, TopUsers } from './usage-query.types';

const { BAD_REQUEST } = HttpStatus;

/** The request log and the all-users reports of the dashboard (issue 19), for administrators. */
@LlmManagerApi('admin: usage statistics')
@AdminOnly()
@Controller('api/ai/admin/usage')
export class AdminRequestLogController {
  constructor(
    private readonly log: RequestLogService,
    private readonly usage: UsageQueryService,
    private readonly exporter: UsageExportService,
    private readonly clock: Clock,
  ) {}

  @Get('requests')
  @ApiOperation({
    summary: 'Request log',
    description:
      'One line per call, newest first, filtered; pages of `limit` calls (at most 200). Pass `next_cursor` as `cursor` for the next page: ' +
      'pages stay stable while new calls are written. A failed call carries its error code and masked detail.',
  })
  @ApiOkResponse({ type: RequestLogPageDto })
  @ApiAdminErrors(BAD_REQUEST)
  requests(@Query() query: RequestLogQueryDto): Promise<RequestLogPage> {
    return this.log.page(query.filterAt(this.clock), query.limit, query.cursor);
  }

  @Get('models')
  @ApiOperation({ summary: 'All users per model', description: 'Most tokens first; a deleted model keeps its names and has `model_deleted: true`.' })
  @ApiOkResponse({ type: [ModelUsageDto] })
  @ApiAdminErrors(BAD_REQUEST)
  models(@Query() query: UsageRangeQueryDto): Promise<ModelUsage[]> {
    return this.usage.modelTotals(query.rangeAt(this.clock));
  }

  @Get('agents')
  @ApiOperation({ summary: 'All users per agent', description: 'Most tokens first; calls without an agent name share `null`.' })
  @ApiOkResponse({ type: [AgentUsageDto] })
  @ApiAdminErrors(BAD_REQUEST)
  agents(@Query() query: UsageRangeQueryDto): Promise<AgentUsage[]> {
    return this.usage.agentTotals(query.rangeAt(this.clock));
  }

  @Get('top-users')
  @ApiOperation({ summary: 'Top users', description: 'The `limit` users with the most tokens in the range whose id contains `search`, and how many matched.' })
  @ApiOkResponse({ type: TopUsersDto })
  @ApiAdminErrors(BAD_REQUEST)
  topUsers(@Query() query: TopUsersQueryDto): Promise<TopUsers> {
    return this.usage.topUsers(query.rangeAt(this.clock), query.search, query.limit ?? 10);
  }

  @Get('export.csv')
  @ApiOperation({
    summary: 'CSV export',
    description:
      'The request log (view=requests, with its filters) or the totals per user, model or agent over the range, as CSV streamed as it is read. ' +
      'Text cells are quoted; cells that start like a spreadsheet formula get a leading apostrophe.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv, UTF-8 with a byte order mark.', schema: { type: 'string', example: '"time","user_id"\r\n' } })
  @ApiAdminErrors(BAD_REQUEST)
  exportCsv(@Query() query: UsageExportQueryDto, @Res() res: Response): Promise<void> {
    const view = query.view ?? 'requests';
    const begin = (): void => {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="llm-usage-${view}.csv"`);
      // A byte order mark, so spreadsheet programs read UTF-8 names (中文) as UTF-8.
      res.write('\uFEFF');
    };
    return this.exporter.write(res, begin, view, query.filterAt(this.clock), query.search);
  }
}
