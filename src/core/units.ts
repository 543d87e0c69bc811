/**
 * Parsing of durations and sizes as people type them (`200ms`, `10s`, `5m`, `64k`), shared by the
 * CLI, the `--fault` parser and scenario files so that one set of rules and messages applies.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)$/;

/** The longest duration accepted anywhere: 365 days, in ms. */
export const MAX_DURATION_MS = 365 * 86_400_000;

/**
 * Parses a duration into milliseconds.
 *
 * Accepts a non-negative number of milliseconds, or a string with a unit: `ms`, `s`, `m`, `h`, `d`
 * (`"200ms"`, `"1.5s"`, `"5m"`, `"24h"`). A bare numeric string is read with `defaultUnit`.
 *
 * @param option - the option's name, used in the error message.
 * @param defaultUnit - unit of a bare numeric string. @default 'ms'
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for negative, NaN, infinite, unit-less
 * (when `defaultUnit` is `null`) or out-of-range values.
 */
export function parseDurationMs(option: string, value: unknown, defaultUnit: 'ms' | 's' | null = 'ms'): number {
  const expectation = `a duration such as 200ms, 10s, 5m, 1h (0 to 365d)`;
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    const match = durationPattern.exec(text);
    if (match) {
      ms = Number(match[1]) * (durationUnits[match[2] as string] as number);
    } else if (defaultUnit !== null && /^\d+(?:\.\d+)?$/.test(text)) {
      ms = Number(text) * (durationUnits[defaultUnit] as number);
    } else {
      throw new InvalidOptionError(option, value, expectation);
    }
  } else {
    throw new InvalidOptionError(option, value, expectation);
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) {
    throw new InvalidOptionError(option, value, expectation);
  }
  return Math.round(ms);
}

const sizeUnits: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  mib: 1024 * 1024,
  g: 1024 * 1024 * 1024,
  gb: 1024 * 1024 * 1024,
  gib: 1024 * 1024 * 1024,
};

const sizePattern = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses a byte size: a non-negative integer, or a string such as `1024`, `64k`, `10MB`
 * (binary multiples: k = 1024).
 *
 * @param option - the option's name, used in the error message.
 * @param range - inclusive bounds. @default { min: 0, max: 2 ** 40 }
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`).
 */
export function parseByteSize(option: string, value: unknown, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? 2 ** 40;
  const expectation = `a size in bytes from ${min} to ${max} (e.g. 1024, 64k, 10MB)`;
  let bytes: number;
  if (typeof value === 'number') {
    bytes = value;
  } else if (typeof value === 'string') {
    const match = sizePattern.exec(value.trim());
    const multiplier = match ? sizeUnits[(match[2] as string).toLowerCase()] : undefined;
    if (!match || multiplier === undefined) throw new InvalidOptionError(option, value, expectation);
    bytes = Number(match[1]) * multiplier;
  } else {
    throw new InvalidOptionError(option, value, expectation);
  }
  if (!Number.isFinite(bytes) || !Number.isInteger(bytes) || bytes < min || bytes > max) {
    throw new InvalidOptionError(option, value, expectation);
  }
  return bytes;
}

/**
 * Checks that `value` is an integer in [min, max] and returns it.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `option`.
 */
export function expectInteger(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Checks that `value` is a finite number in [min, max] and returns it.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `option`.
 */
export function expectNumber(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `a number from ${min} to ${max}`);
  }
  return value;
}

/**
 * Checks that `value` is one of `allowed` and returns it.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`): "`option` must be one of a, b, c".
 */
export function expectOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, value, `one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Checks that `value` is a boolean and returns it.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`).
 */
export function expectBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, value, 'true or false');
  return value;
}

/** Renders milliseconds for people: `850ms`, `12s`, `5m`, `1h30m`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''].join('') || '0s';
}
