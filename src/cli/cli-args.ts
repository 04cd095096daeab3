import { parseArgs } from 'node:util';
import { usageError } from './cli-exit';

/** One option of a command, as `--help` lists it. */
export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  /** Shown after the option name in help, e.g. `<path>`. Strings only. */
  valueName?: string;
  description: string;
}

/** One positional argument of a command. */
export interface PositionalSpec {
  name: string;
  required: boolean;
  description: string;
}

/** What a command accepts. */
export interface ArgsSpec {
  name: string;
  options: Readonly<Record<string, OptionSpec>>;
  positionals: readonly PositionalSpec[];
  /** Said instead of the generic message when too many arguments are given (the values are never quoted). */
  tooManyArgumentsHint?: string;
}

/** A parsed command line: option values by long name, positionals in order. */
export interface ParsedArgs {
  values: Readonly<Record<string, string | boolean | undefined>>;
  positionals: readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit.' },
  'env-file': {
    type: 'string',
    valueName: '<path>',
    description: 'The .env file read for LLM_KEY and other variables (the environment wins). Default: .env',
  },
  // Node 20 claims --env-file anywhere on its command line, and `npx` is a node process: `npx llm-mgr init --env-file
  // new.env` ends in npx's own node (exit 9) before llm-mgr starts. This name is the CLI's alone.
  dotenv: {
    type: 'string',
    valueName: '<path>',
    description: 'Same as --env-file; use it under npx on Node 20, where node itself takes --env-file.',
  },
  debug: { type: 'boolean', description: 'Print stack traces on errors (never keys).' },
};

/**
 * Parses a command's arguments with `node:util` parseArgs, then checks them itself so that no message ever quotes
 * a value: a key typed on the command line by mistake must not be echoed back into a log.
 * @throws CliError (usage) for an unknown option, a missing value, or a wrong number of positionals.
 */
export function parseCommandArgs(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  const options = { ...COMMON_OPTIONS, ...spec.options };
  const parsed = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(options).map(([name, option]) => [
        name,
        option.short === undefined ? { type: option.type } : { type: option.type, short: option.short },
      ]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const hint = `Run 'llm-mgr ${spec.name} --help'.`;
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (option === undefined) throw usageError(`Unknown option ${token.rawName} for 'llm-mgr ${spec.name}'. ${hint}`);
    if (option.type === 'boolean' && token.value !== undefined) {
      throw usageError(`Option ${token.rawName} takes no value. ${hint}`);
    }
    const missing = token.value === undefined || (!token.inlineValue && token.value.startsWith('-'));
    if (option.type === 'string' && missing) {
      throw usageError(`Option ${token.rawName} needs a value ${option.valueName ?? ''}. ${hint}`.replace('  ', ' '));
    }
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { values, positionals: parsed.positionals };
  const required = spec.positionals.filter((positional) => positional.required);
  if (parsed.positionals.length < required.length) {
    const names = required.slice(parsed.positionals.length).map((positional) => `<${positional.name}>`);
    throw usageError(`'llm-mgr ${spec.name}' needs ${names.join(' ')}. ${hint}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    if (spec.tooManyArgumentsHint !== undefined) throw usageError(`${spec.tooManyArgumentsHint} ${hint}`);
    const allowed = spec.positionals.length;
    throw usageError(
      `'llm-mgr ${spec.name}' takes ${allowed === 0 ? 'no' : `at most ${allowed}`} argument${allowed === 1 ? '' : 's'} ` +
        `besides options, got ${parsed.positionals.length}. ${hint}`,
    );
  }
  return { values, positionals: parsed.positionals };
}

/** A boolean option: true when given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A string option's value, or undefined when not given. */
export function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}
