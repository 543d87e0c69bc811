/**
 * The Syslog Push wire format: `<PRI>Mmm dd HH:MM:SS [host ]<tag>: <Level>: <text>`, in the
 * appliance's local time (UTC + its offset; no year, no zone), PRI = facility × 8 + the severity
 * of the line's level. CEF logs have no level word.
 *
 * The formatter caches the header per (second, level), so a line costs about one string
 * concatenation.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import type { LogRecord } from './log-record.js';
import {
  HOSTNAME_TOKEN_PATTERN,
  resolveSeverityByLevel,
  SUBSCRIPTION_NAME_PATTERN,   TIMESTAMP_PADDINGS,
  type TimestampPadding,
} from './subscription-options.js';
import { expectOneOf } from './units.js';
import { FACILITIES, FACILITY_CODES, LEVEL_WORDS, type Facility, type LineFormat, type LogLevel } from './vocabulary.js';

/** Month abbreviations of BSD syslog timestamps, January first. */
export const SYSLOG_MONTHS: readonly string[] = Object.freeze([
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
]);

/** The largest accepted UTC offset magnitude, in seconds (18 h, the ISO 8601 bound). */
export const MAX_UTC_OFFSET_SECONDS = 18 * 3600;

/**
 * What the formatter needs of a subscription; a `ResolvedSubscriptionOptions` is one.
 */
export interface SyslogFormatSubscription {
  /** The log name, written as the tag. */
  readonly name: string;
  /** The facility. */
  readonly facility: Facility;
  /** Severity per level. */
  readonly severityByLevel: Readonly<Record<LogLevel, number>>;
  /** Day padding. */
  readonly timestampPadding: TimestampPadding;
  /** The hostname token before the tag, if any. */
  readonly hostname: string | undefined;
  /** `text` (with a level word) or `cef` (without). */
  readonly format: LineFormat;
}

/** Options of {@link createSyslogFormatter}. */
export interface SyslogFormatterOptions {
  /**
   * The appliance's offset from UTC, in seconds (local − UTC, signed; what `Time offset from UTC:
   * <n> seconds` reports), from −64800 to 64800.
   * @default 0
   */
  utcOffsetSeconds?: number;
}

/** Turns log records into Syslog Push lines for one subscription. */
export interface SyslogFormatter {
  /** The subscription fields the formatter uses. */
  readonly subscription: SyslogFormatSubscription;
  /** The appliance's UTC offset, in seconds. */
  readonly utcOffsetSeconds: number;
  /** The complete wire line (no framing): `header(record) + record.text`. */
  format(record: LogRecord): string;
  /**
   * The line's header: `<PRI>Mmm dd HH:MM:SS [host ]tag: Level: ` (CEF: no level word), what a
   * long-line `split` repeats on every part.
   */
  header(record: LogRecord): string;
  /** The PRI value of a line at `level`. */
  pri(level: LogLevel): number;
}

/**
 * Creates a formatter for one subscription.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid subscription field or
 * `utcOffsetSeconds`; `format()` throws it for a record with a non-finite `timeMs` or an unknown
 * `level`.
 * @example
 * ```ts
 * const formatter = createSyslogFormatter(resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1' }), { utcOffsetSeconds: 7200 });
 * formatter.format({ timeMs: Date.UTC(2026, 5, 25, 6, 50, 3), level: 'Information', text: 'Begin Logfile' });
 * // '<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'
 * ```
 */
export function createSyslogFormatter(subscription: SyslogFormatSubscription, options: SyslogFormatterOptions = {}): SyslogFormatter {
  const checked = checkSubscription(subscription);
  const utcOffsetSeconds = resolveUtcOffsetSeconds(options.utcOffsetSeconds);
  const facilityCode = FACILITY_CODES[checked.facility];
  const hostPart = checked.hostname === undefined ? '' : `${checked.hostname} `;
  const tagPart = `${checked.name}: `;
  const isCef = checked.format === 'cef';
  const severityByLevel = checked.severityByLevel;

  let cachedSecond = Number.NaN;
  let stamp = '';
  let prefixes: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;

  const buildHeader = (record: LogRecord): string => {
    const second = Math.floor(record.timeMs / 1000);
    if (second !== cachedSecond) {
      if (!Number.isFinite(record.timeMs)) throw new InvalidOptionError('record.timeMs', record.timeMs, 'a finite number of ms since the epoch');
      stamp = formatSyslogTimestamp(second * 1000, utcOffsetSeconds, checked.timestampPadding);
      cachedSecond = second;
      prefixes = Object.create(null) as Record<string, string | undefined>;
    }
    const level = record.level;
    const severity = Object.hasOwn(severityByLevel, level) ? severityByLevel[level] : undefined;
    if (severity === undefined) throw new InvalidOptionError('record.level', level, `one of ${Object.keys(LEVEL_WORDS).join(', ')}`);
    const prefix = `<${facilityCode * 8 + severity}>${stamp} ${hostPart}${tagPart}${isCef ? '' : `${LEVEL_WORDS[level]}: `}`;
    prefixes[level] = prefix;
    return prefix;
  };

  const header = (record: LogRecord): string => {
    if (Math.floor(record.timeMs / 1000) === cachedSecond) {
      const prefix = prefixes[record.level];
      if (prefix !== undefined) return prefix;
    }
    return buildHeader(record);
  };

  return Object.freeze({
    subscription: checked,
    utcOffsetSeconds,
    format: (record: LogRecord): string => header(record) + record.text,
    header,
    pri: (level: LogLevel): number => {
      const severity = Object.hasOwn(severityByLevel, level) ? severityByLevel[level] : undefined;
      if (severity === undefined) throw new InvalidOptionError('level', level, `one of ${Object.keys(LEVEL_WORDS).join(', ')}`);
      return facilityCode * 8 + severity;
    },
  });
}

function checkSubscription(subscription: SyslogFormatSubscription): SyslogFormatSubscription {
  if (typeof subscription !== 'object' || subscription === null) {
    throw new InvalidOptionError('subscription', subscription, 'a resolved subscription (see resolveSubscriptionOptions)');
  }
  const { name, hostname } = subscription;
  if (typeof name !== 'string' || !SUBSCRIPTION_NAME_PATTERN.test(name)) {
    throw new InvalidOptionError('subscription.name', name, 'a log name of 1-64 characters: a letter, then letters, digits, _ or -');
  }
  if (hostname !== undefined && (typeof hostname !== 'string' || !HOSTNAME_TOKEN_PATTERN.test(hostname))) {
    throw new InvalidOptionError('subscription.hostname', hostname, 'a hostname token (1-255 characters, no spaces or colons) or undefined');
  }
  return Object.freeze({
    name,
    facility: expectOneOf('subscription.facility', subscription.facility, FACILITIES),
    severityByLevel: resolveSeverityByLevel(subscription.severityByLevel),
    timestampPadding: expectOneOf('subscription.timestampPadding', subscription.timestampPadding, TIMESTAMP_PADDINGS),
    hostname,
    format: expectOneOf<LineFormat>('subscription.format', subscription.format, ['text', 'cef']),
  });
}

/**
 * Validates a UTC offset in seconds.
 *
 * @throws InvalidOptionError naming `utcOffsetSeconds`.
 */
export function resolveUtcOffsetSeconds(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > MAX_UTC_OFFSET_SECONDS) {
    throw new InvalidOptionError('utcOffsetSeconds', value, `an integer from ${-MAX_UTC_OFFSET_SECONDS} to ${MAX_UTC_OFFSET_SECONDS}`);
  }
  return value;
}

/** The PRI value: facility code × 8 + severity (RFC 3164). */
export function syslogPri(facility: Facility, severity: number): number {
  return FACILITY_CODES[facility] * 8 + severity;
}

/**
 * The BSD timestamp `Mmm dd HH:MM:SS` of `timeMs` in local time `utcOffsetSeconds` ahead of UTC.
 * Civil-date arithmetic (proleptic Gregorian), no `Date` time-zone APIs.
 *
 * @param padding - `zero` → `Jul 04`, `space` → `Jul  4`. @default 'zero'
 */
export function formatSyslogTimestamp(timeMs: number, utcOffsetSeconds = 0, padding: TimestampPadding = 'zero'): string {
  const local = Math.floor(timeMs / 1000) + utcOffsetSeconds;
  const days = Math.floor(local / 86_400);
  const secondOfDay = local - days * 86_400;
  const { month, day } = civilFromDays(days);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const dayText = day < 10 ? (padding === 'space' ? ` ${day}` : `0${day}`) : `${day}`;
  return `${SYSLOG_MONTHS[month - 1]} ${dayText} ${two(hour)}:${two(minute)}:${two(second)}`;
}

function two(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/**
 * Year, month (1–12) and day of the month of a day count since 1970-01-01 (Howard Hinnant's
 * `civil_from_days`).
 */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}
