/**
 * SyslogServer over real loopback TCP: every receiver fault against (a) our TcpTransport and
 * (b) a plain `node:net` client, asserting what the sender sees (error codes) and what the server
 * recorded; framing detection, CRLF, oversize frames, limits, and a clean shutdown.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { SocketError } from '../../src/core/network.js';
import { SyslogServer, type SyslogServerEvents, type SyslogServerOptions } from '../../src/server/syslog-server.js';
import { TcpTransport, type TcpTransportOptions } from '../../src/transports/tcp-transport.js';
import type { ConnectionClosedEvent, ConnectionResetEvent, SendReceipt } from '../../src/transports/transport.js';

const line = (n: number, text = `MID ${n} ICID ${n} RID 0 To: <rcpt${n}@example.com>`): string => `<22>Jun 25 08:50:03 Mail_Log: Info: ${text}`;
const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => line(from + i));
const header = ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 15.0.0-104 SN: 42A1B2C3D4E5-ABCDEF1'];
const prefix = () => header;

async function startServer(options: SyslogServerOptions = {}) {
  const server = new SyslogServer(options);
  const faults: Parameters<SyslogServerEvents['fault:applied']>[0][] = [];
  const closed: Parameters<SyslogServerEvents['connection:closed']>[0][] = [];
  server.on('fault:applied', (event) => faults.push(event));
  server.on('connection:closed', (event) => closed.push(event));
  onTestFinished(() => server.close());
  const port = await server.listen();
  return { server, port, faults, closed };
}

function createTransport(port: number, options: Partial<TcpTransportOptions> = {}) {
  const transport = new TcpTransport({ host: '127.0.0.1', port, ...options });
  onTestFinished(() => transport.destroy());
  return transport;
}

function nextEvent<E extends 'connection:reset' | 'connection:closed'>(transport: TcpTransport, name: E): Promise<E extends 'connection:reset' ? ConnectionResetEvent : ConnectionClosedEvent> {
  return new Promise((resolve) => transport.once(name, resolve as never));
}

/** A plain node:net client that records how its connection ended. */
async function plainClient(port: number, host = '127.0.0.1') {
  const socket = net.connect(port, host);
  let error: SocketError | undefined;
  let isEnded = false;
  socket.on('error', (failure: SocketError) => (error ??= failure));
  socket.on('end', () => (isEnded = true));
  // Not events.once(): it would reject on the 'error' that precedes 'close'.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  onTestFinished(() => {
    socket.destroy();
  });
  // A server that resets at once may beat the connect callback: then the error is the outcome.
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', () => resolve());
  });
  return {
    socket,
    closed,
    error: () => error,
    isEnded: () => isEnded,
    write: (text: string) => new Promise<void>((resolve) => socket.write(text, () => resolve())),
  };
}

/** The error a plain connection attempt fails with. */
function connectError(port: number): Promise<SocketError> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error('connected'));
    });
    socket.once('error', (error: SocketError) => resolve(error));
  });
}

/** The network error a transport reports for a send: the rejection, or the idle reset that follows a send that went out. */
async function failureOf(transport: TcpTransport, send: Promise<SendReceipt>): Promise<{ readonly path: 'send' | 'idle'; readonly code: string }> {
  const reset = nextEvent(transport, 'connection:reset');
  try {
    await send;
  } catch (error) {
    return { path: 'send', code: (error as { code: string }).code };
  }
  return { path: 'idle', code: (await reset).error.code };
}

const newlineFramed = (messages: readonly string[]): string => messages.map((message) => `${message}\n`).join('');

describe('SyslogServer over TCP on loopback', () => {
  it('records LF frames from the transport (prefix first) with offsets matching the receipt', async () => {
    const { server, port } = await startServer();
    const transport = createTransport(port);
    const receipt = await transport.send(lines(1, 3), { prefix });
    const records = await server.waitFor(5);
    expect(records.map((record) => record.raw)).toEqual([...header, ...lines(1, 3)]);
    expect(records.map((record) => record.streamEnd)).toEqual([...receipt.frameEnds]);
    expect(records.every((record) => record.key === receipt.connection.key)).toBe(true);
    expect(records[2]?.parsed).toMatchObject({ facilityName: 'mail', severity: 6, tag: 'Mail_Log', level: 'Information' });
  });

  it.for(['127.0.0.1', '::1'])('detects octet counting from the transport on %s', async (host) => {
    const { server, port } = await startServer({ host });
    const transport = createTransport(port, { host, framing: 'octet-counting' });
    const multiLine = line(9, 'Warning text\nwith a second line — ünïcode');
    await transport.send([multiLine, line(10)]);
    const records = await server.waitFor(2);
    expect(records.map((record) => record.raw)).toEqual([multiLine, line(10)]);
    expect(records[0]?.peer.address).toBe(host);
  });

  it('strips CR before LF from a plain client and delivers its trailing partial frame at FIN', async () => {
    const { server, port, closed } = await startServer();
    const client = await plainClient(port);
    await client.write(`${line(1)}\r\n${line(2)}\r\n${line(3)}`);
    client.socket.end();
    await client.closed;
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    expect(server.messages()).toEqual(lines(1, 3));
    expect(closed).toMatchObject([{ by: 'peer', reason: 'end' }]);
  });

  it('cuts LF frames over maxMessageBytes and keeps the connection; closes it for an oversize octet count', async () => {
    const { server, port } = await startServer({ maxMessageBytes: 100 });
    const lf = await plainClient(port);
    await lf.write(`${line(1, 'x'.repeat(300))}\n${line(2)}\n`);
    await server.waitFor(2);
    expect(server.records.map((record) => [record.byteLength, record.truncated])).toEqual([
      [100, true],
      [line(2).length, false],
    ]);
    const counted = await plainClient(port);
    await counted.write(`500 ${line(3, 'y'.repeat(500 - line(3, '').length))}`);
    await counted.closed;
    expect(counted.isEnded()).toBe(true);
    expect(counted.error()).toBeUndefined();
    expect(lf.socket.destroyed).toBe(false);
    expect(server.stats).toMatchObject({ oversize: 2, framingErrors: 1, messages: 2 });
  });

  it('resets connections beyond maxConnections (ECONNRESET) and serves the others', async () => {
    const { server, port } = await startServer({ maxConnections: 2 });
    const first = await plainClient(port);
    await plainClient(port);
    const third = await plainClient(port);
    await third.closed;
    expect(third.error()?.code).toBe('ECONNRESET');
    await first.write(`${line(1)}\n`);
    await server.waitFor(1);
    expect(server.stats).toMatchObject({ connectionsAccepted: 3, connectionsRefused: 1, connectionsReset: 1 });
  });

  it('closes idempotently, leaving no socket handle, and tells the observers of every connection', async () => {
    const ended: number[] = [];
    const before = await handleCounts();
    const { server, port } = await startServer({ observers: [{ messageReceived: () => {}, connectionEnded: (event) => ended.push(event.connectionId) }] });
    const client = await plainClient(port);
    const transport = createTransport(port);
    await transport.send([line(1)]);
    await client.write(`${line(2)}\n`);
    await server.waitFor(2);
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    await client.closed;
    transport.destroy();
    expect(ended.sort()).toEqual([1, 2]);
    expect(await settledHandleCounts(before)).toEqual(before);
  });
});

describe('receiver faults on loopback TCP: a plain client and the transport', () => {
  it('reset-after-bytes=412 (the seed): the plain client gets ECONNRESET, the server keeps the frames inside 412 bytes', async () => {
    const { server, port, faults, closed } = await startServer({ faults: ['reset-after-bytes=412'] });
    const client = await plainClient(port);
    const sent = lines(1, 8);
    await client.write(newlineFramed(sent));
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    const complete = completeFramesWithin(sent, 412);
    expect(server.messages()).toEqual(sent.slice(0, complete));
    expect(faults).toMatchObject([{ type: 'reset-after-bytes', action: 'reset', detail: 'reset after 412 bytes' }]);
    expect(closed).toMatchObject([{ by: 'server', reason: 'fault', fault: 'reset-after-bytes' }]);
  });

  it('reset-after-bytes=412@first=1 (the seed): the transport reports ESA_ERR_CONNECTION_RESET while idle and reconnects on the next send', async () => {
    const { server, port } = await startServer({ faults: ['reset-after-bytes=412@first=1'] });
    const transport = createTransport(port);
    const reset = nextEvent(transport, 'connection:reset');
    const first = await transport.send(lines(1, 5), { prefix });
    expect(first.connection.id).toBe(1);
    expect(await reset).toMatchObject({ isIdle: true, connection: { id: 1 }, error: { code: 'ESA_ERR_CONNECTION_RESET', cause: expect.objectContaining({ code: 'ECONNRESET' }) } });
    const second = await transport.send(lines(6, 2), { prefix });
    expect(second).toMatchObject({ isNewConnection: true, connection: { id: 2 } });
    await server.waitFor((records) => records.some((record) => record.raw === line(7)));
    const kept = completeFramesWithin([...header, ...lines(1, 5)], 412);
    expect(server.messages()).toEqual([...[...header, ...lines(1, 5)].slice(0, kept), ...header, ...lines(6, 2)]);
  });

  it('reset-after-bytes: a batch still being written when the RST comes rejects with ESA_ERR_CONNECTION_RESET', async () => {
    const { port } = await startServer({ faults: ['reset-after-bytes=412'] });
    const transport = createTransport(port);
    const big = Array.from({ length: 2048 }, (_, i) => line(i, 'y'.repeat(8000)));
    const reset = nextEvent(transport, 'connection:reset');
    await expect(transport.send(big)).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET', connectionId: 1 });
    expect(await reset).toMatchObject({ isIdle: false });
  });

  it('reset-after-messages=2: ECONNRESET for the plain client, ESA_ERR_CONNECTION_RESET for the transport; two messages kept each time', async () => {
    const { server, port } = await startServer({ faults: ['reset-after-messages=2'] });
    const client = await plainClient(port);
    await client.write(newlineFramed(lines(1, 4)));
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    const transport = createTransport(port);
    expect(await failureOf(transport, transport.send(lines(11, 4)))).toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
    await server.waitFor((_, stats) => stats.connectionsClosed === 2);
    expect(server.messages()).toEqual([line(1), line(2), line(11), line(12)]);
    expect(server.stats.faultsByType['reset-after-messages']).toBe(2);
  });

  it('reset-on-connect: ECONNRESET for the plain client, ESA_ERR_CONNECTION_RESET for the transport, nothing recorded', async () => {
    const { server, port } = await startServer({ faults: ['reset-on-connect'] });
    const client = await plainClient(port);
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    const transport = createTransport(port);
    expect(await failureOf(transport, transport.send([line(1)]))).toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
    await server.waitFor((_, stats) => stats.connectionsClosed === 2);
    expect(server.stats).toMatchObject({ messages: 0, connectionsRefused: 2, connectionsReset: 2 });
  });

  it('busy=1: the second concurrent connection is reset (ECONNRESET / ESA_ERR_CONNECTION_RESET) while the first is served', async () => {
    const { server, port } = await startServer({ faults: ['busy=1'] });
    const first = createTransport(port);
    await first.send([line(1)]);
    await server.waitFor(1);
    const plain = await plainClient(port);
    await plain.closed;
    expect(plain.error()?.code).toBe('ECONNRESET');
    const second = createTransport(port);
    expect(await failureOf(second, second.send([line(2)]))).toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
    await first.send([line(3)]);
    await server.waitFor(2);
    expect(server.messages()).toEqual([line(1), line(3)]);
    expect(server.stats.connectionsRefused).toBe(2);
  });

  it('refuse: ECONNREFUSED for the plain client, ESA_ERR_CONNECTION_REFUSED for the transport, then healed on the same port', async () => {
    const clock = new VirtualClock();
    const { server, port } = await startServer({ clock, faults: ['refuse@-30s'] });
    const listening = new Promise((resolve) => server.once('listener:listening', resolve));
    expect((await connectError(port)).code).toBe('ECONNREFUSED');
    const transport = createTransport(port);
    await expect(transport.send([line(1)])).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_REFUSED', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
    await clock.advance(30_000);
    await listening;
    expect(server.port).toBe(port);
    await transport.send([line(2)]);
    const client = await plainClient(port);
    await client.write(`${line(3)}\n`);
    await server.waitFor(2);
    expect(server.messages().sort()).toEqual([line(2), line(3)]);
    expect(server.stats.refusals).toBe(1);
  });

  it('close-after-messages=2: the plain client sees FIN, the transport a close by the peer while idle; later messages are discarded', async () => {
    const { server, port, closed } = await startServer({ faults: ['close-after-messages=2'] });
    const client = await plainClient(port);
    await client.write(newlineFramed(lines(1, 3)));
    await once(client.socket, 'end');
    expect(client.error()).toBeUndefined();
    client.socket.end();
    await client.closed;
    const transport = createTransport(port);
    const peerClosed = nextEvent(transport, 'connection:closed');
    await transport.send(lines(11, 3));
    expect(await peerClosed).toMatchObject({ by: 'peer', duringSend: false, connection: { id: 1 } });
    await server.waitFor((_, stats) => stats.connectionsClosed === 2);
    expect(server.messages()).toEqual([line(1), line(2), line(11), line(12)]);
    expect(closed).toMatchObject([
      { by: 'server', reason: 'fault', fault: 'close-after-messages' },
      { by: 'server', reason: 'fault', fault: 'close-after-messages' },
    ]);
  });

  it('idle-timeout (virtual clock): FIN to the plain client and to the transport exactly when the timeout runs out', async () => {
    const clock = new VirtualClock();
    const { server, port, faults } = await startServer({ clock, faults: ['idle-timeout=5m'] });
    const client = await plainClient(port);
    const transport = createTransport(port);
    await transport.send([line(1)]);
    await client.write(`${line(2)}\n`);
    await server.waitFor(2);
    const peerClosed = nextEvent(transport, 'connection:closed');
    await clock.advance(299_999);
    expect(client.isEnded()).toBe(false);
    await clock.advance(1);
    expect(await peerClosed).toMatchObject({ by: 'peer', duringSend: false });
    if (!client.isEnded()) await once(client.socket, 'end');
    expect(faults.map((event) => [event.type, event.action, event.at - clock.startMs])).toEqual([
      ['idle-timeout', 'close', 300_000],
      ['idle-timeout', 'close', 300_000],
    ]);
  });

  it('stall (virtual clock): nothing is read — the transport fails with ESA_ERR_WRITE_TIMEOUT — until the window ends', async () => {
    const serverClock = new VirtualClock();
    const { server, port } = await startServer({ clock: serverClock, faults: ['stall@-1m'] });
    const client = await plainClient(port);
    await client.write(`${line(1)}\n`);
    const transportClock = new VirtualClock();
    const transport = createTransport(port, { clock: transportClock, writeTimeoutMs: 10_000 });
    const big = Array.from({ length: 2048 }, (_, i) => line(i, 'z'.repeat(8000)));
    const opened = new Promise((resolve) => transport.once('connection:opened', resolve));
    const outcome = transport.send(big).catch((error: unknown) => error);
    await opened;
    await transportClock.advance(10_000);
    expect(await outcome).toMatchObject({ code: 'ESA_ERR_WRITE_TIMEOUT', connectionId: 1 });
    expect(server.records).toEqual([]);
    await serverClock.advance(60_000);
    await server.waitFor(1);
    expect(server.messages()[0]).toBe(line(1));
    expect(server.stats.faultsByType.stall).toBe(2);
  });

  it('latency (virtual clock): messages from both clients are recorded exactly latency later; senders see no error', async () => {
    const clock = new VirtualClock();
    const { server, port } = await startServer({ clock, faults: ['latency=200ms'] });
    const transport = createTransport(port);
    await transport.send([line(1)]);
    const client = await plainClient(port);
    await client.write(`${line(2)}\n`);
    await waitForDelays(server, 2);
    expect(server.records).toEqual([]);
    await clock.advance(199);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    const records = await server.waitFor(2);
    expect(records.map((record) => record.at - clock.startMs)).toEqual([200, 200]);
    expect(client.error()).toBeUndefined();
  });

  it('bandwidth (virtual clock): 2 KiB at 1 KiB/s are read after 2 s, on each connection', async () => {
    const clock = new VirtualClock();
    const { server, port } = await startServer({ clock, faults: ['bandwidth=1k'] });
    const client = await plainClient(port);
    const text = (n: number): string => line(n, 'b'.repeat(2047 - line(n, '').length));
    await client.write(`${text(1)}\n`);
    await createTransport(port).send([text(2)]);
    await waitForDelays(server, 2);
    await clock.advance(1999);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect((await server.waitFor(2)).map((record) => record.at - clock.startMs)).toEqual([2000, 2000]);
  });

  it('truncate=40: both clients succeed; each message is kept cut to 40 bytes', async () => {
    const { server, port } = await startServer({ faults: ['truncate=40'] });
    const transport = createTransport(port);
    await transport.send([line(1)]);
    const client = await plainClient(port);
    await client.write(`${line(2)}\n`);
    const records = await server.waitFor(2);
    expect(records.map((record) => [record.raw, record.faultTruncatedTo]).sort()).toEqual([
      [line(1).slice(0, 40), 40],
      [line(2).slice(0, 40), 40],
    ]);
  });

  it('drop does not touch TCP on real sockets (it concerns datagrams): everything arrives', async () => {
    const { server, port } = await startServer({ faults: ['drop=1'] });
    const transport = createTransport(port);
    await transport.send(lines(1, 3));
    expect((await server.waitFor(3)).map((record) => record.raw)).toEqual(lines(1, 3));
  });
});

/** How many of `messages`, LF-framed, end within the first `bytes` stream bytes. */
function completeFramesWithin(messages: readonly string[], bytes: number): number {
  let end = 0;
  let count = 0;
  for (const message of messages) {
    end += Buffer.byteLength(message) + 1;
    if (end > bytes) break;
    count++;
  }
  return count;
}

/** Resolves once the server has decided `count` read delays (so the bytes have arrived). */
function waitForDelays(server: SyslogServer, count: number): Promise<void> {
  return server.waitFor((_, stats) => stats.faultsByAction.delay >= count).then(() => undefined);
}

const HANDLE_NAMES = ['TCPSocketWrap', 'TCPWRAP', 'TCPServerWrap', 'UDPWRAP', 'UDPWrap'];

async function handleCounts(): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return countHandles();
}

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) if (HANDLE_NAMES.includes(name)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Node drops closed handles from its list a few loop turns after their close callbacks: poll (bounded). */
async function settledHandleCounts(expected: Record<string, number>): Promise<Record<string, number>> {
  let counts = countHandles();
  for (let attempt = 0; attempt < 50 && JSON.stringify(counts) !== JSON.stringify(expected); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    counts = countHandles();
  }
  return counts;
}
