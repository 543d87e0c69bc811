/**
 * Wall-clock time for real-socket use.
 *
 * @module
 */

import type { Clock, Timer } from './clock.js';

/**
 * The real clock: `Date.now()` and `setTimeout`. Its timers keep the process alive until they
 * run or are cancelled (whoever schedules a timer cancels it on close).
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  schedule(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
});
