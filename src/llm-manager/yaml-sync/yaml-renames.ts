import type { EntityManager } from 'typeorm';
import { PlatformEntity } from '../database/platform.entity';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import type { SyncReport } from './sync-report';
import type { ImportedNames, SyncInput } from './sync-strategies';

/** Meta key of the platform renames made in the YAML since the last sync: new name → the name the database knows. */
export const PENDING_RENAMES = 'yaml_pending_renames';

/** New name → the name the database still has. */
export type PendingRenames = Record<string, string>;

/**
 * Adds the rename `from → to` to `pending`, collapsing chains (A → B then B → C is A → C) and undoing a rename back
 * (A → B then B → A is nothing).
 */
export function withRename(pending: PendingRenames, from: string, to: string): PendingRenames {
  const next = { ...pending };
  const original = next[from] ?? from;
  delete next[from];
  if (original !== to) next[to] = original;
  return next;
}

/**
 * Before a sync: a system platform renamed in the YAML keeps its row, so its id, models, users' keys and slots stay
 * with it (without this the next start would add the new name as a second platform, and a reset would delete the old
 * one with every user's key for it). A rename applies only while it still describes the two sides: the new name is in
 * the YAML and not in the database, the old name is in the database and no longer in the YAML.
 */
export async function applyPendingRenames(manager: EntityManager, input: SyncInput, report: SyncReport): Promise<ImportedNames> {
  const imported: ImportedNames = { ...input.imported };
  const inYaml = new Set(input.config.platforms.map((p) => p.name));
  for (const [to, from] of Object.entries(input.renames)) {
    if (!inYaml.has(to) || inYaml.has(from)) continue;
    const platforms = await manager.findBy(PlatformEntity, { ownerId: SYSTEM_USER_ID });
    const row = platforms.find((p) => p.name === from);
    if (!row || platforms.some((p) => p.name === to)) continue;
    await manager.update(PlatformEntity, { id: row.id }, { name: to });
    if (imported[from]) imported[to] = imported[from];
    delete imported[from];
    report.renamed.push(`${from} → ${to}`);
  }
  return imported;
}
