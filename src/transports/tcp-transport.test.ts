import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FakeNetwork, socketError } from '../../test/support/fake-network.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { systemClock } from '../clock/system-clock.js';
import { DEFAULT_LONG_LINE_POLICY } from '../core/long-lines.js';
import { nodeNetwork } from '../net/node-network.js';
import { resolveTcpTransportOptions, TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
import type { ConnectionClosedEvent, ConnectionOpenedEvent, ConnectionResetEvent } from './transport.js';

type Recorded =
  | { type: 'opened'; event: ConnectionOpenedEvent }
  | { type: 'closed'; event: ConnectionClosedEvent }
  | { type: 'reset'; event: ConnectionResetEvent };

function setup(options: Partial<TcpTransportOptions> = {}) {
  const clock = new VirtualClock();
  const network = new FakeNetwork();
  const transport = new TcpTransport({ host: '192.0.2.10', port: 514, network, clock, ...options });
  const events: Recorded[] = [];
  transport.on('connection:opened', (event) => events.push({ type: 'opened', event }));
  transport.on('connection:closed', (event) => events.push({ type: 'closed', event }));
  transport.on('connection:reset', (event) => events.push({ type: 'reset', event }));
  onTestFinished(() => transport.destroy());
  const text = (index = -1): string => {
    const socket = network.sockets.at(index);
    return socket ? Buffer.concat(socket.written).toString('utf8') : '';
  };
  return { clock, network, transport, events, text };
}

/** Settles the promise into a value so a test can check it later without an unhandled rejection. */
function settle<T>(promise: Promise<T>): { readonly state: () => 'pending' | 'resolved' | 'rejected'; readonly value: () => T; readonly error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (result) => {
      state = 'resolved';
      value = result;
    },
    (reason: unknown) => {
      state = 'rejected';
      error = reason;
    },
  );
  return { state: () => state, value: () => value as T, error: () => error };
}

/** Lets queued promise callbacks and microtasks run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('resolveTcpTransportOptions', () => {
  it('fills the defaults', () => {
    const resolved = resolveTcpTransportOptions({ host: '127.0.0.1' });
    expect(resolved).toEqual({
      host: '127.0.0.1',
      port: 514,
      framing: 'lf',
      connectTimeoutMs: 10_000,
      writeTimeoutMs: 30_000,
      closeTimeoutMs: 5_000,
      keepAlive: false,
      noDelay: true,
      localAddress: undefined,
      longLines: DEFAULT_LONG_LINE_POLICY,
      network: nodeNetwork,
      clock: systemClock,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('reads durations and long-line strings as people type them', () => {
    const resolved = resolveTcpTransportOptions({
      host: 'syslog.example.com',
      port: 6514,
      framing: 'octet-counting',
      connectTimeoutMs: '2s',
      writeTimeoutMs: 1500,
      closeTimeoutMs: '0ms',
      keepAlive: { initialDelayMs: '1m' },
      noDelay: false,
      localAddress: '::1',
      longLines: 'split:1k',
    });
    expect(resolved).toMatchObject({
      port: 6514,
      framing: 'octet-counting',
      connectTimeoutMs: 2000,
      writeTimeoutMs: 1500,
      closeTimeoutMs: 0,
      keepAlive: { initialDelayMs: 60_000 },
      noDelay: false,
      localAddress: '::1',
      longLines: { rule: 'split', maxBytes: 1024 },
    });
  });

  it.for<[string, Record<string, unknown>]>([
    ['options', null as unknown as Record<string, unknown>],
    ['host', {}],
    ['host', { host: '' }],
    ['host', { host: 'two words' }],
    ['host', { host: 514 }],
    ['port', { host: 'h', port: 0 }],
    ['port', { host: 'h', port: 65_536 }],
    ['port', { host: 'h', port: 51.4 }],
    ['port', { host: 'h', port: '514' }],
    ['framing', { host: 'h', framing: 'crlf' }],
    ['connectTimeoutMs', { host: 'h', connectTimeoutMs: 0 }],
    ['connectTimeoutMs', { host: 'h', connectTimeoutMs: -1 }],
    ['writeTimeoutMs', { host: 'h', writeTimeoutMs: 'soon' }],
    ['writeTimeoutMs', { host: 'h', writeTimeoutMs: Number.NaN }],
    ['closeTimeoutMs', { host: 'h', closeTimeoutMs: -5 }],
    ['keepAlive', { host: 'h', keepAlive: true }],
    ['keepAlive.initialDelayMs', { host: 'h', keepAlive: {} }],
    ['keepAlive.intervalMs', { host: 'h', keepAlive: { initialDelayMs: 1, intervalMs: 1 } }],
    ['noDelay', { host: 'h', noDelay: 'yes' }],
    ['localAddress', { host: 'h', localAddress: '' }],
    ['longLines', { host: 'h', longLines: 'shorten' }],
    ['longLines.maxBytes', { host: 'h', longLines: { rule: 'truncate', maxBytes: 1 } }],
    ['network', { host: 'h', network: {} }],
    ['clock', { host: 'h', clock: { now: () => 0 } }],
    ['timeout', { host: 'h', timeout: 5 }],
  ])('rejects an invalid %s (%o)', ([option, input]) => {
    expect(() => resolveTcpTransportOptions(input as unknown as TcpTransportOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });

  it('validates in the constructor', () => {
    expect(() => new TcpTransport({ host: '127.0.0.1', port: -1 })).toThrow(expect.objectContaining({ option: 'port' }));
  });
});

describe('TcpTransport', () => {
  describe('connecting', () => {
    it('connects on the first send only, and sends the prefix first in the same write', async () => {
      const { network, transport, events, text } = setup({ localAddress: '192.0.2.1' });
      expect(network.sockets).toHaveLength(0);
      expect(transport.connection).toBeUndefined();
      expect(transport.target).toBe('192.0.2.10:514');
      const prefixCalls: number[] = [];
      const receipt = await transport.send(['one', 'two'], {
        prefix: (connection) => {
          prefixCalls.push(connection.id);
          return ['Begin Logfile', 'Version: 15.0.0'];
        },
      });
      expect(network.sockets).toHaveLength(1);
      expect(network.lastSocket.options).toEqual({ host: '192.0.2.10', port: 514, localAddress: '192.0.2.1' });
      expect(network.lastSocket.written).toHaveLength(1);
      expect(text()).toBe('Begin Logfile\nVersion: 15.0.0\none\ntwo\n');
      expect(prefixCalls).toEqual([1]);
      expect(receipt).toMatchObject({
        isNewConnection: true,
        prefixCount: 2,
        startOffset: 0,
        bytesWritten: 38,
        longLineActions: undefined,
        connection: {
          id: 1,
          protocol: 'tcp',
          localAddress: '192.0.2.1',
          localPort: 40_001,
          remoteAddress: '192.0.2.10',
          remotePort: 514,
          key: '192.0.2.1:40001',
        },
      });
      expect([...receipt.frameEnds]).toEqual([14, 30, 34, 38]);
      expect(events.map((recorded) => recorded.type)).toEqual(['opened']);
      expect(events[0]?.event.connection).toBe(receipt.connection);
      expect(transport.connection).toBe(receipt.connection);
    });

    it('reuses the connection: no prefix, stream offsets continue', async () => {
      const { network, transport, text } = setup();
      const first = await transport.send(['a'], { prefix: () => ['H'] });
      const second = await transport.send(['bb', 'ccc'], { prefix: () => ['H'] });
      expect(network.sockets).toHaveLength(1);
      expect(text()).toBe('H\na\nbb\nccc\n');
      expect(first.bytesWritten).toBe(4);
      expect(second).toMatchObject({ isNewConnection: false, prefixCount: 0, startOffset: 4, bytesWritten: 7 });
      expect([...second.frameEnds]).toEqual([7, 11]);
      expect(second.connection).toBe(first.connection);
    });

    it('frames with octet counting', async () => {
      const { transport, text } = setup({ framing: 'octet-counting' });
      const receipt = await transport.send(['hello', 'wörld']);
      expect(text()).toBe('5 hello6 wörld');
      expect([...receipt.frameEnds]).toEqual([7, 15]);
    });

    it('applies noDelay and keepAlive to a new connection', async () => {
      const { network, transport } = setup({ noDelay: true, keepAlive: { initialDelayMs: 30_000 } });
      await transport.send(['x']);
      expect(network.lastSocket.noDelay).toBe(true);
      expect(network.lastSocket.keepAlive).toEqual({ enable: true, initialDelayMs: 30_000 });
    });

    it('opens the connection for an empty batch and sends only the prefix', async () => {
      const { transport, text } = setup();
      const receipt = await transport.send([], { prefix: () => ['H'] });
      expect(text()).toBe('H\n');
      expect(receipt).toMatchObject({ prefixCount: 1, bytesWritten: 2 });
      const empty = await transport.send([]);
      expect(empty).toMatchObject({ bytesWritten: 0, startOffset: 2 });
      expect([...empty.frameEnds]).toEqual([]);
    });

    it('times out a connection that never answers: ESA_ERR_CONNECT_TIMEOUT at exactly connectTimeoutMs', async () => {
      const { clock, network, transport, events } = setup({ connectTimeoutMs: 2000 });
      network.onConnect = () => {};
      const sent = settle(transport.send(['x']));
      await clock.advance(1999);
      expect(sent.state()).toBe('pending');
      await clock.advance(1);
      await flush();
      expect(sent.error()).toMatchObject({ code: 'ESA_ERR_CONNECT_TIMEOUT', peer: '192.0.2.10:514' });
      expect((sent.error() as Error).message).toContain('no answer within 2000 ms');
      expect(network.lastSocket.destroyed).toBe(true);
      expect(events).toEqual([]);
      expect(clock.pending).toBe(0);
      expect(transport.connection).toBeUndefined();
    });

    it('reports a refused connection as ESA_ERR_CONNECTION_REFUSED, without events', async () => {
      const { clock, network, transport, events } = setup();
      network.onConnect = (socket) => queueMicrotask(() => socket.fail(socketError('ECONNREFUSED', 'connect')));
      await expect(transport.send(['x'])).rejects.toMatchObject({
        code: 'ESA_ERR_CONNECTION_REFUSED',
        cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
      });
      expect(events).toEqual([]);
      expect(clock.pending).toBe(0);
    });

    it('classifies a connect() that throws', async () => {
      const { network, transport } = setup();
      network.connect = () => {
        throw socketError('EHOSTUNREACH', 'connect');
      };
      await expect(transport.send(['x'])).rejects.toMatchObject({ code: 'ESA_ERR_HOST_UNREACHABLE' });
    });

    it('counts connection ids from 1, only for connections that opened', async () => {
      const { network, transport } = setup();
      network.onConnect = (socket) => queueMicrotask(() => socket.fail(socketError('ECONNREFUSED', 'connect')));
      await expect(transport.send(['x'])).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_REFUSED' });
      network.onConnect = (socket) => queueMicrotask(() => socket.acceptConnect());
      const receipt = await transport.send(['x']);
      expect(receipt.connection.id).toBe(1);
    });
  });

  describe('sending', () => {
    it('serialises sends: the second waits for the first write callback', async () => {
      const { network, transport } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const first = settle(transport.send(['a']));
      const second = settle(transport.send(['b']));
      await flush();
      expect(socket.written).toHaveLength(2);
      expect(first.state()).toBe('pending');
      socket.completeWrites();
      await flush();
      expect(first.state()).toBe('resolved');
      expect(socket.written).toHaveLength(3);
      expect(second.state()).toBe('pending');
      socket.completeWrites();
      await flush();
      expect(second.value().startOffset).toBe(first.value().startOffset + 2);
    });

    it('waits for drain before the next batch when write() returned false', async () => {
      const { network, transport } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.writeReturns = false;
      await transport.send(['full']);
      const next = settle(transport.send(['next']));
      await flush();
      expect(socket.written).toHaveLength(2);
      socket.drain();
      await flush();
      expect(socket.written).toHaveLength(3);
      expect(next.state()).toBe('resolved');
    });

    it('fails with ESA_ERR_WRITE_TIMEOUT when drain does not come within writeTimeoutMs', async () => {
      const { clock, network, transport, events } = setup({ writeTimeoutMs: 500 });
      await transport.send(['warm']);
      network.lastSocket.writeReturns = false;
      await transport.send(['full']);
      const next = settle(transport.send(['next']));
      await clock.advance(499);
      expect(next.state()).toBe('pending');
      await clock.advance(1);
      await flush();
      expect(next.error()).toMatchObject({ code: 'ESA_ERR_WRITE_TIMEOUT', connectionId: 1 });
      expect(network.lastSocket.written).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ type: 'reset', event: { isIdle: false, error: next.error() } });
      expect(clock.pending).toBe(0);
    });

    it('destroys the connection when the write callback does not come within writeTimeoutMs; the next send reconnects with the prefix', async () => {
      const { clock, network, transport, events, text } = setup({ writeTimeoutMs: 1000 });
      network.onConnect = (socket) => {
        socket.autoCompleteWrites = false;
        queueMicrotask(() => socket.acceptConnect());
      };
      const sent = settle(transport.send(['stalled'], { prefix: () => ['H'] }));
      await clock.advance(1000);
      await flush();
      expect(sent.error()).toMatchObject({ code: 'ESA_ERR_WRITE_TIMEOUT', connectionId: 1, peer: '192.0.2.10:514' });
      expect((sent.error() as Error).message).toBe(
        'Connection to 192.0.2.10:514 timed out while writing 10 bytes: not handed to the network within 1000 ms (writeTimeoutMs); the receiver is not reading',
      );
      expect(network.sockets[0]?.destroyed).toBe(true);
      expect(events.map((recorded) => recorded.type)).toEqual(['opened', 'reset']);
      expect(transport.connection).toBeUndefined();
      expect(clock.pending).toBe(0);

      network.onConnect = (socket) => queueMicrotask(() => socket.acceptConnect());
      const receipt = await transport.send(['again'], { prefix: () => ['H'] });
      expect(receipt).toMatchObject({ isNewConnection: true, prefixCount: 1, connection: { id: 2 } });
      expect(text()).toBe('H\nagain\n');
    });

    it('rejects with the classified error and emits connection:reset (isIdle: false) when the socket fails during a send', async () => {
      const { clock, network, transport, events } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const order: string[] = [];
      transport.on('connection:reset', () => order.push('event'));
      const sent = transport.send(['x'.repeat(411)]).catch((error: unknown) => {
        order.push('rejected');
        throw error;
      });
      await flush();
      socket.fail(socketError('ECONNRESET'));
      await expect(sent).rejects.toMatchObject({
        code: 'ESA_ERR_CONNECTION_RESET',
        connectionId: 1,
        message: 'Connection to 192.0.2.10:514 was reset by the peer (ECONNRESET) while writing 412 bytes',
      });
      const reset = events.at(-1);
      expect(reset).toMatchObject({ type: 'reset', event: { isIdle: false, connection: { id: 1 } } });
      expect(order).toEqual(['event', 'rejected']);
      expect(transport.connection).toBeUndefined();
      expect(clock.pending).toBe(0);
    });

    it('prefers the socket error over the write callback error', async () => {
      const { network, transport } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const sent = transport.send(['x']);
      await flush();
      socket.emit('error', socketError('EPIPE', 'write'));
      socket.completeWrites(Object.assign(new Error('destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_BROKEN_PIPE' });
    });

    it('reports a FIN during a send as ESA_ERR_CONNECTION_CLOSED and connection:closed by the peer', async () => {
      const { network, transport, events } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const sent = transport.send(['x']);
      await flush();
      socket.peerEnd();
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_CLOSED', connectionId: 1 });
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'peer', duringSend: true } });
      expect(socket.isEnded).toBe(true);
      expect(transport.connection).toBeUndefined();
    });

    it('fails a send on a connection that reset before the write without writing to it', async () => {
      const { network, transport } = setup();
      let socketFailure: (() => void) | undefined;
      network.onConnect = (socket) =>
        queueMicrotask(() => {
          socket.acceptConnect();
          socketFailure = () => socket.fail(socketError('ECONNRESET'));
          socketFailure();
        });
      await expect(transport.send(['x'])).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
      expect(socketFailure).toBeDefined();
      expect(network.lastSocket.written).toHaveLength(0);
    });

    it('resolves when the write completed before a RST, then reports the RST as idle', async () => {
      const { network, transport, events } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const sent = transport.send(['x']);
      await flush();
      socket.completeWrites();
      socket.fail(socketError('ECONNRESET'));
      await expect(sent).resolves.toMatchObject({ bytesWritten: 2 });
      expect(events.at(-1)).toMatchObject({ type: 'reset', event: { isIdle: true, error: { code: 'ESA_ERR_CONNECTION_RESET' } } });
      expect(transport.connection).toBeUndefined();
    });

    it('stamps writtenAt with the clock time of the write callback', async () => {
      const { clock, network, transport } = setup();
      await transport.send(['warm']);
      network.lastSocket.autoCompleteWrites = false;
      const sent = settle(transport.send(['x']));
      await clock.advance(250);
      network.lastSocket.completeWrites();
      await flush();
      expect(sent.value().writtenAt).toBe(clock.startMs + 250);
    });
  });

  describe('listeners', () => {
    it('keeps a throwing listener from disturbing a send: its exception is rethrown asynchronously', async () => {
      const realQueueMicrotask = globalThis.queueMicrotask;
      const rethrown: unknown[] = [];
      vi.stubGlobal('queueMicrotask', (callback: () => void) =>
        realQueueMicrotask(() => {
          try {
            callback();
          } catch (error) {
            rethrown.push(error);
          }
        }),
      );
      onTestFinished(() => {
        vi.unstubAllGlobals();
      });
      const { network, transport } = setup();
      const failure = new Error('listener bug');
      transport.on('connection:opened', () => {
        throw failure;
      });
      transport.on('connection:reset', () => {
        throw failure;
      });
      const receipt = await transport.send(['a']);
      expect(receipt.connection.id).toBe(1);
      network.lastSocket.autoCompleteWrites = false;
      const sent = transport.send(['b']);
      await flush();
      network.lastSocket.fail(socketError('ECONNRESET'));
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_CONNECTION_RESET' });
      await flush();
      expect(rethrown).toEqual([failure, failure]);
    });
  });

  describe('idle connection', () => {
    it('reports a RST while idle as connection:reset (isIdle: true) and reconnects with the prefix on the next send', async () => {
      const { network, transport, events, text } = setup();
      await transport.send(['a'], { prefix: () => ['H'] });
      network.lastSocket.fail(socketError('ECONNRESET'));
      expect(events.at(-1)).toMatchObject({
        type: 'reset',
        event: { isIdle: true, connection: { id: 1 }, error: { code: 'ESA_ERR_CONNECTION_RESET', connectionId: 1 } },
      });
      expect((events.at(-1)?.event as ConnectionResetEvent).error.message).toContain('while the connection was idle');
      expect(transport.connection).toBeUndefined();
      const receipt = await transport.send(['b'], { prefix: () => ['H'] });
      expect(receipt).toMatchObject({ isNewConnection: true, connection: { id: 2 }, startOffset: 0 });
      expect(network.sockets).toHaveLength(2);
      expect(text()).toBe('H\nb\n');
    });

    it('ends our side on a FIN while idle, emits connection:closed by the peer, and reconnects', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      const socket = network.lastSocket;
      socket.peerEnd();
      expect(socket.isEnded).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'peer', duringSend: false, connection: { id: 1 } } });
      const receipt = await transport.send(['b']);
      expect(receipt.connection.id).toBe(2);
    });

    it('treats a close without FIN or error as closed by the peer', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      network.lastSocket.emit('close', false);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'peer', duringSend: false } });
      expect(transport.connection).toBeUndefined();
    });

    it('emits nothing for sockets it has already forgotten', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      const socket = network.lastSocket;
      socket.peerEnd();
      const count = events.length;
      socket.emit('error', socketError('ECONNRESET'));
      expect(events).toHaveLength(count);
    });
  });

  describe('abort', () => {
    it('rejects at once when the signal has already aborted', async () => {
      const { network, transport } = setup();
      await expect(transport.send(['x'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
      expect(network.sockets).toHaveLength(0);
    });

    it('aborts a send in progress: ESA_ERR_ABORTED, the connection is destroyed', async () => {
      const { clock, network, transport, events } = setup();
      await transport.send(['warm']);
      network.lastSocket.autoCompleteWrites = false;
      const controller = new AbortController();
      const sent = transport.send(['x'], { signal: controller.signal });
      await flush();
      controller.abort(new Error('stop'));
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED', cause: expect.objectContaining({ message: 'stop' }) });
      expect(network.lastSocket.destroyed).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: true } });
      expect(clock.pending).toBe(0);
    });

    it('aborts a connect in progress', async () => {
      const { clock, network, transport } = setup();
      network.onConnect = () => {};
      const controller = new AbortController();
      const sent = transport.send(['x'], { signal: controller.signal });
      await flush();
      controller.abort();
      await expect(sent).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
      expect(network.lastSocket.destroyed).toBe(true);
      expect(clock.pending).toBe(0);
    });

    it('removes an aborted send from the queue without touching the one in progress', async () => {
      const { network, transport } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const first = settle(transport.send(['a']));
      const controller = new AbortController();
      const second = transport.send(['b'], { signal: controller.signal });
      controller.abort();
      await expect(second).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
      socket.completeWrites();
      await flush();
      expect(first.state()).toBe('resolved');
      expect(socket.written).toHaveLength(2);
    });
  });

  describe('prefix and messages', () => {
    it('rejects with what the prefix hook throws and ends that connection', async () => {
      const { network, transport, events, text } = setup();
      const failure = new Error('no header today');
      await expect(
        transport.send(['x'], {
          prefix: () => {
            throw failure;
          },
        }),
      ).rejects.toBe(failure);
      expect(network.lastSocket.isEnded).toBe(true);
      expect(network.lastSocket.written).toHaveLength(0);
      expect(events.map((recorded) => recorded.type)).toEqual(['opened', 'closed']);
      expect(events[1]).toMatchObject({ event: { by: 'local', duringSend: true } });
      await transport.send(['y'], { prefix: () => ['H'] });
      expect(text()).toBe('H\ny\n');
    });

    it('rejects a prefix hook that does not return strings', async () => {
      const { transport } = setup();
      await expect(transport.send(['x'], { prefix: () => [1] as unknown as string[] })).rejects.toMatchObject({
        code: 'ESA_ERR_INVALID_OPTION',
        option: 'prefix',
      });
    });

    it.for<[string, unknown]>([
      ['messages', 'a line'],
      ['messages[1]', ['a', 2]],
    ])('rejects %s that are not strings', async ([option, messages]) => {
      const { network, transport } = setup();
      await expect(transport.send(messages as string[])).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option });
      expect(network.sockets).toHaveLength(0);
    });
  });

  describe('long lines', () => {
    const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';

    it('truncates, splits or drops each long message and reports it per message', async () => {
      const long = `${header}${'x'.repeat(40)}`;
      const cases = [
        { rule: 'truncate', text: `short\n${long.slice(0, 50)}\nend\n`, actions: [undefined, 'truncated', undefined], ends: [6, 57, 61] },
        { rule: 'drop', text: 'short\nend\n', actions: [undefined, 'dropped', undefined], ends: [6, 6, 10] },
        {
          rule: 'split',
          text: `short\n${long.slice(0, 50)}\n${header}${'x'.repeat(14)}\n${header}${'x'.repeat(12)}\nend\n`,
          actions: [undefined, 'split', undefined],
          ends: [6, 57 + 51 + 49, 57 + 51 + 49 + 4],
        },
      ] as const;
      for (const { rule, text: expected, actions, ends } of cases) {
        const { transport, text } = setup({ longLines: { rule, maxBytes: 50 } });
        const receipt = await transport.send(['short', long, 'end']);
        expect(text(), rule).toBe(expected);
        expect(receipt.longLineActions, rule).toEqual(actions);
        expect([...receipt.frameEnds], rule).toEqual(ends);
      }
    });

    it('applies the rule to the prefix too and leaves short batches untouched', async () => {
      const { transport, text } = setup({ longLines: 'truncate:16' });
      const receipt = await transport.send(['0123456789abcdefXYZ'], { prefix: () => ['fits'] });
      expect(text()).toBe('fits\n0123456789abcdef\n');
      expect(receipt.longLineActions).toEqual([undefined, 'truncated']);
      const short = await transport.send(['ok']);
      expect(short.longLineActions).toBeUndefined();
    });
  });

  describe('close and destroy', () => {
    it('closes gracefully: FIN, connection:closed, resolves once the socket closed; idempotent', async () => {
      const { clock, network, transport, events } = setup();
      await transport.send(['a']);
      const socket = network.lastSocket;
      const closing = transport.close();
      expect(transport.close()).toBe(closing);
      const closed = settle(closing);
      await flush();
      expect(socket.isEnded).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: false } });
      expect(closed.state()).toBe('pending');
      socket.peerEnd();
      await flush();
      expect(closed.state()).toBe('resolved');
      expect(clock.pending).toBe(0);
      expect(transport.connection).toBeUndefined();
      await expect(transport.send(['b'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
    });

    it('destroys a connection that does not close within closeTimeoutMs', async () => {
      const { clock, network, transport } = setup({ closeTimeoutMs: 3000 });
      await transport.send(['a']);
      const closed = settle(transport.close());
      await clock.advance(2999);
      expect(closed.state()).toBe('pending');
      expect(network.lastSocket.destroyed).toBe(false);
      await clock.advance(1);
      await flush();
      expect(network.lastSocket.destroyed).toBe(true);
      expect(closed.state()).toBe('resolved');
      expect(clock.pending).toBe(0);
    });

    it('lets the send in progress and the queued ones finish before closing', async () => {
      const { network, transport } = setup();
      await transport.send(['warm']);
      const socket = network.lastSocket;
      socket.autoCompleteWrites = false;
      const first = settle(transport.send(['a']));
      const second = settle(transport.send(['b']));
      const closed = settle(transport.close());
      await expect(transport.send(['late'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      await flush();
      expect(socket.isEnded).toBe(false);
      socket.completeWrites();
      await flush();
      socket.completeWrites();
      await flush();
      expect(first.state()).toBe('resolved');
      expect(second.state()).toBe('resolved');
      expect(socket.isEnded).toBe(true);
      socket.peerEnd();
      await flush();
      expect(closed.state()).toBe('resolved');
    });

    it('closes without a connection at once', async () => {
      const { network, transport, events, clock } = setup();
      await transport.close();
      expect(network.sockets).toHaveLength(0);
      expect(events).toEqual([]);
      expect(clock.pending).toBe(0);
    });

    it('destroy() rejects the send in progress and the queued ones with ESA_ERR_CLOSED', async () => {
      const { clock, network, transport, events } = setup();
      await transport.send(['warm']);
      network.lastSocket.autoCompleteWrites = false;
      const first = transport.send(['a']);
      const second = transport.send(['b']);
      await flush();
      transport.destroy();
      transport.destroy();
      await expect(first).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      await expect(second).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      expect(network.lastSocket.destroyed).toBe(true);
      expect(events.filter((recorded) => recorded.type === 'closed')).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: true } });
      expect(clock.pending).toBe(0);
      await expect(transport.send(['c'])).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
      await transport.close();
    });

    it('destroy() of an idle connection emits connection:closed by us', async () => {
      const { network, transport, events } = setup();
      await transport.send(['a']);
      transport.destroy();
      expect(network.lastSocket.destroyed).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'closed', event: { by: 'local', duringSend: false } });
    });

    it('destroy() during close() finishes the close at once', async () => {
      const { clock, network, transport } = setup();
      await transport.send(['a']);
      const closing = transport.close();
      await flush();
      transport.destroy();
      await closing;
      expect(network.lastSocket.destroyed).toBe(true);
      expect(clock.pending).toBe(0);
    });

    it('is async-disposable', async () => {
      const { clock, network, transport } = setup();
      await transport.send(['a']);
      network.lastSocket.isPeerClosingOnEnd = true;
      {
        await using disposable = transport;
        expect(disposable.connection).toBeDefined();
      }
      expect(network.lastSocket.isEnded).toBe(true);
      expect(network.lastSocket.destroyed).toBe(true);
      expect(clock.pending).toBe(0);
    });
  });
});
