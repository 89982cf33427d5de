import { describe, expect, it } from 'vitest';
import { maxAttempts, parseRetryAfter, retryDelay } from './retry';

describe('retries', () => {
  it('sends again after a dropped connection, backing off, and gives up after the last attempt', () => {
    expect(retryDelay({ status: null, retryAfter: null }, 1, true)).toBe(500);
    expect(retryDelay({ status: null, retryAfter: null }, 3, true)).toBe(2000);
    expect(retryDelay({ status: null, retryAfter: null }, maxAttempts, true)).toBeNull();
  });

  it('never sends a write again without its idempotency key', () => {
    expect(retryDelay({ status: null, retryAfter: null }, 1, false)).toBeNull();
    expect(retryDelay({ status: 503, retryAfter: 5 }, 1, false)).toBeNull();
  });

  it('waits as long as the server asks when it says later, within bounds', () => {
    expect(retryDelay({ status: 503, retryAfter: 5 }, 1, true)).toBe(5000);
    expect(retryDelay({ status: 409, retryAfter: 1 }, 1, true)).toBe(1000);
    expect(retryDelay({ status: 429, retryAfter: 3600 }, 1, true)).toBe(10_000);
    expect(retryDelay({ status: 409, retryAfter: null }, 1, true)).toBeNull();
  });

  it('takes every other answer as final', () => {
    for (const status of [400, 401, 403, 404, 412, 422, 428, 500]) expect(retryDelay({ status, retryAfter: 1 }, 1, true)).toBeNull();
  });

  it('reads Retry-After seconds', () => {
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
