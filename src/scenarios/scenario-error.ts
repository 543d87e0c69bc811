/**
 * Errors of the scenario format: every problem is an `ESA_ERR_INVALID_SCENARIO` error that names
 * the JSON path of the bad value.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from '../core/errors.js';

/**
 * An `ESA_ERR_INVALID_SCENARIO` error for the value at `path`: `<path> must be <expectation>; got <value>`.
 */
export function invalidScenario(path: string, value: unknown, expectation: string, cause?: unknown): InvalidOptionError {
  return new InvalidOptionError(path || 'scenario', value, expectation, { code: 'ESA_ERR_INVALID_SCENARIO', ...(cause === undefined ? {} : { cause }) });
}

/**
 * Runs `resolve`, turning an `InvalidOptionError` about an option into an
 * `ESA_ERR_INVALID_SCENARIO` error about `<prefix>.<option>` (resolvers that were given the full
 * path already keep it).
 */
export function within<T>(prefix: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    if (error.code === 'ESA_ERR_INVALID_SCENARIO') throw error;
    const option = prefix === '' || error.option === prefix || error.option.startsWith(`${prefix}.`) || error.option.startsWith(`${prefix}[`) ? error.option : `${prefix}.${error.option}`;
    throw invalidScenario(option, error.value, error.allowed ?? 'valid', error);
  }
}

/** An `ESA_ERR_INVALID_SCENARIO` error for a problem that has no single path. */
export function scenarioError(message: string, cause?: unknown): EsaError {
  return new EsaError('ESA_ERR_INVALID_SCENARIO', message, cause === undefined ? undefined : { cause });
}
