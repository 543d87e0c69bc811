import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import type { TracePacket } from './packet.js';
import { checksum, createPcapWriter, encodeFrame, frameLength } from './pcap-writer.js';
import { VirtualNetwork } from './virtual-network.js';

interface Record {
  seconds: number;
  micros: number;
  capturedLength: number;
  originalLength: number;
  frame: Uint8Array;
}

/** A minimal reader of what the writer produces (little-endian, microsecond pcap). */
function readPcap(bytes: Uint8Array): { header: DataView; records: Record[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Record[] = [];
  let offset = 24;
  while (offset < bytes.byteLength) {
    const capturedLength = view.getUint32(offset + 8, true);
    records.push({
      seconds: view.getUint32(offset, true),
      micros: view.getUint32(offset + 4, true),
      capturedLength,
      originalLength: view.getUint32(offset + 12, true),
      frame: bytes.subarray(offset + 16, offset + 16 + capturedLength),
    });
    offset += 16 + capturedLength;
  }
  return { header: new DataView(bytes.buffer, bytes.byteOffset, 24), records };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

interface Decoded {
  etherType: number;
  protocol: number;
  transport: Uint8Array;
  pseudo: Uint8Array;
  ipHeader: Uint8Array;
}

/** Splits a frame and builds the pseudo-header its transport checksum covers. */
function decode(frame: Uint8Array): Decoded {
  const etherType = (frame[12] as number) * 256 + (frame[13] as number);
  if (etherType === 0x0800) {
    const ipHeader = frame.subarray(14, 34);
    const protocol = ipHeader[9] as number;
    const transport = frame.subarray(34);
    const pseudo = new Uint8Array(12);
    pseudo.set(ipHeader.subarray(12, 20), 0);
    pseudo[9] = protocol;
    new DataView(pseudo.buffer).setUint16(10, transport.byteLength);
    return { etherType, protocol, transport, pseudo, ipHeader };
  }
  const ipHeader = frame.subarray(14, 54);
  const protocol = ipHeader[6] as number;
  const transport = frame.subarray(54);
  const pseudo = new Uint8Array(40);
  pseudo.set(ipHeader.subarray(8, 40), 0);
  new DataView(pseudo.buffer).setUint32(32, transport.byteLength);
  pseudo[39] = protocol;
  return { etherType, protocol, transport, pseudo, ipHeader };
}

/** A checksum over data that includes its checksum field verifies to 0. */
function verifies(parts: readonly Uint8Array[]): boolean {
  return checksum(parts) === 0;
}

async function capture(client: string, server: string): Promise<{ packets: TracePacket[]; bytes: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  const packets: TracePacket[] = [];
  const pcap = createPcapWriter((chunk) => chunks.push(chunk));
  const clock = new VirtualClock({ startMs: Date.UTC(2026, 5, 25, 6, 50, 3, 250) });
  const vnet = new VirtualNetwork({
    clock,
    seed: 3,
    trace: {
      sink: (packet) => {
        packets.push(packet);
        pcap.writePacket(packet);
      },
    },
  });
  onTestFinished(() => vnet.close());
  const esa = vnet.host(client);
  const syslog = vnet.host(server, { mss: 1350 });
  await syslog.listen({ host: server, port: 514 }, (socket) => {
    socket.on('data', () => socket.resetAndDestroy());
  });
  const socket = esa.connect({ host: server, port: 514 });
  socket.on('error', () => {});
  socket.write(new TextEncoder().encode('<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile\n'));
  const udp = esa.createDatagramSocket(client.includes(':') ? 6 : 4);
  udp.on('error', () => {});
  await udp.connect(server, 5140);
  udp.send(new Uint8Array(1000).fill(0x41), () => {});
  await clock.advance(10);
  udp.close();
  expect(pcap.packets).toBe(packets.length);
  const bytes = concat(chunks);
  expect(pcap.bytes).toBe(bytes.byteLength);
  return { packets, bytes };
}

describe('createPcapWriter', () => {
  it.for([
    ['IPv4', '10.229.24.230', '10.44.167.30'],
    ['IPv6', 'fd00::e5', 'fd00::1e'],
  ])('writes a %s capture whose every checksum verifies', async ([, client, server]) => {
    const { packets, bytes } = await capture(client as string, server as string);
    const { header, records } = readPcap(bytes);
    expect(header.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect([header.getUint16(4, true), header.getUint16(6, true), header.getUint32(16, true), header.getUint32(20, true)]).toEqual([2, 4, 65535, 1]);
    expect(records.map((record) => record.originalLength)).toEqual(packets.map(frameLength));
    expect(packets.map((packet) => packet.protocol).sort()).toEqual(['ICMP', 'TCP', 'TCP', 'TCP', 'TCP', 'TCP', 'TCP', 'UDP']);
    records.forEach((record, i) => {
      const packet = packets[i] as TracePacket;
      expect(record.seconds * 1000 + record.micros / 1000).toBeCloseTo(packet.timeMs, 6);
      const decoded = decode(record.frame);
      if (decoded.etherType === 0x0800) expect(verifies([decoded.ipHeader])).toBe(true);
      if (decoded.protocol === 1) expect(verifies([decoded.transport])).toBe(true);
      else expect(verifies([decoded.pseudo, decoded.transport])).toBe(true);
    });
    const find = (flags: string) => decode((records[packets.findIndex((packet) => packet.flags.join() === flags)] as Record).frame).transport;
    const syn = find('SYN');
    expect([syn[12], syn[13], syn[20], syn[21], (syn[22] as number) * 256 + (syn[23] as number)]).toEqual([0x60, 0x02, 2, 4, 1460]);
    const synAck = find('SYN,ACK');
    expect([synAck[13], (synAck[22] as number) * 256 + (synAck[23] as number)]).toEqual([0x12, 1350]);
    expect(find('RST,ACK')[13]).toBe(0x14);
  });

  it('derives the MAC addresses from the IP addresses', () => {
    const frame = encodeFrame({
      no: 1, timeMs: 0, src: '10.229.24.230', dst: '10.44.167.30', srcPort: 1, dstPort: 2, protocol: 'UDP',
      flags: [], seq: 0, ack: 0, window: 0, length: 0, payload: new Uint8Array(0),
    });
    expect([...frame.subarray(0, 12)]).toEqual([2, 0, 10, 44, 167, 30, 2, 0, 10, 229, 24, 230]);
  });

  it('quotes the original IPv4 header and UDP header in an ICMP port unreachable, at most 576 bytes', () => {
    const original = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 26040, dstPort: 5140, payload: new Uint8Array(2000).fill(7) };
    const frame = encodeFrame({
      no: 1, timeMs: 0, src: '10.0.0.2', dst: '10.0.0.1', srcPort: 0, dstPort: 0, protocol: 'ICMP', flags: [], seq: 0, ack: 0,
      window: 0, length: 2000, payload: original.payload, icmp: { type: 3, code: 3, original },
    });
    const { transport, ipHeader } = decode(frame);
    expect(ipHeader.subarray(2, 4)).toEqual(Uint8Array.of(576 >> 8, 576 & 0xff));
    expect([transport[0], transport[1]]).toEqual([3, 3]);
    const quoted = transport.subarray(8);
    expect(quoted[0]).toBe(0x45);
    expect([...quoted.subarray(12, 20)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
    expect((quoted[22] as number) * 256 + (quoted[23] as number)).toBe(5140);
    expect(verifies([transport])).toBe(true);
  });

  it('rejects a packet whose address is not an IP literal and a write that is not a function', () => {
    expect(() =>
      encodeFrame({ no: 1, timeMs: 0, src: 'esa', dst: '10.0.0.1', srcPort: 1, dstPort: 2, protocol: 'UDP', flags: [], seq: 0, ack: 0, window: 0, length: 0, payload: new Uint8Array(0) }),
    ).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'packet.src' }));
    expect(() => createPcapWriter(undefined as unknown as (chunk: Uint8Array) => void)).toThrow(expect.objectContaining({ option: 'write' }));
  });

  it('computes checksums that verify for any UDP payload (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (payload, srcPort, dstPort) => {
        const frame = encodeFrame({ no: 1, timeMs: 0, src: '192.0.2.1', dst: '198.51.100.7', srcPort, dstPort, protocol: 'UDP', flags: [], seq: 0, ack: 0, window: 0, length: payload.byteLength, payload });
        const decoded = decode(frame);
        return verifies([decoded.ipHeader]) && verifies([decoded.pseudo, decoded.transport]);
      }),
      { numRuns: 200 },
    );
  });
});
