import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../../llm-manager/llm-manager.constants';
import { SystemPlatformService } from '../../llm-manager/admin/system-platform.service';
import { errorMessage } from '../../llm-manager/common/error-message';
import type { PlatformView } from '../../llm-manager/admin/platform.types';
import type { KeyHealthState } from '../../llm-manager/cooldowns/cooldown-store';
import { KeyCooldowns } from '../../llm-manager/cooldowns/key-cooldowns';

/** What `GET /health` answers. */
export interface HealthReport {
  status: 'ok';
  database: 'ok';
  /** The server does not start without a valid YAML, so a running server has loaded it. */
  config: 'loaded';
  /** System platforms in the database. */
  platforms: number;
  /** Those with a key at hand, so calls to them can succeed. */
  usablePlatforms: number;
  /** System platforms a key of which is cooled down after repeated failures (issue 18); never a key. */
  coolingPlatforms: CoolingPlatform[];
}

/** A system platform with cooled-down keys, as `/health` lists it. */
export interface CoolingPlatform {
  platform: string;
  /** How many of its keys (the platform's, users' own) cool down. */
  keys: number;
  /** When the last of them ends, ISO. */
  coolingUntil: string;
  /** The last failure's code (and status). */
  reason: string;
}

/** The body of a 503, when the database does not answer. */
export interface HealthFailure {
  status: 'unavailable';
  database: 'unreachable';
  config: 'loaded';
}

@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly system: SystemPlatformService,
    private readonly cooldowns: KeyCooldowns,
  ) {}

  /** @throws ServiceUnavailableException (503) with a `HealthFailure` body when the database query fails. */
  async check(): Promise<HealthReport> {
    try {
      await this.dataSource.query('SELECT 1');
      const platforms = await this.system.list();
      return {
        status: 'ok',
        database: 'ok',
        config: 'loaded',
        platforms: platforms.length,
        usablePlatforms: platforms.filter((p) => p.usable).length,
        coolingPlatforms: coolingOf(platforms, await this.cooldowns.cooling()),
      };
    } catch (error: unknown) {
      // The reason goes to the log; the probe only learns that this instance should not get traffic.
      this.logger.error(`Database unreachable: ${errorMessage(error)}`);
      const failure: HealthFailure = { status: 'unavailable', database: 'unreachable', config: 'loaded' };
      throw new ServiceUnavailableException(failure);
    }
  }
}

/** The system platforms among `cooling`, in their order; users' private platforms are nobody else's business. */
function coolingOf(platforms: PlatformView[], cooling: KeyHealthState[]): CoolingPlatform[] {
  return platforms.flatMap((platform) => {
    const keys = cooling.filter((state) => state.platformId === platform.id).sort((a, b) => b.coolingUntilMs - a.coolingUntilMs);
    const last = keys[0];
    return last ? [{ platform: platform.name, keys: keys.length, coolingUntil: new Date(last.coolingUntilMs).toISOString(), reason: last.reason }] : [];
  });
}
