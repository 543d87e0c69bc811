/**
 * Collects unhandled rejections and uncaught exceptions while a chaos run is in progress, so a run
 * can assert there were none (vitest would report them too, but without the seed that caused them).
 */

/** What escaped during a run. */
export interface EscapedError {
  readonly kind: 'unhandledRejection' | 'uncaughtException';
  readonly error: unknown;
}

/** Starts collecting; `stop()` waits one macrotask (late rejections are reported then) and detaches. */
export function collectProcessErrors(): { readonly errors: readonly EscapedError[]; stop(): Promise<readonly EscapedError[]> } {
  const errors: EscapedError[] = [];
  const onRejection = (error: unknown): void => {
    errors.push({ kind: 'unhandledRejection', error });
  };
  const onException = (error: unknown): void => {
    errors.push({ kind: 'uncaughtException', error });
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    errors,
    async stop() {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      return errors;
    },
  };
}

/** One line per escaped error, for failure messages. */
export function describeEscaped(errors: readonly EscapedError[]): string[] {
  return errors.map(({ kind, error }) => `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
