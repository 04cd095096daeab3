/** The name of this Jest run, set by its global setup: the prefix of the places it creates on the servers. */
export const RUN_ENV: 'LLM_MGR_TEST_RUN';
/** Where a run notes the places it created, one `<engine> <name>` line each. */
export function ledgerPath(run: string): string;
export function setup(): Promise<void>;
export function teardown(): Promise<void>;
