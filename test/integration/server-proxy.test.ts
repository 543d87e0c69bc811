/**
 * FaultProxy on loopback in front of a SyslogServer: the seed's reset after 412 bytes as an IPS
 * would do it (RST both ways), latency on a virtual clock, graceful closes, truncation, an
 * upstream that refuses, and the UDP relay with drop=1 / drop=0.
 */
import * as net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { Network, SocketError } from '../../src/core/network.js';
import { nodeNetwork } from '../../src/net/node-network.js';
import { FaultProxy, resolveFaultProxyOptions, type FaultProxyEvents, type FaultProxyOptions } from '../../src/server/fault-proxy.js';
import { SyslogServer, type SyslogServerEvents, type SyslogServerOptions } from '../../src/server/syslog-server.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import type { ConnectionClosedEvent, ConnectionResetEvent } from '../../src/transports/transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';
import { FakeStreamSocket } from '../support/fake-network.js';

const line = (n: number, text = `MID ${n} ICID ${n} RID 0 To: <rcpt${n}@example.com>`): string => `<22>Jun 25 08:50:03 Mail_Log: Info: ${text}`;
const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => line(from + i));
const header = ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 15.0.0-104 SN: 42A1B2C3D4E5-ABCDEF1'];

async function startPair(proxyOptions: Omit<FaultProxyOptions, 'upstream'> = {}, serverOptions: SyslogServerOptions = {}) {
  const server = new SyslogServer({ protocol: proxyOptions.protocol ?? 'tcp', ...serverOptions });
  onTestFinished(() => server.close());
  const serverPort = await server.listen();
  const serverClosed: Parameters<SyslogServerEvents['connection:closed']>[0][] = [];
  server.on('connection:closed', (event) => serverClosed.push(event));
  const proxy = new FaultProxy({ upstream: { host: '127.0.0.1', port: serverPort }, ...proxyOptions });
  onTestFinished(() => proxy.close());
  const port = await proxy.listen();
  const proxyEvents: { name: keyof FaultProxyEvents; payload: unknown }[] = [];
  for (const name of ['connection:closed', 'connection:reset', 'fault:applied', 'upstream:failed'] as const) {
    proxy.on(name, (payload: unknown) => proxyEvents.push({ name, payload }));
  }
  return { server, serverPort, serverClosed, proxy, port, proxyEvents };
}

function createTransport(port: number) {
  const transport = new TcpTransport({ host: '127.0.0.1', port });
  onTestFinished(() => transport.destroy());
  return transport;
}

function nextEvent<E extends 'connection:reset' | 'connection:closed'>(transport: TcpTransport, name: E): Promise<E extends 'connection:reset' ? ConnectionResetEvent : ConnectionClosedEvent> {
  return new Promise((resolve) => transport.once(name, resolve as never));
}

/** A plain client; resolves once connected or failed; remembers how it ended. */
async function plainClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let error: SocketError | undefined;
  let isEnded = false;
  socket.on('error', (failure: SocketError) => (error ??= failure));
  socket.on('end', () => (isEnded = true));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', () => resolve());
  });
  return { socket, closed, error: () => error, isEnded: () => isEnded, write: (text: string) => new Promise<void>((resolve) => socket.write(text, () => resolve())) };
}

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

describe('resolveFaultProxyOptions', () => {
  it('needs an upstream and fills the defaults', () => {
    expect(resolveFaultProxyOptions({ upstream: { host: '127.0.0.1', port: 514 } })).toMatchObject({
      upstream: { host: '127.0.0.1', port: 514 },
      protocol: 'tcp',
      host: '127.0.0.1',
      port: 0,
      faults: [],
      framing: 'auto',
      maxMessageBytes: 65_536,
      maxConnections: 1000,
      connectTimeoutMs: 10_000,
      closeTimeoutMs: 5000,
    });
  });

  it.for<[string, unknown]>([
    ['upstream', {}],
    ['upstream.host', { upstream: { port: 514 } }],
    ['upstream.port', { upstream: { host: '127.0.0.1', port: 0 } }],
    ['upstream.tls', { upstream: { host: '127.0.0.1', port: 514, tls: true } }],
    ['faults[0]', { upstream: { host: '127.0.0.1', port: 514 }, faults: ['nope'] }],
    ['connectTimeoutMs', { upstream: { host: '127.0.0.1', port: 514 }, connectTimeoutMs: 0 }],
  ])('rejects an invalid %s', ([option, options]) => {
    expect(() => resolveFaultProxyOptions(options as FaultProxyOptions)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});

describe('FaultProxy (TCP) in front of a SyslogServer', () => {
  it('forwards without faults: the server gets exactly what the transport sent, in its framing', async () => {
    const { server, port } = await startPair();
    const transport = createTransport(port);
    await transport.send(lines(1, 3), { prefix: () => header });
    expect((await server.waitFor(5)).map((record) => record.raw)).toEqual([...header, ...lines(1, 3)]);
    const counted = new TcpTransport({ host: '127.0.0.1', port, framing: 'octet-counting' });
    onTestFinished(() => counted.destroy());
    const multi = line(9, 'two\nlines');
    await counted.send([multi]);
    expect((await server.waitFor(6)).at(-1)?.raw).toBe(multi);
  });

  it('reset-after-bytes=412@first=1 (the seed as an IPS): the transport sees ESA_ERR_CONNECTION_RESET, the server a RST after the first 412 bytes', async () => {
    const { server, serverClosed, port, proxy } = await startPair({ faults: ['reset-after-bytes=412@first=1'] });
    const transport = createTransport(port);
    const reset = nextEvent(transport, 'connection:reset');
    await transport.send(lines(1, 5), { prefix: () => header });
    expect(await reset).toMatchObject({ isIdle: true, error: { code: 'ESA_ERR_CONNECTION_RESET' } });
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    // Exactly the first 412 bytes reached the server, then the RST. Linux hands a receiver the
    // data still queued before it reports the reset, as an end of stream: the server, like
    // rsyslog, keeps the cut line it held.
    expect(server.stats.bytes).toBe(412);
    const firstConnection = [...header, ...lines(1, 5)];
    const complete = completeFramesWithin(firstConnection, 412);
    const cut = firstConnection.slice(0, complete).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
    expect(server.messages()).toEqual([...firstConnection.slice(0, complete), (firstConnection[complete] as string).slice(0, 412 - cut)]);
    expect(serverClosed).toMatchObject([{ by: 'peer', reason: 'end' }]);
    await transport.send(lines(6, 2), { prefix: () => header });
    await server.waitFor((records) => records.some((record) => record.raw === line(7)));
    expect(server.messages().slice(-4)).toEqual([...header, ...lines(6, 2)]);
    expect(proxy.stats).toMatchObject({ connectionsAccepted: 2, connectionsReset: 1, faultsByType: { 'reset-after-bytes': 1 } });
  });

  it('reset-after-bytes: a plain client gets ECONNRESET and the upstream gets the partial frame before the RST', async () => {
    const { server, serverClosed, port } = await startPair({ faults: ['reset-after-bytes=100'] });
    const client = await plainClient(port);
    await client.write(`${line(1)}\n${line(2)}\n`);
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    // The first 100 bytes reached the server (the whole first line and the start of the second), then the RST.
    expect(server.stats.bytes).toBe(100);
    expect(server.messages()).toEqual([line(1), line(2).slice(0, 100 - line(1).length - 1)]);
    expect(serverClosed).toMatchObject([{ by: 'peer' }]);
  });

  it('reset-on-connect: the client gets ECONNRESET and the upstream never sees a connection', async () => {
    const { server, port, proxy } = await startPair({ faults: ['reset-on-connect'] });
    const client = await plainClient(port);
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    expect(server.stats.connectionsAccepted).toBe(0);
    expect(proxy.stats).toMatchObject({ connectionsRefused: 1, connectionsReset: 1 });
  });

  it('refuse: connecting to the proxy is refused (ECONNREFUSED / ESA_ERR_CONNECTION_REFUSED)', async () => {
    const { port } = await startPair({ faults: ['refuse'] });
    const transport = createTransport(port);
    await expect(transport.send([line(1)])).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_REFUSED' });
  });

  it('close-after-messages=2: FIN to the client and, after two messages, to the server', async () => {
    const { server, serverClosed, port } = await startPair({ faults: ['close-after-messages=2'] });
    const client = await plainClient(port);
    await client.write(`${line(1)}\n${line(2)}\n${line(3)}\n`);
    await client.closed;
    expect(client.isEnded()).toBe(true);
    expect(client.error()).toBeUndefined();
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    expect(server.messages()).toEqual([line(1), line(2)]);
    expect(serverClosed).toMatchObject([{ by: 'peer', reason: 'end' }]);
  });

  it('truncate=40 cuts messages as they are forwarded (LF and octet counting)', async () => {
    const { server, port, proxy } = await startPair({ faults: ['truncate=40'] });
    const lf = createTransport(port);
    await lf.send([line(1)]);
    const counted = new TcpTransport({ host: '127.0.0.1', port, framing: 'octet-counting' });
    onTestFinished(() => counted.destroy());
    await counted.send([line(2)]);
    expect((await server.waitFor(2)).map((record) => record.raw).sort()).toEqual([line(1).slice(0, 40), line(2).slice(0, 40)]);
    expect(proxy.stats.truncated).toBe(2);
  });

  it('latency (virtual clock): the server receives nothing until the proxy clock has moved on', async () => {
    const clock = new VirtualClock();
    const { server, port, proxy } = await startPair({ clock, faults: ['latency=200ms'] });
    const transport = createTransport(port);
    await transport.send(lines(1, 2));
    for (let turn = 0; turn < 2500 && proxy.stats.faultsByAction.delay === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(proxy.stats.faultsByAction.delay).toBeGreaterThan(0);
    expect(server.records).toEqual([]);
    await clock.advance(199);
    expect(server.stats.bytes).toBe(0);
    await clock.advance(1);
    expect((await server.waitFor(2)).map((record) => record.raw)).toEqual(lines(1, 2));
  });

  it('stall@-1m (virtual clock): nothing is forwarded until the window ends', async () => {
    const clock = new VirtualClock();
    const { server, port, proxy } = await startPair({ clock, faults: ['stall@-1m'] });
    const client = await plainClient(port);
    await client.write(`${line(1)}\n`);
    for (let turn = 0; turn < 2500 && proxy.stats.faultsByType.stall === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(proxy.stats.faultsByType.stall).toBe(1);
    await clock.advance(59_999);
    expect(server.stats.bytes).toBe(0);
    await clock.advance(1);
    expect((await server.waitFor(1)).map((record) => record.raw)).toEqual([line(1)]);
  });

  it('idle-timeout (virtual clock): FIN to the client and to the server when the timeout runs out', async () => {
    const clock = new VirtualClock();
    const { server, serverClosed, port } = await startPair({ clock, faults: ['idle-timeout=30s'] });
    const transport = createTransport(port);
    const closed = nextEvent(transport, 'connection:closed');
    await transport.send([line(1)]);
    await server.waitFor(1);
    await clock.advance(30_000);
    expect(await closed).toMatchObject({ by: 'peer', duringSend: false });
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    expect(serverClosed).toMatchObject([{ by: 'peer', reason: 'end' }]);
  });

  it('busy=1: a second concurrent client is reset (ESA_ERR_CONNECTION_RESET), the first is forwarded', async () => {
    const { server, port } = await startPair({ faults: ['busy=1'] });
    const first = createTransport(port);
    await first.send([line(1)]);
    await server.waitFor(1);
    const second = createTransport(port);
    const reset = nextEvent(second, 'connection:reset');
    const outcome = await second.send([line(2)]).then(
      () => reset.then((event) => event.error.code),
      (error: { code: string }) => error.code,
    );
    expect(outcome).toBe('ESA_ERR_CONNECTION_RESET');
    await first.send([line(3)]);
    expect((await server.waitFor(2)).map((record) => record.raw)).toEqual([line(1), line(3)]);
  });

  it('delivers the client partial frame at its FIN, unchanged (no LF added)', async () => {
    const { server, port } = await startPair();
    const client = await plainClient(port);
    await client.write(`${line(1)}\n${line(2)}`);
    client.socket.end();
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    expect(server.messages()).toEqual([line(1), line(2)]);
    expect(server.stats.bytes).toBe(line(1).length + 1 + line(2).length);
  });

  it('resets the client when the upstream refuses, and reports ESA_ERR_CONNECTION_REFUSED', async () => {
    const { server, serverPort, port, proxy, proxyEvents } = await startPair();
    await server.close();
    const client = await plainClient(port);
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    expect(proxyEvents.filter((event) => event.name === 'upstream:failed')).toMatchObject([
      { payload: { connectionId: 1, error: { code: 'ESA_ERR_CONNECTION_REFUSED', peer: `127.0.0.1:${serverPort}`, cause: expect.objectContaining({ code: 'ECONNREFUSED' }) } } },
    ]);
    for (let turn = 0; turn < 2500 && proxy.stats.connectionsClosed === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(proxy.stats).toMatchObject({ upstreamFailures: 1, connectionsClosed: 1, connectionsOpen: 0 });
  });

  it('resets the client when the upstream does not answer within connectTimeoutMs (ESA_ERR_CONNECT_TIMEOUT)', async () => {
    const clock = new VirtualClock();
    // Real sockets toward the client; an upstream connect that never completes.
    const network: Network = { ...nodeNetwork, name: 'silent-upstream', connect: (options) => new FakeStreamSocket(options) };
    const proxy = new FaultProxy({ upstream: { host: '192.0.2.9', port: 514 }, network, clock, connectTimeoutMs: '3s' });
    onTestFinished(() => proxy.close());
    const failures: unknown[] = [];
    proxy.on('upstream:failed', (event) => failures.push(event));
    const client = await plainClient(await proxy.listen());
    for (let turn = 0; turn < 2500 && proxy.stats.connectionsAccepted === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    await clock.advance(2999);
    expect(failures).toEqual([]);
    await clock.advance(1);
    await client.closed;
    expect(client.error()?.code).toBe('ECONNRESET');
    expect(failures).toMatchObject([{ at: clock.startMs + 3000, connectionId: 1, error: { code: 'ESA_ERR_CONNECT_TIMEOUT', peer: '192.0.2.9:514' } }]);
    expect(clock.pending).toBe(0);
  });

  it('rejects listen() after close() with ESA_ERR_CLOSED', async () => {
    const proxy = new FaultProxy({ upstream: { host: '127.0.0.1', port: 514 } });
    await proxy.close();
    await expect(proxy.listen()).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
  });

  it('closes idempotently with connections open, leaving no connection', async () => {
    const { proxy, port, server } = await startPair();
    const client = await plainClient(port);
    await client.write(`${line(1)}\n`);
    await server.waitFor(1);
    const closing = proxy.close();
    expect(proxy.close()).toBe(closing);
    await closing;
    await client.closed;
    expect(proxy.stats).toMatchObject({ connectionsOpen: 0, connectionsClosed: 1 });
    await server.waitFor((_, stats) => stats.connectionsClosed === 1);
    await expect(proxy.listen()).resolves.toBe(port);
  });
});

describe('FaultProxy (UDP relay) in front of a SyslogServer', () => {
  it.for([
    [1, 0],
    [0, 10],
  ] as const)('drop=%s: the server gets %s of 10 datagrams', async ([probability, kept]) => {
    const { server, port, proxy } = await startPair({ protocol: 'udp', faults: [{ type: 'drop', probability }] });
    const transport = new UdpTransport({ host: '127.0.0.1', port });
    onTestFinished(() => transport.destroy());
    await transport.send(lines(1, 10));
    for (let turn = 0; turn < 2500 && proxy.stats.datagrams < 10; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(proxy.stats).toMatchObject({ datagrams: 10, messages: kept, datagramsDropped: 10 - kept });
    if (kept > 0) expect((await server.waitFor(kept)).map((record) => record.raw)).toEqual(lines(1, 10));
    else expect(server.stats.datagrams).toBe(0);
  });
});
