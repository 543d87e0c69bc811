/**
 * The ledger's receiver evidence from a real SyslogServer: a real `Ledger` observes the server,
 * the sender side is reported the way the appliance reports it (attempts with the receipt's
 * frame ends, connection ends), and the counts must match what the transport sent and what the
 * server recorded — under the seed's reset and under UDP loss.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Ledger, type LedgerConnectionRef, type LedgerStream } from '../../src/core/ledger.js';
import { SyslogServer } from '../../src/server/syslog-server.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import type { ConnectionInfo, Transport } from '../../src/transports/transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';

const line = (n: number): string => `<22>Jun 25 08:50:03 Mail_Log: Info: MID ${n} ICID ${n} RID 0 To: <rcpt${n}@example.com>`;
const header = ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 15.0.0-104 SN: 42A1B2C3D4E5-ABCDEF1'];

const ref = (connection: ConnectionInfo): LedgerConnectionRef => ({ key: connection.key, id: connection.id, protocol: connection.protocol, framing: 'lf' });

/** Reports a transport's connection ends to the ledger stream, as the appliance does. */
function watchConnections(transport: Transport, stream: LedgerStream): void {
  transport.on('connection:reset', (event) => stream.connectionEnded(ref(event.connection)));
  transport.on('connection:closed', (event) => stream.connectionEnded(ref(event.connection)));
}

/** Sends `count` new ledger lines as one batch and reports the attempt. */
async function sendBatch(transport: Transport, stream: LedgerStream, count: number): Promise<string[]> {
  const first = stream.generate(count);
  const ids = [{ from: first, to: first + count }];
  const texts = Array.from({ length: count }, (_, i) => line(first + i));
  stream.sending(ids);
  // The logfile header opens every TCP connection; UDP pushes carry none (as the appliance does).
  const receipt = await transport.send(texts, transport.protocol === 'tcp' ? { prefix: () => header } : {});
  stream.attempt({
    connection: ref(receipt.connection),
    ids,
    frameEnds: [...receipt.frameEnds].slice(receipt.prefixCount),
    outcome: 'sent',
    at: receipt.writtenAt,
    ...(transport.protocol === 'udp' ? { texts } : {}),
  });
  return texts;
}

function checkInvariant(ledger: Ledger): void {
  const counts = ledger.counts();
  expect(counts.generated).toBe((counts.delivered ?? 0) + counts.dropped + (counts.lostInFlight ?? 0) + (counts.pending ?? 0));
}

describe('Ledger evidence from a SyslogServer', () => {
  it('TCP with the seed reset: lines inside 412 bytes delivered, the rest of the batch lost in flight, later batches delivered', async () => {
    const ledger = new Ledger({ evidence: 'receiver' });
    const stream = ledger.stream('Mail_Log');
    const server = new SyslogServer({ faults: ['reset-after-bytes=412@first=1'], observers: [ledger.observer] });
    onTestFinished(() => server.close());
    const port = await server.listen();
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    onTestFinished(() => transport.destroy());
    watchConnections(transport, stream);
    const reset = new Promise((resolve) => transport.once('connection:reset', resolve));
    const sent = [...(await sendBatch(transport, stream, 5))];
    await reset;
    sent.push(...(await sendBatch(transport, stream, 5)));
    sent.push(...(await sendBatch(transport, stream, 5)));
    await transport.close();
    await server.waitFor((_, stats) => stats.connectionsClosed === 2);

    const received = new Set(server.messages());
    const deliveredLines = sent.filter((text) => received.has(text));
    // The first connection carried the header (2 lines) and 5 lines; 412 bytes hold the header and a couple of lines.
    expect(deliveredLines.length).toBeGreaterThan(10);
    expect(deliveredLines.length).toBeLessThan(15);
    expect(ledger.counts()).toMatchObject({ generated: 15, delivered: deliveredLines.length, lostInFlight: 15 - deliveredLines.length, dropped: 0, pending: 0, duplicated: 0 });
    expect([...stream.fates()].map((run) => [run.from, run.to, run.fate])).toEqual([
      [0, deliveredLines.length - 10, 'delivered'],
      [deliveredLines.length - 10, 5, 'lost-in-flight'],
      [5, 15, 'delivered'],
    ]);
    checkInvariant(ledger);
    expect(ledger.trackedConnections).toBe(0);
  });

  it('UDP with drop=0.5: delivered = what the server recorded, lost in flight = what it dropped', async () => {
    const ledger = new Ledger({ evidence: 'receiver' });
    const stream = ledger.stream('Mail_Log');
    const server = new SyslogServer({ protocol: 'udp', faults: ['drop=0.5'], seed: 42, observers: [ledger.observer] });
    onTestFinished(() => server.close());
    const port = await server.listen();
    const transport = new UdpTransport({ host: '127.0.0.1', port });
    onTestFinished(() => transport.destroy());
    for (let batch = 0; batch < 4; batch++) await sendBatch(transport, stream, 25);
    await server.waitFor((_, stats) => stats.datagrams === 100);
    ledger.settleDatagrams(Number.MAX_SAFE_INTEGER);
    const { messages, datagramsDropped } = server.stats;
    expect(messages + datagramsDropped).toBe(100);
    expect(messages).toBeGreaterThan(20);
    expect(messages).toBeLessThan(80);
    expect(ledger.counts()).toMatchObject({ generated: 100, delivered: messages, lostInFlight: datagramsDropped, pending: 0, dropped: 0 });
    checkInvariant(ledger);
  });
});
