import { summarizeReport, type SyncReport } from '../../llm-manager/yaml-sync/sync-report';
import { flag } from '../cli-args';
import { ExitCode } from '../cli-exit';
import { err, out } from '../cli-io';
import type { CliCommand } from './command';

const SECTIONS = ['added', 'kept', 'replaced', 'removed', 'skipped'] as const;

/** `llm-mgr sync [--force]`: the YAML into the database (M11). */
export const syncCommand: CliCommand = {
  name: 'sync',
  summary: 'Import llm_mgr_cfg.yaml into the database: incremental, or a force reset with --force.',
  usage: 'sync [--force] [--json]',
  description: [
    'Without --force: the first import on an empty database, otherwise only platforms and models new to the YAML ' +
      'are added; nothing is overwritten or deleted, and what an admin deleted is not brought back.',
    'With --force: the YAML overwrites the system platforms, models and usage bindings in one transaction; users\' ' +
      'own platforms are kept; their keys for a system platform the YAML no longer has go with it. Prints what was added, kept, replaced, removed and skipped.',
    'The file is validated and its ENC: values opened with LLM_KEY before anything is written.',
  ],
  options: {
    force: { type: 'boolean', description: 'Force reset: the YAML overwrites the system platforms.' },
    json: { type: 'boolean', description: 'Print the report as JSON.' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: 'the database is unreachable or refused the writes (nothing was changed)',
    [ExitCode.Config]: 'the YAML is invalid, or LLM_KEY is missing or does not open the database or an ENC: value',
  },
  async run(ctx, args) {
    const force = flag(args, 'force');
    const { withManager } = await import('../support/headless-manager');
    const { YamlSyncService } = await import('../../llm-manager/yaml-sync/yaml-sync.service');
    const report = await withManager(ctx, {}, (app) => {
      const sync = app.get(YamlSyncService, { strict: false });
      return force ? sync.forceReset() : sync.syncIncremental();
    });
    for (const warning of report.warnings) err(ctx.io, `warning: ${warning}`);
    if (flag(args, 'json')) out(ctx.io, JSON.stringify(report));
    else for (const line of describeReport(report, ctx.options.configPath)) out(ctx.io, line);
    return ExitCode.Ok;
  },
};

function describeReport(report: SyncReport, file: string): string[] {
  const lines = [`Synced ${file} into the database (${report.mode}).`];
  for (const section of SECTIONS) {
    const names = report[section];
    if (names.length === 0) continue;
    lines.push(`${section} (${names.length}):`, ...names.map((name) => `  ${name}`));
  }
  lines.push(summarizeReport(report));
  return lines;
}
