/**
 * Interop with a real rsyslogd (Debian's rsyslog 8): ESA lines sent with our TcpTransport (LF and
 * octet counting) and UdpTransport, and through our FaultProxy with the seed's
 * reset-after-bytes=412, must be read by rsyslog with the facility, severity and tag we meant.
 *
 * Needs rsyslogd (`apt-get install rsyslog`); without it every test fails with that hint.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Appliance } from '../../src/appliance/appliance.js';
import { resolveSubscriptionOptions } from '../../src/core/subscription-options.js';
import { createSyslogFormatter } from '../../src/core/syslog-format.js';
import { FaultProxy } from '../../src/server/fault-proxy.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import type { ConnectionResetEvent } from '../../src/transports/transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';
import { parseRsyslogLine, startRsyslog, type RsyslogFormat } from '../support/rsyslog.js';

async function rsyslog(format: RsyslogFormat = 'parsed') {
  const receiver = await startRsyslog({ format });
  onTestFinished(() => receiver.stop());
  return receiver;
}

const timeMs = Date.UTC(2026, 5, 25, 6, 50, 3);

/** ESA lines of one subscription, formatted by our formatter. */
function esaLines(subscription: { name: string; facility?: string; level?: string; hostname?: string }, texts: readonly string[]): string[] {
  const options = resolveSubscriptionOptions({ host: '127.0.0.1', ...subscription } as Parameters<typeof resolveSubscriptionOptions>[0]);
  const formatter = createSyslogFormatter(options, { utcOffsetSeconds: 0 });
  return texts.map((text) => formatter.format({ timeMs, level: options.level, text }));
}

function tcpTransport(port: number, framing: 'lf' | 'octet-counting' = 'lf') {
  const transport = new TcpTransport({ host: '127.0.0.1', port, framing, closeTimeoutMs: 1000 });
  onTestFinished(() => transport.destroy());
  return transport;
}

describe('rsyslog reads what esa-logsim sends', () => {
  it.for(['lf', 'octet-counting'] as const)('TCP (%s): facility, severity and tag as intended, hostname token when configured', async (framing) => {
    const receiver = await rsyslog();
    const transport = tcpTransport(receiver.tcpPort, framing);
    const mail = esaLines({ name: 'Mail_Log', facility: 'mail', level: 'Information' }, ['MID 1 ICID 2 From: <a@example.com>', 'Message finished MID 1 done']);
    const system = esaLines({ name: 'System_Log', facility: 'local7', level: 'Warning', hostname: 'esa1.example.com' }, ['Log Error: Subscription Mail_Log: Network error while sending log data to syslog server']);
    const auth = esaLines({ name: 'Auth_Log', facility: 'auth', level: 'Critical' }, ['An authentication attempt by the user admin from 10.0.0.5 failed']);
    await transport.send([...mail, ...system, ...auth]);
    const output = (await receiver.waitForLines(4)).map(parseRsyslogLine);
    expect(output).toEqual([
      { facility: 'mail', severity: 'info', tag: 'Mail_Log:', hostname: 'localhost', msg: ' Info: MID 1 ICID 2 From: <a@example.com>' },
      { facility: 'mail', severity: 'info', tag: 'Mail_Log:', hostname: 'localhost', msg: ' Info: Message finished MID 1 done' },
      {
        facility: 'local7',
        severity: 'warning',
        tag: 'System_Log:',
        hostname: 'esa1.example.com',
        msg: ' Warning: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      },
      { facility: 'auth', severity: 'crit', tag: 'Auth_Log:', hostname: 'localhost', msg: ' Critical: An authentication attempt by the user admin from 10.0.0.5 failed' },
    ]);
  });

  it('TCP octet counting keeps a multi-line message in one record (LF would split it)', async () => {
    const receiver = await rsyslog();
    const [multi] = esaLines({ name: 'Mail_Log' }, ['Warning text\nsecond line']);
    await tcpTransport(receiver.tcpPort, 'octet-counting').send([multi as string]);
    expect((await receiver.waitForLines(1)).map(parseRsyslogLine)).toMatchObject([{ tag: 'Mail_Log:', msg: ' Info: Warning text#012second line' }]);
  });

  it('UDP: one record per datagram, fields as intended', async () => {
    const receiver = await rsyslog();
    const transport = new UdpTransport({ host: '127.0.0.1', port: receiver.udpPort });
    onTestFinished(() => transport.destroy());
    const sent = esaLines({ name: 'Mail_Log', facility: 'local0', level: 'Debug' }, ['MID 7 queued for delivery', 'MID 7 done']);
    await transport.send(sent);
    expect((await receiver.waitForLines(2)).map(parseRsyslogLine)).toEqual([
      { facility: 'local0', severity: 'debug', tag: 'Mail_Log:', hostname: 'localhost', msg: ' Debug: MID 7 queued for delivery' },
      { facility: 'local0', severity: 'debug', tag: 'Mail_Log:', hostname: 'localhost', msg: ' Debug: MID 7 done' },
    ]);
  });

  it('through FaultProxy with reset-after-bytes=412@first=1: the transport sees ESA_ERR_CONNECTION_RESET, rsyslog keeps the first 412 bytes, then everything after the reconnect', async () => {
    const receiver = await rsyslog('raw');
    const proxy = new FaultProxy({ upstream: { host: '127.0.0.1', port: receiver.tcpPort }, faults: ['reset-after-bytes=412@first=1'] });
    onTestFinished(() => proxy.close());
    const port = await proxy.listen();
    const transport = tcpTransport(port);
    const header = esaLines({ name: 'Mail_Log' }, ['Begin Logfile', 'Version: 15.0.0-104 SN: 42A1B2C3D4E5-ABCDEF1', 'Time offset from UTC: 0 seconds']);
    const first = esaLines({ name: 'Mail_Log' }, Array.from({ length: 6 }, (_, i) => `MID ${i} ICID ${i} RID 0 To: <rcpt${i}@example.com>`));
    const reset = new Promise<ConnectionResetEvent>((resolve) => transport.once('connection:reset', resolve));
    await transport.send(first, { prefix: () => header });
    expect(await reset).toMatchObject({ isIdle: true, error: { code: 'ESA_ERR_CONNECTION_RESET' } });
    const second = esaLines({ name: 'Mail_Log' }, ['MID 100 after the reset']);
    await transport.send(second, { prefix: () => header });
    const firstStream = [...header, ...first].map((text) => `${text}\n`).join('');
    const cut = firstStream.slice(0, 412);
    const completeLines = cut.split('\n').slice(0, -1);
    const partial = cut.split('\n').at(-1) as string;
    // rsyslog keeps the line cut at byte 412 when the connection ends (the reset arrives after the data).
    const expected = [...completeLines, ...(partial === '' ? [] : [partial]), ...header, ...second];
    const output = await receiver.waitForLines(expected.length);
    expect(output).toEqual(expected);
    expect(proxy.stats).toMatchObject({ connectionsReset: 1, faultsByType: { 'reset-after-bytes': 1 } });
  });
  it("the ledger with evidence 'lines' reconciles rsyslog's output file: lines cut off by the reset are lost in flight, the rest delivered", async () => {
    const receiver = await rsyslog('raw');
    const proxy = new FaultProxy({ upstream: { host: '127.0.0.1', port: receiver.tcpPort }, faults: ['reset-after-bytes=412@first=1'] });
    onTestFinished(() => proxy.close());
    const port = await proxy.listen();
    const appliance = new Appliance({ hostname: 'mail.example.com', evidence: 'lines' });
    onTestFinished(() => appliance.close());
    const subscription = appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', host: '127.0.0.1', port, protocol: 'tcp' });
    const failed = new Promise((resolve) => appliance.once('push:failed', resolve));
    for (let i = 0; i < 20; i++) appliance.write('mail_logs', 'Information', `MID ${i} ICID ${i} RID 0 To: <rcpt${i}@example.com>`);
    await subscription.flush();
    await failed; // the RST, seen while idle or on the next write
    for (let i = 20; i < 30; i++) appliance.write('mail_logs', 'Information', `MID ${i} ICID ${i} RID 0 To: <rcpt${i}@example.com>`);
    await subscription.flush();
    await appliance.close();
    const last = `MID 29 ICID 29 RID 0 To: <rcpt29@example.com>`;
    let output: string[] = [];
    for (let i = 0; i < 100 && !output.some((line) => line.endsWith(last)); i++) output = await receiver.waitForLines(output.length + 1, 100);
    const report = appliance.ledger.reconcileLines(output);
    const counts = appliance.ledger.counts();
    expect(report.received).toBe(output.length);
    expect(counts).toMatchObject({ pending: 0, dropped: 0, evidence: 'lines' });
    expect(counts.delivered).toBe(report.matched);
    // The first connection carried the header (3 lines) and lines 0…; 412 bytes hold the header and a few lines.
    const fates = [...subscription.ledger.fates()].map((run) => run.fate);
    expect(fates.slice(0, 3)).toEqual(['delivered', 'lost-in-flight', 'delivered']);
    expect(counts.generated).toBe((counts.delivered ?? 0) + (counts.lostInFlight ?? 0));
  });
});
