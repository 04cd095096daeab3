import type { ServerResponse } from 'node:http';
import { sendError, sendJson } from './fake-upstream.http';
import type { ChatScript, JsonObject, JsonValue } from './fake-upstream.types';

/** Length of every fake embedding vector. */
export const FAKE_EMBEDDING_DIMENSIONS = 8;

/**
 * `POST /v1/embeddings` as OpenAI answers it: one vector per input (a string, strings, or token arrays), floats or
 * `encoding_format: 'base64'` (little-endian float32, what the openai SDK asks for by default). The vector is derived
 * from the input, so equal inputs embed equally. A script's `error` answers instead; its `usage.prompt` (or `'none'`)
 * replaces the default count of 4 characters (or 1 array entry) a token.
 */
export function answerEmbeddings(res: ServerResponse, body: JsonObject | undefined, script: ChatScript): void {
  const inputs = inputsOf(body?.['input']);
  if (body === undefined || typeof body['model'] !== 'string' || inputs === null) {
    return sendError(res, { status: 400, message: "Expected a JSON body with a model and an input ('string', strings or token arrays)." });
  }
  if (script.error) return sendError(res, script.error);
  const base64 = body['encoding_format'] === 'base64';
  const data = inputs.map((input, index) => {
    const vector = vectorOf(input);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const estimated = inputs.reduce((sum, input) => sum + (typeof input === 'string' ? Math.ceil(input.length / 4) : input.length), 0);
  const prompt = script.usage === 'none' ? undefined : (script.usage?.prompt ?? estimated);
  const response: JsonObject = { object: 'list', data, model: body['model'] };
  if (prompt !== undefined) response['usage'] = { prompt_tokens: prompt, total_tokens: prompt };
  sendJson(res, 200, response);
}

function inputsOf(input: JsonValue | undefined): Array<string | number[]> | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === 'number')) return [input as number[]];
  if (input.every((item) => typeof item === 'string' || (Array.isArray(item) && item.every((n) => typeof n === 'number')))) {
    return input as Array<string | number[]>;
  }
  return null;
}

function vectorOf(input: string | number[]): number[] {
  const text = typeof input === 'string' ? input : input.join(',');
  return Array.from({ length: FAKE_EMBEDDING_DIMENSIONS }, (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 97) / 97 + i / 100);
}
