/**
 * Retry back-off for the `retry` delivery policy: pure maths, randomness only from a seeded
 * {@link Random}. p-retry decides whether to retry; the appliance waits `retryDelayMs()` on its
 * clock.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import type { Random } from './random.js';
import { MAX_DURATION_MS, parseDurationMs } from './units.js';

/** Back-off settings of the `retry` policy. */
export interface RetryBackoffOptions {
  /**
   * Growth per attempt, from 1 to 100 (1 = constant delay).
   * @default 2
   */
  factor?: number;
  /**
   * The first delay, in ms.
   * @default 1000
   */
  minDelayMs?: number;
  /**
   * The cap on every delay, in ms; at least `minDelayMs`.
   * @default 30000 (or `minDelayMs` when that is larger and `maxDelayMs` is not given)
   */
  maxDelayMs?: number;
  /**
   * Random spread, from 0 to 1: each delay is multiplied by `1 + jitter × r`, `r` uniform in
   * [0, 1) from the seeded `Random` (`jitter: 1` is p-retry's `randomize: true`). With 0, no
   * random number is drawn.
   * @default 0
   */
  jitter?: number;
}

/** Resolved {@link RetryBackoffOptions}. */
export interface ResolvedRetryBackoff {
  readonly factor: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
}

/** The default back-off: 1 s, 2 s, 4 s … capped at 30 s, no jitter. */
export const DEFAULT_RETRY_BACKOFF: ResolvedRetryBackoff = Object.freeze({
  factor: 2,
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0,
});

const BACKOFF_KEYS = ['factor', 'minDelayMs', 'maxDelayMs', 'jitter'];

/**
 * Validates and defaults back-off options.
 *
 * @param option - prefix for error messages (`policy` → `policy.factor`); none when empty.
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option.
 */
export function resolveRetryBackoffOptions(input: RetryBackoffOptions = {}, option = ''): ResolvedRetryBackoff {
  const name = (key: string): string => (option ? `${option}.${key}` : key);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError(option || 'backoff', input, 'an object { factor, minDelayMs, maxDelayMs, jitter }');
  }
  for (const key of Object.keys(input)) {
    if (!BACKOFF_KEYS.includes(key)) {
      throw new InvalidOptionError(name(key), (input as Record<string, unknown>)[key], `not set (unknown option; known: ${BACKOFF_KEYS.join(', ')})`);
    }
  }
  const factor = input.factor ?? DEFAULT_RETRY_BACKOFF.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 100) {
    throw new InvalidOptionError(name('factor'), factor, 'a number from 1 to 100');
  }
  const minDelayMs = input.minDelayMs === undefined ? DEFAULT_RETRY_BACKOFF.minDelayMs : parseDurationMs(name('minDelayMs'), input.minDelayMs);
  const maxDelayMs =
    input.maxDelayMs === undefined ? Math.max(DEFAULT_RETRY_BACKOFF.maxDelayMs, minDelayMs) : parseDurationMs(name('maxDelayMs'), input.maxDelayMs);
  if (maxDelayMs < minDelayMs) {
    throw new InvalidOptionError(name('maxDelayMs'), input.maxDelayMs, `a duration of at least minDelayMs (${minDelayMs} ms) and at most ${MAX_DURATION_MS} ms`);
  }
  const jitter = input.jitter ?? DEFAULT_RETRY_BACKOFF.jitter;
  if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 1) {
    throw new InvalidOptionError(name('jitter'), jitter, 'a number from 0 to 1');
  }
  return Object.freeze({ factor, minDelayMs, maxDelayMs, jitter });
}

/**
 * The delay before retry number `attempt` (1 = the first retry), p-retry's formula with a
 * seeded random:
 *
 * `min(maxDelayMs, round(minDelayMs × factor^(attempt − 1) × (1 + jitter × r)))`, `r` in [0, 1).
 *
 * @param attempt - the retry number, an integer ≥ 1.
 * @param random - draws `r` (only when `jitter > 0`).
 * @throws InvalidOptionError for an `attempt` that is not an integer ≥ 1.
 * @example
 * ```ts
 * const backoff = resolveRetryBackoffOptions({ minDelayMs: 1000, factor: 2, maxDelayMs: 5000 });
 * [1, 2, 3, 4].map((n) => retryDelayMs(n, backoff, random)); // [1000, 2000, 4000, 5000]
 * ```
 */
export function retryDelayMs(attempt: number, backoff: ResolvedRetryBackoff, random: Random): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new InvalidOptionError('attempt', attempt, 'an integer of at least 1');
  }
  const { factor, minDelayMs, maxDelayMs, jitter } = backoff;
  if (minDelayMs === 0) return 0;
  const spread = jitter > 0 ? 1 + jitter * random.next() : 1;
  const delay = Math.round(minDelayMs * factor ** (attempt - 1) * spread);
  // factor^n overflows to Infinity for large attempts: the cap still applies.
  return Number.isFinite(delay) ? Math.min(maxDelayMs, delay) : maxDelayMs;
}
