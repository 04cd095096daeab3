import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { ApiTokenEntity } from '../api-tokens/api-token.entity';
import { ApiTokenService } from '../api-tokens/api-token.service';
import type { ApiTokenView } from '../api-tokens/api-token.types';
import { PlatformEntity } from '../database/platform.entity';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { UserSelectionEntity } from '../database/user-selection.entity';
import { SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { SlotView } from '../user-selection/selection.types';
import { UserSelectionService } from '../user-selection/user-selection.service';
import type { PlatformView } from './platform.types';
import { UserPlatformService, type UserPlatformKeyView } from './user-platform.service';

/** One user as the admin list shows them: counts only. */
export interface UserSummary {
  userId: string;
  slots: number;
  ownKeys: number;
  privatePlatforms: number;
  activeTokens: number;
}

/** One user in full: slots, own keys (masked), private platforms (keys masked), API tokens (never the token). */
export interface UserDetail {
  userId: string;
  slots: SlotView[];
  keys: UserPlatformKeyView[];
  platforms: PlatformView[];
  tokens: ApiTokenView[];
}

/**
 * The users llm-mgr knows about, for administrators. llm-mgr has no user table (users belong to the host), so a
 * user is anyone with a slot, an own key, a private platform or an API token.
 */
@Injectable()
export class UserDirectoryService {
  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly selections: UserSelectionService,
    private readonly userPlatforms: UserPlatformService,
    private readonly tokens: ApiTokenService,
  ) {}

  async list(): Promise<UserSummary[]> {
    const slots = await this.countBy(UserSelectionEntity, 'userId', {});
    const keys = await this.countBy(SysPlatformKeyEntity, 'userId', {});
    const tokens = await this.countBy(ApiTokenEntity, 'userId', { revokedAt: IsNull() });
    const allTokens = await this.countBy(ApiTokenEntity, 'userId', {});
    const platforms = await this.countBy(PlatformEntity, 'ownerId', {});
    const ids = new Set([...slots.keys(), ...keys.keys(), ...allTokens.keys(), ...platforms.keys()]);
    ids.delete(SYSTEM_USER_ID);
    return [...ids].sort().map((userId) => ({
      userId,
      slots: slots.get(userId) ?? 0,
      ownKeys: keys.get(userId) ?? 0,
      privatePlatforms: platforms.get(userId) ?? 0,
      activeTokens: tokens.get(userId) ?? 0,
    }));
  }

  /** The user's slots are created from the system bindings if they have none yet, as on their first request. */
  async detail(userId: string): Promise<UserDetail> {
    const visible = await this.userPlatforms.listVisible(userId);
    return {
      userId,
      slots: await this.selections.listSlots(userId),
      keys: await this.userPlatforms.listUserPlatformKeys(userId),
      platforms: visible.filter((platform) => !platform.isSystem),
      tokens: await this.tokens.list(userId),
    };
  }

  private async countBy(
    entity: typeof UserSelectionEntity | typeof SysPlatformKeyEntity | typeof ApiTokenEntity | typeof PlatformEntity,
    column: 'userId' | 'ownerId', where: Record<string, unknown>): Promise<Map<string, number>> {
    const rows = await this.dataSource
      .getRepository(entity)
      .createQueryBuilder('row')
      .select(`row.${column}`, 'id')
      .addSelect('COUNT(*)', 'count')
      .where(where)
      .groupBy(`row.${column}`)
      .getRawMany<{ id: string; count: string | number }>();
    return new Map(rows.map((row) => [String(row.id), Number(row.count)]));
  }
}
