import { AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import { fallsBack, generateInOrder, streamInOrder, streamWithFallback } from './fallback-chain';
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

  it('in order: each model in turn while the one before failed retryably; the last failure surfaces', async () => {
    const last = failure('UPSTREAM_ERROR', 502);
    expect(await texts(streamInOrder([() => failing([], failure('UPSTREAM_TIMEOUT')), () => answering('b')]))).toEqual(['b']);
    await expect(texts(streamInOrder([() => failing([], failure('UPSTREAM_TIMEOUT')), () => failing([], last)]))).rejects.toBe(last);
    const result = { generations: [] };
    await expect(generateInOrder([() => Promise.reject(failure('UPSTREAM_RATE_LIMITED', 429)), () => Promise.resolve(result)])).resolves.toBe(result);
    await expect(generateInOrder([() => Promise.reject(last), () => Promise.resolve(result)].slice(0, 1))).rejects.toBe(last);
    const rejected = failure('UPSTREAM_KEY_REJECTED', 401);
    await expect(generateInOrder([() => Promise.reject(rejected), () => Promise.resolve(result)])).rejects.toBe(rejected);
  });
});

