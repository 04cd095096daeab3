import { SYSTEM_USER_ID } from '../llm-manager.constants';
import type { ConfigChange, ConfigChanges } from '../common/config-changes';
import type { SlotFallback } from './selection.types';

/** A system binding as new users' slots copy it. */
export interface SystemBinding {
  readonly usageKey: string;
  readonly platformId: number | null;
  readonly modelId: number | null;
  readonly fallbacks: readonly SlotFallback[] | null;
}

/**
 * The system bindings (the `SYSTEM_USER_ID` slots) every new user's slots start from, read once and kept until a
 * configuration write could have changed them: a system slot written, or anything (`all`: a YAML sync or a write
 * by another instance). Every first call of a new user reads them, so this saves that user a query.
 */
export class SystemBindingCache {
  /** Dropped by every invalidation, so a read that started before a change is never served after it. */
  private current: Promise<readonly SystemBinding[]> | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly load: () => Promise<readonly SystemBinding[]>, changes: ConfigChanges) {
    this.unsubscribe = changes.subscribe((change) => {
      if (SystemBindingCache.affects(change)) this.invalidate();
    });
  }

  static affects(change: ConfigChange): boolean {
    return change.kind === 'all' || (change.kind === 'selection' && change.userId === SYSTEM_USER_ID);
  }

  get(): Promise<readonly SystemBinding[]> {
    if (this.current) return this.current;
    const loading: Promise<readonly SystemBinding[]> = this.load().then((rows) =>
      rows.map(({ usageKey, platformId, modelId, fallbacks }) => ({ usageKey, platformId, modelId, fallbacks })),
    );
    this.current = loading;
    // A failed read is not remembered: the next call reads again.
    loading.catch(() => {
      if (this.current === loading) this.current = null;
    });
    return loading;
  }

  invalidate(): void {
    this.current = null;
  }

  close(): void {
    this.unsubscribe();
  }
}
