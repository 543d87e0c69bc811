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

/**
 * Turns log records into Syslog Push lines for one subscription. The header is cached per
 * (second, level): consecutive lines of the same second and level cost one concatenation.
 * Methods use `this`: call them on the formatter (`formatter.format(r)`, not a detached
 * `format`).
 *
 * @example
 * ```ts
 * const formatter = new SyslogFormatter(resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1' }), { utcOffsetSeconds: 7200 });
 * formatter.format({ timeMs: Date.UTC(2026, 5, 25, 6, 50, 3), level: 'Information', text: 'Begin Logfile' });
 * // '<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'
 * ```
 */
export class SyslogFormatter {
  /** The subscription fields the formatter uses (validated copy). */
  readonly subscription: SyslogFormatSubscription;
  /** The appliance's UTC offset, in seconds. */
  readonly utcOffsetSeconds: number;
  readonly #facilityCode: number;
  /** `[host ]tag: ` — everything after the timestamp's space up to the level word. */
  readonly #hostAndTag: string;
  readonly #isCef: boolean;
  readonly #severityByLevel: Readonly<Record<LogLevel, number>>;
  // The cache: the second [#secondStartMs, #secondEndMs) whose timestamp is #stamp, the headers
  // built in it per level, and the last level's header (consecutive lines mostly share a level).
  #secondStartMs = Number.NaN;
  #secondEndMs = Number.NaN;
  #stamp = '';
  #lastLevel = '';
  #lastPrefix = '';
  // A fixed-shape object (fast keyed loads); unknown keys read `undefined` or a prototype member,
  // never a string, so the miss path validates them.
  readonly #prefixes: Record<LogLevel, string | undefined> = {
    Critical: undefined,
    Warning: undefined,
    Information: undefined,
    Debug: undefined,
    Trace: undefined,
  };

  /**
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid subscription field or
   * `utcOffsetSeconds`.
   */
  constructor(subscription: SyslogFormatSubscription, options: SyslogFormatterOptions = {}) {
    this.subscription = checkSubscription(subscription);
    this.utcOffsetSeconds = resolveUtcOffsetSeconds(options?.utcOffsetSeconds);
    this.#facilityCode = FACILITY_CODES[this.subscription.facility];
    this.#hostAndTag = `${this.subscription.hostname === undefined ? '' : `${this.subscription.hostname} `}${this.subscription.name}: `;
    this.#isCef = this.subscription.format === 'cef';
    this.#severityByLevel = this.subscription.severityByLevel;
  }

  /**
   * The complete wire line (no framing): `header(record) + record.text`.
   *
   * @throws InvalidOptionError for a record with a non-finite `timeMs` or an unknown `level`.
   */
  format(record: LogRecord): string {
    const timeMs = record.timeMs;
    return (timeMs >= this.#secondStartMs && timeMs < this.#secondEndMs && record.level === this.#lastLevel ? this.#lastPrefix : this.#build(record)) + record.text;
  }

  /**
   * The line's header: `<PRI>Mmm dd HH:MM:SS [host ]tag: Level: ` (CEF: no level word), what a
   * long-line `split` repeats on every part.
   *
   * @throws InvalidOptionError like {@link format}.
   */
  header(record: LogRecord): string {
    const timeMs = record.timeMs;
    return timeMs >= this.#secondStartMs && timeMs < this.#secondEndMs && record.level === this.#lastLevel ? this.#lastPrefix : this.#build(record);
  }

  /**
   * The PRI value of a line at `level`.
   *
   * @throws InvalidOptionError naming `level` for an unknown level.
   */
  pri(level: LogLevel): number {
    return this.#facilityCode * 8 + this.#severity(level, 'level');
  }

  #severity(level: string, option: string): number {
    const severity = Object.hasOwn(this.#severityByLevel, level) ? this.#severityByLevel[level as LogLevel] : undefined;
    if (severity === undefined) throw new InvalidOptionError(option, level, `one of ${Object.keys(LEVEL_WORDS).join(', ')}`);
    return severity;
  }

  #build(record: LogRecord): string {
    const timeMs = record.timeMs;
    const prefixes = this.#prefixes;
    if (!(timeMs >= this.#secondStartMs && timeMs < this.#secondEndMs)) {
      if (!Number.isFinite(timeMs)) throw new InvalidOptionError('record.timeMs', timeMs, 'a finite number of ms since the epoch');
      this.#secondStartMs = Math.floor(timeMs / 1000) * 1000;
      this.#secondEndMs = this.#secondStartMs + 1000;
      this.#stamp = formatSyslogTimestamp(this.#secondStartMs, this.utcOffsetSeconds, this.subscription.timestampPadding);
      prefixes.Critical = prefixes.Warning = prefixes.Information = prefixes.Debug = prefixes.Trace = undefined;
    }
    const level = record.level;
    const cached: unknown = prefixes[level];
    let prefix: string;
    if (typeof cached === 'string') prefix = cached;
    else {
      const pri = this.#facilityCode * 8 + this.#severity(level, 'record.level');
      // Joined, not concatenated: a concatenation is a tree of its pieces, which V8 walks again
      // each time the string is copied (every batch's join, for every line of this second); a
      // joined string is flat.
      prefix = [`<${pri}>`, this.#stamp, ' ', this.#hostAndTag, this.#isCef ? '' : `${LEVEL_WORDS[level]}: `].join('');
      prefixes[level] = prefix;
    }
    this.#lastLevel = level;
    this.#lastPrefix = prefix;
    return prefix;
  }
}

/**
 * Creates a {@link SyslogFormatter} for one subscription.
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
  return new SyslogFormatter(subscription, options);
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
