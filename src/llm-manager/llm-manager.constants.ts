/** The user id that means "the application itself": system platforms with system keys (M1.1). */
export const SYSTEM_USER_ID = '-1';

/** The usage slots every user has (M3). */
export const DEFAULT_USAGE_KEYS = ['main', 'fast', 'reason'] as const;

/** Name of the TypeORM DataSource llm-mgr opens when the host does not lend its own. */
export const LLM_MGR_DATA_SOURCE = 'llm-mgr';

/** Injection token of the resolved options. */
export const LLM_MANAGER_RESOLVED_OPTIONS = Symbol('LLM_MANAGER_RESOLVED_OPTIONS');
