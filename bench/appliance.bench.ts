/**
 * The appliance end to end, on real loopback sockets, against peers measured in the same run
 * (the harness's asynchronous part `appliance`; `npm run bench -- appliance`):
 *
 * - **End-to-end push**: an `Appliance` on a `VirtualClock` with a `Mail_Log` TCP subscription
 *   (its own `TcpTransport`) and an attached mail_logs generator at 1000 messages/s (≈ 21,000
 *   lines per simulated second), pushed every 250 simulated ms (≈ 5,300 lines, one write each).
 *   Simulated time runs as fast as the pushes complete: the bench advances the clock one push
 *   interval (letting real I/O run) and awaits `subscription.flush()`, which pulls the generator,
 *   formats, frames and writes the batch, and resolves once the socket took it — the scheduler's
 *   own push path, driven by the bench instead of the timer so that exactly one push runs per
 *   interval. Generation, formatting and the TCP write are all inside the measurement.
 * - **Baselines**, to the same receiver: `loggen` (syslog-ng's load generator, its own 150-byte
 *   lines, `-r 100000000`, TCP) when it is found — the goal is then ≥ 1.5× loggen; otherwise the
 *   goal is ≥ 3× the `syslog-client` npm package, one `log()` per line of precomputed ESA lines of
 *   150 bytes (LF included), in chunks of 1000 lines whose last callback is awaited. Both are
 *   always measured when available; only one carries the goal.
 * - **Memory**: a child process (`node --expose-gc`) pushes 10,000,000 lines (1,000,000 with
 *   `--quick`) with the default `esa` policy and `writeTimeoutMs: 100` into a receiver that
 *   accepts and never reads (paused sockets; it resets all but its 4 newest connections so the
 *   kernel does not hold a buffer per failed push); the appliance runs its own scheduler
 *   (`start()`) and the bench advances the clock 5 ms at a time. RSS is read after
 *   `gc()` once 200,000 lines are pushed and again at the end; goal: growth ≤ 64 MB.
 *
 * The counting receiver is a raw `node:net` server in a worker thread (not the sender's event
 * loop) that counts LF bytes; every rate is *measured by the receiver*, from the first byte of
 * the round to the byte that completes its line count, the same way for every sender.
 *
 * **Getting loggen** (optional; never needed by CI): Debian's `syslog-ng-core` ships it but
 * conflicts with rsyslog, so unpack it instead of installing it:
 * `apt-get download syslog-ng-core libivykis0 libnet1 libjson-c5 libpcre3 libwrap0 && for f in *.deb; do dpkg-deb -x "$f" DIR; done`,
 * then `LOGGEN=DIR/usr/bin/loggen npm run bench -- appliance` (the bench sets `SYSLOGNG_PREFIX`
 * and `LD_LIBRARY_PATH` from that path), or put a loggen that runs as is on `PATH`.
 *
 * Standalone: `npx tsx bench/appliance.bench.ts [--rounds N] [--lines N] [--memory-lines N] [--quick] [--json]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Appliance } from '../src/appliance/appliance.js';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import type { AsyncBenchPart, AsyncBenchRow } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';
import { median } from './stats.js';

const START_MS = Date.UTC(2026, 5, 25, 6, 50, 0);
const MESSAGES_PER_SECOND = 1000;
const PUSH_INTERVAL_MS = 250;
/** Wire bytes per line of the baselines, LF included (loggen's `-s 150` counts it too). */
const LINE_BYTES = 150;
const CHUNK_LINES = 1000;
const MEMORY_LIMIT_MB = 64;
const MEMORY_WARMUP_LINES = 200_000;
const STALL_KEPT_CONNECTIONS = 4;

/** Options of {@link run}. */
export interface ApplianceBenchOptions {
  /** Rounds (medians are reported). @default 5 */
  rounds?: number;
  /** Lines per round of each sender. @default 1000000 */
  lines?: number;
  /** Lines pushed in the memory case; 0 skips it. @default 10000000 */
  memoryLines?: number;
  /** The loggen binary; `undefined` looks at `$LOGGEN`, then `PATH`. @default undefined */
  loggen?: string;
}

// --- the counting receiver (worker thread) ---

const RECEIVER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
let lines = 0;
let bytes = 0;
let firstAt = -1;
let target = -1;
const reached = () => {
  if (target >= 0 && lines >= target) {
    parentPort.postMessage({ type: 'reached', lines, bytes, elapsedMs: performance.now() - firstAt });
    target = -1;
  }
};
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    if (firstAt < 0) firstAt = performance.now();
    bytes += chunk.length;
    let at = chunk.indexOf(10);
    while (at !== -1) { lines++; at = chunk.indexOf(10, at + 1); }
    if (target >= 0) reached();
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'ready', port: server.address().port }));
parentPort.on('message', (message) => {
  if (message.type === 'start') { lines = 0; bytes = 0; firstAt = -1; target = -1; parentPort.postMessage({ type: 'started' }); }
  else if (message.type === 'wait') { target = message.lines; reached(); }
  else if (message.type === 'stop') { server.close(); parentPort.close(); }
});
`;

interface Reached {
  readonly lines: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

interface CountingReceiver {
  readonly port: number;
  /** Starts a round: counts from zero, the clock starts at the next byte. */
  start(): Promise<void>;
  /** Resolves when `lines` LFs arrived since `start()`, with the receiver's elapsed time. */
  waitFor(lines: number): Promise<Reached>;
  stop(): Promise<void>;
}

async function startCountingReceiver(): Promise<CountingReceiver> {
  const worker = new Worker(RECEIVER_SOURCE, { eval: true });
  const [ready] = (await once(worker, 'message')) as [{ port: number }];
  const next = (type: string): Promise<Record<string, number>> =>
    new Promise((resolve) => {
      const listener = (message: { type: string } & Record<string, number>): void => {
        if (message.type !== type) return;
        worker.off('message', listener);
        resolve(message);
      };
      worker.on('message', listener);
    });
  return {
    port: ready.port,
    start: async () => {
      const started = next('started');
      worker.postMessage({ type: 'start' });
      await started;
    },
    waitFor: async (lines) => {
      const reached = next('reached');
      worker.postMessage({ type: 'wait', lines });
      const message = await reached;
      return { lines: message.lines as number, bytes: message.bytes as number, elapsedMs: message.elapsedMs as number };
    },
    stop: async () => {
      worker.postMessage({ type: 'stop' });
      await once(worker, 'exit');
    },
  };
}

// --- the rounds ---

interface RoundResult {
  readonly linesPerSecond: number;
  readonly bytesPerLine: number;
}

/** One round of the appliance: pushes until `lines` log lines were queued, then waits for the receiver. */
async function applianceRound(receiver: CountingReceiver, lines: number): Promise<RoundResult> {
  const clock = new VirtualClock({ startMs: START_MS });
  const appliance = new Appliance({ clock });
  const subscription = appliance.addSubscription({
    name: 'Mail_Log',
    type: 'mail_logs',
    host: '127.0.0.1',
    port: receiver.port,
    protocol: 'tcp',
    pushIntervalMs: PUSH_INTERVAL_MS,
  });
  appliance.addGenerator('mail_logs', { messagesPerSecond: MESSAGES_PER_SECOND });
  let wireLines = 0;
  let failures = 0;
  subscription.on('push:sent', (event) => (wireLines += event.lines + event.logfileLines));
  subscription.on('push:failed', () => failures++);
  await receiver.start();
  try {
    for (let pushes = 0; subscription.stats.linesQueued < lines && pushes < 1_000_000; pushes++) {
      await clock.advance(PUSH_INTERVAL_MS);
      await subscription.flush();
    }
    if (failures > 0) throw new Error(`the appliance round had ${failures} failed pushes`);
    const reached = await receiver.waitFor(wireLines);
    return { linesPerSecond: wireLines / (reached.elapsedMs / 1000), bytesPerLine: reached.bytes / reached.lines };
  } finally {
    await appliance.close();
  }
}

interface SyslogClientModule {
  Transport: { Tcp: number };
  Facility: { Local0: number };
  Severity: { Informational: number };
  createClient(target: string, options: Record<string, unknown>): SyslogClient;
}

interface SyslogClient {
  log(message: string, callback: (error?: Error) => void): void;
  buildFormattedMessage(message: string, options: Record<string, unknown>): Buffer;
  close(): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

const syslogClient = createRequire(import.meta.url)('syslog-client') as SyslogClientModule;

/** ESA mail_logs messages sized so that syslog-client's wire line is exactly {@link LINE_BYTES} bytes. */
function syslogClientMessages(client: SyslogClient, options: Record<string, unknown>): string[] {
  const overhead = client.buildFormattedMessage('', options).length;
  const size = LINE_BYTES - overhead;
  return MAIL_LOG_TEXTS.map((text, index) => {
    const message = `Mail_Log: Info: ${text} seq=${index} `;
    return message.length >= size ? message.slice(0, size) : message.padEnd(size, '.');
  });
}

async function syslogClientRound(receiver: CountingReceiver, lines: number): Promise<RoundResult> {
  const options = {
    facility: syslogClient.Facility.Local0,
    severity: syslogClient.Severity.Informational,
    rfc3164: true,
    syslogHostname: 'mail.example.com',
    appName: 'esa',
  };
  const client = syslogClient.createClient('127.0.0.1', { ...options, port: receiver.port, transport: syslogClient.Transport.Tcp });
  let error: Error | undefined;
  client.on('error', (cause) => (error ??= cause));
  const messages = syslogClientMessages(client, options);
  const log = (message: string): Promise<void> => new Promise((resolve, reject) => client.log(message, (cause) => (cause ? reject(cause) : resolve())));
  try {
    // Connect outside the measurement.
    await receiver.start();
    await log(messages[0] as string);
    await receiver.waitFor(1);
    await receiver.start();
    for (let sent = 0; sent < lines; sent += CHUNK_LINES) {
      // The chunk's last line is logged last, so its callback runs after the chunk was written.
      for (let i = 1; i < CHUNK_LINES; i++) client.log(messages[(sent + i) % messages.length] as string, noop);
      await log(messages[sent % messages.length] as string);
    }
    const reached = await receiver.waitFor(lines);
    if (error) throw error;
    return { linesPerSecond: lines / (reached.elapsedMs / 1000), bytesPerLine: reached.bytes / reached.lines };
  } finally {
    client.close();
  }
}

function noop(): void {}

/** How to run loggen: the binary and its environment (an unpacked Debian package needs both set). */
interface LoggenCommand {
  readonly path: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Finds a working loggen: `explicit`, `$LOGGEN`, or `loggen` on `PATH`; `undefined` when none runs. */
export function findLoggen(explicit?: string): LoggenCommand | undefined {
  const candidates = [explicit, process.env.LOGGEN, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'loggen'))];
  for (const candidate of candidates) {
    if (!candidate || !existsSync(candidate)) continue;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // An unpacked syslog-ng-core: DIR/usr/bin/loggen needs DIR/usr as prefix and its libraries.
    const usr = dirname(dirname(candidate));
    if (existsSync(join(usr, 'lib', 'syslog-ng'))) {
      env.SYSLOGNG_PREFIX ??= usr;
      const libraries = [join(usr, 'lib', 'syslog-ng'), join(usr, 'lib', 'x86_64-linux-gnu'), join(usr, 'lib', 'aarch64-linux-gnu')].filter((dir) => existsSync(dir));
      env.LD_LIBRARY_PATH = [...libraries, ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(delimiter);
    }
    const probe = spawnSync(candidate, ['--help'], { env, encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0 && /--rate/.test(`${probe.stdout}${probe.stderr}`)) return { path: candidate, env };
  }
  return undefined;
}

async function loggenRound(receiver: CountingReceiver, loggen: LoggenCommand, lines: number): Promise<RoundResult> {
  await receiver.start();
  const child = spawn(loggen.path, ['-i', '-S', '-r', '100000000', '-s', String(LINE_BYTES), '-n', String(lines), '-Q', '127.0.0.1', String(receiver.port)], {
    env: loggen.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const reached = await Promise.race([receiver.waitFor(lines), exited.then(([code]) => ({ code }))]);
  if ('code' in reached) throw new Error(`loggen exited with ${reached.code} before sending ${lines} lines: ${stderr.trim()}`);
  await exited;
  return { linesPerSecond: lines / (reached.elapsedMs / 1000), bytesPerLine: reached.bytes / reached.lines };
}

// --- the memory case (child process) ---

/** What the memory child reports. */
interface MemoryReport {
  readonly lines: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
  readonly ledgerRuns: number;
  readonly networkErrors: number;
  readonly pushes: number;
  readonly simulatedSeconds: number;
}

/** A receiver that accepts and never reads; it resets all but its newest connections. */
async function startStallReceiver(): Promise<{ port: number; accepted: () => number; stop: () => Promise<void> }> {
  const sockets: net.Socket[] = [];
  let accepted = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    accepted++;
    socket.on('error', noop);
    sockets.push(socket);
    while (sockets.length > STALL_KEPT_CONNECTIONS) sockets.shift()?.resetAndDestroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    stop: async () => {
      for (const socket of sockets) socket.resetAndDestroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const MB = 1024 * 1024;

/** Runs in the child: pushes `lines` lines into the stalled receiver at `port`, prints a {@link MemoryReport}. */
async function memoryChild(port: number, lines: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory case needs node --expose-gc');
  const clock = new VirtualClock({ startMs: START_MS, loopLimit: 10_000_000 });
  const appliance = new Appliance({ clock });
  const subscription = appliance.addSubscription({
    name: 'Mail_Log',
    type: 'mail_logs',
    host: '127.0.0.1',
    port,
    protocol: 'tcp',
    pushIntervalMs: PUSH_INTERVAL_MS,
    transportOptions: { writeTimeoutMs: 100 },
  });
  appliance.addGenerator('mail_logs', { messagesPerSecond: MESSAGES_PER_SECOND });
  appliance.start();
  const pushUntil = async (count: number): Promise<void> => {
    for (let steps = 0; subscription.stats.linesQueued < count && steps < 100_000_000; steps++) await clock.advance(5);
  };
  const measure = (): { rss: number; heap: number } => {
    gc();
    gc();
    const usage = process.memoryUsage();
    return { rss: usage.rss / MB, heap: usage.heapUsed / MB };
  };
  await pushUntil(MEMORY_WARMUP_LINES);
  const before = measure();
  await pushUntil(lines);
  const after = measure();
  const report: MemoryReport = {
    lines: subscription.stats.linesQueued,
    rssBeforeMb: before.rss,
    rssAfterMb: after.rss,
    heapBeforeMb: before.heap,
    heapAfterMb: after.heap,
    ledgerRuns: subscription.ledger.runCount,
    networkErrors: subscription.stats.networkErrors,
    pushes: subscription.stats.pushes,
    simulatedSeconds: clock.elapsedMs / 1000,
  };
  // close() pushes once more, into the stalled receiver: keep the clock going until it gave up.
  let isClosed = false;
  const closing = appliance.close().then(() => (isClosed = true));
  for (let steps = 0; !isClosed && steps < 1_000_000; steps++) await clock.advance(5);
  await closing;
  console.log(JSON.stringify(report));
}

async function memoryCase(lines: number): Promise<AsyncBenchRow> {
  const receiver = await startStallReceiver();
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--memory-child', String(receiver.port), String(lines)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    const last = stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`the memory child exited with ${code}: ${stderr.trim() || stdout.trim()}`);
    const report = JSON.parse(last) as MemoryReport;
    const growth = report.rssAfterMb - report.rssBeforeMb;
    return {
      name: `RSS growth pushing ${report.lines.toLocaleString('en-US')} lines into a stalled receiver (esa policy, writeTimeoutMs 100)`,
      value: growth,
      unit: 'MB',
      limit: MEMORY_LIMIT_MB,
      note: `RSS ${report.rssBeforeMb.toFixed(0)} → ${report.rssAfterMb.toFixed(0)} MB, heap ${report.heapBeforeMb.toFixed(1)} → ${report.heapAfterMb.toFixed(1)} MB, ${report.networkErrors} failed pushes, ${receiver.accepted()} connections, ledger ${report.ledgerRuns} runs`,
    };
  } finally {
    await receiver.stop();
  }
}

// --- the comparison ---


/**
 * Runs the end-to-end comparison (rounds interleave loggen, syslog-client and the appliance) and
 * the memory case; returns their rows.
 *
 * @example
 * ```ts
 * const rows = await run({ rounds: 3, lines: 500_000, memoryLines: 0 });
 * ```
 */
export async function run(options: ApplianceBenchOptions = {}): Promise<AsyncBenchRow[]> {
  const rounds = options.rounds ?? 5;
  const lines = options.lines ?? 1_000_000;
  const memoryLines = options.memoryLines ?? 10_000_000;
  const loggen = findLoggen(options.loggen);
  const receiver = await startCountingReceiver();
  const appliance: RoundResult[] = [];
  const client: RoundResult[] = [];
  const loggenResults: RoundResult[] = [];
  try {
    // Warm-up: a tenth of a round each.
    const warm = Math.max(10_000, Math.ceil(lines / 10));
    if (loggen) await loggenRound(receiver, loggen, warm);
    await syslogClientRound(receiver, warm);
    await applianceRound(receiver, warm);
    for (let r = 0; r < rounds; r++) {
      if (loggen) loggenResults.push(await loggenRound(receiver, loggen, lines));
      client.push(await syslogClientRound(receiver, lines));
      appliance.push(await applianceRound(receiver, lines));
    }
  } finally {
    await receiver.stop();
  }
  const rate = median(appliance.map((result) => result.linesPerSecond));
  const name = 'Appliance push: generate + format + TcpTransport (mail_logs, 1000 msg/s, 250 ms pushes)';
  const bytesPerLine = median(appliance.map((result) => result.bytesPerLine));
  const clientRate = median(client.map((result) => result.linesPerSecond));
  const rows: AsyncBenchRow[] = [];
  const loggenRate = loggen ? median(loggenResults.map((result) => result.linesPerSecond)) : null;
  // The baselines send 150-byte lines, the appliance its own mail_logs lines (shorter on average):
  // the note gives the ratio in bytes per second too, the stricter comparison.
  const byteRatio = (baselineRate: number | null) => (baselineRate === null ? '' : `, ${((rate * bytesPerLine) / (baselineRate * LINE_BYTES)).toFixed(2)}× in bytes/s`);
  const note = (baselineRate: number | null) => `avg ${bytesPerLine.toFixed(0)} B/line${byteRatio(baselineRate)}`;
  rows.push({
    name,
    linesPerSecond: rate,
    baselineName: `loggen -r 100000000 -s ${LINE_BYTES}, TCP`,
    baselineLinesPerSecond: loggenRate,
    ratio: loggenRate === null ? null : rate / loggenRate,
    goal: 1.5,
    note: loggen ? note(loggenRate) : `${note(null)}; loggen not found (set LOGGEN)`,
  });
  rows.push({
    name,
    linesPerSecond: rate,
    baselineName: `syslog-client 1.1.1, one log() per ${LINE_BYTES}-byte line, TCP`,
    baselineLinesPerSecond: clientRate,
    ratio: rate / clientRate,
    goal: loggen ? null : 3,
    note: loggen ? `${note(clientRate)}; the goal is loggen's` : note(clientRate),
  });
  if (memoryLines > 0) rows.push(await memoryCase(memoryLines));
  return rows;
}

/** The harness part: `--quick` pushes 200,000 lines per round and 1,000,000 in the memory case. */
const part: AsyncBenchPart = {
  name: 'appliance',
  runAsync: ({ rounds, isQuick }) => run({ rounds, ...(isQuick ? { lines: 200_000, memoryLines: 1_000_000 } : {}) }),
};

export default part;

function readFlag(argv: readonly string[], flag: string, min: number, max: number): number | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} must be an integer from ${min} to ${max}`);
  return value;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory-child') {
    await memoryChild(Number(argv[1]), Number(argv[2]));
  } else {
    const { asyncRows, formatTable } = await import('./index.js');
    const isQuick = argv.includes('--quick');
    const rounds = readFlag(argv, '--rounds', 1, 100);
    const lines = readFlag(argv, '--lines', 10_000, 10_000_000);
    const memoryLines = readFlag(argv, '--memory-lines', 0, 100_000_000);
    const rows = await run({
      ...(rounds === undefined ? (isQuick ? { rounds: 3 } : {}) : { rounds }),
      ...(lines === undefined ? (isQuick ? { lines: 200_000 } : {}) : { lines }),
      ...(memoryLines === undefined ? (isQuick ? { memoryLines: 1_000_000 } : {}) : { memoryLines }),
    });
    if (argv.includes('--json')) for (const row of rows) console.log(JSON.stringify(row));
    else console.log(formatTable(asyncRows('appliance', rows)));
  }
}
