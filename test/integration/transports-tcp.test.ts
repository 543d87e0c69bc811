/**
 * TcpTransport over real loopback sockets against plain `node:net` peers: framing on the wire,
 * the prefix on every new connection, RST and FIN from the peer (during a send and while idle),
 * refused ports, a receiver that never reads, and clean shutdown.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { endpointKey, type Network, type StreamSocket } from '../../src/core/network.js';
import { nodeNetwork } from '../../src/net/node-network.js';
import { TcpTransport, type TcpTransportOptions } from '../../src/transports/tcp-transport.js';
import type { ConnectionClosedEvent, ConnectionResetEvent } from '../../src/transports/transport.js';

interface PeerConnection {
  readonly socket: net.Socket;
  /** The sender's endpoint as this peer sees it. */
  readonly key: string;
  readonly chunks: Buffer[];
  text(): string;
}

interface PeerOptions {
  /** Runs for each accepted connection (after the data recorder is attached). */
  onConnection?: (connection: PeerConnection) => void;
  /** Runs after each chunk is recorded. */
  onData?: (connection: PeerConnection, receivedBytes: number) => void;
  /** Never read (the sender's buffers fill up). */
  isStalled?: boolean;
  host?: string;
}

/** A plain TCP peer on port 0 that records what it receives; closed when the test ends. */
async function startPeer(options: PeerOptions = {}) {
  const connections: PeerConnection[] = [];
  const events = new EventTarget();
  const server = net.createServer({ pauseOnConnect: options.isStalled === true }, (socket) => {
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    const connection: PeerConnection = {
      socket,
      key: endpointKey(socket.remoteAddress ?? '', socket.remotePort ?? 0),
      chunks,
      text: () => Buffer.concat(chunks).toString('utf8'),
    };
    connections.push(connection);
    if (!options.isStalled) {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        receivedBytes += chunk.length;
        options.onData?.(connection, receivedBytes);
        events.dispatchEvent(new Event('data'));
      });
    }
    options.onConnection?.(connection);
    events.dispatchEvent(new Event('connection'));
  });
  server.listen(0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  onTestFinished(async () => {
    for (const connection of connections) connection.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  /** Resolves once `predicate()` holds, re-checking on every chunk or connection (bounded by the test timeout). */
  const until = async (predicate: () => boolean): Promise<void> => {
    while (!predicate()) {
      await Promise.race([once(events, 'data'), once(events, 'connection')]);
    }
  };
  return { port, connections, until };
}

/** nodeNetwork, recording every socket it opens. */
function spyNetwork(): Network & { readonly sockets: StreamSocket[] } {
  const sockets: StreamSocket[] = [];
  return {
    name: 'spy',
    sockets,
    connect: (options) => {
      const socket = nodeNetwork.connect(options);
      sockets.push(socket);
      return socket;
    },
    listen: (options, onConnection) => nodeNetwork.listen(options, onConnection),
    createDatagramSocket: (family) => nodeNetwork.createDatagramSocket(family),
  };
}

function createTransport(options: Omit<TcpTransportOptions, 'host'> & { host?: string }) {
  const transport = new TcpTransport({ host: '127.0.0.1', ...options });
  onTestFinished(() => transport.destroy());
  return transport;
}

function nextEvent<E extends 'connection:reset' | 'connection:closed'>(
  transport: TcpTransport,
  name: E,
): Promise<E extends 'connection:reset' ? ConnectionResetEvent : ConnectionClosedEvent> {
  return new Promise((resolve) => transport.once(name, resolve as never));
}

const header = ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 15.0.0-104 SN: 42A1B2C3D4E5-ABCDEF1'];
const prefix = () => header;

/** Lets sockets that earlier tests destroyed finish closing (their handles close a loop turn later). */
async function settleHandles(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function tcpSocketCount(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap' || name === 'TCPWRAP').length;
}

describe('TcpTransport on loopback', () => {
  it.for([
    ['lf', '127.0.0.1'],
    ['octet-counting', '127.0.0.1'],
    ['lf', '::1'],
  ] as const)('delivers the bytes exactly as framed (%s, %s), the prefix first', async ([framing, host]) => {
    const peer = await startPeer({ host });
    const transport = createTransport({ host, port: peer.port, framing });
    const lines = ['<22>Jun 25 08:50:04 Mail_Log: Info: MID 1 ICID 2 From: <a@example.com>', '<22>Jun 25 08:50:04 Mail_Log: Info: Message finished MID 1 done — ünïcode'];
    const receipt = await transport.send(lines, { prefix });
    const expected =
      framing === 'lf'
        ? [...header, ...lines].map((line) => `${line}\n`).join('')
        : [...header, ...lines].map((line) => `${Buffer.byteLength(line)} ${line}`).join('');
    await peer.until(() => peer.connections[0]?.text().length === expected.length);
    expect(peer.connections[0]?.text()).toBe(expected);
    expect(receipt.bytesWritten).toBe(Buffer.byteLength(expected));
    expect(receipt.frameEnds[receipt.frameEnds.length - 1]).toBe(Buffer.byteLength(expected));
    expect(receipt.connection.key).toBe(peer.connections[0]?.key);
    expect(receipt.connection.remotePort).toBe(peer.port);
  });

  it('reports a RST that arrives while idle, then opens connection 2 with the prefix', async () => {
    const resetAfterBytes = 412;
    const peer = await startPeer({
      onData: (connection, receivedBytes) => {
        if (receivedBytes >= resetAfterBytes && peer.connections.indexOf(connection) === 0) connection.socket.resetAndDestroy();
      },
    });
    const transport = createTransport({ port: peer.port });
    const reset = nextEvent(transport, 'connection:reset');
    const first = await transport.send(['x'.repeat(500)], { prefix });
    expect(first.connection.id).toBe(1);
    const event = await reset;
    expect(event).toMatchObject({ isIdle: true, connection: { id: 1 }, error: { code: 'ESA_ERR_CONNECTION_RESET', cause: expect.objectContaining({ code: 'ECONNRESET' }) } });
    expect(transport.connection).toBeUndefined();

    const second = await transport.send(['after the reset'], { prefix });
    expect(second).toMatchObject({ isNewConnection: true, prefixCount: 2, connection: { id: 2 }, startOffset: 0 });
    await peer.until(() => peer.connections[1]?.text().endsWith('after the reset\n') === true);
    expect(peer.connections[1]?.text()).toBe(`${header.join('\n')}\nafter the reset\n`);
    expect(second.connection.key).toBe(peer.connections[1]?.key);
  });

  it('rejects a send that the RST interrupts with ESA_ERR_CONNECTION_RESET, emits connection:reset (isIdle: false), and reconnects', async () => {
    const peer = await startPeer({
      onData: (connection, receivedBytes) => {
        if (receivedBytes >= 412 && peer.connections.indexOf(connection) === 0) connection.socket.resetAndDestroy();
      },
    });
    const transport = createTransport({ port: peer.port });
    const reset = nextEvent(transport, 'connection:reset');
    // Far more than the kernel buffers hold: the write is still in progress when the RST comes.
    const big = Array.from({ length: 2048 }, () => 'y'.repeat(8191));
    const sent = transport.send(big, { prefix });
    await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET', connectionId: 1, peer: `127.0.0.1:${peer.port}` });
    await expect(sent).rejects.toThrow(/reset by the peer \(ECONNRESET\) while writing 16777\d+ bytes/);
    expect(await reset).toMatchObject({ isIdle: false, connection: { id: 1 } });

    const next = await transport.send(['fresh'], { prefix });
    expect(next).toMatchObject({ isNewConnection: true, connection: { id: 2 } });
    await peer.until(() => peer.connections[1]?.text().endsWith('fresh\n') === true);
    expect(peer.connections[1]?.text().startsWith(header[0] as string)).toBe(true);
  });

  it('reports a refused port as ESA_ERR_CONNECTION_REFUSED', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const clock = new VirtualClock();
    const transport = createTransport({ port, clock });
    const events: string[] = [];
    transport.on('connection:opened', () => events.push('opened'));
    await expect(transport.send(['x'])).rejects.toMatchObject({
      code: 'ESA_ERR_CONNECTION_REFUSED',
      message: `Connection to 127.0.0.1:${port} was refused (ECONNREFUSED): nothing listens on that port`,
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
    expect(events).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('fails with ESA_ERR_WRITE_TIMEOUT when the receiver never reads (virtual clock, real sockets)', async () => {
    const peer = await startPeer({ isStalled: true });
    const clock = new VirtualClock();
    const network = spyNetwork();
    const transport = createTransport({ port: peer.port, clock, network, writeTimeoutMs: 30_000 });
    const opened = new Promise((resolve) => transport.once('connection:opened', resolve));
    const big = Array.from({ length: 2048 }, () => 'z'.repeat(8191));
    let outcome: unknown;
    const sent = transport.send(big).then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await opened;
    await clock.advance(0);
    // The kernel buffers are full: most of the batch is still queued in the socket.
    expect(network.sockets[0]?.writableLength).toBeGreaterThan(0);
    await clock.advance(29_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await sent;
    expect(outcome).toMatchObject({ code: 'ESA_ERR_WRITE_TIMEOUT', connectionId: 1 });
    expect(network.sockets[0]?.destroyed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('opens a new connection after the peer closed gracefully (FIN) while idle', async () => {
    const peer = await startPeer({
      onData: (connection) => {
        if (peer.connections.indexOf(connection) === 0) connection.socket.end();
      },
    });
    const transport = createTransport({ port: peer.port });
    const closed = nextEvent(transport, 'connection:closed');
    await transport.send(['first'], { prefix });
    expect(await closed).toMatchObject({ by: 'peer', duringSend: false, connection: { id: 1 } });
    const second = await transport.send(['second'], { prefix });
    expect(second).toMatchObject({ isNewConnection: true, connection: { id: 2 } });
    await peer.until(() => peer.connections[1]?.text().endsWith('second\n') === true);
    expect(peer.connections[1]?.text()).toBe(`${header.join('\n')}\nsecond\n`);
  });

  it('closes gracefully and idempotently, leaving no socket handle and no timer', async () => {
    const peer = await startPeer();
    await settleHandles();
    const before = tcpSocketCount();
    const clock = new VirtualClock();
    const transport = createTransport({ port: peer.port, clock });
    const closedEvents: ConnectionClosedEvent[] = [];
    transport.on('connection:closed', (event) => closedEvents.push(event));
    await transport.send(['a', 'b'], { prefix });
    await peer.until(() => peer.connections[0]?.text().endsWith('b\n') === true);
    expect(tcpSocketCount()).toBe(before + 2);
    const closing = transport.close();
    expect(transport.close()).toBe(closing);
    await closing;
    await transport.close();
    expect(closedEvents).toMatchObject([{ by: 'local', duringSend: false }]);
    // The peer saw our FIN (its side closes as a server with allowHalfOpen false does).
    if (!peer.connections[0]?.socket.closed) await once(peer.connections[0]?.socket as net.Socket, 'close');
    await settleHandles();
    expect(tcpSocketCount()).toBe(before);
    expect(clock.pending).toBe(0);
    await expect(transport.send(['c'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
  });

  it('lets no socket error escape during a burst of resets, idle and during sends', async () => {
    const uncaught = vi.fn();
    const unhandled = vi.fn();
    process.on('uncaughtException', uncaught);
    process.on('unhandledRejection', unhandled);
    onTestFinished(() => {
      process.off('uncaughtException', uncaught);
      process.off('unhandledRejection', unhandled);
    });
    const peer = await startPeer({
      onData: (connection, receivedBytes) => {
        if (receivedBytes >= 100) connection.socket.resetAndDestroy();
      },
    });
    const transport = createTransport({ port: peer.port });
    const resets: ConnectionResetEvent[] = [];
    transport.on('connection:reset', (event) => resets.push(event));
    const big = Array.from({ length: 512 }, () => 'q'.repeat(8191));
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const reset = nextEvent(transport, 'connection:reset');
      if (round % 2 === 0) {
        await transport.send(['r'.repeat(200)], { prefix });
      } else {
        await expect(transport.send(big, { prefix })).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
      }
      await reset;
    }
    await transport.close();
    expect(resets).toHaveLength(rounds);
    expect(resets.map((event) => event.isIdle)).toEqual(Array.from({ length: rounds }, (_, round) => round % 2 === 0));
    expect(resets.map((event) => event.connection.id)).toEqual(Array.from({ length: rounds }, (_, round) => round + 1));
    expect(uncaught).not.toHaveBeenCalled();
    expect(unhandled).not.toHaveBeenCalled();
  });
});
