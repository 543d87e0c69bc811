/**
 * End to end in the virtual world (the harness's asynchronous part `vnet-e2e`;
 * `npm run bench -- vnet-e2e`): scenarios run by `runScenario()` — generator → Appliance →
 * TcpTransport on a virtual host → VirtualNetwork link → SyslogServer on the other virtual host →
 * ledger — with faults on a timeline, on a VirtualClock, tracing off.
 *
 * - **Throughput**: a mail_logs generator at 20,000 lines per simulated second, one push per
 *   simulated second, the ESA policy, a fault timeline (an IPS resetting after 1 MiB for 10 s, a
 *   refusing receiver for 5 s, a slow link for 10 s). Rate = lines generated ÷ wall seconds, every line accounted
 *   for by the ledger. Compared with the generator alone producing the same lines (the floor of
 *   any end-to-end rate). Goal: ≥ 1,000,000 lines per wall second, reported as wall seconds per
 *   million lines (≤ 1 s).
 * - **A simulated day**: 24 h of a 50 lines/s appliance (86,400 pushes, ≈ 4.3 M lines) under a
 *   fault timeline (receiver idle timeout 5 min, a 5-minute refusal, an IPS window, a stall, a
 *   lossy and a slow link hour). Goal: ≤ 5 s of wall time. `--quick` runs 2 h and scales by 12.
 * - **Memory**: the heap growth over that day (trace off, after a full collection), and that
 *   `trace: { limit }` keeps its bound.
 * - **The day's floors** (no limit, for reading the day's figure): the same day's lines generated,
 *   formatted and encoded as the subscription does, one push per simulated second, with no
 *   appliance, network, receiver or ledger: the part of the 5 s that the lines' text takes before
 *   any of the simulation runs; and as many bytes a push written by one bare virtual TCP socket to
 *   another (segments, ACKs, the clock's turns) with nothing else: the part the virtual network
 *   itself takes. The day cannot run much faster than their sum (its fault windows send a little
 *   less than the mean push).
 *
 * Standalone: `npx tsx bench/vnet-e2e.bench.ts [--quick] [--rounds N]` prints the same rows.
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LogRecord } from '../src/core/log-record.js';
import { encodeFrames } from '../src/core/framing.js';
import { resolveSubscriptionOptions } from '../src/core/subscription-options.js';
import { SyslogFormatter } from '../src/core/syslog-format.js';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { createGenerator } from '../src/generators/create-generator.js';
import { loadScenario, runScenario, type ScenarioInput, type ScenarioResult } from '../src/scenarios/index.js';
import { VirtualNetwork } from '../src/vnet/virtual-network.js';
import type { AsyncBenchOptions, AsyncBenchPart, AsyncBenchRow } from './index.js';

const THROUGHPUT_LINES_PER_SECOND = 20_000;
const DAY_LIMIT_S = 5;
const HEAP_LIMIT_MB = 64;
const TRACE_LIMIT = 10_000;

/** The throughput scenario, `seconds` of simulated time. */
function throughputScenario(seconds: number): ScenarioInput {
  return {
    name: 'bench-throughput',
    seed: 11,
    duration: `${seconds}s`,
    network: { faults: ['reset-after-bytes=1m@10s-20s', 'latency=5ms@40s-50s'] },
    receiver: { protocol: 'tcp', faults: ['refuse@30s-35s'] },
    subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', maxBatchLines: 100_000 }],
    traffic: { generators: [{ type: 'mail_logs', options: { linesPerSecond: THROUGHPUT_LINES_PER_SECOND, seed: 3 } }] },
  };
}

/** A 50 lines/s appliance for `hours` simulated hours under a fault timeline. */
export function dayScenario(hours: number): ScenarioInput {
  return {
    name: 'bench-day',
    seed: 24,
    duration: `${hours}h`,
    network: { faults: ['drop=0.01@18h-19h', 'latency=20ms@20h-21h'] },
    receiver: {
      protocol: 'tcp',
      faults: ['idle-timeout=5m', 'refuse@1h-65m', 'reset-after-bytes=64k@6h-7h', 'stall@12h-725m'],
    },
    subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', transport: { writeTimeoutMs: '10s' } }],
    traffic: { generators: [{ type: 'mail_logs', options: { linesPerSecond: 50, seed: 5 } }] },
  };
}

/** A full collection, also without `node --expose-gc` (the flag can be set at run time for a new context). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1_048_576;
}

async function timed(input: ScenarioInput, options: Parameters<typeof runScenario>[1] = {}): Promise<{ result: ScenarioResult; seconds: number }> {
  const scenario = loadScenario(input);
  const start = performance.now();
  const result = await runScenario(scenario, options);
  const seconds = (performance.now() - start) / 1000;
  const s = result.summary;
  if (s.pending !== 0 || s.generated !== s.delivered + s.dropped + s.lostInFlight) throw new Error(`${input.name}: the ledger does not add up: ${JSON.stringify(s)}`);
  return { result, seconds };
}

/** Lines per wall second of the mail_logs generator alone, producing the throughput scenario's lines. */
function generatorRate(seconds: number): number {
  const generator = createGenerator('mail_logs', { linesPerSecond: THROUGHPUT_LINES_PER_SECOND, seed: 3, startMs: 0 });
  const out: LogRecord[] = [];
  let lines = 0;
  const start = performance.now();
  for (let t = 0; t < seconds * 1000; t += 1000) {
    out.length = 0;
    lines += generator.generate(t, t + 1000, out);
  }
  return lines / ((performance.now() - start) / 1000);
}

/**
 * Wall seconds to generate, format and encode `hours` of the day scenario's lines the way a push
 * does (one batch per simulated second), without anything else: the floor under the day's figure;
 * and the bytes a push encoded on average.
 */
function dayFloor(hours: number): { seconds: number; bytesPerPush: number } {
  const options = dayScenario(hours).traffic?.generators?.[0]?.options ?? {};
  const generator = createGenerator('mail_logs', { ...options, startMs: 0 });
  const formatter = new SyslogFormatter(resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1' }));
  const records: LogRecord[] = [];
  const messages: string[] = [];
  let bytes = 0;
  const start = performance.now();
  for (let t = 0; t < hours * 3_600_000; t += 1000) {
    records.length = 0;
    generator.generate(t, t + 1000, records);
    messages.length = records.length;
    for (let i = 0; i < records.length; i++) messages[i] = formatter.format(records[i] as LogRecord);
    bytes += encodeFrames(messages, 'lf').bytes.length;
  }
  const seconds = (performance.now() - start) / 1000;
  if (bytes === 0) throw new Error('the day floor encoded nothing');
  return { seconds, bytesPerPush: Math.round(bytes / (hours * 3600)) };
}

/**
 * Wall seconds for `hours` of one push per simulated second of `bytesPerPush` bytes, written by one
 * virtual TCP socket to another over a link (handshake once, then data segments, ACKs, and the
 * clock's turns), with no appliance, transport, receiver parsing, ledger or fault: the floor the
 * virtual network itself puts under the day's figure.
 */
async function dayNetworkFloorSeconds(hours: number, bytesPerPush: number): Promise<number> {
  const clock = new VirtualClock({ startMs: 0 });
  const vnet = new VirtualNetwork({ clock, seed: 1 });
  const esa = vnet.host('10.229.24.230');
  const syslog = vnet.host('10.44.167.30');
  vnet.link(esa.address, syslog.address);
  let received = 0;
  const listening = syslog.listen({ host: '0.0.0.0', port: 514 }, (socket) => socket.on('data', (chunk: Uint8Array) => (received += chunk.byteLength)));
  await Promise.all([listening, clock.advance(1)]);
  const socket = esa.connect({ host: syslog.address, port: 514 });
  await clock.advance(10);
  const bytes = new Uint8Array(bytesPerPush).fill(0x61);
  const pushes = hours * 3600;
  const start = performance.now();
  for (let i = 0; i < pushes; i++) {
    socket.write(bytes);
    await clock.advance(1000);
  }
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  if (received !== pushes * bytesPerPush) throw new Error(`the network floor delivered ${received} of ${pushes * bytesPerPush} bytes`);
  return seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Measures every row (see the module comment). */
export async function run(options: AsyncBenchOptions): Promise<AsyncBenchRow[]> {
  const { isQuick } = options;
  const rounds = isQuick ? 1 : Math.max(1, Math.min(options.rounds, 5));
  const throughputSeconds = isQuick ? 20 : 60;
  // Warm-up: let the JIT see every path once.
  await timed(throughputScenario(10));
  await timed(dayScenario(0.25));
  await dayNetworkFloorSeconds(0.25, 4096);

  const rates: number[] = [];
  const baselines: number[] = [];
  let lines = 0;
  for (let r = 0; r < rounds; r++) {
    baselines.push(generatorRate(throughputSeconds));
    const { result, seconds } = await timed(throughputScenario(throughputSeconds));
    lines = result.summary.generated;
    rates.push(lines / seconds);
  }
  const rate = median(rates);
  const baseline = median(baselines);

  const hours = isQuick ? 2 : 24;
  const heapBefore = heapMb();
  const day = await timed(dayScenario(hours));
  const heapAfter = heapMb();
  const traced = await timed(dayScenario(1), { trace: { limit: TRACE_LIMIT } });
  const floorHours = isQuick ? 2 : 6;
  const text = dayFloor(floorHours);
  const floor = (text.seconds * 24) / floorHours;
  const networkFloor = ((await dayNetworkFloorSeconds(floorHours, text.bytesPerPush)) * 24) / floorHours;
  const daySummary = day.result.summary;
  const faults = `${daySummary.networkErrors} network errors, ${daySummary.lostInFlight} lost in flight, ${daySummary.dropped} dropped`;

  return [
    {
      name: `end to end, ${THROUGHPUT_LINES_PER_SECOND / 1000}k lines/s appliance, fault timeline, ${(lines / 1e6).toFixed(1)} M lines`,
      linesPerSecond: rate,
      baselineName: 'mail_logs generator alone, same lines',
      baselineLinesPerSecond: baseline,
      ratio: rate / baseline,
      goal: null,
    },
    {
      name: 'wall seconds per 1,000,000 simulated lines (goal: ≥ 1 M lines/s)',
      value: 1e6 / rate,
      unit: 's',
      limit: 1,
    },
    {
      name: `24 simulated hours at 50 lines/s, fault timeline (${(daySummary.generated / 1e6).toFixed(2)} M lines${isQuick ? '' : `; ${faults}`})`,
      value: (day.seconds * 24) / hours,
      unit: 's',
      limit: DAY_LIMIT_S,
      ...(isQuick ? { note: `extrapolated from ${hours} h` } : {}),
    },
    {
      name: "that day's lines generated, formatted and encoded alone (no appliance, network or receiver)",
      value: floor,
      unit: 's',
      limit: null,
      note: `extrapolated from ${floorHours} h`,
    },
    {
      name: `that day's bytes (${(text.bytesPerPush / 1024).toFixed(1)} KiB a push) from one bare virtual TCP socket to another alone (no text, appliance, transport or receiver)`,
      value: networkFloor,
      unit: 's',
      limit: null,
      note: `extrapolated from ${floorHours} h`,
    },
    {
      name: 'heap growth over that run, trace off (after a full collection)',
      value: Math.max(0, heapAfter - heapBefore),
      unit: 'MB',
      limit: HEAP_LIMIT_MB,
    },
    {
      name: `packets kept by trace: { limit: ${TRACE_LIMIT} } over 1 simulated hour`,
      value: traced.result.trace?.length ?? 0,
      unit: 'packets',
      limit: TRACE_LIMIT,
    },
  ];
}

const part: AsyncBenchPart = { name: 'vnet-e2e', runAsync: run };

export default part;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf('--rounds');
  const rows = await run({ isQuick: args.includes('--quick'), rounds: roundsAt >= 0 ? Number(args[roundsAt + 1]) : 3 });
  for (const row of rows) {
    if ('value' in row) console.log(`${row.name}: ${row.value.toFixed(2)} ${row.unit} (limit ${row.limit ?? '–'})${row.note ? ` [${row.note}]` : ''}`);
    else console.log(`${row.name}: ${(row.linesPerSecond / 1e6).toFixed(3)} M lines/s; ${row.baselineName}: ${((row.baselineLinesPerSecond ?? 0) / 1e6).toFixed(3)} M lines/s`);
  }
}
