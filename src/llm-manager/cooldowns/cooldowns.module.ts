import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../usage/clock';
import { COOLDOWN_STORE } from './cooldown-store';
import { KeyCooldowns } from './key-cooldowns';
import { SqlCooldownStore } from './sql-cooldown-store';

/**
 * Cooldowns of platform keys (issue 18), shared through the database. Below the catalogue's readers, self-repair,
 * the builder and the gateway, which all read the same KeyCooldowns. A Redis store would be another COOLDOWN_STORE.
 */
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, { provide: COOLDOWN_STORE, useClass: SqlCooldownStore }, KeyCooldowns],
  exports: [KeyCooldowns],
})
export class CooldownsModule {}
