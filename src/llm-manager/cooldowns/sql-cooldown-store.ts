import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TransactionTurns } from '../database/transaction-turns';
import { isDeadlock } from '../database/duplicate-key';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { CooldownPolicy, CooldownStore, KeyFailure, KeyHealthState, KeyRef } from './cooldown-store';
import { KeyHealthEntity } from './key-health.entity';

/**
 * Key health in llm-mgr's own database, shared by every instance on it. A failure is one statement: an insert that,
 * on a row already there, updates it from its own old values, so two instances counting at once never lose a count.
 */
@Injectable()
export class SqlCooldownStore implements CooldownStore {
  private readonly mysql: boolean;

  constructor(@InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  async recordFailure(ref: KeyRef, failure: KeyFailure, policy: CooldownPolicy): Promise<KeyHealthState> {
    const params = {
      platformId: ref.platformId,
      keyId: ref.keyId,
      now: failure.nowMs,
      floor: failure.nowMs - policy.windowMs,
      fails: policy.allowedFails,
      retryAfter: failure.retryAfterMs,
      cap: policy.maxCooldownMs,
      reason: failure.reason.slice(0, 32),
      ...firstFailure(failure, policy),
    };
    const [sql, values] = this.dataSource.driver.escapeQueryWithParameters(this.upsert(), params, {});
    // MariaDB may pick one of two concurrent upserts of a new row as a deadlock victim: that one did nothing, so it runs again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await TransactionTurns.of(this.dataSource).run(() => this.dataSource.query(sql, values));
        break;
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
    const row = await this.dataSource.getRepository(KeyHealthEntity).findOneByOrFail({ platformId: ref.platformId, keyId: ref.keyId });
    return stateOf(row);
  }

  async recordSuccess(ref: KeyRef): Promise<void> {
    await TransactionTurns.of(this.dataSource).run(() => this.dataSource.getRepository(KeyHealthEntity).delete({ platformId: ref.platformId, keyId: ref.keyId }));
  }

  async readAll(): Promise<KeyHealthState[]> {
    return (await this.dataSource.getRepository(KeyHealthEntity).find()).map(stateOf);
  }

  /**
   * The failure's upsert. MySQL applies `ON DUPLICATE KEY UPDATE` assignments left to right, each seeing the ones
   * before it, so every assignment reads only columns assigned after it; PostgreSQL and SQLite read old values anyway.
   */
  private upsert(): string {
    const q = (name: string): string => this.dataSource.driver.escape(name);
    // The row already there: `h` on PostgreSQL and SQLite; MySQL names it by the bare column.
    const col = (name: string): string => (this.mysql ? q(name) : `h.${q(name)}`);
    const inWindow = `${col('window_start_ms')} >= :floor`;
    const counted = `(CASE WHEN ${inWindow} THEN ${col('failures')} + 1 ELSE 1 END)`;
    const trips = `${counted} >= :fails`;
    const longer = (a: string, b: string): string => `(CASE WHEN ${a} > ${b} THEN ${a} ELSE ${b} END)`;
    const shorter = (a: string, b: string): string => `(CASE WHEN ${a} < ${b} THEN ${a} ELSE ${b} END)`;
    const until = `(CASE WHEN ${trips} THEN ${longer(col('cooling_until_ms'), `:now + ${longer(col('next_cooldown_ms'), ':retryAfter')}`)} ELSE ${col('cooling_until_ms')} END)`;
    const next = `(CASE WHEN ${trips} THEN ${shorter(':cap', `${col('next_cooldown_ms')} * 2`)} ELSE ${col('next_cooldown_ms')} END)`;
    const failures = `(CASE WHEN ${trips} THEN 0 ELSE ${counted} END)`;
    const windowStart = `(CASE WHEN ${inWindow} THEN ${col('window_start_ms')} ELSE :now END)`;
    const assignments: Array<[string, string]> = [
      ['cooling_until_ms', until],
      ['next_cooldown_ms', next],
      ['failures', failures],
      ['window_start_ms', windowStart],
      ['reason', ':reason'],
      ['updated_at_ms', ':now'],
    ];
    const table = this.dataSource.getMetadata(KeyHealthEntity).tablePath.split('.').map(q).join('.');
    const insert =
      `INSERT INTO ${table}${this.mysql ? '' : ' AS h'} (${q('platform_id')}, ${q('key_id')}, ${q('failures')}, ${q('window_start_ms')}, ` +
      `${q('cooling_until_ms')}, ${q('next_cooldown_ms')}, ${q('reason')}, ${q('updated_at_ms')}) ` +
      'VALUES (:platformId, :keyId, :newFailures, :now, :newCoolingUntil, :newNextCooldown, :reason, :now)';
    const set = assignments.map(([name, value]) => `${q(name)} = ${value}`).join(', ');
    return this.mysql
      ? `${insert} ON DUPLICATE KEY UPDATE ${set}`
      : `${insert} ON CONFLICT (${q('platform_id')}, ${q('key_id')}) DO UPDATE SET ${set}`;
  }
}

/** The row a pair's first failure inserts: cooled down at once when one failure is all that is allowed. */
function firstFailure(failure: KeyFailure, policy: CooldownPolicy): { newFailures: number; newCoolingUntil: number; newNextCooldown: number } {
  if (policy.allowedFails > 1) return { newFailures: 1, newCoolingUntil: 0, newNextCooldown: policy.cooldownMs };
  return {
    newFailures: 0,
    newCoolingUntil: failure.nowMs + Math.max(policy.cooldownMs, failure.retryAfterMs),
    newNextCooldown: Math.min(policy.maxCooldownMs, policy.cooldownMs * 2),
  };
}

function stateOf(row: KeyHealthEntity): KeyHealthState {
  return { platformId: row.platformId, keyId: row.keyId, failures: row.failures, coolingUntilMs: row.coolingUntilMs, reason: row.reason };
}
