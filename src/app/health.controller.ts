import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SystemPlatformService } from '../llm-manager/admin/system-platform.service';

/** Liveness for load balancers: the store answers and how many system platforms can be used. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly system: SystemPlatformService) {}

  @Get()
  @ApiOperation({ summary: 'Store reachable, configuration loaded, usable system platforms' })
  @ApiOkResponse({ schema: { example: { status: 'ok', platforms: 10, usablePlatforms: 2 } } })
  async check(): Promise<{ status: 'ok'; platforms: number; usablePlatforms: number }> {
    const platforms = await this.system.list();
    return { status: 'ok', platforms: platforms.length, usablePlatforms: platforms.filter((p) => p.usable).length };
  }
}
