import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { UsageOutcome1767312000000 } from './1767312000000-usage-outcome';
import { ApiTokens1767398400000 } from './1767398400000-api-tokens';
import { ConfigVersion1767484800000 } from './1767484800000-config-version';
import { UsageCoveringIndex1767571200000 } from './1767571200000-usage-covering-index';
import { UtcTimestamps1767657600000 } from './1767657600000-utc-timestamps';
import { UsageCallId1767744000000 } from './1767744000000-usage-call-id';
import { ExactTextCompare1767830400000 } from './1767830400000-exact-text-compare';
import { PlatformAnsweredAt1767916800000 } from './1767916800000-platform-answered-at';
import { UsageBothCounts1768003200000 } from './1768003200000-usage-both-counts';
import { ModelPrices1768089600000 } from './1768089600000-model-prices';
import { ApiTokenControls1768176000000 } from './1768176000000-api-token-controls';
import { Budgets1768262400000 } from './1768262400000-budgets';
import { SlotFallbacks1768348800000 } from './1768348800000-slot-fallbacks';
import { UsageAttempts1768435200000 } from './1768435200000-usage-attempts';
import { RateLimits1768521600000 } from './1768521600000-rate-limits';
import { KeyHealth1768608000000 } from './1768608000000-key-health';
import { BudgetDefaults1768694400000 } from './1768694400000-budget-defaults';
import { RequestLog1768780800000 } from './1768780800000-request-log';
import { PlatformHealth1768867200000 } from './1768867200000-platform-health';

/** Every migration of llm-mgr, oldest first. They run on start. */
export const LLM_MANAGER_MIGRATIONS = [
  InitialSchema1767225600000,
  UsageOutcome1767312000000,
  ApiTokens1767398400000,
  ConfigVersion1767484800000,
  UsageCoveringIndex1767571200000,
  UtcTimestamps1767657600000,
  UsageCallId1767744000000,
  ExactTextCompare1767830400000,
  PlatformAnsweredAt1767916800000,
  UsageBothCounts1768003200000,
  ModelPrices1768089600000,
  ApiTokenControls1768176000000,
  Budgets1768262400000,
  SlotFallbacks1768348800000,
  UsageAttempts1768435200000,
  RateLimits1768521600000,
  KeyHealth1768608000000,
  BudgetDefaults1768694400000,
  RequestLog1768780800000,
  PlatformHealth1768867200000,
];

/** Name of llm-mgr's migrations table, apart from any table a host uses for its own migrations. */
export const LLM_MANAGER_MIGRATIONS_TABLE = 'llm_mgr_migrations';
