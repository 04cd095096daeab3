import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { RateLimitsViewDto } from './dto/set-rate-limit.dto';
import { RateLimitService } from './rate-limit.service';
import type { RateLimitsView } from './rate-limit.types';

/** The caller's own rate limits (issue 18): read-only; administrators set them. */
@LlmManagerApi('User rate limits')
@Controller('api/ai/user/rate-limits')
export class UserRateLimitsController {
  constructor(private readonly rateLimits: RateLimitService) {}

  @Get()
  @ApiOperation({ summary: 'My rate limits', description: 'My own limits and my slots\', and the default that applies when I have none of my own.' })
  @ApiOkResponse({ type: RateLimitsViewDto })
  mine(@CurrentIdentity() me: RequestIdentity): Promise<RateLimitsView> {
    return this.rateLimits.getRateLimits(me.userId);
  }
}
