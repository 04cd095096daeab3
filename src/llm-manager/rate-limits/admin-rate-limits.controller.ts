import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAdminErrors } from '../admin/dto/sys-error-body.dto';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { RateLimitIdParamDto, RateLimitListQueryDto } from './dto/rate-limit-id.dto';
import { RateLimitsViewDto, RateLimitViewDto, SetRateLimitDto } from './dto/set-rate-limit.dto';
import { RateLimitService } from './rate-limit.service';
import type { RateLimitView, RateLimitsView } from './rate-limit.types';

const { BAD_REQUEST, NOT_FOUND } = HttpStatus;

/** Rate limits per user, slot and API token (issue 18), for administrators. */
@LlmManagerApi('admin: rate limits')
@AdminOnly()
@Controller('api/ai/admin/rate-limits')
export class AdminRateLimitsController {
  constructor(private readonly rateLimits: RateLimitService) {}

  @Get()
  @ApiOperation({ summary: 'List rate limits', description: 'Every stored limit (or one user\'s with `?userId=`), the default per-user limit, and where counters live.' })
  @ApiOkResponse({ type: RateLimitsViewDto })
  @ApiAdminErrors(BAD_REQUEST)
  list(@Query() query: RateLimitListQueryDto): Promise<RateLimitsView> {
    return this.rateLimits.getRateLimits(query.userId);
  }

  @Put()
  @ApiOperation({
    summary: 'Set a rate limit',
    description:
      'Creates or replaces the limit of a user (`userId`), of one slot of a user (`userId` + `usageKey`) or of an API token (`tokenId`). ' +
      'A call past any limit it falls under is refused with 429 `RATE_LIMITED` and Retry-After. A user limit with no rpm, tpm or ' +
      'concurrent exempts that user from the default per-user limit.',
  })
  @ApiOkResponse({ type: RateLimitViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  set(@Body() dto: SetRateLimitDto): Promise<RateLimitView> {
    return this.rateLimits.setRateLimit(dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a rate limit' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  remove(@Param() param: RateLimitIdParamDto): Promise<void> {
    return this.rateLimits.deleteRateLimit(param.id);
  }
}
