import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import { ConfigVersionEntity } from '../database/config-version.entity';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { errorMessage } from '../common/error-message';

const ROW_ID = 1;

/**
 * Carries configuration changes between instances that share one database (B7). Every local write bumps the counter
 * row `llm_mgr_config_version`; every `configSyncIntervalMs` each instance reads it, and a value it did not write
 * itself means another instance (or the CLI) changed something: the local caches are dropped as for `{ kind: 'all' }`.
 *
 * A counter row rather than PostgreSQL's LISTEN/NOTIFY: it works the same on SQLite, PostgreSQL and MySQL/MariaDB, a
 * dropped connection cannot lose a notification (the number is still there on the next read), and it costs one
 * primary-key read per interval.
 */
@Injectable()
export class ConfigChangeRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LlmManager');
  private readonly unsubscribe: () => void;
  /** The last version this instance knows its caches to reflect; null until read on start. */
  private seen: number | null = null;
  /** Bumps and polls run one after another, so `seen` moves in order. */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private relaying = false;

  constructor(
    @InjectRepository(ConfigVersionEntity, LLM_MGR_DATA_SOURCE) private readonly configVersions: Repository<ConfigVersionEntity>,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly changes: ConfigChanges,
  ) {
    this.unsubscribe = changes.subscribe((change) => {
      // A repair told to the others would make every instance drop every cached model, once per repaired slot.
      if (!this.relaying && !(change.kind === 'selection' && change.repaired)) this.enqueue(() => this.bump());
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.enqueue(async () => {
      this.seen ??= await this.read();
    });
    await this.queue;
    const interval = this.options.configSyncIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => void this.poll(), interval);
      this.timer.unref();
    }
  }

  /** Bumps still in flight land before the DataSource closes, so a CLI run's changes reach the running servers. */
  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Looks at the counter once; the timer calls it, tests may too. */
  poll(): Promise<void> {
    return this.enqueue(async () => {
      const version = await this.read();
      if (this.seen !== null && version !== this.seen) this.relayRemoteChange();
      this.seen = version;
    });
  }

  /** Resolves once the bumps of changes published so far have landed. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async bump(): Promise<void> {
    // Two statements, no transaction: a transaction held across an await would block other SQLite connections of
    // this process. Our UPDATE has landed before the read, so the value read is at least `seen + 1`, and anything more
    // means others bumped too; reading too much only drops the caches once more than needed.
    await this.configVersions.increment({ id: ROW_ID }, 'version', 1);
    const version = await this.read();
    if (this.seen !== null && version !== this.seen + 1) this.relayRemoteChange();
    this.seen = version;
  }

  private async read(): Promise<number> {
    return (await this.configVersions.findOneByOrFail({ id: ROW_ID })).version;
  }

  private relayRemoteChange(): void {
    this.relaying = true;
    try {
      this.changes.publish({ kind: 'all' });
    } finally {
      this.relaying = false;
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step).catch((error: unknown) => {
      // A failed poll is made good by the next one; a failed bump is logged. Neither may fail the write behind it.
      this.logger.warn(`Configuration sync between instances: ${errorMessage(error)}`);
    });
    this.queue = run;
    return run;
  }
}
