/**
 * A tiny benchmark harness: `npm run bench [-- <part>…] [--rounds N] [--min-ms MS] [--json] [--check]`.
 *
 * Every `bench/*.bench.ts` file default-exports one {@link BenchPart} (or an array of them); the
 * harness finds them itself, so a new part is a new file. Absolute rates on shared machines
 * swing by ±40 %, so each case is compared with its part's baseline measured in the same run,
 * rounds interleaved (baseline, case, baseline, case…), and the table reports medians and the
 * ratio. `--check` exits with 1 when a case misses its goal ratio.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** A group of cases measured against one baseline. */
export interface BenchPart {
  /** The part's name (select it with `npm run bench -- <name>`). */
  readonly name: string;
  /** What the cases are compared with. */
  readonly baseline: BenchCase;
  /** The cases. */
  readonly cases: readonly BenchCase[];
}

interface Row {
  part: string;
  name: string;
  linesPerSecond: number;
  ratio: number | undefined;
  goalRatio: number | undefined;
  ok: boolean | undefined;
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Measures a part: warm-up, then `rounds` interleaved rounds of the baseline and every case. */
export function measurePart(part: BenchPart, rounds: number, minMs: number): Row[] {
  const all = [part.baseline, ...part.cases];
  for (const bench of all) round(bench, Math.min(minMs, 100));
  const samples = all.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    all.forEach((bench, i) => samples[i]?.push(round(bench, minMs)));
  }
  const baselineRate = median(samples[0] as number[]);
  return all.map((bench, i) => {
    const linesPerSecond = median(samples[i] as number[]);
    const ratio = i === 0 ? undefined : linesPerSecond / baselineRate;
    const goalRatio = i === 0 ? undefined : bench.goalRatio;
    return {
      part: part.name,
      name: i === 0 ? `${bench.name} (baseline)` : bench.name,
      linesPerSecond,
      ratio,
      goalRatio,
      ok: ratio === undefined || goalRatio === undefined ? undefined : ratio >= goalRatio,
    };
  });
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)} k`;
  return rate.toFixed(0);
}

function printTable(rows: readonly Row[]): void {
  const cells = rows.map((row) => [
    row.part,
    row.name,
    formatRate(row.linesPerSecond),
    row.ratio === undefined ? '1.00×' : `${row.ratio.toFixed(2)}×`,
    row.goalRatio === undefined ? '' : `≥ ${row.goalRatio}× ${row.ok ? 'ok' : 'MISSED'}`,
  ]);
  const header = ['part', 'case', 'lines/s', 'vs baseline', 'goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] as string).length)));
  const line = (cell: readonly string[]) => cell.map((text, column) => text.padEnd(widths[column] as number)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const cell of cells) console.log(line(cell));
}

async function loadParts(): Promise<BenchPart[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts'))
    .sort();
  const parts: BenchPart[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default: BenchPart | BenchPart[] };
    parts.push(...(Array.isArray(module.default) ? module.default : [module.default]));
  }
  return parts;
}

function parseArgs(argv: readonly string[]): { names: string[]; rounds: number; minMs: number; json: boolean; check: boolean } {
  const names: string[] = [];
  let rounds = 5;
  let minMs = 300;
  let json = false;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--check') check = true;
    else if (arg === '--rounds' || arg === '--min-ms') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`${arg} must be an integer from 1 to 10000`);
      if (arg === '--rounds') rounds = value;
      else minMs = value;
    } else if (arg.startsWith('-')) throw new Error(`unknown flag ${arg}; use [part…] [--rounds N] [--min-ms MS] [--json] [--check]`);
    else names.push(arg);
  }
  return { names, rounds, minMs, json, check };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const args = parseArgs(process.argv.slice(2));
  const parts = (await loadParts()).filter((part) => args.names.length === 0 || args.names.includes(part.name));
  if (parts.length === 0) {
    console.error(`no bench part matches ${args.names.join(', ')}`);
    process.exitCode = 2;
  } else {
    const rows: Row[] = [];
    for (const part of parts) rows.push(...measurePart(part, args.rounds, args.minMs));
    if (args.json) for (const row of rows) console.log(JSON.stringify(row));
    else {
      console.log(`node ${process.version}, ${args.rounds} rounds of ≥ ${args.minMs} ms, medians (sink ${sink % 10})`);
      printTable(rows);
    }
    if (args.check && rows.some((row) => row.ok === false)) process.exitCode = 1;
  }
}
