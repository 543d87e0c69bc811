import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger, type IdRun, type LedgerConnectionRef, sliceRuns } from './ledger.js';

const tcp = (key: string, id = 1): LedgerConnectionRef => ({ key, id, protocol: 'tcp', framing: 'lf' });
const udp = (key: string, id = 1): LedgerConnectionRef => ({ key, id, protocol: 'udp' });
const run = (from: number, to: number): IdRun[] => [{ from, to }];
/** LF frames of `length` bytes each (LF included), starting at `start`. */
const ends = (count: number, length: number, start = 0): number[] => Array.from({ length: count }, (_, i) => start + (i + 1) * length);

function setup(evidence: 'receiver' | 'none' = 'receiver') {
  const ledger = new Ledger({ evidence });
  const stream = ledger.stream('Mail_Log');
  const checkInvariant = (): void => {
    const c = ledger.counts();
    if (c.evidence === 'receiver') {
      expect(c.generated).toBe((c.delivered ?? 0) + c.dropped + (c.lostInFlight ?? 0) + (c.pending ?? 0));
    }
  };
  return { ledger, stream, checkInvariant };
}

describe('Ledger', () => {
  it('marks lines delivered up to the receiver offset and the rest lost in flight when the receiver ends', () => {
    const { ledger, stream, checkInvariant } = setup();
    const first = stream.generate(5);
    stream.sending(run(first, first + 5));
    stream.attempt({ connection: tcp('127.0.0.1:40000'), ids: run(0, 5), frameEnds: ends(5, 10), outcome: 'sent', at: 0 });
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: '127.0.0.1:40000', connectionId: 7, streamEnd: 10 });
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: '127.0.0.1:40000', connectionId: 7, streamEnd: 20 });
    expect(ledger.counts()).toMatchObject({ generated: 5, delivered: 2, pending: 3, lostInFlight: 0 });
    ledger.observer.connectionEnded({ at: 2, key: '127.0.0.1:40000', connectionId: 7 });
    expect(ledger.counts()).toMatchObject({ generated: 5, delivered: 2, lostInFlight: 3, pending: 0, dropped: 0 });
    expect([...stream.fates()]).toEqual([
      { from: 0, to: 2, fate: 'delivered', deliveries: 1 },
      { from: 2, to: 5, fate: 'lost-in-flight', deliveries: 0 },
    ]);
    checkInvariant();
  });

  it('counts a frame cut just before its LF (a trailing partial frame at FIN) as delivered', () => {
    const { ledger, stream } = setup();
    stream.generate(1);
    stream.attempt({ connection: tcp('k:1'), ids: run(0, 1), frameEnds: [50], outcome: 'sent', at: 0 });
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: 'k:1', connectionId: 1, streamEnd: 49 });
    ledger.observer.connectionEnded({ at: 1, key: 'k:1', connectionId: 1 });
    expect(stream.fateOf(0)).toBe('delivered');
  });

  it('drops with a reason what the sender gave up on, unless the receiver got it', () => {
    const { ledger, stream, checkInvariant } = setup();
    stream.generate(3);
    stream.attempt({ connection: tcp('k:2'), ids: run(0, 3), frameEnds: ends(3, 100), outcome: 'failed', at: 0 });
    stream.giveUp(run(0, 3), 'network-error');
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: 'k:2', connectionId: 1, streamEnd: 100 });
    expect(ledger.counts().pending).toBe(2);
    ledger.observer.connectionEnded({ at: 1, key: 'k:2', connectionId: 1 });
    expect(ledger.counts()).toMatchObject({ delivered: 1, dropped: 2, lostInFlight: 0, pending: 0 });
    expect(ledger.counts().droppedByReason['network-error']).toBe(2);
    checkInvariant();
  });

  it('counts lines delivered twice after a retry as duplicated', () => {
    const { ledger, stream, checkInvariant } = setup();
    stream.generate(3);
    stream.attempt({ connection: tcp('k:3', 1), ids: run(0, 3), frameEnds: ends(3, 10), outcome: 'failed', at: 0 });
    stream.requeue(run(0, 3));
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: 'k:3', connectionId: 1, streamEnd: 20 });
    ledger.observer.connectionEnded({ at: 1, key: 'k:3', connectionId: 1 });
    stream.attempt({ connection: tcp('k:4', 2), ids: run(0, 3), frameEnds: ends(3, 10, 50), outcome: 'sent', at: 2 });
    ledger.observer.messageReceived({ at: 3, protocol: 'tcp', key: 'k:4', connectionId: 2, streamEnd: 80 });
    expect(ledger.counts()).toMatchObject({ generated: 3, delivered: 3, duplicated: 2, pending: 0 });
    checkInvariant();
  });

  it('applies receiver evidence that arrives before the sender reports the attempt', () => {
    const { ledger, stream } = setup();
    stream.generate(2);
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: 'k:5', connectionId: 9, streamEnd: 10 });
    ledger.observer.connectionEnded({ at: 1, key: 'k:5', connectionId: 9 });
    stream.attempt({ connection: tcp('k:5'), ids: run(0, 2), frameEnds: ends(2, 10), outcome: 'sent', at: 0 });
    expect(ledger.counts()).toMatchObject({ delivered: 1, lostInFlight: 1, pending: 0 });
  });

  it('keeps connections with the same key apart (a port reused after the old connection ended)', () => {
    const { ledger, stream } = setup();
    stream.generate(2);
    stream.attempt({ connection: tcp('k:6', 1), ids: run(0, 1), frameEnds: [10], outcome: 'sent', at: 0 });
    ledger.observer.connectionEnded({ at: 1, key: 'k:6', connectionId: 1 });
    stream.connectionEnded(tcp('k:6', 1));
    stream.attempt({ connection: tcp('k:6', 2), ids: run(1, 2), frameEnds: [10], outcome: 'sent', at: 2 });
    ledger.observer.messageReceived({ at: 3, protocol: 'tcp', key: 'k:6', connectionId: 2, streamEnd: 10 });
    expect(stream.fateOf(0)).toBe('lost-in-flight');
    expect(stream.fateOf(1)).toBe('delivered');
    expect(ledger.trackedConnections).toBe(1);
  });

  it('remembers a sender end reported before the failed attempt on that connection, and forgets the connection once both ends are over', () => {
    const { ledger, stream, checkInvariant } = setup();
    stream.generate(3);
    stream.connectionEnded(tcp('k:3'));
    stream.attempt({ connection: tcp('k:3'), ids: run(0, 3), frameEnds: ends(3, 10), outcome: 'failed', at: 0 });
    stream.giveUp(run(0, 3), 'network-error');
    ledger.observer.messageReceived({ at: 1, protocol: 'tcp', key: 'k:3', connectionId: 4, streamEnd: 10 });
    ledger.observer.connectionEnded({ at: 1, key: 'k:3', connectionId: 4 });
    expect(ledger.counts()).toMatchObject({ delivered: 1, dropped: 2, pending: 0 });
    expect(ledger.trackedConnections).toBe(0);
    checkInvariant();
  });

  it('resolves, when its last receiver closes, the lines of connections no receiver ever reported and the datagrams never matched', () => {
    const { ledger, stream, checkInvariant } = setup();
    ledger.observer.receiverListening?.({ at: 0 });
    ledger.observer.receiverListening?.({ at: 0 });
    stream.generate(5);
    // A connection reset before the receiver accepted it: the sender saw its write succeed.
    stream.attempt({ connection: tcp('k:5'), ids: run(0, 2), frameEnds: ends(2, 10), outcome: 'sent', at: 0 });
    stream.connectionEnded(tcp('k:5'));
    stream.attempt({ connection: udp('u:5'), ids: run(2, 5), frameEnds: [1, 2, 3], outcome: 'sent', at: 0, texts: ['a', 'b', 'c'] });
    ledger.observer.messageReceived({ at: 1, protocol: 'udp', key: 'u:5', connectionId: 0, text: 'b' });
    ledger.observer.receiverClosed?.({ at: 2 });
    expect(ledger.counts()).toMatchObject({ delivered: 0, pending: 5 });
    ledger.observer.receiverClosed?.({ at: 3 });
    expect(ledger.counts()).toMatchObject({ delivered: 1, lostInFlight: 4, pending: 0 });
    expect([0, 1, 2, 3, 4].map((id) => stream.fateOf(id))).toEqual(['lost-in-flight', 'lost-in-flight', 'lost-in-flight', 'delivered', 'lost-in-flight']);
    // The TCP connection is over on both sides now; the UDP socket is still the sender's.
    expect(ledger.trackedConnections).toBe(1);
    checkInvariant();
  });

  it('matches UDP datagrams by content and settles the missing ones as lost', () => {
    const { ledger, stream, checkInvariant } = setup();
    const texts = ['<22>a', '<22>b', '<22>c', '<22>a'];
    stream.generate(4);
    stream.attempt({ connection: udp('127.0.0.1:5000'), ids: run(0, 4), frameEnds: [1, 2, 3, 4], outcome: 'sent', at: 100, texts });
    ledger.observer.messageReceived({ at: 101, protocol: 'udp', key: '127.0.0.1:5000', connectionId: 0, text: '<22>a' });
    ledger.observer.messageReceived({ at: 101, protocol: 'udp', key: '127.0.0.1:5000', connectionId: 0, text: '<22>c' });
    expect(ledger.counts().pending).toBe(4);
    ledger.settleDatagrams(101);
    expect(ledger.counts()).toMatchObject({ delivered: 2, lostInFlight: 2, pending: 0 });
    expect(stream.fateOf(1)).toBe('lost-in-flight');
    expect(stream.fateOf(3)).toBe('lost-in-flight');
    checkInvariant();
  });

  it('matches a datagram behind thousands of lost ones without waiting for them to be settled', () => {
    const { ledger, stream, checkInvariant } = setup();
    const count = 6000;
    const texts = Array.from({ length: count }, (_, i) => `<22>line ${i}`);
    stream.generate(count);
    stream.attempt({ connection: udp('u:9'), ids: run(0, count), frameEnds: ends(count, 1), outcome: 'sent', at: 0, texts });
    // The first 5000 datagrams are lost; the last 1000 arrive before anything is settled.
    for (let i = 5000; i < count; i++) ledger.observer.messageReceived({ at: 1, protocol: 'udp', key: 'u:9', connectionId: 0, text: texts[i] });
    ledger.settleDatagrams(1);
    expect(ledger.counts()).toMatchObject({ generated: count, delivered: 1000, lostInFlight: 5000, pending: 0 });
    expect([...stream.fates()].map(({ from, to, fate }) => ({ from, to, fate }))).toEqual([
      { from: 0, to: 5000, fate: 'lost-in-flight' },
      { from: 5000, to: count, fate: 'delivered' },
    ]);
    checkInvariant();
  });

  it('matches a datagram that arrived before its attempt was reported', () => {
    const { ledger, stream } = setup();
    stream.generate(1);
    ledger.observer.messageReceived({ at: 1, protocol: 'udp', key: 'u:1', connectionId: 0, text: 'x' });
    stream.attempt({ connection: udp('u:1'), ids: run(0, 1), frameEnds: [1], outcome: 'sent', at: 0, texts: ['x'] });
    ledger.settleDatagrams(10);
    expect(stream.fateOf(0)).toBe('delivered');
  });

  it('reports delivery as unknown without receiver evidence', () => {
    const { ledger, stream } = setup('none');
    stream.generate(4);
    stream.attempt({ connection: tcp('k:7'), ids: run(0, 3), frameEnds: ends(3, 10), outcome: 'sent', at: 0 });
    stream.giveUp(run(3, 4), 'oversize');
    expect(ledger.counts()).toMatchObject({
      generated: 4,
      sent: 3,
      dropped: 1,
      delivered: null,
      lostInFlight: null,
      pending: null,
      duplicated: null,
      evidence: 'none',
    });
    expect(ledger.trackedConnections).toBe(0);
  });

  it('stores runs, not lines: a million delivered lines take a handful of runs', () => {
    const { ledger, stream } = setup();
    const batch = 1000;
    for (let b = 0; b < 1000; b++) {
      const first = stream.generate(batch);
      const start = b * batch * 100;
      stream.attempt({ connection: tcp('k:8'), ids: run(first, first + batch), frameEnds: ends(batch, 100, start), outcome: 'sent', at: b });
      ledger.observer.messageReceived({ at: b, protocol: 'tcp', key: 'k:8', connectionId: 1, streamEnd: start + batch * 100 });
    }
    expect(ledger.counts()).toMatchObject({ generated: 1_000_000, delivered: 1_000_000, pending: 0 });
    expect(stream.runCount).toBe(1);
  });

  it('takes a run of TCP messages (messagesReceived) as if told of each of them', () => {
    const tell = (perMessage: boolean) => {
      const { ledger, stream } = setup();
      stream.generate(6);
      stream.attempt({ connection: tcp('k:10'), ids: run(0, 6), frameEnds: ends(6, 10), outcome: 'sent', at: 0, times: [0, 1, 2, 3, 4, 5] });
      const observer = ledger.observer;
      for (const [at, from, to] of [[7, 1, 3], [9, 4, 5]] as const) {
        if (perMessage) for (let n = from; n <= to; n++) observer.messageReceived({ at, protocol: 'tcp', key: 'k:10', connectionId: 1, streamEnd: n * 10 });
        else observer.messagesReceived?.({ at, protocol: 'tcp', key: 'k:10', connectionId: 1, streamEnd: to * 10 }, to - from + 1);
      }
      observer.connectionEnded({ at: 10, key: 'k:10', connectionId: 1 });
      return { counts: ledger.counts(), fates: [...stream.fates()], delays: ledger.delays() };
    };
    const byRun = tell(false);
    expect(byRun.counts).toMatchObject({ delivered: 5, lostInFlight: 1, pending: 0 });
    expect(byRun).toEqual(tell(true));
  });

  it('records delivery delays from the log time to the receive time', () => {
    const { ledger, stream } = setup();
    stream.generate(2);
    stream.attempt({ connection: tcp('k:9'), ids: run(0, 2), frameEnds: ends(2, 10), outcome: 'sent', at: 1000, times: [0, 500] });
    ledger.observer.messageReceived({ at: 1000, protocol: 'tcp', key: 'k:9', connectionId: 1, streamEnd: 20 });
    expect(ledger.delays()).toMatchObject({ count: 2, maxMs: 1000 });
  });

  it('keeps generated = delivered + dropped + lost in flight + pending for any sequence of events', () => {
    type Op =
      | { kind: 'generate'; count: number }
      | { kind: 'send'; count: number; fail: boolean; reset: boolean; receivedFraction: number; retry: boolean };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('generate' as const), count: fc.integer({ min: 0, max: 20 }) }),
      fc.record({
        kind: fc.constant('send' as const),
        count: fc.integer({ min: 1, max: 20 }),
        fail: fc.boolean(),
        reset: fc.boolean(),
        receivedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        retry: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops: Op[]) => {
        const { ledger, stream } = setup();
        let nextToSend = 0;
        let connection = 0;
        const requeued: IdRun[] = [];
        for (const o of ops) {
          if (o.kind === 'generate') {
            stream.generate(o.count);
            continue;
          }
          const runs: IdRun[] = requeued.splice(0);
          const available = stream.generated - nextToSend;
          const fresh = Math.min(o.count, available);
          if (fresh > 0) runs.push({ from: nextToSend, to: nextToSend + fresh });
          nextToSend += fresh;
          const n = runs.reduce((sum, r) => sum + r.to - r.from, 0);
          if (n === 0) continue;
          connection++;
          const key = `k:${connection}`;
          stream.sending(runs);
          stream.attempt({ connection: tcp(key, connection), ids: runs, frameEnds: ends(n, 10), outcome: o.fail ? 'failed' : 'sent', at: connection });
          if (o.fail) {
            if (o.retry) requeued.push(...runs);
            else stream.giveUp(runs, 'network-error');
          }
          const received = Math.floor(o.receivedFraction * n);
          if (received > 0) ledger.observer.messageReceived({ at: connection, protocol: 'tcp', key, connectionId: connection, streamEnd: received * 10 });
          if (o.reset || o.fail) ledger.observer.connectionEnded({ at: connection, key, connectionId: connection });
          const c = ledger.counts();
          expect(c.generated).toBe((c.delivered ?? 0) + c.dropped + (c.lostInFlight ?? 0) + (c.pending ?? 0));
          expect(c.duplicated ?? 0).toBeLessThanOrEqual(c.delivered ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Ledger with evidence lines (a receiver output file, reconciled after the run)', () => {
  const texts = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `<22>Jun 25 08:50:03 Mail_Log: Info: line ${from + i}`);

  it('keeps sent lines pending until reconcileLines, then decides delivered, lost in flight and dropped', () => {
    const ledger = new Ledger({ evidence: 'lines' });
    const stream = ledger.stream('Mail_Log');
    stream.generate(8);
    stream.sending(run(0, 8));
    // Connection 1: 5 lines written, then a reset; connection 2: 3 lines failed and given up.
    stream.attempt({ connection: tcp('k:1', 1), ids: run(0, 5), frameEnds: ends(5, 40), outcome: 'sent', at: 0, texts: texts(0, 5) });
    stream.attempt({ connection: tcp('k:2', 2), ids: run(5, 8), frameEnds: ends(3, 40), outcome: 'failed', at: 1, texts: texts(5, 8) });
    stream.giveUp(run(5, 8), 'network-error');
    // Until the receiver's output is read, even the failed lines may have arrived: all pending.
    expect(ledger.counts()).toMatchObject({ generated: 8, delivered: 0, pending: 8, dropped: 0, evidence: 'lines' });
    const received = ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', ...texts(0, 2), texts(5, 6)[0] as string, ''];
    expect(ledger.trackedConnections).toBe(1);
    expect(ledger.reconcileLines(received)).toEqual({ received: 4, matched: 3, unmatched: 1 });
    expect(ledger.trackedConnections).toBe(0);
    expect(ledger.counts()).toMatchObject({ generated: 8, delivered: 3, lostInFlight: 3, dropped: 2, pending: 0, duplicated: 0 });
    expect([...stream.fates()].map((r) => [r.from, r.to, r.fate])).toEqual([
      [0, 2, 'delivered'],
      [2, 5, 'lost-in-flight'],
      [5, 6, 'delivered'],
      [6, 8, 'dropped'],
    ]);
  });

  it('counts a line received twice after a retry as duplicated, in sending order for equal texts', () => {
    const ledger = new Ledger({ evidence: 'lines' });
    const stream = ledger.stream('Mail_Log');
    stream.generate(2);
    stream.attempt({ connection: tcp('k:1', 1), ids: run(0, 2), frameEnds: ends(2, 40), outcome: 'failed', at: 0, texts: texts(0, 2) });
    stream.requeue(run(0, 2));
    stream.attempt({ connection: tcp('k:2', 2), ids: run(0, 2), frameEnds: ends(2, 40), outcome: 'sent', at: 1, texts: texts(0, 2) });
    // The first attempt got line 0 through before failing; the retry delivered both.
    ledger.reconcileLines([...texts(0, 1), ...texts(0, 2)].map((line) => `${line}\r`));
    expect(ledger.counts()).toMatchObject({ generated: 2, delivered: 2, duplicated: 1, pending: 0, lostInFlight: 0 });
  });

  it('takes an extract function for receiver formats that add a prefix, and skips what it returns undefined for', () => {
    const ledger = new Ledger({ evidence: 'lines' });
    const stream = ledger.stream('Mail_Log');
    stream.generate(2);
    stream.attempt({ connection: udp('k:1'), ids: run(0, 2), frameEnds: [1, 2], outcome: 'sent', at: 0, texts: texts(0, 2) });
    const file = ['# comment', `2026-06-25T08:50:04Z 127.0.0.1 ${texts(1, 2)[0] as string}`];
    const report = ledger.reconcileLines(file, { extract: (line) => (line.startsWith('#') ? undefined : line.split(' ').slice(2).join(' ')) });
    expect(report).toEqual({ received: 1, matched: 1, unmatched: 0 });
    expect([...stream.fates()].map((r) => r.fate)).toEqual(['lost-in-flight', 'delivered']);
  });

  it('ignores live receiver reports and datagram settling: only the reconciled lines decide', () => {
    const ledger = new Ledger({ evidence: 'lines' });
    const stream = ledger.stream('Mail_Log');
    stream.generate(1);
    stream.attempt({ connection: udp('k:1'), ids: run(0, 1), frameEnds: [1], outcome: 'sent', at: 0, texts: texts(0, 1) });
    ledger.settleDatagrams(10_000);
    ledger.observer.receiverListening?.({ at: 0 });
    ledger.observer.receiverClosed?.({ at: 1 });
    expect(ledger.counts().pending).toBe(1);
    ledger.reconcileLines(texts(0, 1));
    expect(ledger.counts()).toMatchObject({ delivered: 1, pending: 0 });
  });

  it('rejects reconcileLines on a ledger of other evidence, an attempt without texts, and bad lines', () => {
    expect(() => new Ledger({ evidence: 'receiver' }).reconcileLines([])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', message: expect.stringContaining("evidence 'lines'") }));
    expect(() => new Ledger({ evidence: 'file' as never })).toThrow(/evidence must be one of receiver, lines, none; got "file"/);
    const ledger = new Ledger({ evidence: 'lines' });
    const stream = ledger.stream('Mail_Log');
    stream.generate(1);
    expect(() => stream.attempt({ connection: tcp('k:1'), ids: run(0, 1), frameEnds: [10], outcome: 'sent', at: 0 })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INTERNAL' }));
    expect(() => ledger.reconcileLines([42 as never])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', message: expect.stringContaining('line 1') }));
  });
});

describe('sliceRuns', () => {
  it.for([
    { runs: [{ from: 10, to: 15 }], from: 1, to: 3, expected: [{ from: 11, to: 13 }] },
    { runs: [{ from: 0, to: 2 }, { from: 10, to: 13 }], from: 1, to: 4, expected: [{ from: 1, to: 2 }, { from: 10, to: 12 }] },
    { runs: [{ from: 0, to: 2 }], from: 2, to: 2, expected: [] },
  ])('maps batch positions [$from, $to) to id runs', ({ runs, from, to, expected }) => {
    expect(sliceRuns(runs, from, to)).toEqual(expected);
  });
});
