import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { seededRandom } from '../core/random.js';
import { FaultEngine, resolveFaultEngineOptions, type ConnectionMeta, type FaultEngineOptions, type FaultEvent } from './fault-engine.js';
import type { FaultInput } from './parse-fault.js';

function setup(specs: readonly FaultInput[], options: FaultEngineOptions = {}) {
  const clock = new VirtualClock();
  const events: FaultEvent[] = [];
  const engine = new FaultEngine(specs, { clock, random: seededRandom(42), onFault: (event) => events.push(event), ...options });
  let port = 40_000;
  const open = (overrides: Partial<ConnectionMeta> = {}) =>
    engine.openConnection({ protocol: 'tcp', peer: `192.0.2.5:${port++}`, active: 0, ...overrides });
  /** Moves the clock to `ms` after the start. */
  const at = (ms: number): Promise<void> => clock.advanceTo(clock.startMs + ms);
  onTestFinished(() => expect(clock.pending).toBe(0));
  return { clock, engine, events, open, at };
}

describe('FaultEngine: the seed case', () => {
  it('reads 412 bytes of the first connection, resets it, and leaves the next one alone', () => {
    const { engine, events, open, clock } = setup(['reset-after-bytes=412@first=1']);
    const first = open();
    expect(first.accept).toBe('accept');
    expect(first.isStalled()).toBe(false);
    expect(first.readDelayMs(300)).toBe(0);
    expect(first.onBytes(300)).toEqual({ deliver: 300 });
    expect(first.onMessage(120)).toEqual({ deliver: true });
    expect(first.onBytes(300)).toEqual({ deliver: 112, after: 'reset' });
    expect(first.onBytes(300)).toEqual({ deliver: 0, after: 'reset' });
    first.close();
    const second = open();
    expect(second.onBytes(5000)).toEqual({ deliver: 5000 });
    expect(events).toEqual([
      { at: clock.startMs, fault: 'reset-after-bytes', action: 'reset', connection: '192.0.2.5:40000', detail: 'reset after 412 bytes' },
    ]);
    expect(engine.stats).toMatchObject({ total: 1, connections: 2, datagrams: 0 });
    expect(engine.stats.byAction.reset).toBe(1);
    expect(engine.stats.byType['reset-after-bytes']).toBe(1);
  });

  it('delivers exactly N bytes whatever the chunking, then resets once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 40 }), (limit, chunks) => {
        const events: FaultEvent[] = [];
        const engine = new FaultEngine([{ type: 'reset-after-bytes', bytes: limit }], { clock: new VirtualClock(), onFault: (e) => events.push(e) });
        const connection = engine.openConnection({ protocol: 'tcp', peer: 'a:1', active: 0 });
        let delivered = 0;
        let ended = false;
        for (const length of chunks) {
          const decision = connection.onBytes(length);
          delivered += decision.deliver;
          if (decision.after !== undefined) ended = true;
        }
        const offered = chunks.reduce((sum, length) => sum + length, 0);
        expect(delivered).toBe(Math.min(limit, offered));
        expect(ended).toBe(chunks.length > 0 && (offered >= limit));
        expect(events.length).toBe(ended ? 1 : 0);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('explains its faults, one line each, in spec order', () => {
    const { engine } = setup(['busy=1', { type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }]);
    expect(engine.explain()).toEqual([
      'busy 1: accept at most 1 concurrent connection, reset (RST) the others',
      'refuse: nothing listens: TCP connections are refused (RST to the SYN), UDP datagrams get ICMP port unreachable; active from 10s to 40s',
    ]);
    expect(engine.specs.map((spec) => spec.type)).toEqual(['busy', 'refuse']);
    expect(engine.faults.map(String)).toEqual(['busy=1', 'refuse@10s-40s']);
  });
});

describe('FaultEngine: timeline', () => {
  it('refuses exactly within [10s, 40s) and says when that changes', async () => {
    const { engine, events, at, clock } = setup(['refuse@10s-40s']);
    expect(engine.refusing()).toBe(false);
    expect(engine.nextChangeAt()).toBe(clock.startMs + 10_000);
    await at(9_999);
    expect(engine.refusing()).toBe(false);
    await at(10_000);
    expect(engine.refusing()).toBe(true);
    expect(engine.refusing()).toBe(true);
    expect(engine.nextChangeAt()).toBe(clock.startMs + 40_000);
    await at(39_999);
    expect(engine.refusing()).toBe(true);
    await at(40_000);
    expect(engine.refusing()).toBe(false);
    expect(engine.nextChangeAt()).toBeUndefined();
    expect(events).toEqual([
      { at: clock.startMs + 10_000, fault: 'refuse', action: 'refuse', detail: 'listener closed: connection attempts are refused' },
    ]);
  });

  it('measures windows from startMs', async () => {
    const clock = new VirtualClock();
    const engine = new FaultEngine(['refuse@1s-2s'], { clock, startMs: clock.startMs + 5000 });
    expect(engine.startMs).toBe(clock.startMs + 5000);
    expect(engine.nextChangeAt()).toBe(clock.startMs + 6000);
    await clock.advance(6000);
    expect(engine.refusing()).toBe(true);
  });

  it('defaults startMs to the clock time at construction', async () => {
    const clock = new VirtualClock();
    await clock.advance(1234);
    expect(new FaultEngine([], { clock }).startMs).toBe(clock.startMs + 1234);
  });

  it('does not close the listener for a conditional refuse', () => {
    const { engine } = setup(['refuse@p=0.5', 'refuse@first=2']);
    expect(engine.refusing()).toBe(false);
  });

  it('counts bytes from the moment a fault becomes active mid-connection', async () => {
    const { open, at } = setup(['reset-after-bytes=412@5s-']);
    const connection = open();
    expect(connection.onBytes(1000)).toEqual({ deliver: 1000 });
    await at(5000);
    expect(connection.onBytes(400)).toEqual({ deliver: 400 });
    expect(connection.onBytes(400)).toEqual({ deliver: 12, after: 'reset' });
  });

  it('stops acting the moment its window closes', async () => {
    const { open, at } = setup(['reset-after-bytes=412@-5s']);
    const connection = open();
    expect(connection.onBytes(400)).toEqual({ deliver: 400 });
    await at(4999);
    expect(connection.onBytes(5)).toEqual({ deliver: 5 });
    await at(5000);
    expect(connection.onBytes(400)).toEqual({ deliver: 400 });
  });

  it('stalls during its window only, reporting the stall once', async () => {
    const { open, at, events, clock } = setup(['stall@-5s']);
    const connection = open();
    expect(connection.isStalled()).toBe(true);
    expect(connection.onBytes(100)).toEqual({ deliver: 0 });
    expect(connection.isStalled()).toBe(true);
    await at(5000);
    expect(connection.isStalled()).toBe(false);
    expect(connection.onBytes(100)).toEqual({ deliver: 100 });
    expect(events).toEqual([{ at: clock.startMs, fault: 'stall', action: 'stall', connection: '192.0.2.5:40000', detail: 'stopped reading' }]);
  });

  it('orders boundaries of several faults', async () => {
    const { engine, at, clock } = setup(['stall@30s-1m', 'refuse@10s-20s', 'busy=1@45s-']);
    const seen: number[] = [];
    for (let next = engine.nextChangeAt(); next !== undefined && seen.length < 10; next = engine.nextChangeAt()) {
      seen.push(next - clock.startMs);
      await at(next - clock.startMs);
    }
    expect(seen).toEqual([10_000, 20_000, 30_000, 45_000, 60_000]);
  });
});

describe('FaultEngine: first connections', () => {
  it('resets the first two connections, then heals', () => {
    const { open, events } = setup(['reset-on-connect@first=2']);
    expect([open(), open(), open(), open()].map((connection) => connection.accept)).toEqual(['reset', 'reset', 'accept', 'accept']);
    expect(events.map((event) => event.detail)).toEqual(['reset right after the handshake', 'reset right after the handshake']);
  });

  it('does not use up a lower fault\'s slots for a connection a higher one turned away', () => {
    const { open } = setup(['reset-on-connect@first=1', 'refuse@first=1']);
    const connections = [open(), open(), open()];
    expect(connections.map((connection) => [connection.accept, connection.acceptedBy])).toEqual([
      ['refuse', 'refuse'],
      ['reset', 'reset-on-connect'],
      ['accept', undefined],
    ]);
  });

  it('counts only connections opened inside the window', async () => {
    const { open, at } = setup(['reset-after-bytes=10@first=1@5s-']);
    const early = open();
    await at(5000);
    expect(early.onBytes(100)).toEqual({ deliver: 100 });
    const late = open();
    expect(late.onBytes(100)).toEqual({ deliver: 10, after: 'reset' });
    expect(open().onBytes(100)).toEqual({ deliver: 100 });
  });

  it('never applies to connections opened before the fault was installed', () => {
    const { engine, open } = setup([]);
    const before = open();
    engine.setSpecs(['reset-after-bytes=10@first=1', 'truncate=5']);
    expect(before.onBytes(100)).toEqual({ deliver: 100 });
    expect(before.onMessage(20)).toEqual({ deliver: true, truncateTo: 5 });
    expect(open().onBytes(100)).toEqual({ deliver: 10, after: 'reset' });
  });

  it('counts distinct peers for datagrams', () => {
    const { engine } = setup(['drop=1@first=2']);
    const fate = (peer: string) => engine.onDatagram({ peer, byteLength: 10 }).deliver;
    expect([fate('a:1'), fate('b:1'), fate('c:1'), fate('a:1'), fate('b:1'), fate('c:1')]).toEqual([false, false, true, false, false, true]);
  });
});

describe('FaultEngine: probability', () => {
  const resets = (seed: number, count: number): string[] => {
    const clock = new VirtualClock();
    const engine = new FaultEngine(['reset-on-connect@p=0.3'], { clock, random: seededRandom(seed) });
    return Array.from({ length: count }, (_, i) => engine.openConnection({ protocol: 'tcp', peer: `p:${i}`, active: 0 }).accept);
  };

  it('is the same for the same seed and differs for another', () => {
    expect(resets(7, 200)).toEqual(resets(7, 200));
    expect(resets(7, 200)).not.toEqual(resets(8, 200));
  });

  it('applies at roughly the given rate', () => {
    const rate = resets(7, 4000).filter((accept) => accept === 'reset').length / 4000;
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
  });

  it('draws once per connection for connection-level faults', () => {
    const { open } = setup(['stall@p=0.5']);
    const answers = Array.from({ length: 40 }, () => {
      const connection = open();
      const first = connection.isStalled();
      for (let i = 0; i < 5; i++) expect(connection.isStalled()).toBe(first);
      return first;
    });
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });

  it('draws per message for message-level faults', () => {
    const { open } = setup(['truncate=5@p=0.5']);
    const connection = open();
    const cuts = Array.from({ length: 400 }, () => connection.onMessage(10).truncateTo);
    const rate = cuts.filter((cut) => cut === 5).length / 400;
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it('keeps each fault\'s draws when a fault of another type is added', () => {
    const fates = (specs: FaultInput[]): boolean[] => {
      const engine = new FaultEngine(specs, { clock: new VirtualClock(), random: seededRandom(5) });
      return Array.from({ length: 100 }, () => engine.onDatagram({ peer: 'a:1', byteLength: 10 }).deliver);
    };
    expect(fates(['latency=5ms~5ms', 'drop=0.5'])).toEqual(fates(['drop=0.5']));
  });

  it('never applies with probability 0 and always with 1', () => {
    const { open } = setup(['reset-on-connect@p=0']);
    expect(Array.from({ length: 50 }, () => open().accept).every((accept) => accept === 'accept')).toBe(true);
  });
});

describe('FaultEngine: accept', () => {
  it.for<[number, string]>([
    [0, 'accept'],
    [1, 'reset'],
    [7, 'reset'],
  ])('busy=1 with %i connections already open: %s', ([active, accept]) => {
    const { open } = setup(['busy=1']);
    expect(open({ active }).accept).toBe(accept);
  });

  it('says why busy reset a connection', () => {
    const { open, events } = setup(['busy=2']);
    open({ active: 2 });
    expect(events[0]?.detail).toBe('reset: 2 connections already open (max 2)');
  });

  it('applies precedence refuse > drop > reset-on-connect > busy whatever the spec order', () => {
    const packet = { isPacketLevel: true };
    expect(setup(['busy=0', 'reset-on-connect', 'drop=1', 'refuse'], packet).open().acceptedBy).toBe('refuse');
    expect(setup(['busy=0', 'reset-on-connect', 'drop=1'], packet).open().acceptedBy).toBe('drop');
    expect(setup(['busy=0', 'reset-on-connect'], packet).open().acceptedBy).toBe('reset-on-connect');
    expect(setup(['busy=0'], packet).open().acceptedBy).toBe('busy');
  });

  it('drops a SYN only at packet level', () => {
    expect(setup(['drop=1']).open().accept).toBe('accept');
    const { open, events } = setup(['drop=1'], { isPacketLevel: true });
    expect(open().accept).toBe('drop');
    expect(events[0]).toMatchObject({ fault: 'drop', action: 'drop', detail: 'SYN dropped' });
  });

  it('drops TCP segments only at packet level', () => {
    expect(setup(['drop=1']).open().onSegment(100)).toEqual({ deliver: true });
    const { engine } = setup(['drop=0.5'], { isPacketLevel: true });
    engine.setSpecs(['drop=1@-1s']);
    const connection = engine.openConnection({ protocol: 'tcp', peer: 'a:1', active: 0 });
    expect(connection.accept).toBe('drop');
    engine.setSpecs(['drop=1']);
    expect(connection.onSegment(100)).toEqual({ deliver: false });
  });

  it('treats a UDP flow as a datagram peer: stream-only faults do not apply', () => {
    const { open } = setup(['reset-on-connect', 'busy=0', 'reset-after-bytes=1', 'close-after-messages=0', 'drop=1']);
    const flow = open({ protocol: 'udp' });
    expect(flow.accept).toBe('accept');
    expect(flow.onBytes(100)).toEqual({ deliver: 100 });
    expect(flow.onMessage(100)).toEqual({ deliver: false });
    expect(setup(['refuse']).open({ protocol: 'udp' }).accept).toBe('refuse');
  });
});

describe('FaultEngine: messages', () => {
  it('resets after N messages and truncates on the way', () => {
    const { open, events } = setup(['reset-after-messages=2', 'truncate=10']);
    const connection = open();
    expect(connection.onMessage(20)).toEqual({ deliver: true, truncateTo: 10 });
    expect(connection.onMessage(5)).toEqual({ deliver: true, after: 'reset' });
    expect(connection.onMessage(5)).toEqual({ deliver: false, after: 'reset' });
    expect(connection.onBytes(10)).toEqual({ deliver: 0, after: 'reset' });
    expect(events.map((event) => [event.action, event.detail])).toEqual([
      ['truncate', 'message of 20 bytes truncated to 10'],
      ['reset', 'reset after 2 messages'],
    ]);
  });

  it('ends at the earliest limit; at the same message reset beats close', () => {
    const same = setup(['close-after-messages=2', 'reset-after-messages=2']).open();
    expect(same.onMessage(1)).toEqual({ deliver: true });
    expect(same.onMessage(1)).toEqual({ deliver: true, after: 'reset' });
    const earlier = setup(['reset-after-messages=3', 'close-after-messages=1']).open();
    expect(earlier.onMessage(1)).toEqual({ deliver: true, after: 'close' });
  });

  it('takes the smallest truncation', () => {
    expect(setup(['truncate=50', 'truncate=20', 'truncate=30']).open().onMessage(100)).toEqual({ deliver: true, truncateTo: 20 });
  });

  it('reports a message end inside bytes already cut, for the actor to act on the earlier one', () => {
    const { open, events } = setup(['reset-after-bytes=100', 'close-after-messages=1']);
    const connection = open();
    expect(connection.onBytes(200)).toEqual({ deliver: 100, after: 'reset' });
    expect(connection.onMessage(40)).toEqual({ deliver: true, after: 'close' });
    expect(events.map((event) => event.action)).toEqual(['reset', 'close']);
  });

  it('ends before the first message with a limit of 0', () => {
    const { open, events } = setup(['close-after-messages=0']);
    expect(open().onMessage(10)).toEqual({ deliver: false, after: 'close' });
    expect(events[0]?.detail).toBe('closed after 0 messages');
  });
});

describe('FaultEngine: delays', () => {
  it('computes exact bandwidth delays on the clock', async () => {
    const { open, at, events } = setup(['bandwidth=1k']);
    const connection = open();
    expect(connection.readDelayMs(512)).toBe(500);
    expect(connection.readDelayMs(512)).toBe(1000);
    await at(1000);
    expect(connection.readDelayMs(1024)).toBe(1000);
    await at(5000);
    expect(connection.readDelayMs(256)).toBe(250);
    expect(events.map((event) => event.detail)).toEqual([
      'read of 512 bytes delayed 500ms',
      'read of 512 bytes delayed 1000ms',
      'read of 1024 bytes delayed 1000ms',
      'read of 256 bytes delayed 250ms',
    ]);
  });

  it('gives each TCP connection its own bucket', () => {
    const { open } = setup(['bandwidth=1k']);
    expect(open().readDelayMs(1024)).toBe(1000);
    expect(open().readDelayMs(1024)).toBe(1000);
  });

  it('adds latency and bandwidth', () => {
    expect(setup(['latency=200ms', 'bandwidth=1k']).open().readDelayMs(512)).toBe(700);
  });

  it('never lets a TCP chunk overtake the one before it', () => {
    const connection = setup(['latency=100ms~100ms']).open();
    const delays = Array.from({ length: 100 }, () => connection.readDelayMs(1));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    expect(delays.at(-1)).toBeLessThanOrEqual(200);
  });

  it('lets datagrams reorder', () => {
    const flow = setup(['latency=100ms~100ms']).open({ protocol: 'udp' });
    const delays = Array.from({ length: 100 }, () => flow.readDelayMs(1));
    expect(delays.some((delay, i) => i > 0 && delay < (delays[i - 1] as number))).toBe(true);
  });

  it('does not delay reads without a delay fault', () => {
    const { open, events } = setup(['truncate=5']);
    expect(open().readDelayMs(1000)).toBe(0);
    expect(events).toEqual([]);
  });
});

describe('FaultEngine: idle timeout', () => {
  it('closes after exactly idleMs of silence', () => {
    const { open, events, clock } = setup(['idle-timeout=5m', 'idle-timeout=10m']);
    const connection = open();
    expect(connection.idleTimeoutMs()).toBe(300_000);
    expect(connection.onIdle(299_999)).toEqual({});
    expect(connection.onIdle(300_000)).toEqual({ after: 'close' });
    expect(connection.onBytes(10)).toEqual({ deliver: 0, after: 'close' });
    expect(events).toEqual([
      {
        at: clock.startMs,
        fault: 'idle-timeout',
        action: 'close',
        connection: '192.0.2.5:40000',
        detail: 'closed after 300000ms idle (timeout 300000ms)',
      },
    ]);
  });

  it('has no idle timeout without the fault or outside its window', async () => {
    expect(setup([]).open().idleTimeoutMs()).toBeUndefined();
    const { open, at } = setup(['idle-timeout=1s@-10s']);
    const connection = open();
    await at(10_000);
    expect(connection.idleTimeoutMs()).toBeUndefined();
    expect(connection.onIdle(60_000)).toEqual({});
  });
});

describe('FaultEngine: datagrams', () => {
  it.for<[string, unknown]>([
    ['refuse', { deliver: false, delayMs: 0, refused: true }],
    ['drop=1', { deliver: false, delayMs: 0, refused: false }],
    ['stall', { deliver: false, delayMs: 0, refused: false }],
    ['truncate=64', { deliver: true, truncateTo: 64, delayMs: 0, refused: false }],
    ['latency=250ms', { deliver: true, delayMs: 250, refused: false }],
    ['reset-after-bytes=0', { deliver: true, delayMs: 0, refused: false }],
  ])('%s decides %j for a 100-byte datagram', ([spec, decision]) => {
    expect(setup([spec]).engine.onDatagram({ peer: 'a:1', byteLength: 100 })).toEqual(decision);
  });

  it('applies refuse > drop > stall, then truncates and delays what is delivered', () => {
    const { engine, events } = setup(['stall', 'drop=1', 'refuse']);
    expect(engine.onDatagram({ peer: 'a:1', byteLength: 10 }).refused).toBe(true);
    expect(events.map((event) => event.action)).toEqual(['refuse']);
    const both = setup(['latency=10ms', 'truncate=4', 'bandwidth=1000']).engine;
    expect(both.onDatagram({ peer: 'a:1', byteLength: 10 })).toEqual({ deliver: true, truncateTo: 4, delayMs: 20, refused: false });
  });

  it('shares one bandwidth bucket among all datagrams', () => {
    const { engine } = setup(['bandwidth=1000']);
    expect(engine.onDatagram({ peer: 'a:1', byteLength: 500 }).delayMs).toBe(500);
    expect(engine.onDatagram({ peer: 'b:1', byteLength: 500 }).delayMs).toBe(1000);
  });

  it('drops at roughly the given rate, the same way for the same seed', () => {
    const run = (seed: number) => {
      const engine = new FaultEngine(['drop=0.1'], { clock: new VirtualClock(), random: seededRandom(seed) });
      return Array.from({ length: 5000 }, () => engine.onDatagram({ peer: 'a:1', byteLength: 1 }).deliver);
    };
    const fates = run(11);
    expect(run(11)).toEqual(fates);
    const lost = fates.filter((deliver) => !deliver).length / fates.length;
    expect(lost).toBeGreaterThan(0.08);
    expect(lost).toBeLessThan(0.12);
  });

  it('counts datagrams and reports each decision', () => {
    const { engine, events, clock } = setup(['drop=1@first=1']);
    engine.onDatagram({ peer: 'a:1', byteLength: 10 });
    engine.onDatagram({ peer: 'b:1', byteLength: 10 });
    expect(engine.stats).toMatchObject({ datagrams: 2, total: 1 });
    expect(events).toEqual([{ at: clock.startMs, fault: 'drop', action: 'drop', connection: 'a:1', detail: 'datagram of 10 bytes dropped' }]);
  });
});

describe('FaultEngine: setSpecs', () => {
  it('replaces the faults for open connections from their next decision', () => {
    const { engine, open } = setup(['truncate=5']);
    const connection = open();
    expect(connection.onMessage(10)).toEqual({ deliver: true, truncateTo: 5 });
    engine.setSpecs(['reset-after-messages=1']);
    expect(connection.onMessage(10)).toEqual({ deliver: true, after: 'reset' });
    expect(engine.specs).toEqual([{ type: 'reset-after-messages', messages: 1 }]);
  });

  it('subjects a connection that has already decided to every kind of decision of the new faults', () => {
    const { engine, open } = setup([], { isPacketLevel: true });
    const connection = open();
    expect([connection.isStalled(), connection.onBytes(100), connection.readDelayMs(100), connection.idleTimeoutMs()]).toEqual([
      false,
      { deliver: 100 },
      0,
      undefined,
    ]);
    expect([connection.onSegment(10), connection.onMessage(10)]).toEqual([{ deliver: true }, { deliver: true }]);
    engine.setSpecs(['reset-after-bytes=10', 'latency=50ms', 'idle-timeout=2s', 'drop=1', 'truncate=5']);
    expect(connection.onSegment(10)).toEqual({ deliver: false });
    expect(connection.readDelayMs(100)).toBe(50);
    expect(connection.idleTimeoutMs()).toBe(2000);
    expect(connection.onMessage(10)).toEqual({ deliver: true, truncateTo: 5 });
    expect(connection.onBytes(100)).toEqual({ deliver: 10, after: 'reset' });
    engine.setSpecs(['stall@first=1']);
    // firstConnections counts connections opened from now on only.
    expect(connection.isStalled()).toBe(false);
    expect(open().isStalled()).toBe(true);
  });

  it('changes nothing when the new list is invalid', () => {
    const { engine } = setup(['busy=1']);
    expect(() => engine.setSpecs(['refuse', { type: 'busy', maxConnections: -1 } as FaultInput])).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults[1].maxConnections' }),
    );
    expect(engine.specs).toEqual([{ type: 'busy', maxConnections: 1 }]);
  });

  it('starts fresh counters for firstConnections', () => {
    const { engine, open } = setup(['reset-on-connect@first=1']);
    expect(open().accept).toBe('reset');
    expect(open().accept).toBe('accept');
    engine.setSpecs(['reset-on-connect@first=1']);
    expect(open().accept).toBe('reset');
  });
});

describe('ConnectionFaults.close', () => {
  it('is idempotent and makes every later decision throw ESA_ERR_CLOSED', () => {
    const connection = setup(['stall']).open();
    connection.close();
    connection.close();
    expect(connection.isClosed).toBe(true);
    const calls = [
      () => connection.onBytes(1),
      () => connection.onMessage(1),
      () => connection.onSegment(1),
      () => connection.readDelayMs(1),
      () => connection.isStalled(),
      () => connection.idleTimeoutMs(),
      () => connection.onIdle(1),
    ];
    for (const call of calls) expect(call).toThrow(expect.objectContaining({ code: 'ESA_ERR_CLOSED' }));
  });

  it('numbers connections from 1', () => {
    const { open } = setup([]);
    expect([open().id, open().id, open().id]).toEqual([1, 2, 3]);
  });
});

describe('FaultEngine: validation', () => {
  it('names the bad spec', () => {
    expect(() => new FaultEngine(['refuse', 'reset-after-bytes=x'], { clock: new VirtualClock() })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults[1]' }),
    );
  });

  it.for<[unknown, string]>([
    [{ clock: {} }, 'clock'],
    [{ random: 42 }, 'random'],
    [{ startMs: -1 }, 'startMs'],
    [{ isPacketLevel: 'yes' }, 'isPacketLevel'],
    [{ onFault: 'log' }, 'onFault'],
    [{ seed: 1 }, 'seed'],
    [null, 'options'],
  ])('rejects options %j naming %s', ([options, option]) => {
    expect(() => resolveFaultEngineOptions(options as FaultEngineOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });

  it('defaults to the system clock and seed 1', () => {
    const options = resolveFaultEngineOptions({});
    expect(options.random.seed).toBe(1);
    expect(options.isPacketLevel).toBe(false);
    expect(typeof options.clock.now()).toBe('number');
  });

  it.for<[unknown, string]>([
    [{ protocol: 'sctp', peer: 'a:1', active: 0 }, 'meta.protocol'],
    [{ protocol: 'tcp', peer: '', active: 0 }, 'meta.peer'],
    [{ protocol: 'tcp', peer: 'a:1', active: -1 }, 'meta.active'],
    [undefined, 'meta'],
  ])('rejects connection meta %j naming %s', ([meta, option]) => {
    const { engine } = setup([]);
    expect(() => engine.openConnection(meta as ConnectionMeta)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });

  it('rejects bad datagram meta and lengths', () => {
    const { engine, open } = setup([]);
    expect(() => engine.onDatagram({ peer: 'a:1', byteLength: -1 })).toThrow(expect.objectContaining({ option: 'meta.byteLength' }));
    expect(() => engine.onDatagram({ peer: 7 } as never)).toThrow(expect.objectContaining({ option: 'meta.peer' }));
    expect(() => open().onBytes(1.5)).toThrow(expect.objectContaining({ option: 'length' }));
    expect(() => open().onIdle(-1)).toThrow(expect.objectContaining({ option: 'idleMs' }));
  });
});
