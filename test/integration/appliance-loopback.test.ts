/**
 * The appliance against our SyslogServer on real loopback sockets: the seed case and the other
 * field faults, with the ledger judged against what the server recorded, line by line.
 *
 * The appliance runs on a VirtualClock (pushes happen when the test advances it); sockets and the
 * server are real. Waits are bounded polls on conditions, never assertions about durations.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Appliance, type AddSubscriptionOptions } from '../../src/appliance/appliance.js';
import type { PushFailedEvent } from '../../src/appliance/subscription.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { FaultInput } from '../../src/faults/parse-fault.js';
import { SyslogServer } from '../../src/server/syslog-server.js';

const START = Date.UTC(2014, 5, 25, 6, 50, 3);

/** Polls `condition` on the event loop until it holds (at most `limitMs` of wall time). */
async function eventually(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function setup(faults: FaultInput[], subscription: Partial<AddSubscriptionOptions> = {}) {
  const clock = new VirtualClock({ startMs: START });
  const appliance = new Appliance({
    clock,
    hostname: 'mail.example.com',
    version: '8.0.1-023',
    serialNumber: 'A4BADB4712A9-511AA1E',
    utcOffsetSeconds: 7200,
    alerts: { subjectTextChars: 63 },
    evidence: 'receiver',
  });
  const server = new SyslogServer({ protocol: subscription.protocol ?? 'tcp', faults, observers: [appliance.ledger.observer] });
  const port = await server.listen();
  const sub = appliance.addSubscription({
    name: 'Mail_Log',
    type: 'mail_logs',
    host: '127.0.0.1',
    port,
    protocol: 'tcp',
    ...(subscription.protocol === 'udp' ? {} : { transportOptions: { writeTimeoutMs: 2000 } }),
    ...subscription,
  });
  const failures: PushFailedEvent[] = [];
  appliance.on('push:failed', (event) => failures.push(event));
  /** Advances the virtual clock until `promise` settles (closing waits on clock timers too). */
  const drive = async <T,>(promise: Promise<T>): Promise<T> => {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    for (let i = 0; i < 600 && !settled; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (!settled) await clock.advance(100);
    }
    return watched;
  };
  onTestFinished(async () => {
    await drive(appliance.close());
    await server.close();
  });
  /** One push tick: advance the clock, wait for the push and for the server to catch up. */
  const tick = async (): Promise<void> => {
    await clock.advance(1000);
    await drive(sub.flush());
    const sent = sub.stats.bytes;
    await eventually(() => server.stats.bytes >= sent || failures.length > 0 || server.stats.connectionsReset > 0, 'the server to read the push', 2000).catch(() => {});
  };
  /** Asserts the ledger against the server's records: content lines delivered = records that are not logfile lines. */
  const checkLedger = async (): Promise<void> => {
    await drive(appliance.close());
    await server.close();
    await eventually(() => appliance.ledger.counts().pending === 0, 'the ledger to settle');
    const counts = appliance.ledger.counts();
    expect(counts.generated).toBe((counts.delivered ?? 0) + counts.dropped + (counts.lostInFlight ?? 0) + (counts.pending ?? 0));
    const logfileTexts = /^(Begin Logfile|Version: |Time offset from UTC: |Logfile rolled over|End Logfile)/;
    const contentRecords = server.records.filter((record) => !logfileTexts.test(record.parsed?.text ?? ''));
    expect((counts.delivered ?? 0) + (counts.duplicated ?? 0)).toBe(contentRecords.length);
  };
  return { clock, appliance, server, sub, failures, tick, checkLedger, port, drive };
}

describe('Appliance on loopback', () => {
  it('reproduces the seed: an IPS resets after 412 bytes; Log Error, alert, new logfile on reconnect; the ledger agrees with the receiver', async () => {
    const { appliance, server, failures, tick, checkLedger } = await setup(['reset-after-bytes=412']);
    const alerts: string[] = [];
    appliance.on('alert:sent', (alert) => alerts.push(alert.subject));
    appliance.start();
    for (let i = 0; i < 5; i++) appliance.write('mail_logs', 'Information', `MID ${64855 + i} ready 4940 bytes from <alice@example.org>`);
    await tick();
    await eventually(() => failures.length > 0, 'a network error');
    expect(failures[0]?.message).toBe('Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
    expect(failures[0]?.cause.code).toBe('ESA_ERR_CONNECTION_RESET');
    expect(alerts[0]).toBe(
      'Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
    );
    // The next push opens a new connection that starts with a new logfile header and carries the
    // Log Error and alert lines, as in the seed's stream.
    await tick();
    await tick();
    const second = server.records.filter((record) => record.connectionId === 2).map((record) => record.raw);
    expect(second[0]).toBe('<22>Jun 25 08:50:05 Mail_Log: Info: Begin Logfile');
    expect(second[1]).toBe('<22>Jun 25 08:50:05 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E');
    expect(second[2]).toBe('<22>Jun 25 08:50:05 Mail_Log: Info: Time offset from UTC: 7200 seconds');
    expect(second.slice(3).join('\n')).toContain('Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
    const firstConnection = server.records.filter((record) => record.connectionId === 1);
    expect(firstConnection.reduce((sum, record) => sum + record.byteLength + 1, 0)).toBeLessThanOrEqual(412);
    await checkLedger();
    const counts = appliance.ledger.counts();
    expect((counts.dropped ?? 0) + (counts.lostInFlight ?? 0)).toBeGreaterThan(0);
  });

  it('refused port: Failed to connect, lines dropped with reason network-error', async () => {
    const { appliance, failures, tick, checkLedger } = await setup(['refuse']);
    appliance.start();
    appliance.write('mail_logs', 'Information', 'nobody listens');
    await tick();
    await eventually(() => failures.length > 0, 'a network error');
    expect(failures[0]?.cause.code).toBe('ESA_ERR_CONNECTION_REFUSED');
    expect(failures[0]?.message).toBe('Log Error: Subscription Mail_Log: Failed to connect to 127.0.0.1');
    await checkLedger();
    expect(appliance.ledger.counts()).toMatchObject({ delivered: 0, lostInFlight: 0 });
    expect(appliance.ledger.counts().droppedByReason['network-error']).toBeGreaterThan(0);
  });

  it('busy server: beyond one connection the extra ones are reset', async () => {
    const { appliance, server, failures, tick, checkLedger, port } = await setup(['busy=1']);
    // A first client holds the only slot.
    const { connect } = await import('node:net');
    const holder = connect({ host: '127.0.0.1', port });
    holder.on('error', () => {});
    await eventually(() => server.stats.connectionsAccepted >= 1, 'the holder to connect');
    appliance.start();
    appliance.write('mail_logs', 'Information', 'turned away');
    await tick();
    await eventually(() => failures.length > 0, 'a network error');
    expect(['ESA_ERR_CONNECTION_RESET', 'ESA_ERR_BROKEN_PIPE', 'ESA_ERR_CONNECTION_CLOSED']).toContain(failures[0]?.cause.code);
    holder.destroy();
    await checkLedger();
    expect(appliance.ledger.counts().delivered).toBe(0);
  });

  it('stalled receiver: the write times out and the batch is dropped', async () => {
    const { appliance, clock, sub, failures, checkLedger, drive } = await setup(['stall'], {
      transportOptions: { writeTimeoutMs: 5000 },
      maxBatchLines: 100_000,
    });
    appliance.start();
    const line = `MID 1 Subject '${'x'.repeat(1000)}'`;
    for (let i = 0; i < 20_000; i++) appliance.write('mail_logs', 'Information', line);
    await clock.advance(1000);
    // Let the kernel buffers fill, then let the write timeout run on the virtual clock.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await clock.advance(5000);
    await drive(sub.flush());
    await eventually(() => failures.length > 0, 'a network error');
    expect(failures[0]?.cause.code).toBe('ESA_ERR_WRITE_TIMEOUT');
    await checkLedger();
    expect(appliance.ledger.counts().droppedByReason['network-error']).toBeGreaterThan(0);
  });

  it('a receiver that closes the connection (FIN): Log Error, and the next push reconnects with a new header', async () => {
    const { appliance, server, failures, tick, checkLedger } = await setup(['close-after-messages=4@first=1']);
    appliance.start();
    appliance.write('mail_logs', 'Information', 'before');
    await tick();
    await eventually(() => failures.length > 0, 'the close to be noticed');
    expect(failures[0]).toMatchObject({ isIdle: true, cause: expect.objectContaining({ code: 'ESA_ERR_CONNECTION_CLOSED' }) });
    appliance.write('mail_logs', 'Information', 'after');
    await tick();
    await eventually(() => server.records.some((record) => record.parsed?.text === 'after'), 'the line after the reconnect');
    const headers = server.records.filter((record) => record.parsed?.text === 'Begin Logfile');
    expect(headers.map((record) => record.connectionId)).toEqual([1, 2]);
    await checkLedger();
  });

  it('UDP: datagrams are matched by content; the ledger counts them delivered', async () => {
    const { appliance, server, tick, checkLedger, drive } = await setup([], { protocol: 'udp' });
    appliance.start();
    for (let i = 0; i < 20; i++) appliance.write('mail_logs', 'Information', `udp line ${i}`);
    await tick();
    await eventually(() => server.stats.messages >= 23, 'the datagrams');
    await drive(appliance.close());
    appliance.ledger.settleDatagrams(Number.POSITIVE_INFINITY);
    await checkLedger();
    expect(appliance.ledger.counts()).toMatchObject({ generated: 20, delivered: 20, lostInFlight: 0 });
  });
});
