import type { ResetImpact } from './reset-impact';
import type { YamlWarning } from './yaml-warning';

/** Which of the three strategies of M11 ran. */
export type SyncMode = 'initial' | 'incremental' | 'reset';

/** What a sync did, by name, so a log line or the CLI can say it plainly. */
export interface SyncReport {
  mode: SyncMode;
  /** Platform names; models as `Platform/Model`; usages as their key. */
  added: string[];
  /** System platforms renamed in the YAML (console YAML mode): `Old → New`, the row and everything on it kept. */
  renamed: string[];
  /** Already in the database and left as they are. */
  kept: string[];
  /** Overwritten from the YAML (force reset only). */
  replaced: string[];
  /** Removed because the YAML no longer has them (force reset only). */
  removed: string[];
  /** In the YAML, imported once before and deleted since in the database: not brought back by an incremental sync. */
  skipped: string[];
  /** The warnings' English sentences; `warningDetails` has each with its code and details, in the same order. */
  warnings: string[];
  warningDetails: YamlWarning[];
  /** Force reset only: the users' keys it deletes and slots it unbinds. */
  impact?: ResetImpact;
  /** True when nothing was written: a preview of the reset. */
  dryRun?: boolean;
}

export function emptyReport(mode: SyncMode, warnings: readonly YamlWarning[]): SyncReport {
  return {
    mode, added: [], renamed: [], kept: [], replaced: [], removed: [], skipped: [],
    warnings: warnings.map((warning) => warning.message), warningDetails: [...warnings],
  };
}

export function addWarning(report: SyncReport, warning: YamlWarning): void {
  report.warnings.push(warning.message);
  report.warningDetails.push(warning);
}

/** One line for the start-up log. */
export function summarizeReport(report: SyncReport): string {
  const parts = (['added', 'renamed', 'kept', 'replaced', 'removed', 'skipped'] as const)
    .filter((field) => report[field].length > 0)
    .map((field) => `${report[field].length} ${field}`);
  return `YAML sync (${report.mode}): ${parts.length > 0 ? parts.join(', ') : 'nothing to do'}.`;
}
