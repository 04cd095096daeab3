import { AuthFailureThrottle } from './auth-failure-throttle';

describe('AuthFailureThrottle', () => {
  let now = 1_000_000;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets a client fail up to the limit, then makes it wait until its window ends', () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 3, windowSeconds: 60 }, clock);
    for (let i = 0; i < 3; i += 1) {
      expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
      throttle.recordFailure('10.0.0.1');
    }
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(60);
    now += 45_500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(15);
    now += 14_500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
    throttle.recordFailure('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('counts each client on its own', () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 2, windowSeconds: 10 }, clock);
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    expect(throttle.retryAfterSeconds('a')).toBe(10);
    expect(throttle.retryAfterSeconds('b')).toBe(0);
  });

  it('is off with a limit of 0', () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 0, windowSeconds: 10 }, clock);
    for (let i = 0; i < 100; i += 1) throttle.recordFailure('a');
    expect(throttle.retryAfterSeconds('a')).toBe(0);
  });

  it('keeps at most 10,000 clients: a flood of addresses forgets the oldest, not the memory', () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 1, windowSeconds: 600 }, clock);
    for (let i = 0; i < 10_050; i += 1) throttle.recordFailure(`c${i}`);
    expect(throttle.retryAfterSeconds('c0')).toBe(0);
    expect(throttle.retryAfterSeconds('c10049')).toBe(600);
  });
});
