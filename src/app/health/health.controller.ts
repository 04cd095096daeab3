import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthService, type HealthReport } from './health.service';

/** For load balancers: no authentication, nothing secret in the answer. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Database reachable, configuration loaded, how many system platforms are usable, which cool down' })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        database: 'ok',
        config: 'loaded',
        platforms: 10,
        usablePlatforms: 2,
        coolingPlatforms: [{ platform: 'DeepSeek', keys: 1, coolingUntil: '2026-01-05T08:00:10.000Z', reason: 'UPSTREAM_RATE_LIMITED 429' }],
      },
    },
  })
  @ApiServiceUnavailableResponse({
    schema: { example: { status: 'unavailable', database: 'unreachable', config: 'loaded' } },
  })
  check(): Promise<HealthReport> {
    return this.health.check();
  }
}
