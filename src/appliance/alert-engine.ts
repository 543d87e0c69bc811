/**
 * The appliance's alert engine: System/Critical alerts for logging errors, with ESA's
 * "wait before sending a duplicate alert" back-off.
 *
 * @module
 */

import {
  type AlertClass,
  type AlertSeverity,
  alertSentText,
  alertSubject,
  type DuplicateAlertOptions,
  nextDuplicateAlertWaitMs,
  type ResolvedDuplicateAlertOptions,
  resolveDuplicateAlertOptions,
  DEFAULT_ALERT_SUBJECT_TEXT_CHARS,
} from '../core/esa-messages.js';
import { InvalidOptionError } from '../core/errors.js';
import { expectInteger } from '../core/units.js';

/** Alert settings of an appliance (System Administration > Alerts). */
export interface AlertOptions {
  /**
   * Who receives System alerts.
   * @default ['admin@example.com']
   */
  recipients?: readonly string[];
  /** Duplicate-alert waits (**assumed** defaults 300 s initial, 3600 s maximum). */
  duplicates?: DuplicateAlertOptions;
  /**
   * Characters of the alert text kept in the logged subject before `...` (60 in field samples,
   * 63 in the seed capture; **assumed** default 60).
   * @default 60
   */
  subjectTextChars?: number;
}

/** Resolved {@link AlertOptions}. */
export interface ResolvedAlertOptions {
  readonly recipients: readonly string[];
  readonly duplicates: ResolvedDuplicateAlertOptions;
  readonly subjectTextChars: number;
}

/** The default alert recipient. */
export const DEFAULT_ALERT_RECIPIENTS: readonly string[] = Object.freeze(['admin@example.com']);

const EMAIL_PATTERN = /^[^\s@<>"]+@[^\s@<>"]+$/;

/**
 * Validates and defaults {@link AlertOptions}.
 *
 * @throws InvalidOptionError naming `alerts.recipients`, `alerts.subjectTextChars`, … .
 */
export function resolveAlertOptions(input: AlertOptions = {}, option = 'alerts'): ResolvedAlertOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError(option, input, 'an object { recipients, duplicates, subjectTextChars }');
  }
  for (const key of Object.keys(input)) {
    if (!['recipients', 'duplicates', 'subjectTextChars'].includes(key)) {
      throw new InvalidOptionError(`${option}.${key}`, (input as Record<string, unknown>)[key], 'not set (known: recipients, duplicates, subjectTextChars)');
    }
  }
  const recipients = input.recipients ?? DEFAULT_ALERT_RECIPIENTS;
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > 100) {
    throw new InvalidOptionError(`${option}.recipients`, recipients, 'a list of 1 to 100 e-mail addresses');
  }
  recipients.forEach((recipient, index) => {
    if (typeof recipient !== 'string' || !EMAIL_PATTERN.test(recipient)) {
      throw new InvalidOptionError(`${option}.recipients[${index}]`, recipient, 'an e-mail address such as admin@example.com');
    }
  });
  return Object.freeze({
    recipients: Object.freeze([...recipients]),
    duplicates: resolveDuplicateAlertOptions(input.duplicates ?? {}, `${option}.duplicates`),
    subjectTextChars: expectInteger(`${option}.subjectTextChars`, input.subjectTextChars ?? DEFAULT_ALERT_SUBJECT_TEXT_CHARS, 1, 1000),
  });
}

/** An alert the engine sent. */
export interface SentAlert {
  /** When (clock ms). */
  readonly at: number;
  /** `System`. */
  readonly alertClass: AlertClass;
  /** `Critical`. */
  readonly severity: AlertSeverity;
  /** The full subject: `Critical <System> <hostname>: <text>`. */
  readonly subject: string;
  /** The alert text. */
  readonly text: string;
  /** The recipients. */
  readonly recipients: readonly string[];
  /** The lines the appliance logs for it, one per recipient (`A System/Critical alert was sent to …`). */
  readonly loggedLines: readonly string[];
  /** Duplicates of this alert held back since the previous one was sent. */
  readonly suppressedBefore: number;
}

/** What {@link AlertEngine.raise} decided. */
export type AlertOutcome =
  | { readonly kind: 'sent'; readonly alert: SentAlert }
  | { readonly kind: 'suppressed'; readonly text: string; readonly at: number; readonly nextAllowedAt: number };

interface DuplicateState {
  lastSentAt: number;
  waitMs: number;
  suppressed: number;
}

/**
 * Decides which alerts are sent and which duplicates are held back. Pure bookkeeping: the
 * appliance calls {@link raise} with the clock time and acts on the outcome (emits the alert,
 * logs the line).
 *
 * Duplicates: after an alert is sent, the same text is held back for `initialWaitMs`; the next
 * one sent after that raises the wait to `initial + 2 × previous`, capped by `maxWaitMs`. When a
 * duplicate comes more than `maxWaitMs` after the current wait ended, the schedule starts over
 * (**assumed**). `initialWaitMs` 0 sends every duplicate.
 */
export class AlertEngine {
  readonly #hostname: string;
  readonly #options: ResolvedAlertOptions;
  readonly #duplicates = new Map<string, DuplicateState>();
  #sent = 0;
  #suppressed = 0;

  constructor(hostname: string, options: ResolvedAlertOptions) {
    this.#hostname = hostname;
    this.#options = options;
  }

  /** Alerts sent so far. */
  get sentCount(): number {
    return this.#sent;
  }

  /** Duplicates held back so far. */
  get suppressedCount(): number {
    return this.#suppressed;
  }

  /** Raises a System/Critical alert with `text` at clock time `at`. */
  raise(text: string, at: number): AlertOutcome {
    const { initialWaitMs, maxWaitMs } = this.#options.duplicates;
    const state = this.#duplicates.get(text);
    let suppressedBefore = 0;
    if (state && initialWaitMs > 0) {
      const quietMs = at - state.lastSentAt;
      if (quietMs < state.waitMs) {
        state.suppressed++;
        this.#suppressed++;
        return { kind: 'suppressed', text, at, nextAllowedAt: state.lastSentAt + state.waitMs };
      }
      suppressedBefore = state.suppressed;
      const restart = quietMs > state.waitMs + maxWaitMs;
      state.waitMs = restart ? nextDuplicateAlertWaitMs(undefined, this.#options.duplicates) : nextDuplicateAlertWaitMs(state.waitMs, this.#options.duplicates);
      state.lastSentAt = at;
      state.suppressed = 0;
    } else {
      this.#duplicates.set(text, { lastSentAt: at, waitMs: nextDuplicateAlertWaitMs(undefined, this.#options.duplicates), suppressed: 0 });
    }
    this.#sent++;
    const description = { hostname: this.#hostname, text, severity: 'Critical' as const, alertClass: 'System' as const };
    const alert: SentAlert = Object.freeze({
      at,
      alertClass: 'System',
      severity: 'Critical',
      subject: alertSubject(description),
      text,
      recipients: this.#options.recipients,
      loggedLines: Object.freeze(
        this.#options.recipients.map((recipient) => alertSentText(description, recipient, this.#options.subjectTextChars)),
      ),
      suppressedBefore,
    });
    return { kind: 'sent', alert };
  }
}
