import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { DEFAULT_RETRY_BACKOFF, resolveRetryBackoffOptions, retryDelayMs, type RetryBackoffOptions } from './backoff.js';
import { seededRandom } from './random.js';

describe('resolveRetryBackoffOptions', () => {
  it('defaults to 1 s doubling up to 30 s without jitter', () => {
    expect(resolveRetryBackoffOptions()).toEqual({ factor: 2, minDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 });
    expect(DEFAULT_RETRY_BACKOFF).toEqual(resolveRetryBackoffOptions({}));
  });

  it('raises the default cap to a larger minDelayMs', () => {
    expect(resolveRetryBackoffOptions({ minDelayMs: 60_000 }).maxDelayMs).toBe(60_000);
  });

  it.for([
    [{ factor: 0.5 }, 'policy.factor'],
    [{ factor: Number.POSITIVE_INFINITY }, 'policy.factor'],
    [{ factor: '2' }, 'policy.factor'],
    [{ minDelayMs: -1 }, 'policy.minDelayMs'],
    [{ maxDelayMs: Number.NaN }, 'policy.maxDelayMs'],
    [{ minDelayMs: 5000, maxDelayMs: 1000 }, 'policy.maxDelayMs'],
    [{ jitter: 1.5 }, 'policy.jitter'],
    [{ jitter: -0.1 }, 'policy.jitter'],
    [{ retries: 3 }, 'policy.retries'],
  ] as const)('rejects %j naming %s', ([input, option]) => {
    expect(() => resolveRetryBackoffOptions(input as RetryBackoffOptions, 'policy')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });
});

describe('retryDelayMs', () => {
  it('grows by factor from minDelayMs and stops at maxDelayMs', () => {
    const backoff = resolveRetryBackoffOptions({ minDelayMs: 1000, factor: 2, maxDelayMs: 5000 });
    const random = seededRandom(1);
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, backoff, random))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('keeps a constant delay with factor 1', () => {
    const backoff = resolveRetryBackoffOptions({ minDelayMs: 250, factor: 1 });
    expect([1, 2, 10].map((attempt) => retryDelayMs(attempt, backoff, seededRandom(1)))).toEqual([250, 250, 250]);
  });

  it('stays capped when factor^attempt overflows', () => {
    const backoff = resolveRetryBackoffOptions({ factor: 100, maxDelayMs: 7000 });
    expect(retryDelayMs(10_000, backoff, seededRandom(1))).toBe(7000);
    expect(retryDelayMs(10_000, resolveRetryBackoffOptions({ minDelayMs: 0, factor: 100 }), seededRandom(1))).toBe(0);
  });

  it('draws jitter from the seeded random, reproducibly', () => {
    const backoff = resolveRetryBackoffOptions({ minDelayMs: 1000, jitter: 0.5, maxDelayMs: 60_000 });
    const first = [1, 2, 3].map((attempt) => retryDelayMs(attempt, backoff, seededRandom(7)));
    const again = [1, 2, 3].map((attempt) => retryDelayMs(attempt, backoff, seededRandom(7)));
    expect(first).toEqual(again);
    const r = seededRandom(7).next();
    expect(first[0]).toBe(Math.round(1000 * (1 + 0.5 * r)));
  });

  it('draws no random number without jitter', () => {
    const random = seededRandom(3);
    retryDelayMs(1, DEFAULT_RETRY_BACKOFF, random);
    expect(random.next()).toBe(seededRandom(3).next());
  });

  it.for([0, -1, 1.5, Number.NaN])('rejects attempt %s', (attempt) => {
    expect(() => retryDelayMs(attempt, DEFAULT_RETRY_BACKOFF, seededRandom(1))).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'attempt' }),
    );
  });

  it('stays within [min × factor^(n−1), × (1 + jitter)] and the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (attempt, factor, minDelayMs, extraMs, jitter, seed) => {
          const backoff = resolveRetryBackoffOptions({ factor, minDelayMs, maxDelayMs: minDelayMs + extraMs, jitter });
          const delay = retryDelayMs(attempt, backoff, seededRandom(seed));
          const base = minDelayMs * factor ** (attempt - 1);
          expect(delay).toBeLessThanOrEqual(backoff.maxDelayMs);
          expect(delay).toBeGreaterThanOrEqual(Math.min(backoff.maxDelayMs, Math.floor(base)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
