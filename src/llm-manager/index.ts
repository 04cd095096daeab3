/**
 * llm-mgr: the universal LLM manager for NestJS. Import `LlmManagerModule.forRoot()`, inject `LlmManagerService`,
 * and ask `getUserLlm(userId, { usageKey: 'fast' })` for a ready, tracked LangChain chat model.
 */
export { LlmManagerModule } from './llm-manager.module';
export { LlmManagerService, type Since } from './llm-manager.service';
export type { LlmManagerOptions, LlmManagerDatabaseOptions, CooldownOptions } from './llm-manager.options';
export { SYSTEM_USER_ID, DEFAULT_USAGE_KEYS, LLM_MGR_DATA_SOURCE } from './llm-manager.constants';
export { LlmManagerError, LLM_MANAGER_ERROR_CODES, type LlmManagerErrorCode } from './common/llm-manager.error';
/**
 * The filter llm-mgr's routes use: `LlmManagerError` → its HTTP status and `{ statusCode, code, message, details? }`.
 * Put it on a host's own controllers (`@UseFilters(LlmManagerExceptionFilter)`) or globally
 * (`app.useGlobalFilters(new LlmManagerExceptionFilter())`) so errors of `getUserLlm()` & co. are not opaque 500s.
 */
export { LlmManagerExceptionFilter, type ErrorBody } from './common/llm-manager-exception.filter';
export { TrackedChatModel, type TrackedModelInfo, type UsageSummary } from './builder/tracked-chat-model';
/** What a returned model's `invoke`, `stream` and `batch` throw when the upstream fails: `code`, `status`, `headers`, `retryAfterSeconds`, the SDK's error as `cause`. */
export { UpstreamCallError, type UpstreamCallErrorCode } from './builder/upstream-call-error';
export type { ModelTestResult, ModelTestTarget } from './builder/model-probe.service';
export type {
  PlatformInput,
  PlatformPatch,
  PlatformView,
  ModelInput,
  ModelPatch,
  ModelView,
  KeySource,
} from './admin/platform.types';
export { SystemPlatformService } from './admin/system-platform.service';
export type { UserPlatformKeyView } from './admin/user-platform.service';
export type { SlotBinding, SlotView, UserSelectionView } from './user-selection/selection.types';
export type { SyncReport, SyncMode } from './yaml-sync/sync-report';
/** A warning about llm_mgr_cfg.yaml with its code and details (issue 19). */
export type { YamlWarning, YamlWarningCode } from './yaml-sync/yaml-warning';
export type { IdentityResolver, RequestIdentity } from './common/request-identity';
export { passportIdentity } from './common/request-identity';
export { ApiTokensModule } from './api-tokens/api-tokens.module';
export { ApiTokenService } from './api-tokens/api-token.service';
export type {
  UsageSummary as UsageTotals,
  ModelUsage,
  AgentUsage,
  UserUsage,
  TimelinePoint,
  TokenDetails,
  EstimateDrift,
  TopUsers,
} from './usage/usage-query.types';
/** The request log (issue 19): one line per call, filtered, newest first, in keyset pages; for hosts that show it. */
export { RequestLogService } from './usage/request-log.service';
export type { RequestLogEntry, RequestLogFilter, RequestLogPage } from './usage/request-log.types';
/** Every entity and migration, for hosts that run llm-mgr's tables on a DataSource of their own. */
export { LLM_MANAGER_ENTITIES } from './database/entities';
export { LLM_MANAGER_MIGRATIONS } from './migrations';
export { maskSecret } from './security/mask-secret';
/** llm-mgr's Prometheus metrics (`registry.metrics()`), for a host that serves them on an endpoint of its own. */
export { LlmMetrics } from './metrics/llm-metrics';
/** Budgets (issue 16): what `setBudget` takes and `getBudgets`/`getSpend` answer, and the events a host can subscribe to. */
export type { BudgetInput, BudgetView, SpendView } from './budgets/budget.types';
export type { BudgetPeriod, BudgetDefaultKind } from './budgets/budget.entity';
/** The `autoKeyBudget` option: the budget of users spending the system keys through auto-key. */
export type { AutoKeyBudget } from './budgets/auto-key-budget';
/** Whose key a model's requests carry (`TrackedModelInfo.keyOrigin`): `system-auto` when auto-key lent a system key. */
export type { KeyOrigin } from './catalogue/key-resolver';
export type { BudgetEvent, BudgetEventListener, BudgetSoftLimitReached, BudgetCallRefused } from './budgets/budget-events';
/** Rate limits (issue 18): what `setRateLimit` takes and `getRateLimits` answers; `defaultUserRateLimit`'s shape. */
export type { RateLimitView, RateLimitsView, SetRateLimitInput } from './rate-limits/rate-limit.types';
export type { RateLimitInput } from './rate-limits/rate-limit.options';
