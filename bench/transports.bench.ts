/**
 * Transport throughput on loopback against raw Node sockets, measured in the same run:
 *
 * - `TcpTransport.send()` of pre-formatted 150-byte ESA lines in batches vs raw `socket.write()`
 *   of the same batches (joined with LF, waiting for `drain` when asked), both to the same
 *   counting receiver; a round ends when the receiver has counted every byte (goal ≥ 0.8×).
 * - `UdpTransport.send()` vs raw `dgram` `send()` of one line per datagram on a connected
 *   socket; counts what the sender sent (the receiver drops under load), a round ends when the
 *   last datagram's callback ran (goal ≥ 0.9×).
 *
 * The receiver runs in a worker thread so it does not share the sender's event loop. Rounds
 * alternate baseline and case; the rows report medians.
 *
 * It is the harness's asynchronous part `transports` (`npm run bench -- transports`; `--quick`
 * sends 100,000 TCP and 50,000 UDP lines per round), or run it on its own:
 * `npx tsx bench/transports.bench.ts [--rounds N] [--lines N] [--json]`.
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TcpTransport } from '../src/transports/tcp-transport.js';
import { UdpTransport } from '../src/transports/udp-transport.js';
import type { AsyncBenchPart } from './index.js';
import { MAIL_LOG_TEXTS } from './mail-log-texts.js';
import { median } from './stats.js';

/** One result row. */
export interface TransportBenchRow {
  readonly name: string;
  readonly linesPerSecond: number;
  readonly baselineName: string;
  readonly baselineLinesPerSecond: number;
  readonly ratio: number;
  readonly goal: number;
  readonly isGoalMet: boolean;
}

/** Options of {@link run}. */
export interface TransportBenchOptions {
  /** Rounds per case (medians are reported). @default 5 */
  rounds?: number;
  /** TCP lines per round. @default 500000 */
  tcpLines?: number;
  /** UDP lines (datagrams) per round. @default 200000 */
  udpLines?: number;
  /** Lines per `send()` batch. @default 1000 */
  batchLines?: number;
}

const LINE_BYTES = 150;

/** Pre-formatted ESA mail_logs lines of exactly 150 ASCII bytes. */
function makeLines(count: number): string[] {
  const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';
  return Array.from({ length: count }, (_, i) => {
    const text = `${header}${MAIL_LOG_TEXTS[i % MAIL_LOG_TEXTS.length] as string} seq=${i} `;
    return text.length >= LINE_BYTES ? text.slice(0, LINE_BYTES) : text.padEnd(LINE_BYTES, '.');
  });
}

function batchesOf(lines: readonly string[], size: number): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += size) batches.push(lines.slice(i, i + size));
  return batches;
}

const RECEIVER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
const dgram = require('node:dgram');
let tcpBytes = 0;
let datagrams = 0;
let waiting = [];
const check = () => {
  const still = [];
  for (const w of waiting) { if (tcpBytes >= w.bytes) parentPort.postMessage({ type: 'reached', id: w.id, tcpBytes }); else still.push(w); }
  waiting = still;
};
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk) => { tcpBytes += chunk.length; if (waiting.length) check(); });
});
const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
udp.on('message', () => { datagrams++; });
server.listen(0, '127.0.0.1', () => {
  udp.bind(0, '127.0.0.1', () => {
    parentPort.postMessage({ type: 'ready', tcpPort: server.address().port, udpPort: udp.address().port });
  });
});
parentPort.on('message', (message) => {
  if (message.type === 'wait') { waiting.push(message); check(); }
  else if (message.type === 'stats') parentPort.postMessage({ type: 'stats', tcpBytes, datagrams });
  else if (message.type === 'stop') { server.close(); udp.close(); parentPort.close(); }
});
`;

interface Receiver {
  readonly tcpPort: number;
  readonly udpPort: number;
  tcpBytes(): Promise<number>;
  datagrams(): Promise<number>;
  waitForTcpBytes(bytes: number): Promise<void>;
  stop(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const worker = new Worker(RECEIVER_SOURCE, { eval: true });
  const [ready] = (await once(worker, 'message')) as [{ tcpPort: number; udpPort: number }];
  let nextId = 0;
  const pending = new Map<number, () => void>();
  let statsWaiter: ((stats: { tcpBytes: number; datagrams: number }) => void) | undefined;
  worker.on('message', (message: { type: string; id?: number; tcpBytes?: number; datagrams?: number }) => {
    if (message.type === 'reached') {
      pending.get(message.id as number)?.();
      pending.delete(message.id as number);
    } else if (message.type === 'stats') {
      statsWaiter?.({ tcpBytes: message.tcpBytes as number, datagrams: message.datagrams as number });
    }
  });
  const stats = (): Promise<{ tcpBytes: number; datagrams: number }> =>
    new Promise((resolve) => {
      statsWaiter = resolve;
      worker.postMessage({ type: 'stats' });
    });
  return {
    tcpPort: ready.tcpPort,
    udpPort: ready.udpPort,
    tcpBytes: async () => (await stats()).tcpBytes,
    datagrams: async () => (await stats()).datagrams,
    waitForTcpBytes: (bytes) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage({ type: 'wait', id, bytes });
      }),
    stop: async () => {
      worker.postMessage({ type: 'stop' });
      await once(worker, 'exit');
    },
  };
}

type Round = (batches: readonly string[][], lineCount: number) => Promise<number>;

function tcpTransportRound(receiver: Receiver): Round {
  return async (batches, lineCount) => {
    const transport = new TcpTransport({ host: '127.0.0.1', port: receiver.tcpPort });
    await transport.send([]);
    const target = (await receiver.tcpBytes()) + lineCount * (LINE_BYTES + 1);
    const start = performance.now();
    for (const batch of batches) await transport.send(batch);
    await receiver.waitForTcpBytes(target);
    const elapsedMs = performance.now() - start;
    await transport.close();
    return lineCount / (elapsedMs / 1000);
  };
}

function rawTcpRound(receiver: Receiver): Round {
  return async (batches, lineCount) => {
    const socket = net.connect({ host: '127.0.0.1', port: receiver.tcpPort });
    await once(socket, 'connect');
    socket.setNoDelay(true);
    const target = (await receiver.tcpBytes()) + lineCount * (LINE_BYTES + 1);
    const start = performance.now();
    for (const batch of batches) {
      if (!socket.write(`${batch.join('\n')}\n`)) await once(socket, 'drain');
    }
    await receiver.waitForTcpBytes(target);
    const elapsedMs = performance.now() - start;
    socket.end();
    await once(socket, 'close');
    return lineCount / (elapsedMs / 1000);
  };
}

function udpTransportRound(receiver: Receiver): Round {
  return async (batches, lineCount) => {
    const transport = new UdpTransport({ host: '127.0.0.1', port: receiver.udpPort });
    await transport.send([]);
    const start = performance.now();
    for (const batch of batches) await transport.send(batch);
    const elapsedMs = performance.now() - start;
    await transport.close();
    return lineCount / (elapsedMs / 1000);
  };
}

function rawUdpRound(receiver: Receiver): Round {
  return async (batches, lineCount) => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.connect(receiver.udpPort, '127.0.0.1', resolve));
    const start = performance.now();
    for (const batch of batches) {
      const last = batch.length - 1;
      for (let i = 0; i < last; i++) socket.send(batch[i] as string);
      await new Promise<void>((resolve, reject) => socket.send(batch[last] as string, (error) => (error ? reject(error) : resolve())));
    }
    const elapsedMs = performance.now() - start;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return lineCount / (elapsedMs / 1000);
  };
}


async function compare(
  name: string,
  round: Round,
  baselineName: string,
  baseline: Round,
  lines: readonly string[],
  batchLines: number,
  rounds: number,
  goal: number,
): Promise<TransportBenchRow> {
  const batches = batchesOf(lines, batchLines);
  // Warm-up: a tenth of a round each.
  const warm = batches.slice(0, Math.max(1, batches.length / 10));
  const warmLines = warm.reduce((sum, batch) => sum + batch.length, 0);
  await baseline(warm, warmLines);
  await round(warm, warmLines);
  const baselineRates: number[] = [];
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    baselineRates.push(await baseline(batches, lines.length));
    rates.push(await round(batches, lines.length));
  }
  const linesPerSecond = median(rates);
  const baselineLinesPerSecond = median(baselineRates);
  const ratio = linesPerSecond / baselineLinesPerSecond;
  return { name, linesPerSecond, baselineName, baselineLinesPerSecond, ratio, goal, isGoalMet: ratio >= goal };
}

/**
 * Runs both comparisons and returns their rows.
 *
 * @example
 * ```ts
 * const rows = await run({ rounds: 3 });
 * ```
 */
export async function run(options: TransportBenchOptions = {}): Promise<TransportBenchRow[]> {
  const rounds = options.rounds ?? 5;
  const batchLines = options.batchLines ?? 1000;
  const receiver = await startReceiver();
  try {
    const tcp = await compare(
      `TcpTransport.send (${batchLines}-line batches)`,
      tcpTransportRound(receiver),
      'raw net.Socket write per batch',
      rawTcpRound(receiver),
      makeLines(options.tcpLines ?? 500_000),
      batchLines,
      rounds,
      0.8,
    );
    const udp = await compare(
      `UdpTransport.send (${batchLines}-line batches)`,
      udpTransportRound(receiver),
      'raw dgram send per line (connected)',
      rawUdpRound(receiver),
      makeLines(options.udpLines ?? 200_000),
      batchLines,
      rounds,
      0.9,
    );
    return [tcp, udp];
  } finally {
    await receiver.stop();
  }
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  return `${(rate / 1e3).toFixed(1)} k`;
}

function readFlag(argv: readonly string[], flag: string): number | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw new Error(`${flag} must be an integer from 1 to 1000000`);
  return value;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const argv = process.argv.slice(2);
  const rounds = readFlag(argv, '--rounds');
  const lines = readFlag(argv, '--lines');
  const rows = await run({
    ...(rounds === undefined ? {} : { rounds }),
    ...(lines === undefined ? {} : { tcpLines: lines, udpLines: lines }),
  });
  if (argv.includes('--json')) for (const row of rows) console.log(JSON.stringify(row));
  else {
    console.log(`node ${process.version}, ${rounds ?? 5} rounds, medians, lines of ${LINE_BYTES} bytes`);
    for (const row of rows) {
      console.log(
        `${row.name}: ${formatRate(row.linesPerSecond)} lines/s vs ${row.baselineName}: ${formatRate(row.baselineLinesPerSecond)} lines/s = ${row.ratio.toFixed(2)}× (goal ≥ ${row.goal}× ${row.isGoalMet ? 'ok' : 'MISSED'})`,
      );
    }
  }
  if (argv.includes('--check') && rows.some((row) => !row.isGoalMet)) process.exitCode = 1;
}

/** The harness part: both comparisons, `--quick` with fewer lines. */
const part: AsyncBenchPart = {
  name: 'transports',
  runAsync: ({ rounds, isQuick }) => run({ rounds, ...(isQuick ? { tcpLines: 100_000, udpLines: 50_000 } : {}) }),
};
export default part;
