import { brokenLimit, retryAfterSeconds, secondsToWindowEnd, windowStart } from './rate-limit-window';

const MINUTE = Date.UTC(2026, 0, 15, 10, 30);

describe('rate limit windows: fixed, aligned to the minute', () => {
  it('a window starts at :00 of its minute and Retry-After counts the seconds to its end', () => {
    expect(windowStart(MINUTE)).toBe(MINUTE);
    expect(windowStart(MINUTE + 59_999)).toBe(MINUTE);
    expect(windowStart(MINUTE + 60_000)).toBe(MINUTE + 60_000);
    expect(secondsToWindowEnd(MINUTE)).toBe(60);
    expect(secondsToWindowEnd(MINUTE + 45_200)).toBe(15);
    // Never 0: a client told to wait 0 s would hammer the last millisecond.
    expect(secondsToWindowEnd(MINUTE + 59_999)).toBe(1);
    expect(retryAfterSeconds('rpm', MINUTE + 30_000)).toBe(30);
    expect(retryAfterSeconds('tpm', MINUTE + 30_000)).toBe(30);
    expect(retryAfterSeconds('concurrent', MINUTE + 30_000)).toBe(1);
  });

  it('rpm, then tpm, then concurrency; a window that ended counts as empty, calls in flight do not', () => {
    const limits = { rpm: 3, tpm: 100, concurrent: 2 };
    const state = { windowStart: MINUTE, requests: 2, tokens: 60, inFlight: 1 };
    expect(brokenLimit(limits, state, 40, MINUTE + 1000)).toBeNull();
    expect(brokenLimit(limits, state, 41, MINUTE + 1000)).toBe('tpm');
    expect(brokenLimit(limits, { ...state, requests: 3 }, 1, MINUTE + 1000)).toBe('rpm');
    expect(brokenLimit(limits, { ...state, inFlight: 2 }, 1, MINUTE + 1000)).toBe('concurrent');
    // The next minute: requests and tokens start again at zero, the two calls in flight still count.
    expect(brokenLimit(limits, { ...state, requests: 3, tokens: 100 }, 100, MINUTE + 60_000)).toBeNull();
    expect(brokenLimit(limits, { ...state, requests: 3, inFlight: 2 }, 1, MINUTE + 60_000)).toBe('concurrent');
    // No limit of a kind: never broken by it.
    expect(brokenLimit({ rpm: null, tpm: null, concurrent: null }, { ...state, requests: 1e9, tokens: 1e12, inFlight: 1e6 }, 1e9, MINUTE)).toBeNull();
  });
});
