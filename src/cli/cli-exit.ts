import { assertUnreachable, LlmManagerError, type LlmManagerErrorCode } from '../llm-manager/common/llm-manager.error';

/** The exit codes of `llm-mgr`, the same for every command (also listed by `llm-mgr --help`). */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** An operation failed: the upstream answered with an error, the database is unreachable or refused a write. */
  Failure: 1,
  /** The command line is wrong: unknown command or option, missing or malformed argument, an action that needs --force. */
  Usage: 2,
  /** Configuration or security: bad YAML, LLM_KEY missing or wrong, an encrypted value that does not open. */
  Config: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI itself detects, with the exit code it ends with. The message never holds a secret. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A wrong command line: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(ExitCode.Usage, message);
}

/** A configuration or security problem: exit code 3. */
export function configError(message: string, cause?: unknown): CliError {
  return new CliError(ExitCode.Config, message, { cause });
}

/** The exit code an error ends the process with. Anything unknown (a driver error, a bug) is an operational failure. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof LlmManagerError) return exitCodeForLibraryError(error.code);
  return ExitCode.Failure;
}

function exitCodeForLibraryError(code: LlmManagerErrorCode): ExitCode {
  switch (code) {
    case 'CONFIG_INVALID':
    case 'MASTER_KEY_MISSING':
    case 'MASTER_KEY_INVALID':
    case 'SECRET_INVALID':
    case 'API_KEY_MISSING':
    case 'NO_USABLE_MODEL':
    case 'PLATFORM_DISABLED':
      return ExitCode.Config;
    // The command line named something that is not there, or gave a value the library rejects.
    case 'PLATFORM_NOT_FOUND':
    case 'MODEL_NOT_FOUND':
    case 'NOT_FOUND':
    case 'USAGE_SLOT_NOT_FOUND':
    case 'VALIDATION_FAILED':
    case 'URL_NOT_ALLOWED':
      return ExitCode.Usage;
    case 'NAME_CONFLICT':
    case 'UNAUTHENTICATED':
    case 'AUTH_THROTTLED':
    case 'FORBIDDEN_IN_FIXED_MODE':
    case 'FORBIDDEN':
    case 'UPSTREAM_ERROR':
    case 'UPSTREAM_KEY_REJECTED':
    case 'UPSTREAM_RATE_LIMITED':
    case 'UPSTREAM_TIMEOUT':
    case 'UPSTREAM_UNREACHABLE':
    case 'DATABASE_BUSY':
    case 'DATABASE_UNAVAILABLE':
    case 'STREAM_ABANDONED':
    case 'SHUTTING_DOWN':
    case 'BUDGET_EXCEEDED':
    case 'RATE_LIMITED':
    case 'RATE_LIMITER_UNAVAILABLE':
      return ExitCode.Failure;
    default:
      return assertUnreachable(code);
  }
}
