/**
 * The `Clock` interface: all time in esa-logsim is read and waited for through it, so the same
 * code runs on wall time ({@link systemClock}) or on a {@link VirtualClock} in tests and in the
 * virtual network.
 *
 * @module
 */

import { EsaError } from '../core/errors.js';

/** A scheduled callback; `cancel()` is idempotent. */
export interface Timer {
  /** Stops the callback from running; does nothing if it already ran or was cancelled. */
  cancel(): void;
}

/**
 * A source of time and timers. Pass your own to run the simulator on any time base.
 */
export interface Clock {
  /** The current time in milliseconds since the Unix epoch (UTC). */
  now(): number;
  /**
   * Runs `callback` once, `delayMs` milliseconds from now (0 = as soon as possible, after
   * callbacks already due). Timers due at the same time run in the order they were scheduled.
   */
  schedule(delayMs: number, callback: () => void): Timer;
}

/**
 * Resolves after `delayMs` on `clock`; rejects with `ESA_ERR_ABORTED` when `signal` aborts.
 * The timer is cancelled on abort, so nothing is left on the clock.
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(abortError(signal as AbortSignal));
    };
    const timer = clock.schedule(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error used when an operation is aborted through its `AbortSignal`. */
export function abortError(signal: AbortSignal): EsaError {
  return new EsaError('ESA_ERR_ABORTED', 'The operation was aborted', { cause: signal.reason });
}
