import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { LlmManagerError } from '../../common/llm-manager.error';
import type { Clock } from '../clock';
import type { UsageRange } from '../usage-query.types';
import { IsSince, parseSince, SINCE_FORMAT } from './admin-since';

/** `?since=…&until=…` of the admin reports and the request log: a half-open range, either end open. */
export class UsageRangeQueryDto {
  @ApiPropertyOptional({ description: `Start of the range (inclusive): ${SINCE_FORMAT}.`, example: '2026-01-01' })
  @IsOptional()
  @IsString()
  @IsSince()
  since?: string;

  @ApiPropertyOptional({ description: `End of the range (exclusive), written like since; absent: now.`, example: '2026-02-01' })
  @IsOptional()
  @IsString()
  @IsSince()
  until?: string;

  /**
   * The range as instants, `clock` giving "now" for durations.
   *
   * @throws VALIDATION_FAILED when `until` is not after `since`.
   */
  rangeAt(clock: Clock): UsageRange {
    const now = clock.now();
    const since = parseSince(this.since, now);
    const until = parseSince(this.until, now, 'until');
    if (since !== undefined && until !== undefined && until <= since) {
      throw new LlmManagerError('VALIDATION_FAILED', `until (${this.until}) must be after since (${this.since}). Swap them or widen the range.`, {
        details: { field: 'until' },
      });
    }
    return { since, until };
  }
}
