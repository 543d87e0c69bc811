/**
 * UdpTransport over real loopback sockets against plain `node:dgram` peers: one datagram per
 * message on IPv4 and IPv6, ICMP port unreachable on a later send, oversize messages handled by
 * the long-line rule, and clean shutdown.
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { endpointKey } from '../../src/core/network.js';
import { MAX_UDP4_DATAGRAM_BYTES, MAX_UDP6_DATAGRAM_BYTES, UdpTransport, type UdpTransportOptions } from '../../src/transports/udp-transport.js';
import type { ConnectionResetEvent } from '../../src/transports/transport.js';

interface Datagram {
  readonly text: string;
  readonly bytes: number;
  readonly from: string;
}

/** A plain UDP receiver on port 0 that records every datagram; closed when the test ends. */
async function startReceiver(host: string) {
  const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const datagrams: Datagram[] = [];
  socket.on('message', (data, remote) => {
    datagrams.push({ text: data.toString('utf8'), bytes: data.length, from: endpointKey(remote.address, remote.port) });
  });
  socket.bind(0, host);
  await once(socket, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const until = async (count: number): Promise<void> => {
    while (datagrams.length < count) await once(socket, 'message');
  };
  return { port: socket.address().port, datagrams, until };
}

function createTransport(options: UdpTransportOptions) {
  const transport = new UdpTransport(options);
  onTestFinished(() => transport.destroy());
  return transport;
}

function udpSocketCount(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap' || name === 'UDPWRAP').length;
}

async function settleHandles(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
}

const prefix = () => ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'];

describe('UdpTransport on loopback', () => {
  it.for(['127.0.0.1', '::1'])('sends one datagram per message to %s, the prefix first', async (host) => {
    const receiver = await startReceiver(host);
    const transport = createTransport({ host, port: receiver.port });
    const lines = ['<22>Jun 25 08:50:04 Mail_Log: Info: MID 1 ICID 2', '<22>Jun 25 08:50:04 Mail_Log: Info: MID 1 done — ü'];
    const receipt = await transport.send(lines, { prefix });
    await receiver.until(3);
    expect(receiver.datagrams.map((datagram) => datagram.text)).toEqual([...prefix(), ...lines]);
    expect(receiver.datagrams.every((datagram) => datagram.from === receipt.connection.key)).toBe(true);
    expect(receipt).toMatchObject({ prefixCount: 1, startOffset: 0, connection: { id: 1, protocol: 'udp', remotePort: receiver.port } });
    expect([...receipt.frameEnds]).toEqual([1, 2, 3]);
    expect(receipt.bytesWritten).toBe(receiver.datagrams.reduce((sum, datagram) => sum + datagram.bytes, 0));

    const next = await transport.send(['third']);
    await receiver.until(4);
    expect(next).toMatchObject({ startOffset: 3, isNewConnection: false });
    expect(receiver.datagrams[3]?.text).toBe('third');
  });

  it('reports an ICMP port unreachable as ESA_ERR_PORT_UNREACHABLE on a later send, then uses a new socket', async () => {
    const closed = dgram.createSocket('udp4');
    closed.bind(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const transport = createTransport({ host: '127.0.0.1', port });
    const resets: ConnectionResetEvent[] = [];
    const opened: number[] = [];
    transport.on('connection:reset', (event) => resets.push(event));
    transport.on('connection:opened', (event) => opened.push(event.connection.id));

    await transport.send(['into the void']);
    let failure: unknown;
    for (let attempt = 0; attempt < 50 && failure === undefined; attempt++) {
      // Give the kernel's ICMP answer a loop turn to arrive.
      await new Promise((resolve) => setImmediate(resolve));
      failure = await transport.send(['again']).then(
        () => undefined,
        (error: unknown) => error,
      );
    }
    expect(failure).toMatchObject({
      code: 'ESA_ERR_PORT_UNREACHABLE',
      connectionId: 1,
      peer: `127.0.0.1:${port}`,
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
    expect(resets[0]).toMatchObject({ isIdle: false, connection: { id: 1 } });
    expect(transport.connection).toBeUndefined();
    // The next send uses a new socket (id 2). The port is still closed, so on loopback it may
    // fail as well: the kernel answers the first datagram at once.
    const outcome = await transport.send(['new socket']).catch((error: unknown) => error);
    expect(opened).toEqual([1, 2]);
    if (outcome instanceof Error) expect(outcome).toMatchObject({ code: 'ESA_ERR_PORT_UNREACHABLE', connectionId: 2 });
    else expect(outcome).toMatchObject({ isNewConnection: true, connection: { id: 2 } });
  });

  it.for([
    ['127.0.0.1', MAX_UDP4_DATAGRAM_BYTES],
    ['::1', MAX_UDP6_DATAGRAM_BYTES],
  ] as const)('truncates a message over the datagram limit on %s to %i bytes instead of failing with EMSGSIZE', async ([host, limit]) => {
    const receiver = await startReceiver(host);
    const transport = createTransport({ host, port: receiver.port });
    const receipt = await transport.send(['a'.repeat(70_000), 'small']);
    await receiver.until(2);
    expect(receiver.datagrams.map((datagram) => datagram.bytes)).toEqual([limit, 5]);
    expect(receipt.longLineActions).toEqual(['truncated', undefined]);
    expect(receipt.bytesWritten).toBe(limit + 5);
  });

  it('splits a long message into datagrams of at most maxDatagramBytes, each a syslog line', async () => {
    const receiver = await startReceiver('127.0.0.1');
    const transport = createTransport({ host: '127.0.0.1', port: receiver.port, maxDatagramBytes: 1024, longLines: 'split' });
    const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';
    const long = `${header}${'w'.repeat(3000)}`;
    const receipt = await transport.send([long]);
    const count = receipt.frameEnds[0] as number;
    expect(count).toBe(4);
    await receiver.until(count);
    expect(receiver.datagrams.every((datagram) => datagram.bytes <= 1024 && datagram.text.startsWith(header))).toBe(true);
    expect(receiver.datagrams.map((datagram) => datagram.text.slice(header.length)).join('')).toBe('w'.repeat(3000));
  });

  it('closes idempotently, leaving no socket handle and no timer', async () => {
    const receiver = await startReceiver('::1');
    await settleHandles();
    const before = udpSocketCount();
    const clock = new VirtualClock();
    const transport = createTransport({ host: '::1', port: receiver.port, clock });
    await transport.send(['x']);
    expect(udpSocketCount()).toBe(before + 1);
    const closing = transport.close();
    expect(transport.close()).toBe(closing);
    await closing;
    await settleHandles();
    expect(udpSocketCount()).toBe(before);
    expect(clock.pending).toBe(0);
    await expect(transport.send(['y'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
  });
});
