import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { maskSecretsInText } from '../llm-manager/security/mask-secret';
import { parseCommandArgs, flag, type ParsedArgs } from './cli-args';
import { createContext, type CliContext } from './cli-context';
import { CliError, ExitCode, exitCodeOf, usageError } from './cli-exit';
import { commandHelp, topLevelHelp } from './cli-help';
import { err, out, type CliIo } from './cli-io';
import type { CliCommand } from './commands/command';
import { COMMANDS } from './commands';
import { hasJournal } from './rotation/rotation-journal';
import { errorMessage } from '../llm-manager/common/error-message';

/** Where the CLI runs: its streams, environment and working folder. `main.ts` passes the process's own. */
export interface CliRuntime {
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * Runs one `llm-mgr` invocation and returns its exit code. Every failure ends here as one line on stderr (the
 * message, masked with every known secret), and a stack only with `--debug`.
 */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<ExitCode> {
  const { io } = runtime;
  let ctx: CliContext | undefined;
  try {
    const { first, rest } = commandFirst(argv);
    if (first === undefined) {
      io.stderr.write(topLevelHelp(COMMANDS, version()));
      return ExitCode.Usage;
    }
    if (first === '--help' || first === '-h') return printed(io, topLevelHelp(COMMANDS, version()));
    if (first === '--version' || first === '-v') return printed(io, `${version()}\n`);
    if (first === 'help') {
      return printed(io, rest[0] === undefined ? topLevelHelp(COMMANDS, version()) : commandHelp(findCommand(rest[0])));
    }
    const command = findCommand(first);
    const args: ParsedArgs = parseCommandArgs(rest, command);
    if (flag(args, 'help')) return printed(io, commandHelp(command));
    ctx = createContext(io, args, runtime.env, runtime.cwd);
    return await command.run(ctx, args);
  } catch (error: unknown) {
    const code = exitCodeOf(error);
    report(io, error, ctx ?? null, argv.includes('--debug'));
    if (code === ExitCode.Config && ctx && hasJournal(ctx.envFile)) {
      err(
        io,
        `note: a key rotation was interrupted (${ctx.envFile}.rotating exists): run 'npx llm-mgr rotate-key' to ` +
          'finish or undo it.',
      );
    }
    return code;
  }
}

/**
 * The command name and its arguments. Options every command takes may also come before the command
 * (`llm-mgr --debug sync`); they are moved behind it. `--help` and `--version` before a command stand alone.
 */
function commandFirst(argv: readonly string[]): { first: string | undefined; rest: string[] } {
  const leading: string[] = [];
  let index = 0;
  for (; index < argv.length && argv[index].startsWith('-'); index += 1) {
    const token = argv[index];
    if (['--help', '-h', '--version', '-v'].includes(token)) return { first: token, rest: [] };
    if (token === '--debug' || token.startsWith('--env-file=') || token.startsWith('--dotenv=')) leading.push(token);
    else if (token === '--env-file' || token === '--dotenv') leading.push(token, argv[++index] ?? '');
    else throw usageError(`Unknown option ${token.split('=')[0]} before the command. Run 'llm-mgr --help'.`);
  }
  return { first: argv[index], rest: [...argv.slice(index + 1), ...leading] };
}

function findCommand(name: string): CliCommand {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command) return command;
  // A mistyped command is echoed only when it looks like one: never a pasted key.
  const shown = /^[a-z][a-z-]{0,30}$/.test(name) ? `'${name}'` : 'given';
  throw usageError(`Unknown command ${shown}. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'llm-mgr --help'.`);
}

function printed(io: CliIo, text: string): ExitCode {
  io.stdout.write(text);
  return ExitCode.Ok;
}

function report(io: CliIo, error: unknown, ctx: CliContext | null, debug: boolean): void {
  const secrets = ctx?.secrets ?? [];
  const known = error instanceof CliError || (error instanceof Error && error.name === 'LlmManagerError');
  const message = errorMessage(error);
  const prefix = known || !(error instanceof Error) ? '' : `${error.name}: `;
  err(io, maskSecretsInText(`error: ${prefix}${message}`, secrets));
  if (debug) err(io, maskSecretsInText(inspect(error, { depth: 6 }), secrets));
  else if (!known) err(io, 'Run again with --debug for details.');
}

function version(): string {
  // dist/cli/run-cli.js and src/cli/run-cli.ts both sit two folders below package.json.
  try {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch (error: unknown) {
    return `unknown (${(error as NodeJS.ErrnoException).code ?? 'unreadable package.json'})`;
  }
}
