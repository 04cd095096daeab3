import { randomBytes } from 'node:crypto';
import { flag, text } from '../cli-args';
import type { CliContext } from '../cli-context';
import { configError, ExitCode, usageError } from '../cli-exit';
import { err, out, readSecret } from '../cli-io';
import type { ParsedArgs } from '../cli-args';
import { renderTable } from '../support/text-table';
import type { CliCommand } from './command';

/** `llm-mgr probe <base-url>`: the models an OpenAI-compatible endpoint serves. */
export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'List the models of an OpenAI-compatible endpoint (GET /models) as a table.',
  usage: 'probe <base-url> [--key-env <NAME> | --key-stdin] [--json]',
  description: [
    'Asks <base-url>/models (then <base-url>/v1/models when the first is a 404 and the URL has no /v1) and prints ' +
      'the model ids. The API key comes from an environment variable (--key-env, also read from .env) or from ' +
      'stdin (--key-stdin), never from the command line; without either the request carries no key (e.g. Ollama).',
    'Needs neither the database nor LLM_KEY: the probe runs on a throwaway in-memory store.',
  ],
  options: {
    'key-env': { type: 'string', valueName: '<NAME>', description: 'Read the API key from this environment variable.' },
    'key-stdin': { type: 'boolean', description: 'Read the API key from stdin (asked with echo off on a terminal).' },
    json: { type: 'boolean', description: 'Print the model ids as a JSON array instead of a table.' },
  },
  positionals: [{ name: 'base-url', required: true, description: 'API root, e.g. https://api.deepseek.com/v1' }],
  exitCodes: {
    [ExitCode.Failure]: 'the endpoint is unreachable, rejected the key, or did not answer with a model list',
    [ExitCode.Usage]: 'missing or malformed <base-url>, or both --key-env and --key-stdin',
    [ExitCode.Config]: 'the variable named by --key-env is not set',
  },
  async run(ctx, args) {
    const apiKey = await probeKey(ctx, args);
    if (apiKey) ctx.secrets.push(apiKey);
    const baseUrl = args.positionals[0];
    const { withManager } = await import('../support/headless-manager');
    const { ModelProbeService } = await import('../../llm-manager/builder/model-probe.service');
    // The library's probe service needs its module, and the module needs a store and a key; neither matters to a
    // probe, so it gets an in-memory store and a key that lives as long as this process.
    const models = await withManager(
      ctx,
      { database: { type: 'better-sqlite3', database: ':memory:' }, masterKey: randomBytes(32).toString('base64url') },
      (app) => app.get(ModelProbeService, { strict: false }).probePlatformModels(baseUrl, apiKey),
    );
    if (flag(args, 'json')) {
      out(ctx.io, JSON.stringify(models));
      return ExitCode.Ok;
    }
    const rows = models.map((id, index) => [String(index + 1), id]);
    for (const line of renderTable(['#', 'MODEL ID'], rows)) out(ctx.io, line);
    err(ctx.io, `${models.length} model${models.length === 1 ? '' : 's'} at ${baseUrl}.`);
    return ExitCode.Ok;
  },
};

async function probeKey(ctx: CliContext, args: ParsedArgs): Promise<string | undefined> {
  const variable = text(args, 'key-env');
  const fromStdin = flag(args, 'key-stdin');
  if (variable !== undefined && fromStdin) throw usageError('Give the key one way: --key-env <NAME> or --key-stdin.');
  if (fromStdin) return readSecret(ctx.io, 'API key: ');
  if (variable === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw usageError('--key-env takes the name of an environment variable (letters, digits, _), not a key.');
  }
  const value = ctx.env[variable];
  if (!value) throw configError(`${variable} is not set (environment or ${ctx.envFile}); set it or use --key-stdin.`);
  return value;
}
