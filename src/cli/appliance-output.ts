/**
 * The CLI's view of a running appliance: its own log lines (Log Error, alert lines, logfile
 * headers), network errors and alerts, printed as human lines or NDJSON events. Shared by `push`
 * and `demo`.
 *
 * @module
 */

import type { Appliance } from '../appliance/appliance.js';
import type { Clock } from '../clock/clock.js';
import { sleep } from '../clock/clock.js';
import { formatLogLine, ledgerSummary, type CliSummary, type Output } from './output.js';

/** What {@link watchAppliance} returns. */
export interface ApplianceWatch {
  /** Runs `write` with the appliance's `log:written` lines not echoed (content lines). */
  quietly(write: () => void): void;
  /** Network errors seen so far. */
  readonly networkErrors: number;
  /** The summary of the appliance's ledger now. */
  summary(): CliSummary;
}

/**
 * Prints what the appliance logs itself (not the content lines written through
 * {@link ApplianceWatch.quietly}), each network error with its cause, each alert, and each new
 * logfile's header lines as sent.
 */
export function watchAppliance(appliance: Appliance, out: Output): ApplianceWatch {
  const offset = appliance.identity.utcOffsetSeconds;
  let isQuiet = false;
  let networkErrors = 0;
  // The appliance emits push:failed before it logs the Log Error line: the cause is printed
  // right after that line.
  let cause: { readonly message: string; readonly line: string } | undefined;
  appliance.on('log:written', (event) => {
    if (isQuiet) return;
    out.line(formatLogLine(event.record.timeMs, offset, event.record.level, event.record.text));
    if (cause && event.record.text === cause.message) {
      out.line(cause.line);
      cause = undefined;
    }
  });
  appliance.on('push:failed', (event) => {
    networkErrors++;
    out.event('network-error', { at: event.at, subscription: event.subscription, message: event.message, cause: event.cause.code, detail: event.cause.message });
    cause = { message: event.message, line: `  (cause: ${event.cause.code}: ${event.cause.message})` };
  });
  appliance.on('alert:sent', (alert) => {
    // Its human form is the appliance's own "A System/Critical alert was sent to …" line.
    out.event('alert', { at: alert.at, class: alert.alertClass, severity: alert.severity, subject: alert.subject, recipients: [...alert.recipients] });
  });
  appliance.on('alert:suppressed', (event) => {
    out.line(`  duplicate alert held back until ${new Date(event.nextAllowedAt).toISOString()}`);
  });
  for (const subscription of appliance.subscriptions) {
    subscription.on('logfile:started', (event) => {
      out.line(`  new logfile (${event.reason === 'connection' ? 'new connection' : event.reason}), sent first:`);
      for (const line of event.lines) out.line(`    ${line}`);
    });
  }
  return {
    quietly(write) {
      isQuiet = true;
      try {
        write();
      } finally {
        isQuiet = false;
      }
    },
    get networkErrors() {
      return networkErrors;
    },
    summary() {
      return ledgerSummary(appliance.ledger.counts(), networkErrors, appliance.alertCounts.sent);
    },
  };
}

/** Waits `delayMs` on `clock`; resolves early (with `true`) when `signal` aborts. */
export async function pause(clock: Clock, delayMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(clock, delayMs, signal);
    return false;
  } catch {
    return true;
  }
}
