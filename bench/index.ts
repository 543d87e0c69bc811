/**
 * The benchmark harness: `npm run bench [-- <part>…] [--rounds N] [--min-ms MS] [--quick] [--json] [--check]`.
 *
 * Every `bench/*.bench.ts` file default-exports parts (one or an array); the harness finds them
 * itself, so a new part is a new file. Two kinds of part:
 *
 * - {@link BenchPart} (synchronous): a baseline and cases, each a function the harness calls in a
 *   loop. Absolute rates on shared machines swing by ±40 %, so each case is compared with its
 *   part's baseline measured in the same run, rounds interleaved (baseline, case, baseline,
 *   case…), and the table reports medians and the ratio.
 * - {@link AsyncBenchPart}: `runAsync(options)` measures whatever it needs (sockets, workers,
 *   child processes), its own baselines in the same run, and returns its rows.
 *
 * Parts run one after the other, each in a process of its own when there are several (a part's
 * measurements are not shaped by what earlier parts left compiled); the final table lists every row with its ratio, its goal and
 * PASS / MISS. `--check` exits with 1 when a row misses its goal (a row whose baseline is not
 * available, e.g. a peer program that is not installed, neither passes nor misses).
 *
 * Flags: `--rounds N` (default 5; medians of N rounds), `--min-ms MS` (default 300: the least
 * time of one synchronous round), `--quick` (3 rounds of ≥ 100 ms, and smaller asynchronous
 * runs: a smoke test, not figures to quote), `--json` (one JSON object per row instead of the
 * table), part names to run only those (`npm run bench -- appliance transports`).
 *
 * The default run (every part, 5 rounds) takes about three minutes on the project's 2-core
 * machines; `--quick` about one.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './stats.js';

/** One measured thing: `run()` processes `lines` lines (messages, frames…). */
export interface BenchCase {
  /** Shown in the table. */
  readonly name: string;
  /** Lines processed by one call of `run`. */
  readonly lines: number;
  /** Does the work once; returns a value the harness keeps so the work cannot be optimised away. */
  run(): unknown;
  /**
   * The least acceptable ratio of this case's rate to the baseline's (`--check` enforces it).
   * @default undefined (no goal)
   */
  readonly goalRatio?: number;
}

/** A group of synchronous cases measured against one baseline. */
export interface BenchPart {
  /** The part's name (select it with `npm run bench -- <name>`). */
  readonly name: string;
  /** What the cases are compared with. */
  readonly baseline: BenchCase;
  /** The cases. */
  readonly cases: readonly BenchCase[];
}

/** What the harness passes to {@link AsyncBenchPart.runAsync}. */
export interface AsyncBenchOptions {
  /**
   * Rounds per comparison (report medians).
   * @default 5 (3 with `--quick`)
   */
  readonly rounds: number;
  /**
   * A smoke run: measure less (fewer lines, shorter runs) so the whole harness finishes fast.
   * @default false
   */
  readonly isQuick: boolean;
}

/**
 * One row of an asynchronous part: a rate compared with a baseline measured in the same run.
 * (`bench/server.bench.ts`'s `run()` rows have this shape.)
 */
export interface AsyncRateRow {
  /** The case. */
  readonly name: string;
  /** Its median rate. */
  readonly linesPerSecond: number;
  /** What it is compared with. */
  readonly baselineName: string;
  /** The baseline's median rate; `null` when the baseline is not available here. */
  readonly baselineLinesPerSecond: number | null;
  /** `linesPerSecond / baselineLinesPerSecond`; `null` without a baseline. */
  readonly ratio: number | null;
  /** The least acceptable ratio; `null` for none. */
  readonly goal: number | null;
  /** A short note shown after the case name (`loggen not found`, `avg 92 B/line`…). */
  readonly note?: string;
}

/** One row of an asynchronous part: a measured amount with an upper limit (memory growth…). */
export interface AsyncLimitRow {
  /** The case. */
  readonly name: string;
  /** The measured amount, in `unit`. */
  readonly value: number;
  /** The unit of `value` and `limit` (`MB`). */
  readonly unit: string;
  /** The most acceptable value; `null` for none. */
  readonly limit: number | null;
  /** A short note shown after the case name. */
  readonly note?: string;
}

/** A row an asynchronous part returns. */
export type AsyncBenchRow = AsyncRateRow | AsyncLimitRow;

/** A part that measures asynchronously (sockets, workers, child processes). */
export interface AsyncBenchPart {
  /** The part's name (select it with `npm run bench -- <name>`). */
  readonly name: string;
  /** Measures; resolves with its rows. Must close everything it opened before resolving. */
  runAsync(options: AsyncBenchOptions): Promise<readonly AsyncBenchRow[]>;
}

/** Anything a `*.bench.ts` file may default-export (one part or a list). */
export type AnyBenchPart = BenchPart | AsyncBenchPart;

/** A row of the final table (and of `--json`). */
export interface Row {
  readonly part: string;
  readonly name: string;
  /** The rate, or `null` for a limit row. */
  readonly linesPerSecond: number | null;
  /** The baseline's rate (`null`: none, or not available). */
  readonly baselineLinesPerSecond: number | null;
  /** Rate ÷ baseline rate; `null` for a baseline row, a limit row, or without a baseline. */
  readonly ratio: number | null;
  /** The goal ratio (rate rows) or the limit (limit rows); `null` for none. */
  readonly goal: number | null;
  /** Limit rows: the measured amount and its unit. */
  readonly value?: number;
  readonly unit?: string;
  /** `true` met, `false` missed, `null` no goal or nothing to compare with. */
  readonly ok: boolean | null;
  readonly note?: string;
}

let sink = 0;

function keep(value: unknown): void {
  if (typeof value === 'number') sink += value;
  else if (typeof value === 'string') sink += value.length;
  else if (value !== undefined && value !== null) sink += 1;
}

/** Lines per second of one round: repeats `run` until `minMs` have passed (at most 1e6 calls). */
function round(bench: BenchCase, minMs: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (calls < 1_000_000) {
    keep(bench.run());
    calls++;
    elapsed = performance.now() - start;
    if (elapsed >= minMs) break;
  }
  return (calls * bench.lines) / (elapsed / 1000);
}


/** A row of a synchronous part (always a rate). */
export type SyncRow = Row & { readonly linesPerSecond: number };

/** Measures a synchronous part: warm-up, then `rounds` interleaved rounds of the baseline and every case. */
export function measurePart(part: BenchPart, rounds: number, minMs: number): SyncRow[] {
  const all = [part.baseline, ...part.cases];
  for (const bench of all) round(bench, Math.min(minMs, 100));
  const samples = all.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    all.forEach((bench, i) => samples[i]?.push(round(bench, minMs)));
  }
  const baselineRate = median(samples[0] as number[]);
  return all.map((bench, i) => {
    const linesPerSecond = median(samples[i] as number[]);
    if (i === 0) {
      return { part: part.name, name: `${bench.name} (baseline)`, linesPerSecond, baselineLinesPerSecond: null, ratio: null, goal: null, ok: null };
    }
    const ratio = linesPerSecond / baselineRate;
    const goal = bench.goalRatio ?? null;
    return { part: part.name, name: bench.name, linesPerSecond, baselineLinesPerSecond: baselineRate, ratio, goal, ok: goal === null ? null : ratio >= goal };
  });
}

/** Whether `part` is an {@link AsyncBenchPart}. */
export function isAsyncPart(part: AnyBenchPart): part is AsyncBenchPart {
  return typeof (part as Partial<AsyncBenchPart>).runAsync === 'function';
}

/** Turns an asynchronous part's rows into table rows: each rate row with its baseline's row before it. */
export function asyncRows(part: string, rows: readonly AsyncBenchRow[]): Row[] {
  const out: Row[] = [];
  const baselinesShown = new Set<string>();
  for (const row of rows) {
    const note = row.note === undefined ? {} : { note: row.note };
    if ('value' in row) {
      const ok = row.limit === null ? null : row.value <= row.limit;
      out.push({ part, name: row.name, linesPerSecond: null, baselineLinesPerSecond: null, ratio: null, goal: row.limit, value: row.value, unit: row.unit, ok, ...note });
      continue;
    }
    if (!baselinesShown.has(row.baselineName)) {
      baselinesShown.add(row.baselineName);
      out.push({
        part,
        name: `${row.baselineName} (baseline)`,
        linesPerSecond: row.baselineLinesPerSecond,
        baselineLinesPerSecond: null,
        ratio: null,
        goal: null,
        ok: null,
        ...(row.baselineLinesPerSecond === null ? { note: 'not available' } : {}),
      });
    }
    const ok = row.goal === null || row.ratio === null ? null : row.ratio >= row.goal;
    out.push({ part, name: row.name, linesPerSecond: row.linesPerSecond, baselineLinesPerSecond: row.baselineLinesPerSecond, ratio: row.ratio, goal: row.goal, ok, ...note });
  }
  return out;
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)} k`;
  return rate.toFixed(0);
}

/** The final table: one line per row, with the goal and PASS / MISS. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => {
    const isLimit = row.value !== undefined;
    const measured = isLimit ? `${(row.value as number).toFixed(1)} ${row.unit ?? ''}` : row.linesPerSecond === null ? '–' : formatRate(row.linesPerSecond);
    const ratio = row.ratio === null ? (row.name.endsWith('(baseline)') && row.linesPerSecond !== null ? '1.00×' : '') : `${row.ratio.toFixed(2)}×`;
    const goal = row.goal === null ? '' : isLimit ? `≤ ${row.goal} ${row.unit ?? ''}` : `≥ ${row.goal}×`;
    const result = row.ok === null ? (row.goal !== null ? 'n/a' : '') : row.ok ? 'PASS' : 'MISS';
    return [row.part, row.note === undefined ? row.name : `${row.name} [${row.note}]`, measured, ratio, goal, result];
  });
  const header = ['part', 'case', 'lines/s', 'vs baseline', 'goal', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] as string).length)));
  const line = (cell: readonly string[]) => cell.map((text, column) => text.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

async function loadParts(): Promise<AnyBenchPart[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    // Sources under tsx; compiled files in .bench/ (`npm run bench` compiles them first).
    .filter((name) => /\.bench\.[jt]s$/.test(name))
    .sort();
  const parts: AnyBenchPart[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default: AnyBenchPart | AnyBenchPart[] };
    parts.push(...(Array.isArray(module.default) ? module.default : [module.default]));
  }
  return parts;
}

/** The harness's command line. */
export interface BenchArgs {
  readonly names: string[];
  readonly rounds: number;
  readonly minMs: number;
  readonly isQuick: boolean;
  readonly json: boolean;
  readonly check: boolean;
}

/**
 * Parses the harness flags (see the module comment).
 *
 * @throws Error naming the flag for an unknown flag or a bad value.
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const names: string[] = [];
  let rounds: number | undefined;
  let minMs: number | undefined;
  let isQuick = false;
  let json = false;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--check') check = true;
    else if (arg === '--quick') isQuick = true;
    else if (arg === '--rounds' || arg === '--min-ms') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`${arg} must be an integer from 1 to 10000`);
      if (arg === '--rounds') rounds = value;
      else minMs = value;
    } else if (arg.startsWith('-')) throw new Error(`unknown flag ${arg}; use [part…] [--rounds N] [--min-ms MS] [--quick] [--json] [--check]`);
    else names.push(arg);
  }
  return { names, rounds: rounds ?? (isQuick ? 3 : 5), minMs: minMs ?? (isQuick ? 100 : 300), isQuick, json, check };
}

/** Runs `parts` in order; `onPart` hears about each part as it finishes. */
export async function runParts(parts: readonly AnyBenchPart[], args: BenchArgs, onPart?: (part: string, rows: readonly Row[], elapsedMs: number) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const part of parts) {
    const start = performance.now();
    const partRows = isAsyncPart(part) ? asyncRows(part.name, await part.runAsync({ rounds: args.rounds, isQuick: args.isQuick })) : measurePart(part, args.rounds, args.minMs);
    rows.push(...partRows);
    onPart?.(part.name, partRows, performance.now() - start);
  }
  return rows;
}

/** Runs each part in a child process of this harness (`--json`), collecting its rows. */
function runPartsInChildren(parts: readonly AnyBenchPart[], args: BenchArgs, onPart: (part: string, rows: readonly Row[], elapsedMs: number) => void): Row[] {
  const flags = ['--rounds', String(args.rounds), '--min-ms', String(args.minMs), ...(args.isQuick ? ['--quick'] : []), '--json'];
  const rows: Row[] = [];
  for (const part of parts) {
    const start = performance.now();
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), part.name, ...flags], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(`bench part ${part.name} failed (exit ${child.status ?? child.signal})`);
    const partRows = child.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Row);
    rows.push(...partRows);
    onPart(part.name, partRows, performance.now() - start);
  }
  return rows;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const args = parseArgs(process.argv.slice(2));
  const all = await loadParts();
  const parts = all.filter((part) => args.names.length === 0 || args.names.includes(part.name));
  const unknown = args.names.filter((name) => !all.some((part) => part.name === name));
  if (parts.length === 0 || unknown.length > 0) {
    console.error(`no bench part named ${unknown.join(', ')}; parts: ${all.map((part) => part.name).join(', ')}`);
    process.exitCode = 2;
  } else {
    const started = performance.now();
    const onPart = (part: string, _rows: readonly Row[], elapsedMs: number): void => {
      if (!args.json) console.error(`${part}: done in ${(elapsedMs / 1000).toFixed(1)} s`);
    };
    // One part: measure here. Several: each in a process of its own, so that no part measures
    // code that an earlier part's inputs left JIT-compiled for other shapes (a case measured
    // 0.35× after the others and 0.65× alone).
    const rows = parts.length === 1 ? await runParts(parts, args, onPart) : runPartsInChildren(parts, args, onPart);
    if (args.json) for (const row of rows) console.log(JSON.stringify(row));
    else {
      console.log(
        `node ${process.version}, ${args.rounds} rounds${args.isQuick ? ' (quick)' : ''}, sync rounds of ≥ ${args.minMs} ms, medians, ${((performance.now() - started) / 1000).toFixed(0)} s (sink ${sink % 10})`,
      );
      console.log(formatTable(rows));
    }
    if (args.check && rows.some((row) => row.ok === false)) process.exitCode = 1;
  }
}
