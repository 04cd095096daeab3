import { ApiTokenEntity } from '../api-tokens/api-token.entity';
import { BudgetReservationEntity } from '../budgets/budget-reservation.entity';
import { BudgetEntity } from '../budgets/budget.entity';
import { KeyHealthEntity } from '../cooldowns/key-health.entity';
import { RateLimitCounterEntity } from '../rate-limits/rate-limit-counter.entity';
import { RateLimitLeaseEntity } from '../rate-limits/rate-limit-lease.entity';
import { RateLimitEntity } from '../rate-limits/rate-limit.entity';
import { ConfigVersionEntity } from './config-version.entity';
import { MetaEntity } from './meta.entity';
import { ModelEntity } from './model.entity';
import { ModelPriceVersionEntity } from './model-price-version.entity';
import { PlatformEntity } from './platform.entity';
import { RetiredModelEntity } from './retired-model.entity';
import { SysPlatformKeyEntity } from './sys-platform-key.entity';
import { UsageLogEntryEntity } from './usage-log-entry.entity';
import { UserSelectionEntity } from './user-selection.entity';

/** Every entity of llm-mgr, for hosts that register them on their own DataSource. */
export const LLM_MANAGER_ENTITIES = [
  PlatformEntity,
  ModelEntity,
  UserSelectionEntity,
  SysPlatformKeyEntity,
  UsageLogEntryEntity,
  MetaEntity,
  ApiTokenEntity,
  ConfigVersionEntity,
  ModelPriceVersionEntity,
  BudgetEntity,
  BudgetReservationEntity,
  KeyHealthEntity,
  RetiredModelEntity,
  RateLimitEntity,
  RateLimitCounterEntity,
  RateLimitLeaseEntity,
];
