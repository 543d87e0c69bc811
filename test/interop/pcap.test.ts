/**
 * Interop: tshark reads the pcap files of the virtual network. A seed-like exchange (TCP syslog
 * on 514, reset after 412 bytes), syslog datagrams of every facility and an ICMP port
 * unreachable are written to a file; tshark must decode SYN, RST, the syslog messages with
 * their facility and severity, and find every checksum good. Its packet list must also agree
 * with `renderTrace()`.
 *
 * Needs tshark (`apt-get install tshark`); part of `npm run test:interop`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { TracePacket } from '../../src/vnet/packet.js';
import { createPcapWriter } from '../../src/vnet/pcap-writer.js';
import { renderTrace } from '../../src/vnet/render-trace.js';
import { VirtualNetwork } from '../../src/vnet/virtual-network.js';

const run = promisify(execFile);

async function tshark(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('tshark', [...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') throw new Error('tshark not found: apt-get install tshark');
    throw error;
  }
}

const FIELDS = [
  'frame.number',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.flags.reset',
  'tcp.options.mss_val',
  'syslog.facility',
  'syslog.level',
  'syslog.msg',
  'ip.checksum.status',
  'tcp.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
  'icmpv6.checksum.status',
  '_ws.col.Protocol',
  '_ws.col.Info',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

interface Capture {
  packets: TracePacket[];
  file: string;
  /** The syslog lines sent, by PRI. */
  datagrams: { pri: number; text: string }[];
}

const encoder = new TextEncoder();

async function capture(client: string, server: string): Promise<Capture> {
  const directory = await mkdtemp(join(tmpdir(), 'esa-logsim-pcap-'));
  onTestFinished(() => rm(directory, { recursive: true, force: true }));
  const chunks: Uint8Array[] = [];
  const packets: TracePacket[] = [];
  const pcap = createPcapWriter((chunk) => chunks.push(chunk));
  const clock = new VirtualClock({ startMs: Date.UTC(2026, 5, 25, 6, 50, 3) });
  const vnet = new VirtualNetwork({
    clock,
    seed: 2026,
    trace: {
      sink: (packet) => {
        packets.push(packet);
        pcap.writePacket(packet);
      },
    },
  });
  onTestFinished(() => vnet.close());
  const esa = vnet.host(client, { initialWindowBytes: 16384 });
  const syslog = vnet.host(server, { mss: 1350 });
  let received = 0;
  await syslog.listen({ host: server, port: 514 }, (socket) => {
    socket.on('data', (chunk) => {
      received += chunk.byteLength;
      if (received >= 412) socket.resetAndDestroy();
    });
  });
  const udpServer = syslog.createDatagramSocket(client.includes(':') ? 6 : 4);
  await udpServer.bind(server, 514);
  const socket = esa.connect({ host: server, port: 514 });
  socket.on('error', () => {});
  const header = ['Begin Logfile', 'Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E', 'Time offset from UTC: 7200 seconds'];
  const first = `<22>Jun 25 08:50:03 Mail_Log: Info: ${header[0]}\n`;
  socket.write(encoder.encode(first));
  await clock.advance(1);
  let second = `<22>Jun 25 08:50:03 Mail_Log: Info: ${header[1]}\n<22>Jun 25 08:50:03 Mail_Log: Info: ${header[2]}\n`;
  second += `<18>Jun 25 08:50:03 Mail_Log: Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server\n`;
  const last = '<22>Jun 25 08:50:04 Mail_Log: Info: ';
  second += `${last}${'x'.repeat(412 - first.length - second.length - last.length - 1)}\n`;
  expect(first.length + second.length).toBe(412);
  socket.write(encoder.encode(second));
  await clock.advance(5);
  const datagrams: { pri: number; text: string }[] = [];
  const sender = esa.createDatagramSocket(client.includes(':') ? 6 : 4);
  sender.on('error', () => {});
  for (let facility = 0; facility < 24; facility++) {
    const pri = facility * 8 + (facility % 8);
    const text = `Jun 25 08:50:05 Mail_Log: Info: facility ${facility}`;
    datagrams.push({ pri, text });
    sender.send(encoder.encode(`<${pri}>${text}`), () => {}, { address: server, port: 514 });
  }
  sender.send(encoder.encode('<22>to a closed port'), () => {}, { address: server, port: 5140 });
  await clock.advance(5);
  sender.close();
  udpServer.close();
  const file = join(directory, 'capture.pcap');
  await writeFile(file, Buffer.concat(chunks));
  return { packets, file, datagrams };
}

async function decode(file: string): Promise<Row[]> {
  const args = ['-r', file, '-N', 't', '-d', 'tcp.port==514,syslog', '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
  const fields = FIELDS.flatMap((field) => ['-e', field]);
  const stdout = await tshark([...args, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields]);
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Object.fromEntries(line.split('\t').map((value, i) => [FIELDS[i], value])) as Row);
}

describe('pcap files of the virtual network open in tshark', () => {
  it.for([
    ['IPv4', '10.229.24.230', '10.44.167.30'],
    ['IPv6', 'fd00::e5', 'fd00::1e'],
  ])('%s: SYN, RST, syslog facility and severity, good checksums', async ([, client, server]) => {
    const { packets, file, datagrams } = await capture(client as string, server as string);
    const rows = await decode(file);
    expect(rows).toHaveLength(packets.length);

    const syn = rows[0] as Row;
    expect([syn['tcp.flags.syn'], syn['tcp.flags.ack'], syn['tcp.options.mss_val']]).toEqual(['1', '0', '1460']);
    const synAck = rows.find((row) => row['tcp.flags.syn'] === '1' && row['tcp.flags.ack'] === '1');
    expect(synAck?.['tcp.options.mss_val']).toBe('1350');
    const resets = rows.filter((row) => row['tcp.flags.reset'] === '1');
    expect(resets).toHaveLength(1);
    expect(resets[0]?.['_ws.col.Info']).toMatch(/^shell\(514\) → 26040 \[RST, ACK\] Seq=1 Ack=413 /);

    const tcpSyslog = rows.filter((row) => row['_ws.col.Protocol'] === 'Syslog' && row['tcp.flags.ack'] !== '');
    expect(tcpSyslog.map((row) => row['syslog.msg'].split('\\n')[0])).toEqual([
      'Jun 25 08:50:03 Mail_Log: Info: Begin Logfile',
      'Jun 25 08:50:03 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
    ]);
    expect(tcpSyslog.map((row) => [row['syslog.facility'], row['syslog.level']])).toEqual([
      ['2', '6'],
      ['2', '6'],
    ]);

    const udpSyslog = rows.filter((row) => row['_ws.col.Protocol'] === 'Syslog' && row['tcp.flags.ack'] === '');
    expect(udpSyslog.map((row) => [Number(row['syslog.facility']), Number(row['syslog.level']), row['syslog.msg']])).toEqual(
      datagrams.map(({ pri, text }) => [pri >> 3, pri & 7, text]),
    );
    expect(rows.at(-1)?.['_ws.col.Info']).toMatch(/Destination unreachable \(Port unreachable\)/i);

    for (const row of rows) {
      for (const field of ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status'] as const) {
        for (const status of row[field].split(',').filter((value) => value !== '')) expect(`${row['frame.number']} ${field} ${status}`).toBe(`${row['frame.number']} ${field} 1`);
      }
    }
  });

  it('agrees with renderTrace() on every row of the packet list', async () => {
    const { packets, file } = await capture('10.229.24.230', '10.44.167.30');
    const rows = await decode(file);
    const ours = renderTrace(packets).split('\n').slice(1);
    expect(ours).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const match = /^(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(.*)$/.exec(ours[i] as string);
      const [, , , , , protocol, , info] = match ?? [];
      expect(protocol).toBe(row['_ws.col.Protocol']);
      const theirs = row['_ws.col.Info'].replaceAll(' → ', ' > ').replace(/\b(shell|syslog)\(514\)/g, '$1');
      if (protocol === 'Syslog') {
        // Wireshark shows the whole segment (LF as \n); renderTrace the first message and a count.
        const first = (info as string).replace(/ \[\+\d+ more\]$/, '');
        expect(theirs === first || theirs.startsWith(`${first}\\n`) ? first : theirs).toBe(first);
      } else {
        expect(info).toBe(theirs);
      }
    });
  });
});
