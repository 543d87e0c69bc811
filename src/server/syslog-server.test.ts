import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeServerNetwork, type FakeServerSocket } from '../../test/support/fake-server-network.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { systemClock } from '../clock/system-clock.js';
import { EsaError } from '../core/errors.js';
import type { ConnectionEndedEvidence, DeliveryObserver, MessageReceivedEvidence } from '../core/ledger.js';
import { nodeNetwork } from '../net/node-network.js';
import { resolveSyslogServerOptions, SyslogServer, type SyslogServerEvents, type SyslogServerOptions } from './syslog-server.js';

const line = (n: number, text = `MID ${n} ICID ${n} From: <a@example.com>`): string => `<22>Jun 25 08:50:03 Mail_Log: Info: ${text}`;

type Recorded = { [E in keyof SyslogServerEvents]: { name: E } & Parameters<SyslogServerEvents[E]>[0] }[keyof SyslogServerEvents];

const EVENT_NAMES: (keyof SyslogServerEvents)[] = [
  'message:received',
  'message:oversize',
  'connection:opened',
  'connection:closed',
  'connection:reset',
  'fault:applied',
  'listener:listening',
  'listener:refusing',
  'listener:failed',
];

/** A DeliveryObserver that records what it hears. */
function recordingObserver() {
  const received: MessageReceivedEvidence[] = [];
  const ended: ConnectionEndedEvidence[] = [];
  const observer: DeliveryObserver = {
    messageReceived: (event) => received.push(event),
    connectionEnded: (event) => ended.push(event),
  };
  return { observer, received, ended };
}

function setup(options: SyslogServerOptions = {}) {
  const clock = new VirtualClock();
  const network = new FakeServerNetwork();
  const { observer, received, ended } = recordingObserver();
  const server = new SyslogServer({ network, clock, observers: [observer], ...options });
  const events: Recorded[] = [];
  for (const name of EVENT_NAMES) server.on(name, (payload: object) => events.push({ name, ...payload } as Recorded));
  onTestFinished(() => server.close());
  const named = <E extends keyof SyslogServerEvents>(name: E) => events.filter((event): event is Extract<Recorded, { name: E }> => event.name === name);
  return { clock, network, server, events, named, received, ended, start: clock.startMs };
}

/** Lets queued microtasks (socket close events, waiter checks) run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('resolveSyslogServerOptions', () => {
  it('fills the defaults: TCP on 127.0.0.1, any free port, no faults, auto framing', () => {
    const resolved = resolveSyslogServerOptions();
    expect(resolved).toMatchObject({
      protocol: 'tcp',
      host: '127.0.0.1',
      port: 0,
      faults: [],
      framing: 'auto',
      maxMessageBytes: 65_536,
      maxConnections: 1000,
      recordLimit: 100_000,
      closeTimeoutMs: 5000,
      maxQueuedDatagrams: 10_000,
      observers: [],
      network: nodeNetwork,
      clock: systemClock,
      onFault: undefined,
    });
    expect(resolved.random.seed).toBe(1);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('reads faults as spec objects or --fault texts, sizes and durations as people type them', () => {
    const resolved = resolveSyslogServerOptions({
      protocol: 'udp',
      port: 514,
      faults: ['reset-after-bytes=412@first=1', { type: 'latency', latencyMs: 200 }],
      maxMessageBytes: '8k',
      closeTimeoutMs: '2s',
      seed: 'case-42',
    });
    expect(resolved.faults).toEqual([
      { type: 'reset-after-bytes', bytes: 412, firstConnections: 1 },
      { type: 'latency', latencyMs: 200 },
    ]);
    expect(resolved).toMatchObject({ protocol: 'udp', port: 514, maxMessageBytes: 8192, closeTimeoutMs: 2000 });
  });

  it.for<[string, SyslogServerOptions]>([
    ['options', null as unknown as SyslogServerOptions],
    ['protocol', { protocol: 'tls' as 'tcp' }],
    ['host', { host: '' }],
    ['port', { port: -1 }],
    ['port', { port: 65_536 }],
    ['port', { port: 51.4 }],
    ['faults', { faults: 'refuse' as unknown as string[] }],
    ['faults[0].type', { faults: [{ type: 'explode' } as never] }],
    ['faults[0]', { faults: ['reset-after=3'] }],
    ['framing', { framing: 'crlf' as 'lf' }],
    ['maxMessageBytes', { maxMessageBytes: 0 }],
    ['maxConnections', { maxConnections: 0 }],
    ['recordLimit', { recordLimit: -1 }],
    ['closeTimeoutMs', { closeTimeoutMs: 'soon' }],
    ['maxQueuedDatagrams', { maxQueuedDatagrams: 0 }],
    ['observers', { observers: {} as never }],
    ['observers[0]', { observers: [{ messageReceived: () => {} } as never] }],
    ['network', { network: {} as never }],
    ['clock', { clock: { now: () => 0 } as never }],
    ['random', { random: 42 as never }],
    ['seed', { seed: 1, random: { chance: () => true, fork: () => ({}) } as never }],
    ['onFault', { onFault: 'log' as never }],
    ['listenPort', { listenPort: 1 } as never],
  ])('rejects an invalid %s', ([option, options]) => {
    expect(() => resolveSyslogServerOptions(options)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});

describe('SyslogServer over TCP', () => {
  it('records LF and CRLF frames with their stream offsets, parsed, and tells the observers', async () => {
    const { network, server, named, received } = setup();
    expect(await server.listen()).toBe(5140);
    expect(server.address).toEqual({ protocol: 'tcp', address: '127.0.0.1', port: 5140 });
    const socket = network.open({ address: '::ffff:192.0.2.5', port: 40_001 });
    socket.send(`${line(1)}\n${line(2)}\r\n<bad`);
    socket.send('\n');
    expect(server.messages()).toEqual([line(1), line(2), '<bad']);
    const [first, second, third] = server.records;
    expect(first).toMatchObject({
      seq: 1,
      protocol: 'tcp',
      peer: { address: '::ffff:192.0.2.5', port: 40_001 },
      key: '192.0.2.5:40001',
      connectionId: 1,
      byteLength: line(1).length,
      streamEnd: line(1).length + 1,
      parsed: { facilityName: 'mail', severity: 6, tag: 'Mail_Log', level: 'Information', text: 'MID 1 ICID 1 From: <a@example.com>' },
      truncated: false,
    });
    expect(second?.streamEnd).toBe(line(1).length + line(2).length + 3);
    expect(third).toMatchObject({ parsed: undefined, parseError: { reason: 'expected a PRI of 1 to 3 digits', offset: 1 } });
    expect(received.map((event) => event.streamEnd)).toEqual([first?.streamEnd, second?.streamEnd, third?.streamEnd]);
    expect(received[0]).toEqual({ at: first?.at, protocol: 'tcp', key: '192.0.2.5:40001', connectionId: 1, streamEnd: first?.streamEnd });
    expect(named('connection:opened')).toMatchObject([{ connectionId: 1, key: '192.0.2.5:40001' }]);
    expect(named('message:received').map((event) => event.message.seq)).toEqual([1, 2, 3]);
    expect(server.stats).toMatchObject({ connectionsAccepted: 1, connectionsOpen: 1, messages: 3, parseErrors: 1, bytes: line(1).length + line(2).length + 8 });
  });

  it('tells an observer that takes runs once per chunk (its last offset, how many), the others once per message', async () => {
    const clock = new VirtualClock();
    const runs: { streamEnd: number | undefined; count: number; at: number }[] = [];
    const runObserver: DeliveryObserver = {
      messageReceived: () => {
        throw new Error('a run observer is told of runs only');
      },
      messagesReceived: (event, count) => runs.push({ streamEnd: event.streamEnd, count, at: event.at }),
      connectionEnded: () => runs.push({ streamEnd: undefined, count: 0, at: 0 }),
    };
    const per = recordingObserver();
    const serve = async (observers: DeliveryObserver[]) => {
      const network = new FakeServerNetwork();
      const server = new SyslogServer({ network, clock, observers });
      onTestFinished(() => server.close());
      await server.listen();
      return { network, server };
    };
    const end = (n: number): number => Array.from({ length: n }, (_, i) => line(i + 1).length + 1).reduce((a, b) => a + b, 0);
    const { network, server } = await serve([runObserver]);
    const socket = network.open();
    socket.send(`${line(1)}\n${line(2)}\n${line(3)}`);
    await clock.advance(7);
    socket.send(`\n${line(4)}\n`);
    socket.peerEnd();
    await flush();
    expect(runs).toEqual([
      { streamEnd: end(2), count: 2, at: clock.startMs },
      { streamEnd: end(4), count: 2, at: clock.startMs + 7 },
      { streamEnd: undefined, count: 0, at: 0 },
    ]);
    expect(server.messages()).toEqual([line(1), line(2), line(3), line(4)]);
    // Beside an observer that takes every message, each hears in its own way.
    runs.length = 0;
    const beside = await serve([per.observer, runObserver]);
    beside.network.open().send(`${line(1)}\n${line(2)}\n`);
    expect(per.received.map((event) => event.streamEnd)).toEqual([end(1), end(2)]);
    expect(runs).toEqual([{ streamEnd: end(2), count: 2, at: clock.startMs + 7 }]);
  });

  it.for(['fault:applied', 'message:received'] as const)('brings a run observer up to date before a %s listener can look', async (name) => {
    const heard: number[] = [];
    const runObserver: DeliveryObserver = {
      messageReceived: () => {},
      messagesReceived: (event) => heard.push(event.streamEnd ?? -1),
      connectionEnded: () => {},
    };
    const server = new SyslogServer({ network: new FakeServerNetwork(), clock: new VirtualClock(), observers: [runObserver], faults: ['truncate=30'] });
    onTestFinished(() => server.close());
    const seen: string[] = [];
    server.on(name, () => seen.push(heard.join(',')));
    await server.listen();
    const a = line(1).length + 1;
    (server.options.network as FakeServerNetwork).open().send(`${line(1)}\n${line(2)}\n${line(3)}\n`);
    // As if told of every message: a fault decides on a message before the observers hear of
    // it, and a listener hears of a message after them.
    expect(seen).toEqual(name === 'fault:applied' ? ['', `${a}`, `${a},${2 * a}`] : [`${a}`, `${a},${2 * a}`, `${a},${2 * a},${3 * a}`]);
    expect(heard.at(-1)).toBe(3 * a);
  });

  it('detects octet counting per connection on the first byte', async () => {
    const { network, server } = setup();
    await server.listen();
    const counted = network.open();
    const text = line(7, 'ünïcode — multi-line\nsecond line');
    const bytes = Buffer.byteLength(text);
    counted.send(`${bytes} ${text}`);
    const lf = network.open();
    lf.send(`${line(8)}\n`);
    expect(server.messages()).toEqual([text, line(8)]);
    expect(server.records[0]).toMatchObject({ streamEnd: `${bytes} `.length + bytes, byteLength: bytes, connectionId: 1 });
    expect(server.lines()).toEqual([line(7, 'ünïcode — multi-line'), 'second line', line(8)]);
  });

  it('delivers a trailing partial LF frame at the peer FIN, and discards it at a peer RST', async () => {
    const { network, server, named, ended } = setup();
    await server.listen();
    const graceful = network.open();
    graceful.send(`${line(1)}\npartial one`);
    graceful.peerEnd();
    const reset = network.open();
    reset.send(`${line(2)}\npartial two`);
    reset.peerReset();
    await flush();
    expect(server.messages()).toEqual([line(1), 'partial one', line(2)]);
    expect(named('connection:closed')).toMatchObject([
      { connectionId: 2, by: 'peer', reason: 'reset', error: expect.objectContaining({ code: 'ECONNRESET' }) },
      { connectionId: 1, by: 'peer', reason: 'end' },
    ]);
    expect(graceful.isEnded).toBe(true);
    expect(ended.map((event) => event.connectionId).sort()).toEqual([1, 2]);
    expect(server.stats).toMatchObject({ connectionsClosed: 2, connectionsOpen: 0, peerResets: 1 });
  });

  it('cuts an LF frame over maxMessageBytes and keeps the connection; closes it for an octet count over the limit', async () => {
    const { network, server, named } = setup({ maxMessageBytes: 64 });
    await server.listen();
    const lf = network.open();
    const long = line(1, 'x'.repeat(100));
    lf.send(`${long}\n${line(2, 'ok')}\n`);
    expect(server.records.map((record) => [record.raw, record.truncated, record.byteLength])).toEqual([
      [long.slice(0, 64), true, 64],
      [line(2, 'ok'), false, line(2, 'ok').length],
    ]);
    expect(lf.isEnded).toBe(false);
    const counted = network.open();
    counted.send(`70000 ${line(3)}`);
    await flush();
    expect(counted.isEnded).toBe(true);
    expect(named('message:oversize')).toMatchObject([
      { connectionId: 1, byteLength: long.length, maxMessageBytes: 64, action: 'truncated' },
      // The decoder stops reading the count as soon as it passes the limit.
      { connectionId: 2, byteLength: 70, maxMessageBytes: 64, action: 'closed' },
    ]);
    counted.peerEnd();
    await flush();
    expect(named('connection:closed')).toMatchObject([{ connectionId: 2, by: 'server', reason: 'framing', error: expect.objectContaining({ code: 'ESA_ERR_FRAME_TOO_LARGE' }) }]);
    expect(server.stats).toMatchObject({ oversize: 2, framingErrors: 1, messages: 2 });
  });

  it('closes a connection whose octet count is not a number (ESA_ERR_FRAMING), destroying it after closeTimeoutMs', async () => {
    const { clock, network, server, named, start } = setup({ framing: 'octet-counting', closeTimeoutMs: 3000 });
    await server.listen();
    const socket = network.open();
    socket.send(`12x ${line(1)}`);
    expect(socket.isEnded).toBe(true);
    await clock.advance(2999);
    expect(socket.destroyed).toBe(false);
    await clock.advance(1);
    expect(socket.destroyed).toBe(true);
    await flush();
    expect(named('connection:closed')).toMatchObject([{ at: start + 3000, by: 'server', reason: 'framing', error: expect.objectContaining({ code: 'ESA_ERR_FRAMING' }) }]);
    expect(server.stats.framingErrors).toBe(1);
  });

  it('resets connections beyond maxConnections right after the handshake and counts them', async () => {
    const { network, server, named, ended } = setup({ maxConnections: 2 });
    await server.listen();
    network.open();
    network.open();
    const third = network.open();
    expect(third.wasReset).toBe(true);
    await flush();
    expect(named('connection:reset')).toMatchObject([{ connectionId: 3, reason: 'limit' }]);
    expect(named('connection:closed')).toMatchObject([{ connectionId: 3, by: 'server', reason: 'limit' }]);
    expect(ended).toMatchObject([{ connectionId: 3 }]);
    expect(server.stats).toMatchObject({ connectionsAccepted: 3, connectionsRefused: 1, connectionsReset: 1, connectionsOpen: 2 });
  });

  it('keeps the last recordLimit messages while the counters keep counting; clear() restarts waitFor counts', async () => {
    const { network, server } = setup({ recordLimit: 3 });
    await server.listen();
    const socket = network.open();
    socket.send(Array.from({ length: 5 }, (_, i) => `${line(i + 1)}\n`).join(''));
    expect(server.records.map((record) => record.seq)).toEqual([3, 4, 5]);
    expect(server.stats.messages).toBe(5);
    server.clear();
    expect(server.records).toEqual([]);
    const waiting = server.waitFor(2);
    socket.send(`${line(6)}\n${line(7)}\n`);
    expect((await waiting).map((record) => record.seq)).toEqual([6, 7]);
    expect(server.records.map((record) => record.seq)).toEqual([6, 7]);
  });
});

describe('SyslogServer faults over TCP (virtual clock)', () => {
  it('reset-after-bytes: records the frames inside the first N bytes, resets, discards the partial frame', async () => {
    const { network, server, named, received, ended } = setup({ faults: ['reset-after-bytes=100@first=1'] });
    await server.listen();
    const socket = network.open();
    const text = `${line(1)}\n${line(2)}\n${line(3)}\n`;
    socket.send(text);
    expect(socket.wasReset).toBe(true);
    await flush();
    const fitting = Math.floor(100 / (line(1).length + 1));
    expect(server.messages()).toEqual([line(1), line(2)].slice(0, fitting));
    expect(received).toHaveLength(fitting);
    expect(named('fault:applied')).toMatchObject([{ type: 'reset-after-bytes', action: 'reset', detail: 'reset after 100 bytes', peer: '192.0.2.5:40000' }]);
    expect(named('connection:reset')).toMatchObject([{ connectionId: 1, reason: 'fault', fault: 'reset-after-bytes' }]);
    expect(named('connection:closed')).toMatchObject([{ connectionId: 1, by: 'server', reason: 'fault', fault: 'reset-after-bytes' }]);
    expect(ended).toHaveLength(1);
    // Healed for the second connection.
    const second = network.open();
    second.send(text);
    expect(second.wasReset).toBe(false);
    expect(server.stats).toMatchObject({ connectionsReset: 1, faultsApplied: 1, faultsByType: { 'reset-after-bytes': 1 }, faultsByAction: { reset: 1 } });
  });

  it('reset-after-messages=0 discards the first message without telling the observers', async () => {
    const { network, server, received } = setup({ faults: [{ type: 'reset-after-messages', messages: 0 }] });
    await server.listen();
    const socket = network.open();
    socket.send(`${line(1)}\n${line(2)}\n`);
    expect(socket.wasReset).toBe(true);
    expect(server.records).toEqual([]);
    expect(received).toEqual([]);
    expect(server.stats).toMatchObject({ messages: 0, messagesDiscarded: 1 });
  });

  it('close-after-messages: FIN after N messages, later ones discarded, destroyed after closeTimeoutMs if the peer stays', async () => {
    const { clock, network, server, named, start } = setup({ faults: ['close-after-messages=2'] });
    await server.listen();
    const socket = network.open();
    socket.send(`${line(1)}\n${line(2)}\n${line(3)}\n`);
    expect(socket.isEnded).toBe(true);
    socket.send(`${line(4)}\n`);
    expect(server.messages()).toEqual([line(1), line(2)]);
    await clock.advance(5000);
    expect(socket.destroyed).toBe(true);
    await flush();
    expect(named('connection:closed')).toMatchObject([{ at: start + 5000, by: 'server', reason: 'fault', fault: 'close-after-messages' }]);
    expect(named('connection:reset')).toEqual([]);
  });

  it('idle-timeout: FIN exactly idleMs after the last chunk', async () => {
    const { clock, network, server, named, start } = setup({ faults: ['idle-timeout=30s'] });
    await server.listen();
    const socket = network.open();
    await clock.advance(20_000);
    socket.send(`${line(1)}\n`);
    await clock.advance(29_999);
    expect(socket.isEnded).toBe(false);
    await clock.advance(1);
    expect(socket.isEnded).toBe(true);
    expect(named('fault:applied')).toMatchObject([{ at: start + 50_000, type: 'idle-timeout', action: 'close', detail: 'closed after 30000ms idle (timeout 30000ms)' }]);
    socket.peerEnd();
    await flush();
    expect(named('connection:closed')).toMatchObject([{ at: start + 50_000, by: 'server', reason: 'fault', fault: 'idle-timeout' }]);
    expect(clock.pending).toBe(0);
  });

  it('latency: pauses the socket, reads each chunk after the delay, in order, then resumes', async () => {
    const { clock, network, server, start } = setup({ faults: ['latency=200ms'] });
    await server.listen();
    const socket = network.open();
    socket.send(`${line(1)}\n`);
    socket.send(`${line(2)}\n`);
    expect(socket.isPaused).toBe(true);
    expect(server.records).toEqual([]);
    await clock.advance(199);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect(server.records.map((record) => [record.raw, record.at - start])).toEqual([[line(1), 200]]);
    await clock.advance(200);
    expect(server.records.map((record) => [record.raw, record.at - start])).toEqual([
      [line(1), 200],
      [line(2), 400],
    ]);
    expect(socket.flow).toEqual(['pause', 'resume']);
    expect(server.stats.faultsByAction.delay).toBe(2);
  });

  it('bandwidth: a chunk is read when its last byte would have crossed the link', async () => {
    const { clock, network, server, start } = setup({ faults: ['bandwidth=1k'] });
    await server.listen();
    const socket = network.open();
    const text = `${line(1, 'z'.repeat(2048 - line(1, '').length - 1))}\n`;
    expect(Buffer.byteLength(text)).toBe(2048);
    socket.send(text);
    await clock.advance(1999);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect(server.records.map((record) => record.at - start)).toEqual([2000]);
  });

  it('stall: never reads while the window lasts, then reads what waited', async () => {
    const { clock, network, server, named, start } = setup({ faults: ['stall@-10s'] });
    await server.listen();
    const socket = network.open();
    expect(socket.isPaused).toBe(true);
    socket.send(`${line(1)}\n`);
    await clock.advance(9999);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect(server.records.map((record) => record.at - start)).toEqual([10_000]);
    expect(socket.isPaused).toBe(false);
    expect(named('fault:applied')).toMatchObject([{ type: 'stall', action: 'stall', detail: 'stopped reading' }]);
  });

  it('truncate: the observers hear of the whole frame, the record keeps the first N bytes', async () => {
    const { network, server, received } = setup({ faults: ['truncate=20'] });
    await server.listen();
    const socket = network.open();
    socket.send(`${line(1)}\n`);
    expect(server.records[0]).toMatchObject({ raw: line(1).slice(0, 20), byteLength: 20, faultTruncatedTo: 20, truncated: false, streamEnd: line(1).length + 1 });
    expect(received[0]?.streamEnd).toBe(line(1).length + 1);
    expect(server.stats.truncated).toBe(1);
  });

  it.for([
    ['reset-on-connect@first=1', 'reset-on-connect'],
    ['busy=1', 'busy'],
    ['refuse@p=1@first=1', 'refuse'],
  ] as const)('%s: resets the connection right after the handshake', async ([fault, type]) => {
    const { network, server, named } = setup({ faults: [fault] });
    await server.listen();
    const first = network.open();
    const second = network.open();
    const expectedReset = type === 'busy' ? second : first;
    expect(expectedReset.wasReset).toBe(true);
    await flush();
    expect(named('connection:reset')).toMatchObject([{ reason: 'fault', fault: type }]);
    expect(server.stats.connectionsRefused).toBe(1);
  });

  it('refuse window: closes the listener at its start and listens again on the same port at its end', async () => {
    const { clock, network, server, named, start } = setup({ port: 514, faults: ['refuse@10s-20s'] });
    expect(await server.listen()).toBe(514);
    const before = network.open();
    await clock.advance(10_000);
    expect(network.openListener).toBeUndefined();
    expect(server.isAccepting).toBe(false);
    expect(() => network.open()).toThrow(expect.objectContaining({ code: 'ECONNREFUSED' }));
    // Connections accepted before the window are kept.
    before.send(`${line(1)}\n`);
    expect(server.messages()).toEqual([line(1)]);
    await clock.advance(10_000);
    await flush();
    expect(network.listens).toEqual([
      { asked: 514, port: 514 },
      { asked: 514, port: 514 },
    ]);
    expect(server.isAccepting).toBe(true);
    network.open().send(`${line(2)}\n`);
    expect(server.messages()).toEqual([line(1), line(2)]);
    expect(named('listener:refusing')).toMatchObject([{ at: start + 10_000, protocol: 'tcp', port: 514 }]);
    expect(named('listener:listening').map((event) => event.at - start)).toEqual([0, 20_000]);
    expect(server.stats.refusals).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('refuse from the start: listen() resolves with the port it refuses on', async () => {
    const { network, server, named } = setup({ faults: ['refuse'] });
    const port = await server.listen();
    expect(port).toBe(5140);
    expect(server.address?.port).toBe(5140);
    expect(network.openListener).toBeUndefined();
    expect(named('listener:refusing')).toMatchObject([{ port: 5140 }]);
    expect(named('listener:listening')).toEqual([]);
  });

  it('reports a failed re-listen (ESA_ERR_ADDRESS_IN_USE) and tries again every second', async () => {
    const { clock, network, server, named, start } = setup({ faults: ['refuse@-1s'] });
    await server.listen();
    network.nextListenError = new EsaError('ESA_ERR_ADDRESS_IN_USE', 'Cannot listen on 127.0.0.1:5140: the address is already in use');
    await clock.advance(1000);
    await flush();
    expect(named('listener:failed')).toMatchObject([{ at: start + 1000, port: 5140, retryInMs: 1000, error: { code: 'ESA_ERR_ADDRESS_IN_USE' } }]);
    expect(network.openListener).toBeUndefined();
    await clock.advance(1000);
    await flush();
    expect(network.openListener?.port).toBe(5140);
    expect(named('listener:listening').map((event) => event.at - start)).toEqual([2000]);
  });

  it('setFaults switches faults during a run, and an invalid list changes nothing', async () => {
    const { network, server } = setup();
    await server.listen();
    const socket = network.open();
    socket.send(`${line(1)}\n`);
    server.setFaults(['reset-after-messages=1']);
    expect(() => server.setFaults(['bogus'])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults[0]' }));
    expect(server.faults).toEqual([{ type: 'reset-after-messages', messages: 1 }]);
    expect(server.explainFaults()).toEqual(['reset-after-messages 1: accept, read 1 syslog message, then reset the connection (RST)']);
    socket.send(`${line(2)}\n${line(3)}\n`);
    expect(socket.wasReset).toBe(true);
    expect(server.messages()).toEqual([line(1), line(2)]);
    server.setFaults([]);
    const next = network.open();
    next.send(`${line(4)}\n${line(5)}\n`);
    expect(next.wasReset).toBe(false);
  });
});

describe('SyslogServer over UDP (virtual clock)', () => {
  it('records one message per datagram, one trailing LF removed, and gives the observers its text', async () => {
    const { network, server, received } = setup({ protocol: 'udp' });
    expect(await server.listen()).toBe(5140);
    network.openDatagramSocket?.deliver(`${line(1)}\n`, { address: '192.0.2.9', port: 514 });
    expect(server.records[0]).toMatchObject({ raw: line(1), protocol: 'udp', key: '192.0.2.9:514', connectionId: 0, streamEnd: undefined });
    expect(received).toEqual([{ at: server.records[0]?.at, protocol: 'udp', key: '192.0.2.9:514', connectionId: 0, text: line(1) }]);
    expect(server.stats).toMatchObject({ datagrams: 1, messages: 1, bytes: line(1).length + 1 });
  });

  it.for([
    [1, 0, 20],
    [0, 20, 0],
  ] as const)('drop=%s loses exactly what it says (%s kept of 20)', async ([probability, kept, dropped]) => {
    const { network, server, received } = setup({ protocol: 'udp', faults: [{ type: 'drop', probability }], seed: 7 });
    await server.listen();
    for (let i = 0; i < 20; i++) network.openDatagramSocket?.deliver(line(i));
    expect(server.stats).toMatchObject({ datagrams: 20, messages: kept, datagramsDropped: dropped });
    expect(received).toHaveLength(kept);
  });

  it('latency delays each datagram on the clock; a full delay queue drops', async () => {
    const { clock, network, server, start } = setup({ protocol: 'udp', faults: ['latency=1s'], maxQueuedDatagrams: 2 });
    await server.listen();
    const socket = network.openDatagramSocket;
    socket?.deliver(line(1));
    socket?.deliver(line(2));
    socket?.deliver(line(3));
    await clock.advance(999);
    expect(server.records).toEqual([]);
    await clock.advance(1);
    expect(server.records.map((record) => [record.raw, record.at - start])).toEqual([
      [line(1), 1000],
      [line(2), 1000],
    ]);
    expect(server.stats.datagramsDropped).toBe(1);
  });

  it('truncate cuts the datagram after the observers heard its whole text', async () => {
    const { network, server, received } = setup({ protocol: 'udp', faults: ['truncate=10'] });
    await server.listen();
    network.openDatagramSocket?.deliver(line(1));
    expect(server.records[0]).toMatchObject({ raw: line(1).slice(0, 10), faultTruncatedTo: 10, byteLength: 10 });
    expect(received[0]?.text).toBe(line(1));
  });

  it('refuse window: closes the socket and binds the same port again', async () => {
    const { clock, network, server } = setup({ protocol: 'udp', faults: ['refuse@1s-2s'] });
    await server.listen();
    await clock.advance(1000);
    await flush();
    expect(network.openDatagramSocket).toBeUndefined();
    await clock.advance(1000);
    await flush();
    expect(network.binds.map((bind) => bind.port)).toEqual([5140, 5140]);
    network.openDatagramSocket?.deliver(line(1));
    expect(server.messages()).toEqual([line(1)]);
  });

  it('a conditional refuse does not read the datagram and counts it', async () => {
    const { network, server } = setup({ protocol: 'udp', faults: ['refuse@p=1@first=1'] });
    await server.listen();
    network.openDatagramSocket?.deliver(line(1), { address: '192.0.2.5', port: 1 });
    network.openDatagramSocket?.deliver(line(2), { address: '192.0.2.6', port: 1 });
    expect(server.messages()).toEqual([line(2)]);
    expect(server.stats.datagramsRefused).toBe(1);
  });
});

describe('SyslogServer.waitFor', () => {
  it('resolves with the records once the count or the predicate holds', async () => {
    const { network, server } = setup();
    await server.listen();
    const socket = network.open();
    const byCount = server.waitFor(2);
    const byPredicate = server.waitFor((records, stats) => records.some((record) => record.raw === line(3)) && stats.messages === 3);
    socket.send(`${line(1)}\n${line(2)}\n`);
    expect(await byCount).toHaveLength(2);
    socket.send(`${line(3)}\n`);
    expect(await byPredicate).toHaveLength(3);
    expect(await server.waitFor(0)).toHaveLength(3);
  });

  it('rejects with ESA_ERR_WAIT_TIMEOUT after timeoutMs on the server clock, and leaves no timer', async () => {
    const { clock, network, server } = setup();
    await server.listen();
    network.open().send(`${line(1)}\n`);
    let outcome: unknown;
    const waiting = server.waitFor(3, { timeoutMs: '2s' }).catch((error: unknown) => (outcome = error));
    await clock.advance(1999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await waiting;
    expect(outcome).toMatchObject({ code: 'ESA_ERR_WAIT_TIMEOUT', message: 'SyslogServer.waitFor() timed out after 2000 ms: 1 of 3 messages arrived' });
    expect(clock.pending).toBe(0);
  });

  it('waits 5000 ms by default, rejects on abort and on close', async () => {
    const { clock, server } = setup();
    await server.listen();
    let outcome: unknown;
    const waiting = server.waitFor(1).catch((error: unknown) => (outcome = error));
    await clock.advance(4999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await waiting;
    expect(outcome).toMatchObject({ code: 'ESA_ERR_WAIT_TIMEOUT' });
    const controller = new AbortController();
    const aborted = server.waitFor(1, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
    const closing = server.waitFor(1);
    await server.close();
    await expect(closing).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
    await expect(server.waitFor(1)).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
    expect(clock.pending).toBe(0);
  });

  it.for([
    ['condition', -1, {}],
    ['condition', 'ten', {}],
    ['timeoutMs', 1, { timeoutMs: 'never' }],
    ['retries', 1, { retries: 3 }],
  ] as const)('rejects an invalid %s', async ([option, condition, options]) => {
    const { server } = setup();
    await expect(server.waitFor(condition as never, options as never)).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option });
  });
});

describe('SyslogServer.close', () => {
  it('is idempotent, destroys open connections, tells the observers once each, cancels every timer', async () => {
    const { clock, network, server, named, ended } = setup({ faults: ['latency=1s', 'idle-timeout=1m'] });
    await server.listen();
    const sockets: FakeServerSocket[] = [network.open(), network.open()];
    sockets[0]?.send(`${line(1)}\n`);
    expect(clock.pending).toBeGreaterThan(0);
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    expect(sockets.every((socket) => socket.destroyed)).toBe(true);
    expect(ended.map((event) => event.connectionId)).toEqual([1, 2]);
    expect(named('connection:closed')).toMatchObject([
      { connectionId: 1, by: 'server', reason: 'shutdown' },
      { connectionId: 2, by: 'server', reason: 'shutdown' },
    ]);
    expect(network.openListener).toBeUndefined();
    expect(clock.pending).toBe(0);
    expect(server.isAccepting).toBe(false);
    await expect(server.listen()).resolves.toBe(5140);
  });

  it('tells the observers when it listens, and once, after every connection ended, that it closed', async () => {
    const clock = new VirtualClock();
    const network = new FakeServerNetwork();
    const heard: string[] = [];
    const observer: DeliveryObserver = {
      messageReceived: () => heard.push('message'),
      connectionEnded: (event) => heard.push(`ended ${event.connectionId}`),
      receiverListening: (event) => heard.push(`listening at ${event.at - clock.startMs}`),
      receiverClosed: (event) => heard.push(`closed at ${event.at - clock.startMs}`),
    };
    const server = new SyslogServer({ network, clock, observers: [observer] });
    await server.listen();
    await clock.advance(5);
    network.open();
    await Promise.all([server.close(), server.close()]);
    expect(heard).toEqual(['listening at 0', 'ended 1', 'closed at 5']);
    const never = new SyslogServer({ network, clock, observers: [observer] });
    await never.close();
    expect(heard).toHaveLength(3);
  });

  it('rejects listen() after close() with ESA_ERR_CLOSED', async () => {
    const { server } = setup();
    await server.close();
    await expect(server.listen()).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
  });

  it('rejects listen() with the network error (ESA_ERR_ADDRESS_IN_USE)', async () => {
    const { network, server } = setup({ port: 514 });
    network.nextListenError = new EsaError('ESA_ERR_ADDRESS_IN_USE', 'Cannot listen on 127.0.0.1:514: the address is already in use');
    await expect(server.listen()).rejects.toMatchObject({ code: 'ESA_ERR_ADDRESS_IN_USE' });
  });
});
