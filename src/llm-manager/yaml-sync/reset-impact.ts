import { Not, type EntityManager } from 'typeorm';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { UserSelectionEntity } from '../database/user-selection.entity';
import { SYSTEM_USER_ID } from '../llm-manager.constants';

/** A user's own key that goes with a platform the reset removes. */
export interface ResetUserKey {
  userId: string;
  platform: string;
}

/** A user's slot left pointing at a platform or model the reset removes (repaired on the user's next call). */
export interface ResetUserSlot {
  userId: string;
  usageKey: string;
  platform: string | null;
  model: string | null;
}

/** What a force reset does to users, beyond the system rows it names in the report. */
export interface ResetImpact {
  userKeysRemoved: ResetUserKey[];
  userSlotsUnbound: ResetUserSlot[];
}

/** Users' keys and slots, with the names they point at, before the reset writes anything. */
export interface UserRowsBefore {
  keys: Array<{ userId: string; platformId: number }>;
  slots: Array<{ userId: string; usageKey: string; platformId: number | null; modelId: number | null }>;
  platformNames: Map<number, string>;
  modelNames: Map<number, string>;
}

export async function readUserRows(manager: EntityManager): Promise<UserRowsBefore> {
  const platforms = await manager.find(PlatformEntity, { relations: { models: true } });
  return {
    keys: await manager.find(SysPlatformKeyEntity, { where: { userId: Not(SYSTEM_USER_ID) }, order: { id: 'ASC' } }),
    slots: await manager.find(UserSelectionEntity, { where: { userId: Not(SYSTEM_USER_ID) }, order: { id: 'ASC' } }),
    platformNames: new Map(platforms.map((p) => [p.id, p.name])),
    modelNames: new Map(platforms.flatMap((p) => (p.models ?? []).map((m) => [m.id, m.displayName] as [number, string]))),
  };
}

/** Compares the users' rows before with the platforms and models left after the reset, in the same transaction. */
export async function resetImpact(manager: EntityManager, before: UserRowsBefore): Promise<ResetImpact> {
  const platformIds = new Set((await manager.find(PlatformEntity, { select: { id: true } })).map((p) => p.id));
  const modelIds = new Set((await manager.find(ModelEntity, { select: { id: true } })).map((m) => m.id));
  const existed = (id: number | null, names: Map<number, string>): boolean => id !== null && names.has(id);
  return {
    userKeysRemoved: before.keys
      .filter((k) => existed(k.platformId, before.platformNames) && !platformIds.has(k.platformId))
      .map((k) => ({ userId: k.userId, platform: before.platformNames.get(k.platformId)! })),
    userSlotsUnbound: before.slots
      .filter((s) => existed(s.platformId, before.platformNames) && existed(s.modelId, before.modelNames))
      .filter((s) => !platformIds.has(s.platformId!) || !modelIds.has(s.modelId!))
      .map((s) => ({
        userId: s.userId,
        usageKey: s.usageKey,
        platform: before.platformNames.get(s.platformId!) ?? null,
        model: before.modelNames.get(s.modelId!) ?? null,
      })),
  };
}
