import { flag, text } from '../cli-args';
import { ExitCode, usageError } from '../cli-exit';
import { err, out } from '../cli-io';
import { cutoffFrom } from '../support/duration';
import type { CliCommand } from './command';

/** `llm-mgr purge --older-than 90d`: delete old usage rows. */
export const purgeCommand: CliCommand = {
  name: 'purge',
  summary: 'Delete usage log rows older than an age (e.g. --older-than 90d); prints the count.',
  usage: 'purge --older-than <age|date> [--dry-run]',
  description: [
    'Deletes rows of usage_log_entries created before the cut-off, in chunks so running servers keep writing. ' +
      'A delete larger than one chunk reports its progress on stderr. Prints the number of rows deleted.',
  ],
  options: {
    'older-than': {
      type: 'string',
      valueName: '<age|date>',
      description: 'Age such as 90d, 12h, 2w (s, m, h, d, w), or a past ISO date such as 2025-01-31. Required.',
    },
    'dry-run': { type: 'boolean', description: 'Only count the rows that would be deleted.' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: 'the database is unreachable or refused the delete (rows already deleted stay deleted)',
    [ExitCode.Usage]: '--older-than is missing or malformed',
  },
  async run(ctx, args) {
    const age = text(args, 'older-than');
    if (age === undefined) throw usageError("'llm-mgr purge' needs --older-than <age>, e.g. --older-than 90d.");
    const cutoff = cutoffFrom(age, new Date());
    const dryRun = flag(args, 'dry-run');
    const { withManager } = await import('../support/headless-manager');
    const { purgeWithProgress } = await import('../support/purge-progress');
    const deleted = await withManager(ctx, {}, (app) =>
      purgeWithProgress(app, cutoff, dryRun, (done, total) =>
        err(ctx.io, `purge: ${done} of ${total} rows deleted (${Math.min(100, Math.floor((done * 100) / total))}%)`),
      ),
    );
    const what = `usage row${deleted === 1 ? '' : 's'} created before ${cutoff.toISOString()}`;
    out(ctx.io, dryRun ? `Would purge ${deleted} ${what}.` : `Purged ${deleted} ${what}.`);
    return ExitCode.Ok;
  },
};
