/**
 * Node parity: the same socket scenarios, written once against the `Network` interface, run on
 * real loopback sockets (`nodeNetwork`) and on a virtual host pair; the observable event
 * sequences and error codes must be the same (timings are not compared). This is what lets
 * `TcpTransport`, `UdpTransport` and `SyslogServer` behave the same in both worlds.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Network, SocketError, StreamSocket } from '../../src/core/network.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { nodeNetwork } from '../../src/net/node-network.js';
import { VirtualNetwork } from '../../src/vnet/virtual-network.js';

interface World {
  readonly name: string;
  readonly client: Network;
  readonly server: Network;
  /** The address the server listens on and the client connects to. */
  readonly serverHost: string;
  /** Chunk size of the back-pressure scenario: larger than the world's buffers in 64 chunks. */
  readonly bigChunkBytes: number;
  /** Lets time pass until `condition()` holds (bounded). */
  until(condition: () => boolean, what: string): Promise<void>;
  /** Lets some time pass, to show that nothing else happens. */
  settle(): Promise<void>;
  /** A port where nothing listens. */
  closedPort(): Promise<number>;
}

function realWorld(): World {
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  return {
    name: 'node',
    client: nodeNetwork,
    server: nodeNetwork,
    serverHost: '127.0.0.1',
    bigChunkBytes: 1 << 20,
    async until(condition, what) {
      for (let i = 0; i < 2500 && !condition(); i++) await sleep(2);
      if (!condition()) throw new Error(`node world: timed out waiting for ${what}`);
    },
    settle: () => sleep(60),
    async closedPort() {
      const listener = await nodeNetwork.listen({ host: '127.0.0.1', port: 0 }, () => {});
      await listener.close();
      return listener.port;
    },
  };
}

function virtualWorld(): World & { vnet: VirtualNetwork; clock: VirtualClock } {
  const clock = new VirtualClock({ startMs: 0 });
  const vnet = new VirtualNetwork({ clock, seed: 42 });
  const client = vnet.host('10.229.24.230');
  const server = vnet.host('10.44.167.30');
  return {
    name: 'virtual',
    vnet,
    clock,
    client,
    server,
    serverHost: server.address,
    bigChunkBytes: 1 << 16,
    async until(condition, what) {
      for (let i = 0; i < 20_000 && !condition(); i++) await clock.advance(1);
      if (!condition()) throw new Error(`virtual world: ${what} did not happen within 20 s of virtual time`);
    },
    settle: () => clock.advance(200),
    closedPort: async () => 9,
  };
}

type Log = Record<'C' | 'S', string[]>;

/** Records a socket's events; consecutive `data` events become one `data(total)`. */
function watch(socket: StreamSocket, side: 'C' | 'S', log: Log, options: { read?: boolean } = {}): { bytes: () => number } {
  const lines = log[side];
  let bytes = 0;
  const add = (line: string) => lines.push(line);
  socket.on('connect', () => add('connect'));
  if (options.read !== false) {
    socket.on('data', (chunk) => {
      bytes += chunk.byteLength;
      const last = lines.at(-1);
      if (last?.startsWith('data(')) lines[lines.length - 1] = `data(${bytes})`;
      else add(`data(${bytes})`);
    });
  }
  socket.on('drain', () => add('drain'));
  socket.on('end', () => add('end'));
  socket.on('error', (error: SocketError) => add(`error(${error.code},${error.syscall})`));
  socket.on('close', (hadError) => add(`close(${hadError})`));
  return { bytes: () => bytes };
}

function callback(log: string[], name: string): (error?: Error | null) => void {
  return (error) => log.push(`${name} ${(error as SocketError | null | undefined)?.code ?? 'ok'}`);
}

function bytes(count: number): Uint8Array {
  return new Uint8Array(count).fill(0x61);
}

async function serve(world: World, onConnection: (socket: StreamSocket) => void): Promise<number> {
  const listener = await world.server.listen({ host: world.serverHost, port: 0 }, onConnection);
  onTestFinished(() => listener.close());
  return listener.port;
}

/** The scenarios: each returns what both worlds must agree on. */
const scenarios: Record<string, (world: World) => Promise<unknown>> = {
  async 'connect, write before the connection is up, end: FIN both ways'(world) {
    const log: Log = { C: [], S: [] };
    let server: StreamSocket | undefined;
    const port = await serve(world, (socket) => {
      server = socket;
      watch(socket, 'S', log);
    });
    const client = world.client.connect({ host: world.serverHost, port });
    watch(client, 'C', log);
    log.C.push(`write returned ${client.write(bytes(5), callback(log.C, 'wcb'))}`);
    client.end();
    await world.until(() => log.C.includes('close(false)') && log.S.includes('close(false)'), 'both closes');
    await world.settle();
    return { log, serverDestroyed: server?.destroyed, clientDestroyed: client.destroyed };
  },

  async 'the server resets after 412 bytes while the client is idle'(world) {
    const log: Log = { C: [], S: [] };
    const port = await serve(world, (socket) => {
      const seen = watch(socket, 'S', log);
      socket.on('data', () => {
        if (seen.bytes() >= 412 && !socket.destroyed) socket.resetAndDestroy();
      });
    });
    const client = world.client.connect({ host: world.serverHost, port });
    watch(client, 'C', log);
    client.write(bytes(47), callback(log.C, 'wcb1'));
    await world.until(() => log.S.includes('data(47)'), 'the first 47 bytes');
    client.write(bytes(365), callback(log.C, 'wcb2'));
    await world.until(() => log.C.includes('close(true)'), 'the client close');
    await world.settle();
    return log;
  },

  async 'the server resets while the client keeps writing'(world) {
    const log: Log = { C: [], S: [] };
    const port = await serve(world, (socket) => {
      const seen = watch(socket, 'S', log);
      socket.on('data', () => {
        if (seen.bytes() >= 412 && !socket.destroyed) socket.resetAndDestroy();
      });
    });
    const client = world.client.connect({ host: world.serverHost, port });
    watch(client, 'C', log);
    await world.until(() => log.C.includes('connect'), 'connect');
    let writes = 0;
    let okCallbacks = 0;
    const failed: string[] = [];
    for (let i = 0; i < 40 && !client.destroyed; i++) {
      writes++;
      client.write(bytes(100), (error) => (error ? failed.push((error as SocketError).code ?? '?') : okCallbacks++));
      const before = okCallbacks;
      await world.until(() => okCallbacks > before || client.destroyed, 'the write callback');
    }
    await world.until(() => log.C.includes('close(true)'), 'the client close');
    await world.settle();
    return { log, failed, okCallbacks, writes };
  },

  async 'connecting to a port nobody listens on is refused'(world) {
    const log: Log = { C: [], S: [] };
    const client = world.client.connect({ host: world.serverHost, port: await world.closedPort() });
    watch(client, 'C', log);
    client.write(bytes(5), callback(log.C, 'wcb'));
    await world.until(() => log.C.some((line) => line.startsWith('wcb')), 'the write callback');
    await world.settle();
    return log;
  },

  async 'a paused reader stops the write callbacks; resume drains them'(world) {
    const log: Log = { C: [], S: [] };
    let server: StreamSocket | undefined;
    let received = 0;
    const port = await serve(world, (socket) => {
      server = socket;
      socket.pause();
      socket.on('data', (chunk) => (received += chunk.byteLength));
    });
    const client = world.client.connect({ host: world.serverHost, port });
    watch(client, 'C', log, { read: false });
    await world.until(() => log.C.includes('connect') && server !== undefined, 'connect and accept');
    const chunks = 64;
    const total = chunks * world.bigChunkBytes;
    let done = 0;
    const results: boolean[] = [];
    for (let i = 0; i < chunks; i++) results.push(client.write(bytes(world.bigChunkBytes), () => done++));
    await world.settle();
    await world.settle();
    const stalled = { doneBelowAll: done < chunks, queued: client.writableLength > 0, sawFalse: results.includes(false) };
    server?.resume();
    await world.until(() => done === chunks && received === total, 'all writes and bytes');
    await world.until(() => log.C.includes('drain'), 'drain');
    const result = { stalled, drained: log.C.includes('drain'), writableLength: client.writableLength, isAllReceived: received === total };
    client.end();
    await world.until(() => log.C.includes('close(false)'), 'the close');
    return result;
  },

  async 'a FIN from the server ends the client too (allowHalfOpen false)'(world) {
    const log: Log = { C: [], S: [] };
    const port = await serve(world, (socket) => {
      watch(socket, 'S', log);
      socket.end();
    });
    const client = world.client.connect({ host: world.serverHost, port });
    watch(client, 'C', log);
    await world.until(() => log.C.includes('close(false)') && log.S.includes('close(false)'), 'both closes');
    log.C.push(`write returned ${client.write(bytes(5), callback(log.C, 'late wcb'))}`);
    await world.until(() => log.C.some((line) => line.startsWith('late wcb')), 'the late callback');
    await world.settle();
    return log;
  },

  async 'destroy() sends FIN; resetAndDestroy() makes the peer see ECONNRESET'(world) {
    const log: Log = { C: [], S: [] };
    const second: Log = { C: [], S: [] };
    let count = 0;
    const port = await serve(world, (socket) => watch(socket, 'S', count++ === 0 ? log : second));
    const first = world.client.connect({ host: world.serverHost, port });
    watch(first, 'C', log);
    await world.until(() => log.C.includes('connect'), 'connect');
    first.destroy();
    log.C.push(`write after destroy returned ${first.write(bytes(1), callback(log.C, 'wcb'))}`);
    await world.until(() => log.S.includes('close(false)') && log.C.some((line) => line.startsWith('wcb')), 'the server close');
    const other = world.client.connect({ host: world.serverHost, port });
    watch(other, 'C', second);
    await world.until(() => second.C.includes('connect') && count === 2, 'connect');
    other.resetAndDestroy();
    await world.until(() => second.S.includes('close(true)'), 'the server error');
    await world.settle();
    return { log, second };
  },

  async 'destroy() and resetAndDestroy() while the connection is being set up'(world) {
    const log: Log = { C: [], S: [] };
    const second: Log = { C: [], S: [] };
    // Whether the destroyed attempt reaches the server at all is a race in Node: not compared.
    const ignored = await serve(world, (socket) => socket.on('error', () => {}));
    const early = world.client.connect({ host: world.serverHost, port: ignored });
    watch(early, 'C', log);
    early.write(bytes(5), callback(log.C, 'wcb'));
    early.destroy();
    await world.until(() => log.C.some((line) => line.startsWith('wcb')), 'the write callback');
    // resetAndDestroy() waits for the connection: then RST, or FIN when a write was queued.
    const third: Log = { C: [], S: [] };
    let accepted = 0;
    const port = await serve(world, (socket) => watch(socket, 'S', accepted++ === 0 ? second : third));
    const reset = world.client.connect({ host: world.serverHost, port });
    watch(reset, 'C', second);
    reset.resetAndDestroy();
    await world.until(() => second.C.includes('close(false)') && second.S.includes('close(true)'), 'the reset');
    const writer = world.client.connect({ host: world.serverHost, port });
    watch(writer, 'C', third);
    writer.write(bytes(5), callback(third.C, 'wcb'));
    writer.resetAndDestroy();
    await world.until(() => third.C.includes('close(false)') && third.S.includes('close(false)'), 'the close');
    await world.settle();
    return { log: log.C, second, third };
  },

  async 'UDP to a closed port: the connected socket reports ECONNREFUSED, stays open'(world) {
    const socket = world.client.createDatagramSocket(4);
    const log: string[] = [];
    socket.on('error', (error) => log.push(`error(${error.code},${error.syscall})`));
    socket.on('close', () => log.push('close'));
    await socket.connect(world.serverHost, await world.closedPort());
    socket.send(bytes(3), (error) => log.push(`send1 ${error?.code ?? 'ok'}`));
    await world.until(() => log.some((line) => line.startsWith('error')), 'the first error');
    socket.send(bytes(3), (error) => log.push(`send2 ${error?.code ?? 'ok'}`));
    await world.until(() => log.filter((line) => line.startsWith('error')).length === 2, 'the second error');
    await world.settle();
    socket.close();
    await world.until(() => log.includes('close'), 'close');
    return log;
  },
};

describe('virtual sockets behave like Node sockets', () => {
  it.for(Object.keys(scenarios))('%s', async (name) => {
    const scenario = scenarios[name] as (world: World) => Promise<unknown>;
    const expected = await scenario(realWorld());
    const virtual = virtualWorld();
    onTestFinished(() => virtual.vnet.close());
    const actual = await scenario(virtual);
    expect(actual).toEqual(expected);
    // Nothing is left running in the virtual world once the sockets are closed.
    await virtual.clock.advance(200_000);
    expect(virtual.clock.pending).toBe(0);
  });
});
