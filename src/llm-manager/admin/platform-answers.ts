import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../database/database.providers';
import { PlatformEntity } from '../database/platform.entity';
import { Clock } from '../usage/clock';

/**
 * Records that a platform's endpoint answered (a model test or a probe of the stored platform succeeded, or an admin
 * vouched for it), so a
 * platform without a key counts as usable and self-repair prefers it. Not a configuration change: no cached model
 * depends on it, so nothing is published.
 */
@Injectable()
export class PlatformAnswers {
  constructor(
    @Inject(LLM_MGR_DATA_SOURCE_TOKEN) private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async markAnswered(platformId: number): Promise<void> {
    await this.dataSource.getRepository(PlatformEntity).update({ id: platformId }, { answeredAt: this.clock.now() });
  }
}
