/**
 * Abuse of the receiver on loopback: 1,000 concurrent connections, slowloris senders, a line that
 * never ends, a flood of tiny UDP datagrams. The abusers run in a child process, so the RSS
 * measured here is the receiver's: it stays bounded by the server's limits (`maxConnections`,
 * `maxMessageBytes`, `recordLimit`), a well-behaved client is still served, and every refusal is
 * counted in `stats` and emitted as an event.
 *
 * RSS is read after a full collection (`--expose-gc`, set by vitest.chaos.config.ts); bounds are
 * the limit times a per-item budget plus a fixed slack for heap growth and allocator noise, far
 * below what an unbounded receiver would take (the figures are printed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SyslogServer, type SyslogServerOptions } from '../../src/server/syslog-server.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';

const MiB = 1024 * 1024;
const KiB = 1024;
/** Heap growth, JIT code, allocator arenas that do not shrink: what any run may add. */
const FIXED_SLACK_BYTES = 48 * MiB;
/** What one open connection may cost the receiver besides its frame buffer (socket, handle, reader, decoder, records). */
const PER_CONNECTION_BYTES = 48 * KiB;

const abuserPath = fileURLToPath(new URL('./support/abuser.ts', import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

/** RSS after a full collection (twice: finalizers free more on the second pass). */
function rss(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/** Polls `condition` (every 20 ms, at most `limitMs` of wall time: a bound, not a measurement). */
async function eventually(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts an abuser; resolves `ready` with the count it reports. Killed when the test ends. */
function abuser(mode: string, port: number, count: number, durationMs = 60_000) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', abuserPath, mode, String(port), String(count), String(durationMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (line.startsWith(waiter.prefix) || line.startsWith('failed')) {
          waiters.splice(waiters.indexOf(waiter), 1);
          if (line.startsWith('failed')) waiter.reject(new Error(`abuser ${mode}: ${line}`));
          else waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (prefix: string): Promise<string> => {
    const seen = lines.find((line) => line.startsWith(prefix) || line.startsWith('failed'));
    if (seen?.startsWith('failed')) return Promise.reject(new Error(`abuser ${mode}: ${seen}`));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => waiters.push({ prefix, resolve, reject }));
  };
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  onTestFinished(stop);
  return { ready: next('ready').then((line) => Number(line.split(' ')[1])), done: next('done'), stop };
}

async function setup(options: SyslogServerOptions) {
  const server = new SyslogServer(options);
  onTestFinished(() => server.close());
  const port = await server.listen();
  const refusals: string[] = [];
  server.on('connection:reset', (event) => refusals.push(event.reason));
  const oversize: { byteLength: number; action: string }[] = [];
  server.on('message:oversize', (event) => oversize.push({ byteLength: event.byteLength, action: event.action }));
  /** A well-behaved client sends `count` lines and the server records them all. */
  const isServed = async (label: string, count = 20): Promise<boolean> => {
    const texts = Array.from({ length: count }, (_, i) => `<22>Jun 25 08:50:03 Good: Info: ${label} ${i}`);
    const transport = options.protocol === 'udp' ? new UdpTransport({ host: '127.0.0.1', port }) : new TcpTransport({ host: '127.0.0.1', port });
    try {
      await transport.send(texts);
      const records = await server.waitFor((kept) => texts.every((text) => kept.some((record) => record.raw === text)), { timeoutMs: 20_000 });
      return texts.every((text) => records.some((record) => record.raw === text));
    } finally {
      await transport.close();
    }
  };
  // Warm the receiver up (JIT, first buffers) before the baseline.
  expect(await isServed('warm-up', 50)).toBe(true);
  server.clear();
  return { server, port, refusals, oversize, isServed, baseline: rss() };
}

describe('SyslogServer under abuse (loopback, abusers in a child process)', () => {
  it('holds 1,000 concurrent connections within its limits, serves a well-behaved client, refuses and counts the ones beyond maxConnections', async () => {
    const maxConnections = 1010;
    const { server, port, refusals, isServed, baseline } = await setup({ maxConnections });
    const held = abuser('hold', port, 1000);
    expect(await held.ready).toBe(1000);
    await server.waitFor((_, stats) => stats.connectionsOpen >= 1000 && stats.messages >= 1000, { timeoutMs: 30_000 });
    expect(await isServed('while 1000 are held')).toBe(true);
    await server.waitFor((_, stats) => stats.connectionsOpen === 1000, { timeoutMs: 30_000 });
    const grown = rss() - baseline;
    // 20 more: 10 fit under maxConnections, 10 are reset right after the handshake, counted, emitted.
    const accepted = server.stats.connectionsAccepted;
    const extra = abuser('hold', port, 20);
    await extra.ready;
    await server.waitFor((_, stats) => stats.connectionsAccepted >= accepted + 20, { timeoutMs: 30_000 });
    const { connectionsOpen, connectionsRefused, connectionsClosed, peerResets } = server.stats;
    expect({ connectionsOpen, connectionsRefused }, JSON.stringify({ connectionsClosed, peerResets, refusals })).toEqual({ connectionsOpen: maxConnections, connectionsRefused: 10 });
    expect(refusals).toEqual(Array.from({ length: 10 }, () => 'limit'));
    const bound = maxConnections * (server.options.maxMessageBytes + PER_CONNECTION_BYTES) + FIXED_SLACK_BYTES;
    console.log(`abuse: 1000 held connections: RSS +${mib(grown)} (bound ${mib(bound)}; ${server.stats.connectionsRefused} refused beyond maxConnections=${maxConnections})`);
    expect(grown).toBeLessThan(bound);
    await held.stop();
    await extra.stop();
    await server.waitFor((_, stats) => stats.connectionsOpen === 0, { timeoutMs: 30_000 });
    expect(await isServed('after the abusers left')).toBe(true);
  });

  it('slowloris senders: each holds at most maxMessageBytes of its unfinished line, and the others are served', async () => {
    const maxMessageBytes = 8 * KiB;
    const connections = 300;
    const { server, port, isServed, baseline } = await setup({ maxMessageBytes });
    const slow = abuser('slowloris', port, connections);
    expect(await slow.ready).toBe(connections);
    // Let every slow sender pass the limit (the server counts bytes; waitFor re-checks on messages only).
    await eventually(() => server.stats.bytes >= connections * maxMessageBytes * 2, 'the slow senders to pass maxMessageBytes');
    expect(await isServed('among slowloris senders')).toBe(true);
    const grown = rss() - baseline;
    const bound = connections * (maxMessageBytes + PER_CONNECTION_BYTES) + FIXED_SLACK_BYTES;
    console.log(`abuse: ${connections} slowloris connections (${server.stats.bytes} bytes trickled): RSS +${mib(grown)} (bound ${mib(bound)})`);
    expect(grown).toBeLessThan(bound);
    expect(server.stats.connectionsOpen).toBe(connections);
  });

  it('a line that never ends: the receiver keeps maxMessageBytes of it, reports it as oversize when it ends, and keeps serving', async () => {
    const { server, port, oversize, isServed, baseline } = await setup({});
    const totalMiB = 256;
    const endless = abuser('endless', port, totalMiB);
    await endless.ready;
    await server.waitFor((_, stats) => stats.bytes >= (totalMiB / 2) * MiB, { timeoutMs: 60_000 });
    expect(await isServed('beside an endless line')).toBe(true);
    const grown = rss() - baseline;
    await endless.done;
    const records = await server.waitFor((kept) => kept.some((record) => record.truncated), { timeoutMs: 60_000 });
    const cut = records.find((record) => record.truncated);
    expect(cut?.byteLength).toBe(server.options.maxMessageBytes);
    expect(server.stats.oversize).toBe(1);
    expect(oversize).toEqual([{ byteLength: totalMiB * MiB, action: 'truncated' }]);
    const bound = server.options.maxMessageBytes + PER_CONNECTION_BYTES + FIXED_SLACK_BYTES;
    console.log(`abuse: a ${totalMiB} MiB line without LF: RSS +${mib(grown)} (bound ${mib(bound)}), kept ${cut?.byteLength} bytes of it`);
    expect(grown).toBeLessThan(bound);
  });

  it('a flood of tiny UDP datagrams: the receiver keeps recordLimit of them, counts them all, and hears a well-behaved sender', async () => {
    const recordLimit = 10_000;
    const { server, port, isServed, baseline } = await setup({ protocol: 'udp', recordLimit });
    const datagrams = 300_000;
    const flood = abuser('flood', port, datagrams);
    await flood.ready;
    await flood.done;
    await server.waitFor((_, stats) => stats.datagrams >= 1000, { timeoutMs: 30_000 });
    // Let the receiver drain what the kernel still holds: while its receive buffer is full, the
    // kernel drops any sender's datagrams, the well-behaved one's too (that is UDP, not the server).
    let seen = -1;
    await eventually(
      () => {
        const now = server.stats.datagrams;
        const isDrained = now === seen;
        seen = now;
        return isDrained;
      },
      'the receiver to drain the flood',
    );
    const grown = rss() - baseline;
    const stats = server.stats;
    // The kernel drops what overflows the socket's receive buffer; everything read is counted.
    expect(stats.datagrams).toBeLessThanOrEqual(datagrams + 50);
    expect(stats.messages).toBe(stats.datagrams);
    expect(server.records.length).toBeLessThanOrEqual(recordLimit);
    expect(await isServed('after the flood')).toBe(true);
    const bound = recordLimit * 1 * KiB + FIXED_SLACK_BYTES;
    console.log(`abuse: ${datagrams} tiny datagrams sent, ${stats.datagrams} read and counted, ${server.records.length} kept: RSS +${mib(grown)} (bound ${mib(bound)})`);
    expect(grown).toBeLessThan(bound);
  });
});
