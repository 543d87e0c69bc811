/**
 * A log line as the appliance's own log file holds it (`Wed Jun 25 08:50:04 2014 Info: …`): the
 * file format, which Syslog Push does not send (it sends the BSD header instead), for showing
 * what the appliance logged.
 *
 * @module
 */

import type { LogRecord } from '../core/log-record.js';
import { SYSLOG_MONTHS } from '../core/syslog-format.js';
import { LEVEL_WORDS } from '../core/vocabulary.js';

const WEEKDAYS = ['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'];

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * Formats a record like the appliance's log file: ctime-style local time (the day padded with a
 * space), the level word, the text. CEF records (`consolidated_event`) carry no level word.
 *
 * @param utcOffsetSeconds - local time − UTC. @default 0
 * @example
 * ```ts
 * formatLogfileLine({ timeMs: Date.UTC(2014, 5, 25, 6, 50, 4), level: 'Critical', text: 'Log Error: …' }, 7200);
 * // 'Wed Jun 25 08:50:04 2014 Critical: Log Error: …'
 * ```
 */
export function formatLogfileLine(record: LogRecord, utcOffsetSeconds = 0, isCef = false): string {
  const local = Math.floor(record.timeMs / 1000) + utcOffsetSeconds;
  const days = Math.floor(local / 86_400);
  const seconds = local - days * 86_400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const weekday = WEEKDAYS[((days % 7) + 7) % 7] as string;
  const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
  const stamp = `${weekday} ${SYSLOG_MONTHS[month - 1] as string} ${String(day).padStart(2, ' ')} ${time} ${year}`;
  return isCef ? `${stamp} ${record.text}` : `${stamp} ${LEVEL_WORDS[record.level]}: ${record.text}`;
}
