import { AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import { fallsBack, streamWithFallback } from './fallback-chain';
import { UpstreamCallError } from './upstream-call-error';

function chunk(text: string): ChatGenerationChunk {
  return new ChatGenerationChunk({ text, message: new AIMessageChunk(text) });
}

function failure(code: UpstreamCallError['code'], status?: number): UpstreamCallError {
  return new UpstreamCallError(code, code, status, undefined, new Error('upstream'));
}

async function* failing(before: string[], error: unknown): AsyncGenerator<ChatGenerationChunk> {
  for (const text of before) yield chunk(text);
  throw error;
}

async function* answering(...texts: string[]): AsyncGenerator<ChatGenerationChunk> {
  for (const text of texts) yield chunk(text);
}

async function texts(stream: AsyncGenerator<ChatGenerationChunk>): Promise<string[]> {
  const seen: string[] = [];
  for await (const piece of stream) seen.push(piece.text);
  return seen;
}

describe('fallback chain rules', () => {
  it.each([
    ['UPSTREAM_RATE_LIMITED', 429, true],
    ['UPSTREAM_TIMEOUT', undefined, true],
    ['UPSTREAM_UNREACHABLE', undefined, true],
    ['UPSTREAM_ERROR', 500, true],
    ['UPSTREAM_ERROR', 529, true],
    ['UPSTREAM_ERROR', 400, false],
    ['UPSTREAM_ERROR', undefined, false],
    ['UPSTREAM_KEY_REJECTED', 401, false],
  ] as const)('%s (HTTP %s) falls back: %s', (code, status, expected) => {
    expect(fallsBack(failure(code, status))).toBe(expected);
  });

  it('an error that is not an upstream failure (an abort, our own) never falls back', () => {
    expect(fallsBack(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
  });

  it('a stream failing before its first chunk continues on the next model', async () => {
    expect(await texts(streamWithFallback(failing([], failure('UPSTREAM_RATE_LIMITED', 429)), () => answering('b1', 'b2')))).toEqual(['b1', 'b2']);
  });

  it('a stream failing after its first chunk surfaces the error, even a 429, and never starts the next model', async () => {
    const error = failure('UPSTREAM_RATE_LIMITED', 429);
    let nextStarted = false;
    const stream = streamWithFallback(failing(['a1'], error), () => {
      nextStarted = true;
      return answering('b1');
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const piece of stream) seen.push(piece.text);
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual(['a1']);
    expect(nextStarted).toBe(false);
  });
});
