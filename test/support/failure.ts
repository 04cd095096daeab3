import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';

/** The LlmManagerError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<LlmManagerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an LlmManagerError');
}

/** Just the code of that failure. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await failureOf(promise)).code;
}
