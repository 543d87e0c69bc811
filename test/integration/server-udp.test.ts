/**
 * SyslogServer over real loopback UDP: receiver faults against (a) our UdpTransport and (b) a
 * plain `node:dgram` client — what the sender sees (ICMP port unreachable as ECONNREFUSED /
 * ESA_ERR_PORT_UNREACHABLE, or nothing at all for a lost datagram) and what the server recorded.
 */
import * as dgram from 'node:dgram';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { SocketError } from '../../src/core/network.js';
import { SyslogServer, type SyslogServerOptions } from '../../src/server/syslog-server.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';

const line = (n: number, text = `MID ${n} ICID ${n} RID 0 To: <rcpt${n}@example.com>`): string => `<22>Jun 25 08:50:03 Mail_Log: Info: ${text}`;
const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => line(from + i));

async function startServer(options: SyslogServerOptions = {}) {
  const server = new SyslogServer({ protocol: 'udp', ...options });
  onTestFinished(() => server.close());
  const port = await server.listen();
  return { server, port };
}

function createTransport(port: number, host = '127.0.0.1') {
  const transport = new UdpTransport({ host, port });
  onTestFinished(() => transport.destroy());
  return transport;
}

/** A plain dgram client connected to the server; remembers the first socket error. */
async function plainClient(port: number) {
  const socket = dgram.createSocket('udp4');
  let error: SocketError | undefined;
  socket.on('error', (failure: SocketError) => (error ??= failure));
  onTestFinished(() => {
    try {
      socket.close();
    } catch {
      // already closed
    }
  });
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', () => resolve()));
  return {
    socket,
    error: () => error,
    /** Sends one datagram; resolves with the send's error, if any. */
    send: (text: string) => new Promise<SocketError | null>((resolve) => socket.send(text, (failure) => resolve((failure as SocketError | null) ?? null))),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('SyslogServer over UDP on loopback', () => {
  it.for(['127.0.0.1', '::1'])('records one message per datagram from the transport on %s', async (host) => {
    const { server, port } = await startServer({ host });
    const transport = createTransport(port, host);
    const receipt = await transport.send(lines(1, 3));
    const records = await server.waitFor(3);
    expect(records.map((record) => record.raw)).toEqual(lines(1, 3));
    expect(records.every((record) => record.key === receipt.connection.key && record.protocol === 'udp')).toBe(true);
  });

  it('takes a trailing LF of a plain client as framing', async () => {
    const { server, port } = await startServer();
    const client = await plainClient(port);
    await client.send(`${line(1)}\n`);
    await client.send(line(2));
    expect((await server.waitFor(2)).map((record) => record.raw).sort()).toEqual([line(1), line(2)]);
  });
});

describe('receiver faults on loopback UDP: a plain client and the transport', () => {
  it.for([
    [1, 0],
    [0, 20],
  ] as const)('drop=%s: the senders see success, the server keeps %s of 20', async ([probability, kept]) => {
    const { server, port } = await startServer({ faults: [{ type: 'drop', probability }] });
    const transport = createTransport(port);
    await transport.send(lines(1, 10));
    const client = await plainClient(port);
    for (let i = 11; i <= 20; i++) expect(await client.send(line(i))).toBeNull();
    await server.waitFor((_, stats) => stats.datagrams === 20);
    expect(server.stats).toMatchObject({ messages: kept, datagramsDropped: 20 - kept });
    expect(client.error()).toBeUndefined();
  });

  it('refuse: ICMP port unreachable — ECONNREFUSED for the plain client, ESA_ERR_PORT_UNREACHABLE for the transport — then healed on the same port', async () => {
    const clock = new VirtualClock();
    const { server, port } = await startServer({ clock, faults: ['refuse@-1m'] });
    const transport = createTransport(port);
    let failure: unknown;
    for (let attempt = 0; attempt < 50 && failure === undefined; attempt++) {
      await transport.send([line(attempt)]).catch((error: unknown) => (failure = error));
      await turn();
    }
    expect(failure).toMatchObject({ code: 'ESA_ERR_PORT_UNREACHABLE', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
    const client = await plainClient(port);
    let plainFailure: SocketError | null | undefined;
    for (let attempt = 0; attempt < 50 && !plainFailure && !client.error(); attempt++) {
      plainFailure = await client.send(line(100 + attempt));
      await turn();
    }
    expect((plainFailure ?? client.error())?.code).toBe('ECONNREFUSED');
    const listening = new Promise((resolve) => server.once('listener:listening', resolve));
    await clock.advance(60_000);
    await listening;
    expect(server.port).toBe(port);
    await transport.send([line(200)]);
    expect((await server.waitFor(1)).map((record) => record.raw)).toEqual([line(200)]);
  });

  it('stall: datagrams from both senders are never read (lost); the senders see success', async () => {
    const { server, port } = await startServer({ faults: ['stall'] });
    const transport = createTransport(port);
    await transport.send(lines(1, 5));
    const client = await plainClient(port);
    expect(await client.send(line(6))).toBeNull();
    await server.waitFor((_, stats) => stats.datagrams === 6);
    expect(server.stats).toMatchObject({ messages: 0, datagramsDropped: 6, faultsByType: { stall: 6 } });
    expect(client.error()).toBeUndefined();
  });

  it('truncate=30: datagrams from both senders are kept cut to 30 bytes', async () => {
    const { server, port } = await startServer({ faults: ['truncate=30'] });
    const client = await plainClient(port);
    await client.send(line(1));
    await createTransport(port).send([line(2)]);
    const records = await server.waitFor(2);
    expect(records.map((record) => [record.raw, record.faultTruncatedTo]).sort()).toEqual([
      [line(1).slice(0, 30), 30],
      [line(2).slice(0, 30), 30],
    ]);
  });

  it('latency (virtual clock): datagrams from both senders are recorded exactly latency later', async () => {
    const clock = new VirtualClock();
    const { server, port } = await startServer({ clock, faults: ['latency=1s'] });
    const transport = createTransport(port);
    await transport.send(lines(1, 2));
    const client = await plainClient(port);
    await client.send(line(3));
    await server.waitFor((_, stats) => stats.datagrams === 3);
    expect(server.records).toEqual([]);
    await clock.advance(999);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect((await server.waitFor(3)).map((record) => record.at - clock.startMs)).toEqual([1000, 1000, 1000]);
    expect(clock.pending).toBe(0);
  });

  it('closes idempotently and releases the port', async () => {
    const { server, port } = await startServer();
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    const again = new SyslogServer({ protocol: 'udp', port });
    onTestFinished(() => again.close());
    await expect(again.listen()).resolves.toBe(port);
  });
});
