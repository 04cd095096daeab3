import { Injectable } from '@nestjs/common';

/** What changed in the stored configuration; caches listen and drop exactly the entries built from it. */
export type ConfigChange =
  | { kind: 'platform'; platformId: number }
  | { kind: 'model'; platformId: number; modelId: number }
  | { kind: 'user-key'; userId: string; platformId: number }
  /**
   * `repaired`: a self-repair (M9). It only follows a change that was announced already (a model or platform gone, a
   * key removed), and every instance repairs the same way, so other instances need not hear of it.
   */
  | { kind: 'selection'; userId: string; usageKey: string; repaired?: true }
  | { kind: 'api-token'; tokenId: number }
  | { kind: 'budget'; userId: string }
  | { kind: 'rate-limit' }
  /** Anything may have changed: a YAML reset, or a write by another instance sharing the database. */
  | { kind: 'all' };

type Listener = (change: ConfigChange) => void;

/**
 * In-process bus for configuration writes. Writers publish after their transaction commits; ConfigChangeRelay carries
 * the fact to other instances sharing the database.
 */
@Injectable()
export class ConfigChanges {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: ConfigChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
