/**
 * The lines that open and close an ESA logfile. Every new logfile (start, rollover, and every
 * new TCP connection of a Syslog Push) begins with three Info lines:
 *
 * ```
 * Begin Logfile
 * Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E
 * Time offset from UTC: 7200 seconds
 * ```
 *
 * and a rolled-over file ends with `Logfile rolled over` then `End Logfile` (that order is
 * **assumed**: no source shows both lines together).
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import { resolveUtcOffsetSeconds } from './syslog-format.js';

/** The first line of a logfile. */
export const BEGIN_LOGFILE_TEXT = 'Begin Logfile';

/** The next-to-last line of a rolled-over logfile (order **assumed**). */
export const LOGFILE_ROLLED_OVER_TEXT = 'Logfile rolled over';

/** The last line of a rolled-over logfile (order **assumed**). */
export const END_LOGFILE_TEXT = 'End Logfile';

/** AsyncOS versions: `major.minor.patch-build` (`8.0.1-023`, `14.2.0-620`). */
export const ASYNCOS_VERSION_PATTERN = /^\d{1,3}\.\d{1,3}\.\d{1,3}-\d{1,4}$/;

/**
 * Appliance serial numbers, upper-case hex: hardware `A4BADB4712A9-511AA1E` (a MAC address, a
 * dash, a 7–11 character chassis serial) or virtual `420D4FEA709365BFB3E3-0AF2EE5E700E`
 * (20 hex, a dash, 12 hex).
 */
export const SERIAL_NUMBER_PATTERN = /^(?:[0-9A-F]{12}-[0-9A-Z]{7,11}|[0-9A-F]{20}-[0-9A-F]{12})$/;

/** The version in the seed capture. */
export const DEFAULT_ASYNCOS_VERSION = '8.0.1-023';

/** The serial number in the seed capture (a hardware appliance). */
export const DEFAULT_SERIAL_NUMBER = 'A4BADB4712A9-511AA1E';

/** What the logfile header says about the appliance. */
export interface LogfileIdentityOptions {
  /**
   * The AsyncOS version, `major.minor.patch-build`.
   * @default '8.0.1-023'
   */
  version?: string;
  /**
   * The serial number (hardware or virtual form, see {@link SERIAL_NUMBER_PATTERN}).
   * @default 'A4BADB4712A9-511AA1E'
   */
  serialNumber?: string;
  /**
   * The appliance's offset from UTC in seconds (local − UTC, signed).
   * @default 0
   */
  utcOffsetSeconds?: number;
}

/** Resolved {@link LogfileIdentityOptions}. */
export interface LogfileIdentity {
  readonly version: string;
  readonly serialNumber: string;
  readonly utcOffsetSeconds: number;
}

/**
 * Validates and defaults the appliance identity written in logfile headers.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `version`, `serialNumber`,
 * `utcOffsetSeconds` or an unknown key.
 */
export function resolveLogfileIdentity(input: LogfileIdentityOptions = {}): LogfileIdentity {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError('identity', input, 'an object { version, serialNumber, utcOffsetSeconds }');
  }
  for (const key of Object.keys(input)) {
    if (key !== 'version' && key !== 'serialNumber' && key !== 'utcOffsetSeconds') {
      throw new InvalidOptionError(key, (input as Record<string, unknown>)[key], 'not set (unknown option; known: version, serialNumber, utcOffsetSeconds)');
    }
  }
  const version = input.version ?? DEFAULT_ASYNCOS_VERSION;
  if (typeof version !== 'string' || !ASYNCOS_VERSION_PATTERN.test(version)) {
    throw new InvalidOptionError('version', version, 'an AsyncOS version major.minor.patch-build (e.g. 8.0.1-023)');
  }
  const serialNumber = input.serialNumber ?? DEFAULT_SERIAL_NUMBER;
  if (typeof serialNumber !== 'string' || !SERIAL_NUMBER_PATTERN.test(serialNumber)) {
    throw new InvalidOptionError(
      'serialNumber',
      serialNumber,
      'a serial number like A4BADB4712A9-511AA1E (hardware) or 420D4FEA709365BFB3E3-0AF2EE5E700E (virtual), upper-case',
    );
  }
  const utcOffsetSeconds = resolveUtcOffsetSeconds(input.utcOffsetSeconds);
  return Object.freeze({ version, serialNumber, utcOffsetSeconds });
}

/** `Version: <version> SN: <serial>`. */
export function versionText(version: string, serialNumber: string): string {
  return `Version: ${version} SN: ${serialNumber}`;
}

/** `Time offset from UTC: <n> seconds` (negative west of UTC: `-18000`; sign format **assumed**). */
export function timeOffsetText(utcOffsetSeconds: number): string {
  return `Time offset from UTC: ${utcOffsetSeconds} seconds`;
}

/**
 * The three header lines of a new logfile, in order (all written at Information level).
 *
 * @example
 * ```ts
 * logfileHeaderTexts(resolveLogfileIdentity({ utcOffsetSeconds: 7200 }));
 * // ['Begin Logfile', 'Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E', 'Time offset from UTC: 7200 seconds']
 * ```
 */
export function logfileHeaderTexts(identity: LogfileIdentity): readonly [string, string, string] {
  return [BEGIN_LOGFILE_TEXT, versionText(identity.version, identity.serialNumber), timeOffsetText(identity.utcOffsetSeconds)];
}

/** The two trailer lines of a rolled-over logfile, in the **assumed** order. */
export function logfileTrailerTexts(): readonly [string, string] {
  return [LOGFILE_ROLLED_OVER_TEXT, END_LOGFILE_TEXT];
}
