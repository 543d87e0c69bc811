/**
 * The retry loop of a push: p-retry decides whether another attempt follows, the injected clock
 * does the waiting. The only importer of p-retry (see STYLE: `minTimeout: 0` keeps p-retry from
 * starting real timers; the back-off sleep happens in `shouldRetry` on our clock; `maxRetryTime`
 * is left unset because it reads `performance.now()`).
 *
 * @module
 */

import pRetry, { AbortError } from 'p-retry';
import { type Clock, sleep } from '../clock/clock.js';
import type { PolicyDecision } from './policy.js';

/** What {@link sendWithPolicy} needs. */
export interface SendWithPolicyOptions<R> {
  /** The clock that times the back-off. */
  readonly clock: Clock;
  /** One attempt. */
  readonly send: () => Promise<R>;
  /**
   * Called after each failed attempt (1-based `attempt`); returns the policy's decision. A
   * `retry` decision makes the loop wait `delayMs` on the clock and try again.
   */
  readonly onFailed: (error: unknown, attempt: number) => PolicyDecision;
  /** Stops waiting (the loop ends with the last decision turned into `drop`). */
  readonly signal?: AbortSignal;
}

/** How the loop ended. */
export type SendOutcome<R> =
  | { readonly kind: 'sent'; readonly receipt: R; readonly attempt: number }
  | { readonly kind: 'failed'; readonly decision: PolicyDecision; readonly attempts: number };

/**
 * Runs `send` until it succeeds or the policy stops retrying. Never rejects for a failed send:
 * the outcome says what happened.
 */
export async function sendWithPolicy<R>(options: SendWithPolicyOptions<R>): Promise<SendOutcome<R>> {
  // The first attempt runs outside p-retry (most pushes succeed at once, and p-retry's set-up per
  // call costs more than the rest of such a push); its failure is handed to p-retry as its own
  // first attempt, so whether and how to retry is decided exactly as before.
  let firstError: unknown;
  try {
    return { kind: 'sent', receipt: await options.send(), attempt: 1 };
  } catch (error) {
    firstError = error;
  }
  // The policy's answer to the first failure is asked here when p-retry would ask it too: a failed
  // push usually ends at once (the ESA default drops the batch), and setting up p-retry for a loop
  // that never retries cost ~16 µs per failed push, a tenth of a refused one.
  const firstDecision = isAskedAbout(firstError) ? options.onFailed(firstError, 1) : undefined;
  if (firstDecision !== undefined && firstDecision.action !== 'retry') return { kind: 'failed', decision: firstDecision, attempts: 1 };
  let attempts = 0;
  let decision: PolicyDecision | undefined;
  try {
    const receipt = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        decision = undefined;
        if (attemptNumber === 1) throw firstError;
        return options.send();
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        shouldRetry: async ({ error, attemptNumber }) => {
          decision = attemptNumber === 1 && firstDecision !== undefined ? firstDecision : options.onFailed(error, attemptNumber);
          if (decision.action !== 'retry') return false;
          await sleep(options.clock, decision.delayMs, options.signal);
          return true;
        },
      },
    );
    return { kind: 'sent', receipt, attempt: attempts };
  } catch (error) {
    // p-retry does not consult shouldRetry for a plain TypeError: ask the policy here then.
    decision ??= options.onFailed(error, attempts);
    if (decision.action === 'retry') decision = { action: 'drop' };
    return { kind: 'failed', decision, attempts };
  }
}

/**
 * Whether p-retry hands `error` to `shouldRetry` after a first attempt: any `Error` except its own
 * `AbortError` and a `TypeError` (which it consults only when it looks like a network error; those
 * are left to it).
 */
function isAskedAbout(error: unknown): boolean {
  return error instanceof Error && !(error instanceof TypeError) && !(error instanceof AbortError);
}
