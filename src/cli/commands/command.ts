import type { ArgsSpec, ParsedArgs } from '../cli-args';
import type { CliContext } from '../cli-context';
import type { ExitCode } from '../cli-exit';

/** One `llm-mgr <command>`: its help and what it does. */
export interface CliCommand extends ArgsSpec {
  /** One line for the command list of `llm-mgr --help`. */
  summary: string;
  /** The synopsis after `llm-mgr `, e.g. `probe <base-url> [--key-env NAME | --key-stdin]`. */
  usage: string;
  /** Paragraphs of `--help`. */
  description: readonly string[];
  /** What each exit code means for this command; the codes themselves are the same everywhere. */
  exitCodes: Readonly<Partial<Record<ExitCode, string>>>;
  /** Runs the command; failures throw (CliError or LlmManagerError) and are turned into an exit code by the caller. */
  run(ctx: CliContext, args: ParsedArgs): Promise<ExitCode>;
}
