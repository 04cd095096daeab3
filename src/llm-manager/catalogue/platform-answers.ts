import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { PlatformEntity } from '../database/platform.entity';
import { Clock } from '../usage/clock';

const TEST_DETAIL_MAX = 300;

/**
 * Records that a platform's endpoint answered (a model test or a probe of the stored platform succeeded, or an admin
 * vouched for it), so a platform without a key counts as usable and self-repair prefers it. Not a configuration change: no cached model
 * depends on it, so nothing is published.
 */
@Injectable()
export class PlatformAnswers {
  constructor(
    @InjectRepository(PlatformEntity, LLM_MGR_DATA_SOURCE) private readonly platforms: Repository<PlatformEntity>,
    private readonly clock: Clock,
  ) {}

  async markAnswered(platformId: number): Promise<void> {
    await this.platforms.update({ id: platformId }, { answeredAt: this.clock.now() });
  }

  /**
   * Keeps the outcome of a model test on the platform (issue 19), so a list shows it after a reload. `detail` is
   * already masked by the caller; it is cut to the column's 300 characters.
   */
  async recordTest(platformId: number, outcome: { ok: boolean; detail: string }): Promise<void> {
    const detail = outcome.detail.length > TEST_DETAIL_MAX ? `${outcome.detail.slice(0, TEST_DETAIL_MAX - 1)}…` : outcome.detail;
    await this.platforms.update({ id: platformId }, { lastTestAt: this.clock.now(), lastTestOk: outcome.ok, lastTestDetail: detail });
  }
}
