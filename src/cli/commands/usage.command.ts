import { flag, text } from '../cli-args';
import { ExitCode, usageError } from '../cli-exit';
import { out } from '../cli-io';
import { cutoffFrom } from '../support/duration';
import { usageLine } from '../support/usage-lines';
import type { CliCommand } from './command';

const GROUPS = ['user', 'model', 'agent'] as const;
type Group = (typeof GROUPS)[number];

/** `llm-mgr usage --since 30d [--user alice] [--by model]`: tokens and cost from the usage ledger. */
export const usageCommand: CliCommand = {
  name: 'usage',
  summary: 'Print tokens and cost (USD) of the usage ledger: in total, per user, or one user\'s per model or agent.',
  usage: 'usage [--since <age|date>] [--user <id>] [--by user|model|agent] [--json]',
  description: [
    'Sums usage_log_entries: billed tokens (cached and reasoning shown apart), the cost stored on each row when it ' +
      'was recorded (with the price then in force), the calls that had no price, requests and errors. ' +
      '--by model and --by agent break one user\'s usage down and need --user.',
  ],
  options: {
    since: { type: 'string', valueName: '<age|date>', description: 'Only rows from this age (30d, 12h, 2w) or ISO date on.' },
    user: { type: 'string', valueName: '<id>', description: 'Only this user (-1 is the system user).' },
    by: { type: 'string', valueName: 'user|model|agent', description: 'One line per user, or per model or agent of --user.' },
    json: { type: 'boolean', description: 'Print the statistics as JSON (the shapes of the admin API).' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: 'the database is unreachable',
    [ExitCode.Usage]: '--by is not user, model or agent, --by model|agent without --user, or --since is malformed',
  },
  async run(ctx, args) {
    const since = text(args, 'since');
    const range = since === undefined ? {} : { since: cutoffFrom(since, new Date()) };
    const userId = text(args, 'user');
    const by = text(args, 'by') as Group | undefined;
    if (by !== undefined && !GROUPS.includes(by)) throw usageError(`--by takes user, model or agent, not '${by}'.`);
    if ((by === 'model' || by === 'agent') && userId === undefined) throw usageError(`'--by ${by}' needs --user <id>.`);
    const { withManager } = await import('../support/headless-manager');
    const { UsageQueryService } = await import('../../llm-manager/usage/usage-query.service');
    const result = await withManager(ctx, {}, async (app) => {
      const usage = app.get(UsageQueryService);
      if (by === 'user') return (await usage.userTotals(range)).filter((u) => userId === undefined || u.user_id === userId);
      if (by === 'model') return usage.byModel(userId!, range);
      if (by === 'agent') return usage.byAgent(userId!, range);
      return usage.summary({ ...range, ...(userId === undefined ? {} : { userId }) });
    });
    if (flag(args, 'json')) {
      out(ctx.io, JSON.stringify(result));
      return ExitCode.Ok;
    }
    if (!Array.isArray(result)) {
      out(ctx.io, usageLine(userId === undefined ? 'total' : `user ${userId}`, result));
      return ExitCode.Ok;
    }
    for (const row of result) {
      const label =
        'user_id' in row ? `user ${row.user_id}` : 'model_id' in row ? `model ${row.platform_name ?? '?'}/${row.model_name ?? `#${row.model_id ?? '-'}`}` : `agent ${row.agent_name ?? '-'}`;
      out(ctx.io, usageLine(label, row));
    }
    if (result.length === 0) out(ctx.io, 'No usage in this range.');
    return ExitCode.Ok;
  },
};
