/**
 * What the CLI prints: NDJSON events (`--json`), human lines, the summary table, and a progress
 * line that is rewritten in place on a TTY (never in `--json` or non-TTY output).
 *
 * @module
 */

import type { LedgerCounts } from '../core/ledger.js';
import { LEVEL_WORDS, type LogLevel } from '../core/vocabulary.js';
import { formatCtime } from '../generators/content-pools.js';
import type { CliIo } from './io.js';

/**
 * The final `summary` event: the ledger's counts. `null` where a count is unknown (delivery to a
 * foreign receiver, or a receiver that cannot know what was generated).
 */
export interface CliSummary {
  readonly generated: number | null;
  readonly delivered: number | null;
  readonly dropped: number | null;
  readonly lostInFlight: number | null;
  readonly duplicated: number | null;
  readonly pending: number | null;
  readonly networkErrors: number | null;
  readonly alerts: number | null;
}

/** The summary of an appliance's ledger plus its network errors and alerts. */
export function ledgerSummary(counts: LedgerCounts, networkErrors: number, alerts: number): CliSummary {
  return {
    generated: counts.generated,
    delivered: counts.delivered,
    dropped: counts.dropped,
    lostInFlight: counts.lostInFlight,
    duplicated: counts.duplicated,
    pending: counts.pending,
    networkErrors,
    alerts,
  };
}

/** Where a command writes: NDJSON events or human lines, and the TTY progress line. */
export class Output {
  /** Whether `--json` was given. */
  readonly json: boolean;
  readonly #io: CliIo;
  readonly #isTty: boolean;
  #progressShown = false;

  constructor(io: CliIo, json: boolean) {
    this.#io = io;
    this.json = json;
    this.#isTty = io.stdout.isTTY === true && !json;
  }

  /** One NDJSON event (only with `--json`). */
  event(type: string, fields: Readonly<Record<string, unknown>>): void {
    if (!this.json) return;
    this.#io.stdout.write(`${JSON.stringify({ type, ...fields })}\n`);
  }

  /** One human line (only without `--json`). */
  line(text = ''): void {
    if (this.json) return;
    this.clearProgress();
    this.#io.stdout.write(`${text}\n`);
  }

  /** Several human lines. */
  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** Rewrites the progress line in place (TTY and human output only). */
  progress(text: string): void {
    if (!this.#isTty) return;
    this.#io.stdout.write(`\r${text}\u001b[K`);
    this.#progressShown = true;
  }

  /** Clears the progress line, if one is shown. */
  clearProgress(): void {
    if (!this.#progressShown) return;
    this.#io.stdout.write('\r\u001b[K');
    this.#progressShown = false;
  }

  /** The final summary: a `summary` event, or the table. */
  summary(summary: CliSummary, extra: Readonly<Record<string, unknown>> = {}, unknownNote = 'unknown'): void {
    this.clearProgress();
    if (this.json) {
      this.event('summary', { ...summary, ...extra });
      return;
    }
    this.line('');
    this.lines(summaryTable(summary, unknownNote));
  }
}

const SUMMARY_ROWS: readonly (readonly [keyof CliSummary, string])[] = [
  ['generated', 'generated'],
  ['delivered', 'delivered'],
  ['dropped', 'dropped'],
  ['lostInFlight', 'lost in flight'],
  ['duplicated', 'duplicated'],
  ['pending', 'pending'],
  ['networkErrors', 'network errors'],
  ['alerts', 'alerts'],
];

/** The summary as a small two-column table (`unknown` for null counts). */
export function summaryTable(summary: CliSummary, unknownNote = 'unknown'): string[] {
  const rows = SUMMARY_ROWS.map(([key, label]) => [label, summary[key] === null ? unknownNote : String(summary[key])]);
  return renderTable([['ledger', 'lines'], ...rows], ['left', 'right']);
}

/** Renders rows as aligned columns separated by two spaces; the first row is the header. */
export function renderTable(rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return (align[i] ?? 'left') === 'right' ? cell.padStart(width) : i === row.length - 1 ? cell : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A line as the appliance writes it in its log file: `Wed Jun 25 08:50:03 2014 Info: <text>`
 * (ctime in local time, then the level word).
 */
export function formatLogLine(timeMs: number, utcOffsetSeconds: number, level: LogLevel, text: string): string {
  return `${formatCtime(timeMs, utcOffsetSeconds)} ${LEVEL_WORDS[level]}: ${text}`;
}
