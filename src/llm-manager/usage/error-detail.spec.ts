import { ERROR_DETAIL_LENGTH, safeErrorDetail } from './error-detail';

describe('safeErrorDetail', () => {
  const KNOWN = 'my-own-secret-key-material-0001';

  it('masks the key the caller names, and any other key-like text, whoever it belongs to', () => {
    const text = `Bad key ${KNOWN}; also sk-proj-abcdefghijklmnop1234, Bearer tokenTokenToken9 and ENC:v1:abcdefgh12345678 and ${'a1'.repeat(20)}`;
    const safe = safeErrorDetail(text, [KNOWN]);
    for (const secret of [KNOWN, 'sk-proj-abcdefghijklmnop1234', 'tokenTokenToken9', 'ENC:v1:abcdefgh12345678', 'a1'.repeat(20)]) {
      expect(safe).not.toContain(secret);
    }
    expect(safe).toContain('sk-proj-…1234');
  });

  it('keeps ordinary words, numbers, hosts and codes readable', () => {
    expect(safeErrorDetail("The platform 'DeepSeek' (api.deepseek.com) answered HTTP 503 (upstream overloaded, retry in 30 s)")).toBe(
      "The platform 'DeepSeek' (api.deepseek.com) answered HTTP 503 (upstream overloaded, retry in 30 s)",
    );
  });

  it('folds whitespace and bounds the length', () => {
    const safe = safeErrorDetail(`line one\n\n   line two ${'word '.repeat(200)}`);
    expect(safe.startsWith('line one line two word')).toBe(true);
    expect(safe).toHaveLength(ERROR_DETAIL_LENGTH);
    expect(safe.endsWith('…')).toBe(true);
  });
});
