/**
 * Receiver-side throughput: the incremental frame decoder against a bare `indexOf` scan of the
 * same chunks, and the syslog parser against one big regular expression.
 */
import { encodeFrames, FrameDecoder } from '../src/core/framing.js';
import { resolveSubscriptionOptions } from '../src/core/subscription-options.js';
import { createSyslogFormatter } from '../src/core/syslog-format.js';
import { parseSyslogLine } from '../src/core/syslog-parse.js';
import type { BenchPart } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';

const LINES = 20_000;
const CHUNK_BYTES = 65_536;
const formatter = createSyslogFormatter(resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1' }), { utcOffsetSeconds: 7200 });
const startMs = Date.UTC(2026, 5, 25, 6, 50, 3);
const lines = Array.from({ length: LINES }, (_, i) =>
  formatter.format({ timeMs: startMs + i * 10, level: 'Information', text: MAIL_LOG_TEXTS[i % MAIL_LOG_TEXTS.length] as string }),
);

function chunksOf(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) chunks.push(bytes.subarray(offset, offset + CHUNK_BYTES));
  return chunks;
}

const lfChunks = chunksOf(encodeFrames(lines, 'lf').bytes);
const octetChunks = chunksOf(encodeFrames(lines, 'octet-counting').bytes);

const esaLine =
  /^<(\d{1,3})>([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (?:(\S+) )?([^\s:[]+)(?:\[([^\]]*)\])?: ?(?:(Critical|Warning|Info|Debug|Trace): )?([\s\S]*)$/;

const parts: BenchPart[] = [
  {
    name: 'decode',
    baseline: {
      name: 'indexOf(0x0a) over the chunks',
      lines: LINES,
      run: () => {
        let count = 0;
        for (const chunk of lfChunks) {
          for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) count++;
        }
        return count;
      },
    },
    cases: [
      {
        name: 'FrameDecoder lf',
        lines: LINES,
        goalRatio: 0.3,
        run: () => {
          const decoder = new FrameDecoder({ framing: 'lf' });
          let count = 0;
          for (const chunk of lfChunks) count += decoder.push(chunk).frames.length;
          return count + decoder.end().frames.length;
        },
      },
      {
        name: 'FrameDecoder octet-counting',
        lines: LINES,
        run: () => {
          const decoder = new FrameDecoder({ framing: 'octet-counting' });
          let count = 0;
          for (const chunk of octetChunks) count += decoder.push(chunk).frames.length;
          return count;
        },
      },
    ],
  },
  {
    name: 'parse',
    baseline: {
      name: 'one big RegExp',
      lines: LINES,
      run: () => {
        let count = 0;
        for (const line of lines) if (esaLine.exec(line)) count++;
        return count;
      },
    },
    cases: [
      {
        name: 'parseSyslogLine',
        lines: LINES,
        goalRatio: 0.5,
        run: () => {
          let count = 0;
          for (const line of lines) if (parseSyslogLine(line).ok) count++;
          return count;
        },
      },
    ],
  },
];

export default parts;
