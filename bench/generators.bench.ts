/**
 * Generator throughput: how many realistic log lines per second the generators produce, against
 * a baseline that only wraps precomputed texts in `LogRecord`s (the allocation floor any
 * generator pays). The mail_logs goal is an absolute one, ≥ 1,000,000 lines/s on the project's
 * 2-core machines; the harness prints the absolute rate next to the ratio.
 *
 * Each run builds a fresh generator with a fixed seed and generates a fixed window, so every run
 * writes the same lines (the count below is measured once at load). The window is cut into
 * one-second calls into a reused array, as a consumer pulling a second at a time would do.
 *
 * Run it with the harness (`npm run bench -- generators`) or alone
 * (`npx tsx bench/generators.bench.ts`), which prints one row per case.
 */
import { pathToFileURL } from 'node:url';
import type { LogRecord } from '../src/core/log-record.js';
import { createGenerator, type GeneratorLogType } from '../src/generators/create-generator.js';
import type { BenchCase, BenchPart } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';

const START_MS = Date.UTC(2026, 5, 25, 6, 50, 0);
const out: LogRecord[] = [];
/** Keeps the texts' checksums so that reading them cannot be optimised away. */
export let textChecksum = 0;

/** Generates `windowMs` of `logType` with `options` in one-second calls; returns the line count. */
function generateWindow(logType: GeneratorLogType, options: Record<string, unknown>, windowMs: number, flatten: boolean): number {
  const generator = createGenerator(logType, { seed: 1, ...options });
  let lines = 0;
  let checksum = 0;
  for (let fromMs = START_MS; fromMs < START_MS + windowMs; fromMs += 1000) {
    out.length = 0;
    lines += generator.generate(fromMs, fromMs + 1000, out);
    // A consumer reads every text: reading a character makes V8 flatten the concatenation.
    if (flatten) for (const record of out) checksum += record.text.charCodeAt(record.text.length - 1);
  }
  textChecksum = (textChecksum + checksum) | 0;
  return lines;
}

function generatorCase(name: string, logType: GeneratorLogType, options: Record<string, unknown>, windowMs: number, flatten = false): BenchCase {
  return {
    name,
    lines: generateWindow(logType, options, windowMs, flatten),
    run: () => generateWindow(logType, options, windowMs, flatten),
  };
}

const BASELINE_LINES = 100_000;

const baseline: BenchCase = {
  name: 'LogRecords of precomputed texts',
  lines: BASELINE_LINES,
  run: () => {
    out.length = 0;
    for (let i = 0; i < BASELINE_LINES; i++) {
      out.push({ timeMs: START_MS + (i >> 6), level: 'Information', text: MAIL_LOG_TEXTS[i % MAIL_LOG_TEXTS.length] as string });
    }
    return out.length;
  },
};

const parts: BenchPart[] = [
  {
    name: 'generators',
    baseline,
    cases: [
      generatorCase('mail_logs 1000 msg/s', 'mail_logs', { messagesPerSecond: 1000 }, 10_000),
      generatorCase('mail_logs 1000 msg/s, texts read', 'mail_logs', { messagesPerSecond: 1000 }, 10_000, true),
      generatorCase('mail_logs 50 msg/s', 'mail_logs', { messagesPerSecond: 50 }, 120_000),
      generatorCase('consolidated_event 5000/s (CEF)', 'consolidated_event', { linesPerSecond: 5000 }, 10_000),
      generatorCase('gui_logs 20000/s', 'gui_logs', { linesPerSecond: 20_000 }, 5_000),
      generatorCase('amp 20000/s', 'amp', { linesPerSecond: 20_000 }, 5_000),
    ],
  },
];

export default parts;

/** One measured row: the case, its rate, and the baseline's rate in the same run. */
export interface GeneratorBenchRow {
  readonly name: string;
  readonly linesPerSecond: number;
  readonly baselineLinesPerSecond?: number;
}

/** Measures every case with the harness's interleaved rounds and returns one row per case. */
export async function run(rounds = 5, minMs = 300): Promise<GeneratorBenchRow[]> {
  const { measurePart } = await import('./index.js');
  return parts.flatMap((part) => {
    const rows = measurePart(part, rounds, minMs);
    const baselineRate = rows[0]?.linesPerSecond;
    return rows.map((row, index) => (index === 0 ? { name: row.name, linesPerSecond: row.linesPerSecond } : { name: row.name, linesPerSecond: row.linesPerSecond, baselineLinesPerSecond: baselineRate }));
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
