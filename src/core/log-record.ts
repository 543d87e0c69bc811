/**
 * A log line as the appliance writes it, before it is formatted for the wire.
 *
 * @module
 */

import type { LogLevel } from './vocabulary.js';

/** One line written to an ESA log. */
export interface LogRecord {
  /** When it was written, in ms since the Unix epoch (UTC). */
  readonly timeMs: number;
  /** Its level. */
  readonly level: LogLevel;
  /** The text after `<Level>: ` (for CEF logs, the whole `CEF:0|…` text). */
  readonly text: string;
}
