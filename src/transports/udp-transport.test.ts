import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeNetwork, socketError } from '../../test/support/fake-network.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import {
  MAX_UDP4_DATAGRAM_BYTES,
  MAX_UDP6_DATAGRAM_BYTES,
  resolveUdpTransportOptions,
  UdpTransport,
  type UdpTransportOptions,
} from './udp-transport.js';
import type { ConnectionClosedEvent, ConnectionOpenedEvent, ConnectionResetEvent } from './transport.js';

type Recorded =
  | { type: 'opened'; event: ConnectionOpenedEvent }
  | { type: 'closed'; event: ConnectionClosedEvent }
  | { type: 'reset'; event: ConnectionResetEvent };

function setup(options: Partial<UdpTransportOptions> = {}) {
  const clock = new VirtualClock();
  const network = new FakeNetwork();
  const transport = new UdpTransport({ host: '192.0.2.10', port: 514, network, clock, ...options });
  const events: Recorded[] = [];
  transport.on('connection:opened', (event) => events.push({ type: 'opened', event }));
  transport.on('connection:closed', (event) => events.push({ type: 'closed', event }));
  transport.on('connection:reset', (event) => events.push({ type: 'reset', event }));
  onTestFinished(() => transport.destroy());
  const datagrams = (index = -1): string[] => (network.datagramSockets.at(index)?.sent ?? []).map((data) => Buffer.from(data).toString('utf8'));
  return { clock, network, transport, events, datagrams };
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('resolveUdpTransportOptions', () => {
  it('derives the family and the datagram limit from the host', () => {
    expect(resolveUdpTransportOptions({ host: '127.0.0.1' })).toMatchObject({
      port: 514,
      family: 4,
      maxDatagramBytes: MAX_UDP4_DATAGRAM_BYTES,
      longLines: { rule: 'truncate', maxBytes: 65_507 },
      closeTimeoutMs: 5000,
    });
    expect(resolveUdpTransportOptions({ host: '::1' })).toMatchObject({
      family: 6,
      maxDatagramBytes: MAX_UDP6_DATAGRAM_BYTES,
      longLines: { rule: 'truncate', maxBytes: 65_527 },
    });
    expect(resolveUdpTransportOptions({ host: 'syslog.example.com', family: 6 }).family).toBe(6);
  });

  it.for<[UdpTransportOptions['longLines'], number | string | undefined, { rule: string; maxBytes: number }]>([
    [undefined, 2048, { rule: 'truncate', maxBytes: 2048 }],
    ['split', '1k', { rule: 'split', maxBytes: 1024 }],
    ['drop:512', 1024, { rule: 'drop', maxBytes: 512 }],
    [{ maxBytes: 100 }, 1024, { rule: 'truncate', maxBytes: 100 }],
    [{ rule: 'split' }, undefined, { rule: 'split', maxBytes: 65_507 }],
    ['send', 1024, { rule: 'truncate', maxBytes: 1024 }],
    ['send:99999', 1024, { rule: 'truncate', maxBytes: 1024 }],
  ])('resolves longLines %o with maxDatagramBytes %o to %o', ([longLines, maxDatagramBytes, expected]) => {
    const resolved = resolveUdpTransportOptions({
      host: '127.0.0.1',
      ...(longLines === undefined ? {} : { longLines }),
      ...(maxDatagramBytes === undefined ? {} : { maxDatagramBytes }),
    });
    expect(resolved.longLines).toEqual(expected);
  });

  it.for<[string, Record<string, unknown>]>([
    ['options', 'udp://x' as unknown as Record<string, unknown>],
    ['host', { host: ' ' }],
    ['port', { host: 'h', port: 70_000 }],
    ['family', { host: 'h', family: 5 }],
    ['family', { host: '::1', family: 4 }],
    ['family', { host: '127.0.0.1', family: 6 }],
    ['maxDatagramBytes', { host: '127.0.0.1', maxDatagramBytes: 65_508 }],
    ['maxDatagramBytes', { host: '::1', maxDatagramBytes: 65_528 }],
    ['maxDatagramBytes', { host: 'h', maxDatagramBytes: 15 }],
    ['maxDatagramBytes', { host: 'h', maxDatagramBytes: 'big' }],
    ['longLines.maxBytes', { host: 'h', maxDatagramBytes: 1024, longLines: 'split:2048' }],
    ['longLines', { host: 'h', longLines: 'wrap' }],
    ['closeTimeoutMs', { host: 'h', closeTimeoutMs: 'later' }],
    ['localAddress', { host: 'h', localAddress: 7 }],
    ['network', { host: 'h', network: 'node' }],
    ['clock', { host: 'h', clock: Date }],
    ['framing', { host: 'h', framing: 'lf' }],
  ])('rejects an invalid %s (%o)', ([option, input]) => {
    expect(() => resolveUdpTransportOptions(input as unknown as UdpTransportOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });
});

describe('UdpTransport', () => {
  it('creates a connected socket on the first send and sends one datagram per message, prefix first', async () => {
    const { network, transport, events, datagrams } = setup();
    expect(network.datagramSockets).toHaveLength(0);
    const receipt = await transport.send(['one', 'twö'], { prefix: () => ['Begin Logfile'] });
    const socket = network.lastDatagramSocket;
    expect(socket.family).toBe(4);
    expect(socket.connectedTo).toEqual({ address: '192.0.2.10', port: 514 });
    expect(datagrams()).toEqual(['Begin Logfile', 'one', 'twö']);
    expect(receipt).toMatchObject({
      isNewConnection: true,
      prefixCount: 1,
      startOffset: 0,
      bytesWritten: 13 + 3 + 4,
      longLineActions: undefined,
      connection: { id: 1, protocol: 'udp', localAddress: '192.0.2.1', localPort: 50_000, key: '192.0.2.1:50000', remotePort: 514 },
    });
    expect([...receipt.frameEnds]).toEqual([1, 2, 3]);
    expect(events.map((recorded) => recorded.type)).toEqual(['opened']);

    const next = await transport.send(['three'], { prefix: () => ['Begin Logfile'] });
    expect(next).toMatchObject({ isNewConnection: false, prefixCount: 0, startOffset: 3 });
    expect([...next.frameEnds]).toEqual([4]);
    expect(network.datagramSockets).toHaveLength(1);
  });

  it('binds localAddress before connecting', async () => {
    const { network, transport } = setup({ localAddress: '192.0.2.9' });
    const receipt = await transport.send(['x']);
    expect(network.lastDatagramSocket.boundTo).toEqual({ address: '192.0.2.9', port: 50_000 });
    expect(receipt.connection.key).toBe('192.0.2.9:50000');
  });

  it('uses an IPv6 socket for an IPv6 host', async () => {
    const { network, transport } = setup({ host: 'fd00::514' });
    const receipt = await transport.send(['x']);
    expect(network.lastDatagramSocket.family).toBe(6);
    expect(transport.target).toBe('[fd00::514]:514');
    expect(receipt.connection.key).toBe('[fd00::1]:50000');
  });

  it('fails the next send with ESA_ERR_PORT_UNREACHABLE after an ICMP error between sends, then uses a new socket', async () => {
    const { clock, network, transport, events, datagrams } = setup();
    await transport.send(['a'], { prefix: () => ['H'] });
    const first = network.lastDatagramSocket;
    first.fail(socketError('ECONNREFUSED', 'recvmsg'));
    expect(events.map((recorded) => recorded.type)).toEqual(['opened']);
    const failed = transport.send(['b', 'c']);
    await expect(failed).rejects.toMatchObject({
      code: 'ESA_ERR_PORT_UNREACHABLE',
      connectionId: 1,
      message: "UDP socket to 192.0.2.10:514: the peer's port is unreachable (ECONNREFUSED after an ICMP port unreachable) while sending 2 datagrams",
    });
    expect(first.sent).toHaveLength(2);
    expect(first.isClosed).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'reset', event: { isIdle: false, connection: { id: 1 } } });
    expect(transport.connection).toBeUndefined();

    const receipt = await transport.send(['d'], { prefix: () => ['H'] });
    expect(receipt).toMatchObject({ isNewConnection: true, connection: { id: 2 }, startOffset: 0 });
    expect(datagrams()).toEqual(['H', 'd']);
    expect(clock.pending).toBe(0);
  });

  it('fails a send whose datagram callback reports ECONNREFUSED', async () => {
    const { network, transport, events } = setup();
    network.onDatagramSocket = (socket) => {
      socket.sendError = (_data, index) => (index === 1 ? socketError('ECONNREFUSED', 'send') : undefined);
    };
    await transport.send(['a']);
    await expect(transport.send(['b', 'c'])).rejects.toMatchObject({ code: 'ESA_ERR_PORT_UNREACHABLE' });
    expect(events.at(-1)).toMatchObject({ type: 'reset', event: { isIdle: false } });
  });

  it('fails a send when the socket reports an error while it is in progress', async () => {
    const { network, transport } = setup();
    await transport.send(['a']);
    const socket = network.lastDatagramSocket;
    const sent = transport.send(['b']);
    socket.fail(socketError('EHOSTUNREACH', 'recvmsg'));
    await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_HOST_UNREACHABLE' });
  });

  it('classifies an EMSGSIZE that still happens (a path limit below maxDatagramBytes) as ESA_ERR_NETWORK', async () => {
    const { network, transport } = setup();
    network.onDatagramSocket = (socket) => {
      socket.sendError = (data) => (data.length > 1000 ? socketError('EMSGSIZE', 'send') : undefined);
    };
    await expect(transport.send(['x'.repeat(1001)])).rejects.toMatchObject({
      code: 'ESA_ERR_NETWORK',
      message: expect.stringContaining('EMSGSIZE'),
      cause: expect.objectContaining({ code: 'EMSGSIZE' }),
    });
  });

  it('reports a connect failure without events', async () => {
    const { network, transport, events } = setup();
    network.onDatagramSocket = (socket) => {
      socket.connectError = socketError('ENETUNREACH', 'connect');
    };
    await expect(transport.send(['x'])).rejects.toMatchObject({ code: 'ESA_ERR_HOST_UNREACHABLE' });
    expect(network.lastDatagramSocket.isClosed).toBe(true);
    expect(events).toEqual([]);
  });

  it('classifies a createDatagramSocket() that throws', async () => {
    const { network, transport } = setup();
    network.createDatagramSocket = () => {
      throw socketError('EMFILE', 'socket');
    };
    await expect(transport.send(['x'])).rejects.toMatchObject({ code: 'ESA_ERR_NETWORK' });
  });

  describe('long lines', () => {
    const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';

    it('truncates messages over maxDatagramBytes by default', async () => {
      const { transport, datagrams } = setup({ maxDatagramBytes: 64 });
      const long = `${header}${'y'.repeat(100)}`;
      const receipt = await transport.send(['short', long]);
      expect(datagrams()).toEqual(['short', long.slice(0, 64)]);
      expect(receipt.longLineActions).toEqual([undefined, 'truncated']);
      expect([...receipt.frameEnds]).toEqual([1, 2]);
    });

    it('splits into several datagrams that each carry the header; frame ends count datagrams', async () => {
      const { transport, datagrams } = setup({ maxDatagramBytes: 64, longLines: 'split' });
      const long = `${header}${'y'.repeat(60)}`;
      const receipt = await transport.send([long, 'after']);
      expect(datagrams()).toEqual([long.slice(0, 64), `${header}${'y'.repeat(28)}`, `${header}${'y'.repeat(4)}`, 'after']);
      expect(receipt.longLineActions).toEqual(['split', undefined]);
      expect([...receipt.frameEnds]).toEqual([3, 4]);
      expect(receipt.bytesWritten).toBe(64 + 64 + 40 + 5);
    });

    it('drops a long message: its frame end is the previous one', async () => {
      const { transport, datagrams } = setup({ longLines: 'drop:32' });
      const receipt = await transport.send(['x'.repeat(33), 'ok', 'x'.repeat(40)]);
      expect(datagrams()).toEqual(['ok']);
      expect(receipt.longLineActions).toEqual(['dropped', undefined, 'dropped']);
      expect([...receipt.frameEnds]).toEqual([0, 1, 1]);
    });
  });

  describe('abort, close and destroy', () => {
    it('aborts a connect that hangs and closes its socket', async () => {
      const { network, transport } = setup();
      network.onDatagramSocket = (socket) => {
        socket.isConnectHanging = true;
      };
      const controller = new AbortController();
      const sent = transport.send(['x'], { signal: controller.signal });
      await flush();
      controller.abort();
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
      expect(network.lastDatagramSocket.isClosed).toBe(true);
    });

    it('rejects an already aborted send without creating a socket', async () => {
      const { network, transport } = setup();
      await expect(transport.send(['x'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
      expect(network.datagramSockets).toHaveLength(0);
    });

    it('close() is idempotent, closes the socket, emits connection:closed and leaves no timer', async () => {
      const { clock, network, transport, events } = setup();
      await transport.send(['x']);
      const closing = transport.close();
      expect(transport.close()).toBe(closing);
      await closing;
      expect(network.lastDatagramSocket.isClosed).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: false } });
      expect(clock.pending).toBe(0);
      await expect(transport.send(['y'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
    });

    it('close() does not wait past closeTimeoutMs for a socket that never reports closed', async () => {
      const { clock, network, transport } = setup({ closeTimeoutMs: 100 });
      await transport.send(['x']);
      network.lastDatagramSocket.close = () => {};
      let isClosed = false;
      const closing = transport.close().then(() => {
        isClosed = true;
      });
      await clock.advance(99);
      expect(isClosed).toBe(false);
      await clock.advance(1);
      await closing;
      expect(clock.pending).toBe(0);
    });

    it('destroy() rejects the send in progress and the queued ones with ESA_ERR_CLOSED', async () => {
      const { network, transport } = setup();
      network.onDatagramSocket = (socket) => {
        socket.isConnectHanging = true;
      };
      const first = transport.send(['a']);
      const second = transport.send(['b']);
      await flush();
      transport.destroy();
      transport.destroy();
      await expect(first).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      await expect(second).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      expect(network.lastDatagramSocket.isClosed).toBe(true);
      await transport.close();
    });

    it('destroy() of an idle socket emits connection:closed by us', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      transport.destroy();
      expect(network.lastDatagramSocket.isClosed).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local' } });
    });

    it('forgets a socket that closed by itself and reports it', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      network.lastDatagramSocket.emit('close');
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: false } });
      const receipt = await transport.send(['b']);
      expect(receipt.connection.id).toBe(2);
    });
  });
});
