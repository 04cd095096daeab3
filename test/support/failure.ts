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

/** What `call` rejects with (anything), or undefined when it resolves. */
export async function caught(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The text of a streamed answer, chunk contents joined. */
export async function streamedText(stream: AsyncIterable<{ content: unknown }>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk.content);
  return text;
}
