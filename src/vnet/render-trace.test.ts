import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import type { TracePacket } from './packet.js';
import { renderStreams, renderTrace, syslogSummary } from './render-trace.js';
import { VirtualNetwork } from './virtual-network.js';

const encoder = new TextEncoder();

/** The seed exchange: 47 then 365 bytes of syslog, the server resets after 412 bytes. */
async function seedTrace(): Promise<TracePacket[]> {
  const clock = new VirtualClock({ startMs: Date.UTC(2026, 5, 25, 6, 50, 3) });
  const vnet = new VirtualNetwork({ clock, seed: 7, trace: { limit: 100 } });
  onTestFinished(() => vnet.close());
  const esa = vnet.host('10.229.24.230', { initialWindowBytes: 16384 });
  const syslog = vnet.host('10.44.167.30', { mss: 1350 });
  let received = 0;
  await syslog.listen({ host: '0.0.0.0', port: 514 }, (socket) => {
    socket.on('data', (chunk) => {
      received += chunk.byteLength;
      if (received >= 412) socket.resetAndDestroy();
    });
  });
  const client = esa.connect({ host: syslog.address, port: 514 });
  client.on('error', () => {});
  client.write(encoder.encode('<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile\n'.slice(0, 46).padEnd(46, '.') + '\n'));
  await clock.advance(1);
  const lines = `<22>Jun 25 08:50:03 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E\n${'<22>Jun 25 08:50:03 Mail_Log: Info: x\n'.repeat(8)}`;
  client.write(encoder.encode(`${lines.slice(0, 364)}\n`));
  await clock.advance(5);
  return vnet.trace;
}

function packet(fields: Partial<TracePacket> & Pick<TracePacket, 'no' | 'src' | 'dst' | 'srcPort' | 'dstPort'>): TracePacket {
  return { timeMs: 0, protocol: 'TCP', flags: [], seq: 0, ack: 0, window: 0, length: fields.payload?.byteLength ?? 0, payload: new Uint8Array(0), ...fields };
}

describe('renderTrace', () => {
  it('renders the seed exchange like Wireshark with relative sequence numbers and service names', async () => {
    expect(renderTrace(await seedTrace())).toBe(
      [
        'No. Time     Source        Destination   Protocol Length Info',
        '1   0.000000 10.229.24.230 10.44.167.30  TCP      58     26040 > shell [SYN] Seq=0 Win=16384 Len=0 MSS=1460',
        '2   0.000250 10.44.167.30  10.229.24.230 TCP      58     shell > 26040 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1350',
        '3   0.000500 10.229.24.230 10.44.167.30  TCP      54     26040 > shell [ACK] Seq=1 Ack=1 Win=65535 Len=0',
        '4   0.000500 10.229.24.230 10.44.167.30  Syslog   101    MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: Begin Logf',
        '5   0.000750 10.44.167.30  10.229.24.230 TCP      54     shell > 26040 [ACK] Seq=1 Ack=48 Win=65488 Len=0',
        '6   0.001000 10.229.24.230 10.44.167.30  Syslog   419    MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E [+8 more]',
        '7   0.001250 10.44.167.30  10.229.24.230 TCP      54     shell > 26040 [ACK] Seq=1 Ack=413 Win=65535 Len=0',
        '8   0.001250 10.44.167.30  10.229.24.230 TCP      54     shell > 26040 [RST, ACK] Seq=1 Ack=413 Win=0 Len=0',
      ].join('\n'),
    );
  });

  it('shows absolute numbers and port numbers when asked', async () => {
    const trace = await seedTrace();
    const text = renderTrace(trace.slice(0, 2), { relativeSeq: false, resolvePorts: false });
    expect(text).toContain(`26040 > 514 [SYN] Seq=${trace[0]?.seq} Win=16384`);
    expect(text).toContain(`514 > 26040 [SYN, ACK] Seq=${trace[1]?.seq} Ack=${(trace[0]?.seq as number) + 1}`);
  });

  it('marks retransmissions, zero windows, lost and forged packets', () => {
    const a = '10.0.0.1';
    const b = '10.0.0.2';
    const text = renderTrace([
      packet({ no: 1, src: a, dst: b, srcPort: 26040, dstPort: 601, flags: ['SYN'], seq: 100, window: 16384, mss: 1460, dropped: true }),
      packet({ no: 2, timeMs: 1000, src: a, dst: b, srcPort: 26040, dstPort: 601, flags: ['SYN'], seq: 100, window: 16384, mss: 1460 }),
      packet({ no: 3, timeMs: 1000.25, src: b, dst: a, srcPort: 601, dstPort: 26040, flags: ['ACK'], seq: 7, ack: 101, window: 0 }),
      packet({ no: 4, timeMs: 1000.5, src: b, dst: a, srcPort: 601, dstPort: 26040, flags: ['RST', 'ACK'], seq: 7, ack: 101, forged: true }),
    ]);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/0\.000000 .* 26040 > syslog-conn \[SYN\] Seq=0 Win=16384 Len=0 MSS=1460 \[lost on the link\]$/);
    expect(lines[2]).toMatch(/1\.000000 .* \[TCP Retransmission\] 26040 > syslog-conn \[SYN\] Seq=0/);
    expect(lines[3]).toMatch(/\[TCP ZeroWindow\] syslog-conn > 26040 \[ACK\] Seq=1 Ack=1 Win=0 Len=0$/);
    expect(lines[4]).toMatch(/syslog-conn > 26040 \[RST, ACK\] Seq=1 Ack=1 Win=0 Len=0 \[forged by the link\]$/);
  });

  it('renders UDP syslog, other UDP and ICMP port unreachable (v4 and v6)', () => {
    const payload = encoder.encode('<134>Jun 25 08:50:03 Mail_Log: Info: hello');
    const original = { src: 'fd00::1', dst: 'fd00::2', srcPort: 26040, dstPort: 5140, payload };
    const text = renderTrace([
      packet({ no: 1, protocol: 'UDP', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 26040, dstPort: 514, payload }),
      packet({ no: 2, protocol: 'UDP', src: 'fd00::1', dst: 'fd00::2', srcPort: 26040, dstPort: 5140, payload }),
      packet({ no: 3, protocol: 'ICMP', src: 'fd00::2', dst: 'fd00::1', srcPort: 0, dstPort: 0, payload, icmp: { type: 1, code: 4, original } }),
      packet({ no: 4, protocol: 'ICMP', src: '10.0.0.2', dst: '10.0.0.1', srcPort: 0, dstPort: 0, payload, icmp: { type: 3, code: 3, original: { ...original, src: '10.0.0.1', dst: '10.0.0.2' } } }),
    ]);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/Syslog +84 +LOCAL0\.INFO: Jun 25 08:50:03 Mail_Log: Info: hello$/);
    expect(lines[2]).toMatch(/UDP +104 +26040 > 5140 Len=42$/);
    expect(lines[3]).toMatch(/ICMPv6 +\d+ +Destination Unreachable \(Port unreachable\)$/);
    expect(lines[4]).toMatch(/ICMP +\d+ +Destination unreachable \(Port unreachable\)$/);
  });

  it('rejects bad options with the option name', () => {
    expect(() => renderTrace([], { relativeSeq: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'relativeSeq' }));
    expect(() => renderTrace([], { syslogPorts: [70_000] })).toThrow(expect.objectContaining({ option: 'syslogPorts' }));
    expect(renderTrace([])).toBe('No. Time Source Destination Protocol Length Info');
  });
});

describe('syslogSummary', () => {
  it.for([
    ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile\n', 'MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'],
    ['<18>Jun 25 08:50:03 Mail_Log: Critical: Log Error\n<22>x\n', 'MAIL.CRIT: Jun 25 08:50:03 Mail_Log: Critical: Log Error [+1 more]'],
    ['<0>boot', 'KERN.EMERG: boot'],
    ['<191>x\r\n', 'LOCAL7.DEBUG: x'],
    ['<108>audit', 'LOGAUDIT.WARNING: audit'],
    ['<121>clock', 'CRON.ALERT: clock'],
    ['53 <22>Jun 25 08:50:03 Mail_Log: Info: octet counted', 'MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: octet counted'],
  ])('%j → %s', ([text, summary]) => {
    expect(syslogSummary(encoder.encode(text))).toBe(summary);
  });

  it.for(['no pri here', '<192>too big', '22>missing', ''])('%j is not syslog', (text) => {
    expect(syslogSummary(encoder.encode(text))).toBeUndefined();
  });
});

describe('renderStreams', () => {
  it('follows each TCP stream like tshark, indenting the second node and skipping retransmitted bytes', () => {
    const a = '10.0.0.1';
    const b = '10.0.0.2';
    const hello = encoder.encode('hello\n');
    const text = renderStreams([
      packet({ no: 1, src: a, dst: b, srcPort: 26040, dstPort: 514, flags: ['SYN'], seq: 10 }),
      packet({ no: 2, src: b, dst: a, srcPort: 514, dstPort: 26040, flags: ['SYN', 'ACK'], seq: 50, ack: 11 }),
      packet({ no: 3, src: a, dst: b, srcPort: 26040, dstPort: 514, flags: ['PSH', 'ACK'], seq: 11, ack: 51, payload: hello }),
      packet({ no: 4, src: a, dst: b, srcPort: 26040, dstPort: 514, flags: ['PSH', 'ACK'], seq: 11, ack: 51, payload: hello }),
      packet({ no: 5, src: b, dst: a, srcPort: 514, dstPort: 26040, flags: ['PSH', 'ACK'], seq: 51, ack: 17, payload: Uint8Array.of(0x6f, 0x6b, 0x00) }),
      packet({ no: 6, src: a, dst: b, srcPort: 26040, dstPort: 514, flags: ['PSH', 'ACK'], seq: 17, ack: 54, payload: encoder.encode('lost'), dropped: true }),
      packet({ no: 7, src: a, dst: b, srcPort: 26041, dstPort: 514, flags: ['SYN'], seq: 99 }),
    ]);
    const rule = '='.repeat(67);
    expect(text).toBe(
      [
        rule,
        'Follow: tcp,ascii',
        'Filter: tcp.stream eq 0',
        'Node 0: 10.0.0.1:26040',
        'Node 1: 10.0.0.2:514',
        '6',
        'hello\n',
        '\t3',
        '\tok.',
        rule,
        rule,
        'Follow: tcp,ascii',
        'Filter: tcp.stream eq 1',
        'Node 0: 10.0.0.1:26041',
        'Node 1: 10.0.0.2:514',
        rule,
      ].join('\n'),
    );
  });
});
