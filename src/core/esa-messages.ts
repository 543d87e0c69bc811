/**
 * What the appliance says when a push fails: the `Log Error` lines of its mail log, the alert
 * subject and the line that records the alert, and the duplicate-alert back-off schedule.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import { MAX_DURATION_MS, parseDurationMs } from './units.js';

/**
 * The mail-log line of a failed push, exactly as ESA writes it:
 * `Log Error: Subscription <name>: Network error while sending log data to syslog server`.
 */
export function logErrorText(subscriptionName: string): string {
  return `Log Error: Subscription ${subscriptionName}: Network error while sending log data to syslog server`;
}

/**
 * The mail-log line of a failed connect: `Log Error: Subscription <name>: Failed to connect to
 * <host>`. Seen in the field only truncated (`Failed to connect to <host>…`): the ending is
 * **assumed**.
 */
export function connectFailedText(subscriptionName: string, host: string): string {
  return `Log Error: Subscription ${subscriptionName}: Failed to connect to ${host}`;
}

/** Alert severities, as the appliance writes them in subjects. */
export type AlertSeverity = 'Critical' | 'Warning' | 'Information';

/** Alert classes (ESA's alert catalogue); logging errors belong to `System`. */
export type AlertClass = 'System' | 'Hardware' | 'Updater' | 'Anti-Virus' | 'Anti-Spam' | 'Directory Harvest Attack Prevention' | 'Outbreak Filters' | 'Clustering';

/** One alert. */
export interface AlertDescription {
  /**
   * The severity.
   * @default 'Critical'
   */
  severity?: AlertSeverity;
  /**
   * The class.
   * @default 'System'
   */
  alertClass?: AlertClass;
  /** The appliance's hostname, as it appears in the subject. */
  hostname: string;
  /** The alert text (for a failed push: {@link logErrorText}). */
  text: string;
}

/**
 * The alert mail's subject: `Critical <System> <hostname>: <text>`.
 *
 * @example
 * ```ts
 * alertSubject({ hostname: 'esa1.example.com', text: logErrorText('Mail_Log') });
 * // 'Critical <System> esa1.example.com: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server'
 * ```
 */
export function alertSubject(alert: AlertDescription): string {
  return `${alert.severity ?? 'Critical'} <${alert.alertClass ?? 'System'}> ${alert.hostname}: ${alert.text}`;
}

/**
 * How many characters of the alert text the logged subject keeps before `...`: 60 in field
 * samples (the default, **assumed**), 63 in the seed capture.
 */
export const DEFAULT_ALERT_SUBJECT_TEXT_CHARS = 60;

/**
 * The mail-log line that records a sent alert:
 * `A System/Critical alert was sent to <recipient> with subject "<subject>".`, where the alert
 * text inside the subject is cut at `textChars` characters and `...` appended (only when it was
 * cut: **assumed**; every sample seen was cut). One line per recipient (**assumed**).
 *
 * @param textChars - characters of the alert text kept, an integer ≥ 1. @default 60
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid `textChars`.
 */
export function alertSentText(alert: AlertDescription, recipient: string, textChars = DEFAULT_ALERT_SUBJECT_TEXT_CHARS): string {
  if (!Number.isInteger(textChars) || textChars < 1) {
    throw new InvalidOptionError('textChars', textChars, 'an integer of at least 1');
  }
  const text = alert.text.length > textChars ? `${cutAtCodePoint(alert.text, textChars)}...` : alert.text;
  const subject = alertSubject({ ...alert, text });
  return `A ${alert.alertClass ?? 'System'}/${alert.severity ?? 'Critical'} alert was sent to ${recipient} with subject "${subject}".`;
}

/** `text` cut at `chars` UTF-16 units, one unit shorter when that would split a surrogate pair. */
function cutAtCodePoint(text: string, chars: number): string {
  const code = text.charCodeAt(chars - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? chars - 1 : chars);
}

/** ESA's "wait before sending a duplicate alert" settings. */
export interface DuplicateAlertOptions {
  /**
   * The first wait before a duplicate of an alert is sent again, in ms (a number or a duration
   * string such as `"5m"`); 0 sends every duplicate. **Assumed** default: 300 s.
   * @default 300000
   */
  initialWaitMs?: number | string;
  /**
   * The cap on the wait, in ms (number or duration string); at least `initialWaitMs`.
   * **Assumed** default: 3600 s.
   * @default 3600000
   */
  maxWaitMs?: number | string;
}

/** Resolved {@link DuplicateAlertOptions}. */
export interface ResolvedDuplicateAlertOptions {
  readonly initialWaitMs: number;
  readonly maxWaitMs: number;
}

/** The assumed ESA defaults: 300 s, capped at 3600 s. */
export const DEFAULT_DUPLICATE_ALERT_OPTIONS: ResolvedDuplicateAlertOptions = Object.freeze({
  initialWaitMs: 300_000,
  maxWaitMs: 3_600_000,
});

/**
 * Validates and defaults {@link DuplicateAlertOptions}.
 *
 * @param option - prefix for error messages (`alerts` → `alerts.initialWaitMs`).
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`).
 */
export function resolveDuplicateAlertOptions(input: DuplicateAlertOptions = {}, option = ''): ResolvedDuplicateAlertOptions {
  const name = (key: string): string => (option ? `${option}.${key}` : key);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError(option || 'duplicateAlerts', input, 'an object { initialWaitMs, maxWaitMs }');
  }
  for (const key of Object.keys(input)) {
    if (key !== 'initialWaitMs' && key !== 'maxWaitMs') {
      throw new InvalidOptionError(name(key), (input as Record<string, unknown>)[key], 'not set (unknown option; known: initialWaitMs, maxWaitMs)');
    }
  }
  const initialWaitMs =
    input.initialWaitMs === undefined ? DEFAULT_DUPLICATE_ALERT_OPTIONS.initialWaitMs : parseDurationMs(name('initialWaitMs'), input.initialWaitMs);
  const maxWaitMs =
    input.maxWaitMs === undefined
      ? Math.max(DEFAULT_DUPLICATE_ALERT_OPTIONS.maxWaitMs, initialWaitMs)
      : parseDurationMs(name('maxWaitMs'), input.maxWaitMs);
  if (maxWaitMs < initialWaitMs) {
    throw new InvalidOptionError(name('maxWaitMs'), input.maxWaitMs, `a duration of at least initialWaitMs (${initialWaitMs} ms) and at most ${MAX_DURATION_MS} ms`);
  }
  return Object.freeze({ initialWaitMs, maxWaitMs });
}

/**
 * The wait before the next duplicate of an alert may be sent, after a duplicate was sent having
 * waited `previousWaitMs` (`undefined` after the first alert): `initial` first, then
 * `initial + 2 × previous`, capped by `max` — initial 5 s gives 5, 15, 35, 75 s…
 *
 * @example
 * ```ts
 * const options = resolveDuplicateAlertOptions({ initialWaitMs: 5000, maxWaitMs: 60_000 });
 * nextDuplicateAlertWaitMs(undefined, options); // 5000
 * nextDuplicateAlertWaitMs(5000, options);      // 15000
 * ```
 */
export function nextDuplicateAlertWaitMs(previousWaitMs: number | undefined, options: ResolvedDuplicateAlertOptions): number {
  const { initialWaitMs, maxWaitMs } = options;
  const wait = previousWaitMs === undefined ? initialWaitMs : initialWaitMs + 2 * previousWaitMs;
  return Math.min(maxWaitMs, wait);
}

/**
 * The successive waits between duplicates of one alert (an endless iterator: bound it).
 *
 * @example
 * ```ts
 * const waits = duplicateAlertWaitsMs(resolveDuplicateAlertOptions({ initialWaitMs: 5000, maxWaitMs: 60_000 }));
 * // 5000, 15000, 35000, 60000, 60000, …
 * ```
 */
export function* duplicateAlertWaitsMs(options: ResolvedDuplicateAlertOptions): Generator<number, never, void> {
  let wait: number | undefined;
  for (;;) {
    wait = nextDuplicateAlertWaitMs(wait, options);
    yield wait;
  }
}
