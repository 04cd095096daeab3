import { COMMON_OPTIONS, type OptionSpec } from './cli-args';
import { ExitCode } from './cli-exit';
import type { CliCommand } from './commands/command';

/** Help text is wrapped to this many columns. */
const WIDTH = 100;

const EXIT_CODE_MEANING: Readonly<Record<ExitCode, string>> = {
  [ExitCode.Ok]: 'success',
  [ExitCode.Failure]: 'operational failure (upstream error, database unreachable or refusing a write)',
  [ExitCode.Usage]: 'usage error (unknown command or option, bad or missing argument, an action that needs --force)',
  [ExitCode.Config]: 'configuration or security error (bad YAML, LLM_KEY missing or wrong, a value that does not decrypt)',
};

const ENVIRONMENT = [
  ['LLM_KEY', 'master key (≥ 32 characters) that encrypts every stored API key; read from the environment, then .env'],
  ['LLM_MGR_DATABASE_URL', 'postgres://…, mysql://…, mariadb://… or a SQLite file path. Default: llm_config.db'],
  ['LLM_MGR_CONFIG', 'the YAML of system platforms. Default: llm_mgr_cfg.yaml'],
] as const;

/** `llm-mgr --help`. */
export function topLevelHelp(commands: readonly CliCommand[], version: string): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `llm-mgr ${version}: manage the llm-mgr store (platforms, keys, usage) from the command line.`,
    '',
    'Usage: llm-mgr <command> [options]        llm-mgr <command> --help',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options of every command:',
    ...optionLines(COMMON_OPTIONS),
    `  ${'-v, --version'.padEnd(24)}Print the version and exit.`,
    '',
    'Environment (also read from .env; the process environment wins):',
    ...ENVIRONMENT.flatMap(([name, meaning]) =>
      wrap(meaning, WIDTH - 24).map((line, index) => `  ${(index === 0 ? name : '').padEnd(22)}${line}`),
    ),
    '',
    'Exit codes:',
    ...exitCodeLines(EXIT_CODE_MEANING),
    '',
  ].join('\n');
}

/** `llm-mgr <command> --help`. */
export function commandHelp(command: CliCommand): string {
  const positionals = command.positionals.map((p) => `  ${`<${p.name}>`.padEnd(24)}${p.description}`);
  return [
    `Usage: llm-mgr ${command.usage}`,
    '',
    ...command.description.flatMap((paragraph) => [...wrap(paragraph, WIDTH), '']),
    ...(positionals.length > 0 ? ['Arguments:', ...positionals, ''] : []),
    'Options:',
    ...optionLines({ ...command.options, ...COMMON_OPTIONS }),
    '',
    'Exit codes:',
    ...exitCodeLines({ ...EXIT_CODE_MEANING, ...command.exitCodes }),
    '',
  ].join('\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, option]) => ({
    names: `${option.short ? `-${option.short}, ` : '    '}--${name}${option.valueName ? ` ${option.valueName}` : ''}`,
    description: option.description,
  }));
  const column = Math.max(22, ...rows.map((row) => row.names.length)) + 2;
  return rows.flatMap(({ names, description }) =>
    wrap(description, WIDTH - column - 2).map((line, index) => `  ${(index === 0 ? names : '').padEnd(column)}${line}`),
  );
}

/** Breaks `text` into lines of at most `width` characters at spaces (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

function exitCodeLines(meanings: Readonly<Partial<Record<ExitCode, string>>>): string[] {
  return Object.values(ExitCode).map((code) => `  ${code}  ${meanings[code] ?? EXIT_CODE_MEANING[code]}`);
}
