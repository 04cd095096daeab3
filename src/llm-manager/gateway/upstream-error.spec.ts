import { LlmManagerError } from '../common/llm-manager.error';
import { brokenOff, unreachable, upstreamErrorBody } from './upstream-error';

const KEY = 'sk-platform-secret-0000111122223333';

describe('upstream errors as the gateway answers them', () => {
  it("keeps an upstream's OpenAI-shaped body, with the platform key masked wherever it was echoed", () => {
    const text = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } });
    const body = upstreamErrorBody(401, text, KEY);
    expect(JSON.stringify(body)).not.toContain(KEY);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('wraps any other body in OpenAI\'s shape, quoting at most 200 characters, key masked', () => {
    const body = upstreamErrorBody(503, `<html>down ${KEY} ${'x'.repeat(500)}</html>`, KEY);
    expect(body).toEqual({ error: { message: expect.stringMatching(/^The platform answered 503: <html>down /), type: 'server_error', param: null, code: 'upstream_error' } });
    expect(JSON.stringify(body)).not.toContain(KEY);
    expect(((body as { error: { message: string } }).error.message).length).toBeLessThan(260);
    expect(upstreamErrorBody(500, '', null)).toMatchObject({ error: { message: 'The platform answered 500 with no body.' } });
  });

  it('a request without an answer is UPSTREAM_ERROR naming the socket code, never more', () => {
    const refused = unreachable(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }));
    expect(refused).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('(ECONNREFUSED)') });
    expect(refused.message).not.toContain('10.0.0.1');
    expect(unreachable(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } })).message).toContain('(ENOTFOUND)');
    const own = new LlmManagerError('URL_NOT_ALLOWED', 'private address');
    expect(unreachable(own)).toBe(own);
    expect(brokenOff(new TypeError('terminated'))).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('broke off') });
  });
});
