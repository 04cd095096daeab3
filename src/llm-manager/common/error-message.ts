/** The message of whatever was thrown, for a log line or a message of our own (never a stack). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
