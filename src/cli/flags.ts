/**
 * Flag values turned into options, with errors that name the flag (`--rate must be …; got "x"`).
 * Where a library resolver already checks a value, the CLI passes the text through it and renames
 * the option in its error ({@link asFlags}), so one set of rules and messages applies.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { Seed } from '../core/random.js';
import { MAX_DURATION_MS, parseDurationMs } from '../core/units.js';
import { usageError, type ParsedArgs } from './args.js';

/** `--name` for a flag name. */
export function flag(name: string): string {
  return `--${name}`;
}

/** The value of a single string flag, or `undefined`. */
export function optional(args: ParsedArgs, name: string): string | undefined {
  return args.strings.get(name);
}

/**
 * The value of a required string flag.
 *
 * @throws EsaError `ESA_ERR_USAGE` naming the flag and what it takes.
 */
export function required(args: ParsedArgs, command: string, name: string, what: string): string {
  const value = args.strings.get(name);
  if (value === undefined) throw usageError(`esa-logsim ${command}: --${name} is required (${what})`);
  return value;
}

/**
 * A whole number in [min, max] written in decimal.
 *
 * @throws InvalidOptionError naming `--name`.
 */
export function parseInteger(name: string, text: string, min: number, max: number, what = 'a whole number'): number {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(flag(name), text, `${what} from ${min} to ${max}`);
  }
  return value;
}

/**
 * A port: 1–65535, or 0–65535 when `allowAny` (0 = any free port).
 *
 * @throws InvalidOptionError naming `--port`.
 */
export function parsePort(text: string, allowAny: boolean): number {
  return parseInteger('port', text, allowAny ? 0 : 1, 65_535, allowAny ? 'a port (0 = any free port)' : 'a port');
}

/**
 * A duration with a unit (`10s`, `500ms`, `2m`); at least 1 ms.
 *
 * @throws InvalidOptionError naming `--name`.
 */
export function parseDurationFlag(name: string, text: string): number {
  const ms = parseDurationMs(flag(name), text, null);
  if (ms < 1) throw new InvalidOptionError(flag(name), text, `a duration of at least 1ms, with a unit (e.g. 500ms, 10s, 5m; at most ${MAX_DURATION_MS / 86_400_000}d)`);
  return ms;
}

/**
 * A seed: a decimal integer, or any other text (hashed).
 *
 * @throws InvalidOptionError naming `--seed` for an empty value.
 */
export function parseSeed(text: string): Seed {
  if (text.trim() === '') throw new InvalidOptionError('--seed', text, 'an integer or a non-empty text');
  return /^-?\d{1,15}$/.test(text.trim()) ? Number(text) : text;
}

/**
 * A UTC offset in seconds: `7200`, `-18000`, or hours and minutes `+02:00`, `-0530`, `+2`.
 *
 * @throws InvalidOptionError naming `--utc-offset`.
 */
export function parseUtcOffset(text: string): number {
  const trimmed = text.trim();
  const hours = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(trimmed);
  let seconds: number;
  if (hours && (hours[3] !== undefined || Number(hours[2]) <= 18)) {
    seconds = (hours[1] === '-' ? -1 : 1) * (Number(hours[2]) * 3600 + Number(hours[3] ?? 0) * 60);
  } else if (/^[+-]?\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    seconds = Number.NaN;
  }
  if (!Number.isInteger(seconds) || Math.abs(seconds) > 18 * 3600) {
    throw new InvalidOptionError('--utc-offset', text, 'local time − UTC in seconds (7200, -18000) or as ±HH:MM (+02:00), within ±18 hours');
  }
  return seconds;
}

/**
 * Runs `resolve` (a library resolver fed with flag values) and renames the option of an
 * {@link InvalidOptionError} it throws (or its promise rejects with) to its flag: `facility` →
 * `--facility`.
 *
 * @param names - library option name → flag name without dashes.
 */
export function asFlags<T>(names: Readonly<Record<string, string>>, resolve: () => T): T {
  const rename = (error: unknown): unknown => {
    if (!(error instanceof InvalidOptionError) || !Object.hasOwn(names, error.option)) return error;
    const name = flag(names[error.option] as string);
    const renamed = new InvalidOptionError(name, error.value, error.allowed ?? 'valid', { code: error.code, cause: error });
    if (error.message.startsWith(`${error.option} `)) renamed.message = `${name}${error.message.slice(error.option.length)}`;
    return renamed;
  };
  let result: T;
  try {
    result = resolve();
  } catch (error) {
    throw rename(error);
  }
  // An async resolver (a run that validates its options first): rename its rejection too.
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw rename(error);
    }) as T;
  }
  return result;
}
