/**
 * Formatter and LF framing throughput for mail_logs records, against a baseline that
 * concatenates a precomputed header with each text (goal: ≥ 0.5× the baseline).
 */
import { encodeFrames } from '../src/core/framing.js';
import type { LogRecord } from '../src/core/log-record.js';
import { resolveSubscriptionOptions } from '../src/core/subscription-options.js';
import { createSyslogFormatter } from '../src/core/syslog-format.js';
import type { BenchPart } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';

const BATCH = 10_000;
const startMs = Date.UTC(2026, 5, 25, 6, 50, 3);

// 1000 lines per second of appliance time, every 50th line at Debug: a busy mail log.
const records: LogRecord[] = Array.from({ length: BATCH }, (_, i) => ({
  timeMs: startMs + i,
  level: i % 50 === 49 ? 'Debug' : 'Information',
  text: MAIL_LOG_TEXTS[i % MAIL_LOG_TEXTS.length] as string,
}));

const subscription = resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1', protocol: 'tcp' });
const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';
const lines: string[] = new Array<string>(BATCH);

const parts: BenchPart[] = [
  {
    name: 'format',
    baseline: {
      name: 'precomputed header + text',
      lines: BATCH,
      run: () => {
        for (let i = 0; i < BATCH; i++) lines[i] = header + (records[i] as LogRecord).text;
        return lines[BATCH - 1];
      },
    },
    cases: [
      {
        name: 'createSyslogFormatter().format',
        lines: BATCH,
        goalRatio: 0.5,
        run: () => {
          // A fresh formatter per batch: its header cache starts cold, as at a new push.
          const formatter = createSyslogFormatter(subscription, { utcOffsetSeconds: 7200 });
          for (let i = 0; i < BATCH; i++) lines[i] = formatter.format(records[i] as LogRecord);
          return lines[BATCH - 1];
        },
      },
    ],
  },
  {
    name: 'format+lf',
    baseline: {
      name: 'header + text, encodeFrames(lf)',
      lines: BATCH,
      run: () => {
        for (let i = 0; i < BATCH; i++) lines[i] = header + (records[i] as LogRecord).text;
        return encodeFrames(lines, 'lf').bytes.length;
      },
    },
    cases: [
      {
        name: 'format, encodeFrames(lf)',
        lines: BATCH,
        goalRatio: 0.5,
        run: () => {
          const formatter = createSyslogFormatter(subscription, { utcOffsetSeconds: 7200 });
          for (let i = 0; i < BATCH; i++) lines[i] = formatter.format(records[i] as LogRecord);
          return encodeFrames(lines, 'lf').bytes.length;
        },
      },
    ],
  },
];

export default parts;
