/**
 * Calling listeners from I/O and simulation code without letting them disturb it.
 *
 * @module
 */

/**
 * Rethrows `error` asynchronously, as Node does for a throwing listener of an I/O event: an
 * uncaught exception, outside the code that called the listener.
 */
export function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * Runs a listener-calling function; a listener's exception is rethrown asynchronously
 * ({@link rethrowLater}) so it never disturbs the code that emitted.
 */
export function callListeners(emit: () => void): void {
  try {
    emit();
  } catch (error) {
    rethrowLater(error);
  }
}
