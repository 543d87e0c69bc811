/**
 * A libpcap writer for traces of the virtual network, so Wireshark and tshark open them:
 * magic `a1b2c3d4` (microseconds), version 2.4, snaplen 65535, link type 1 (Ethernet). Each
 * packet becomes an Ethernet frame with an IPv4 or IPv6 header and a TCP (with the MSS option on
 * SYNs), UDP or ICMP (port unreachable, quoting the original datagram) header, all checksums
 * correct, MAC addresses derived from the IP addresses, timestamps from the virtual clock.
 *
 * It only produces bytes: the caller decides where they go (the CLI writes a file; no `node:fs`
 * here).
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { addressBytes } from './address.js';
import { flagBits, type TracePacket } from './packet.js';

/** The largest frame kept (bytes); longer frames are cut in the file, `orig_len` keeps the size. */
export const PCAP_SNAPLEN_BYTES = 65_535;

/** Link type 1: Ethernet. */
const LINKTYPE_ETHERNET = 1;
const ETHERNET_HEADER_BYTES = 14;
const IPV4_HEADER_BYTES = 20;
const IPV6_HEADER_BYTES = 40;
const TCP_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
const ICMP_HEADER_BYTES = 8;
/** RFC 1812: an ICMPv4 error quotes as much as fits in a 576-byte datagram. */
const ICMPV4_MAX_DATAGRAM_BYTES = 576;
/** RFC 4443: an ICMPv6 error fits in the minimum MTU. */
const ICMPV6_MAX_PACKET_BYTES = 1280;

/** A pcap stream in the making. */
export interface PcapWriter {
  /** Appends one packet (one record: header + Ethernet frame). */
  writePacket(packet: TracePacket): void;
  /** Packets written so far. */
  readonly packets: number;
  /** Bytes handed to `write` so far (the global header included). */
  readonly bytes: number;
}

/**
 * Starts a pcap stream: `write` receives the 24-byte global header at once, then one chunk per
 * packet. Pass `writePacket` as a VirtualNetwork trace `sink` to capture a whole run without
 * keeping packets in memory.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * const pcap = createPcapWriter((chunk) => chunks.push(chunk));
 * const vnet = new VirtualNetwork({ clock, trace: { sink: (packet) => pcap.writePacket(packet) } });
 * // … run …; then the CLI writes Buffer.concat(chunks) to capture.pcap
 * ```
 */
export function createPcapWriter(write: (chunk: Uint8Array) => void): PcapWriter {
  if (typeof write !== 'function') throw new InvalidOptionError('write', write, 'a function (chunk: Uint8Array) => void');
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, PCAP_SNAPLEN_BYTES, true);
  view.setUint32(20, LINKTYPE_ETHERNET, true);
  write(header);
  const ipIds = new Map<string, number>();
  let packets = 0;
  let bytes = header.byteLength;
  return {
    writePacket(packet: TracePacket): void {
      const ipId = ((ipIds.get(packet.src) ?? 0) + 1) & 0xffff;
      ipIds.set(packet.src, ipId);
      const frame = encodeFrame(packet, ipId);
      const kept = Math.min(frame.byteLength, PCAP_SNAPLEN_BYTES);
      const record = new Uint8Array(16 + kept);
      const recordView = new DataView(record.buffer);
      let seconds = Math.floor(packet.timeMs / 1000);
      let micros = Math.round((packet.timeMs - seconds * 1000) * 1000);
      if (micros >= 1_000_000) {
        seconds += 1;
        micros -= 1_000_000;
      }
      recordView.setUint32(0, seconds, true);
      recordView.setUint32(4, micros, true);
      recordView.setUint32(8, kept, true);
      recordView.setUint32(12, frame.byteLength, true);
      record.set(kept === frame.byteLength ? frame : frame.subarray(0, kept), 16);
      write(record);
      packets++;
      bytes += record.byteLength;
    },
    get packets() {
      return packets;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** The size of the Ethernet frame a packet becomes (Wireshark's `Length` column). */
export function frameLength(packet: TracePacket): number {
  const ip = packet.src.includes(':') ? IPV6_HEADER_BYTES : IPV4_HEADER_BYTES;
  return ETHERNET_HEADER_BYTES + ip + transportLength(packet);
}

function transportLength(packet: TracePacket): number {
  switch (packet.protocol) {
    case 'TCP':
      return TCP_HEADER_BYTES + (packet.mss === undefined ? 0 : 4) + packet.payload.byteLength;
    case 'UDP':
      return UDP_HEADER_BYTES + packet.payload.byteLength;
    default:
      return ICMP_HEADER_BYTES + icmpQuote(packet).byteLength;
  }
}

/**
 * Encodes a packet as an Ethernet frame (headers and checksums included).
 *
 * @param ipId - the IPv4 identification field.
 * @throws InvalidOptionError when an address is not an IP literal.
 */
export function encodeFrame(packet: TracePacket, ipId = 0): Uint8Array {
  const src = addressBytes(packet.src, 'packet.src');
  const dst = addressBytes(packet.dst, 'packet.dst');
  const isV6 = src.byteLength === 16;
  const transport = encodeTransport(packet, src, dst);
  const ip = isV6 ? ipv6Header(src, dst, protocolNumber(packet, true), transport.byteLength) : ipv4Header(src, dst, protocolNumber(packet, false), transport.byteLength, ipId, packet.protocol !== 'ICMP');
  const frame = new Uint8Array(ETHERNET_HEADER_BYTES + ip.byteLength + transport.byteLength);
  frame.set(macOf(dst), 0);
  frame.set(macOf(src), 6);
  frame[12] = isV6 ? 0x86 : 0x08;
  frame[13] = isV6 ? 0xdd : 0x00;
  frame.set(ip, ETHERNET_HEADER_BYTES);
  frame.set(transport, ETHERNET_HEADER_BYTES + ip.byteLength);
  return frame;
}

function protocolNumber(packet: TracePacket, isV6: boolean): number {
  if (packet.protocol === 'TCP') return 6;
  if (packet.protocol === 'UDP') return 17;
  return isV6 ? 58 : 1;
}

/** A locally administered MAC derived from the IP (02:00:a:b:c:d for IPv4). */
function macOf(ip: Uint8Array): Uint8Array {
  const mac = new Uint8Array(6);
  mac[0] = 0x02;
  if (ip.byteLength === 4) mac.set(ip, 2);
  else mac.set(ip.subarray(11, 16), 1);
  return mac;
}

function ipv4Header(src: Uint8Array, dst: Uint8Array, protocol: number, payloadLength: number, id: number, isDontFragment: boolean): Uint8Array {
  const header = new Uint8Array(IPV4_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header[0] = 0x45;
  view.setUint16(2, IPV4_HEADER_BYTES + payloadLength);
  view.setUint16(4, id & 0xffff);
  view.setUint16(6, isDontFragment ? 0x4000 : 0);
  header[8] = 64;
  header[9] = protocol;
  header.set(src, 12);
  header.set(dst, 16);
  view.setUint16(10, checksum([header]));
  return header;
}

function ipv6Header(src: Uint8Array, dst: Uint8Array, nextHeader: number, payloadLength: number): Uint8Array {
  const header = new Uint8Array(IPV6_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header[0] = 0x60;
  view.setUint16(4, payloadLength);
  header[6] = nextHeader;
  header[7] = 64;
  header.set(src, 8);
  header.set(dst, 24);
  return header;
}

function encodeTransport(packet: TracePacket, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const isV6 = src.byteLength === 16;
  if (packet.protocol === 'TCP') {
    const optionBytes = packet.mss === undefined ? 0 : 4;
    const headerBytes = TCP_HEADER_BYTES + optionBytes;
    const segment = new Uint8Array(headerBytes + packet.payload.byteLength);
    const view = new DataView(segment.buffer);
    view.setUint16(0, packet.srcPort);
    view.setUint16(2, packet.dstPort);
    view.setUint32(4, packet.seq >>> 0);
    view.setUint32(8, packet.ack >>> 0);
    segment[12] = (headerBytes / 4) << 4;
    segment[13] = flagBits(packet.flags);
    view.setUint16(14, Math.min(packet.window, 0xffff));
    if (packet.mss !== undefined) {
      segment[20] = 2;
      segment[21] = 4;
      view.setUint16(22, packet.mss);
    }
    segment.set(packet.payload, headerBytes);
    view.setUint16(16, checksum([pseudoHeader(src, dst, 6, segment.byteLength), segment]));
    return segment;
  }
  if (packet.protocol === 'UDP') {
    const datagram = udpDatagram(packet.srcPort, packet.dstPort, packet.payload, src, dst);
    return datagram;
  }
  const quote = icmpQuote(packet);
  const message = new Uint8Array(ICMP_HEADER_BYTES + quote.byteLength);
  message[0] = packet.icmp?.type ?? (isV6 ? 1 : 3);
  message[1] = packet.icmp?.code ?? (isV6 ? 4 : 3);
  message.set(quote, ICMP_HEADER_BYTES);
  const sum = isV6 ? checksum([pseudoHeader(src, dst, 58, message.byteLength), message]) : checksum([message]);
  new DataView(message.buffer).setUint16(2, sum);
  return message;
}

function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const datagram = new Uint8Array(UDP_HEADER_BYTES + payload.byteLength);
  const view = new DataView(datagram.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, datagram.byteLength & 0xffff);
  datagram.set(payload, UDP_HEADER_BYTES);
  const sum = checksum([pseudoHeader(src, dst, 17, datagram.byteLength), datagram]);
  view.setUint16(6, sum === 0 ? 0xffff : sum);
  return datagram;
}

/** The original datagram an ICMP error quotes: its IP header, UDP header and payload, cut to size. */
function icmpQuote(packet: TracePacket): Uint8Array {
  const original = packet.icmp?.original;
  if (original === undefined) return new Uint8Array(0);
  const src = addressBytes(original.src, 'packet.icmp.original.src');
  const dst = addressBytes(original.dst, 'packet.icmp.original.dst');
  const udp = udpDatagram(original.srcPort, original.dstPort, original.payload, src, dst);
  const isV6 = src.byteLength === 16;
  const ip = isV6 ? ipv6Header(src, dst, 17, udp.byteLength) : ipv4Header(src, dst, 17, udp.byteLength, 0, true);
  const full = new Uint8Array(ip.byteLength + udp.byteLength);
  full.set(ip, 0);
  full.set(udp, ip.byteLength);
  const limit = isV6 ? ICMPV6_MAX_PACKET_BYTES - IPV6_HEADER_BYTES - ICMP_HEADER_BYTES : ICMPV4_MAX_DATAGRAM_BYTES - IPV4_HEADER_BYTES - ICMP_HEADER_BYTES;
  return full.byteLength <= limit ? full : full.subarray(0, limit);
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Uint8Array {
  if (src.byteLength === 4) {
    const header = new Uint8Array(12);
    header.set(src, 0);
    header.set(dst, 4);
    header[9] = protocol;
    new DataView(header.buffer).setUint16(10, length);
    return header;
  }
  const header = new Uint8Array(40);
  header.set(src, 0);
  header.set(dst, 16);
  new DataView(header.buffer).setUint32(32, length);
  header[39] = protocol;
  return header;
}

/**
 * The Internet checksum (RFC 1071) over consecutive byte runs: the ones' complement of the ones'
 * complement sum of 16-bit big-endian words. Every run but the last must have an even length.
 */
export function checksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const part of parts) {
    const length = part.byteLength;
    let i = 0;
    for (; i + 1 < length; i += 2) sum += ((part[i] as number) << 8) | (part[i + 1] as number);
    if (i < length) sum += (part[i] as number) << 8;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
