/**
 * Packets of the virtual network: the internal form that crosses links, and the public
 * {@link TracePacket} that the trace, `renderTrace()` and the pcap writer read.
 *
 * @module
 */

/** The protocols of the virtual network. */
export type PacketProtocol = 'TCP' | 'UDP' | 'ICMP';

/** A TCP flag, as Wireshark names it. */
export type TcpFlag = 'FIN' | 'SYN' | 'RST' | 'PSH' | 'ACK';

/** TCP flag bits (as in the TCP header). */
export const FIN = 0x01;
/** SYN bit. */
export const SYN = 0x02;
/** RST bit. */
export const RST = 0x04;
/** PSH bit. */
export const PSH = 0x08;
/** ACK bit. */
export const ACK = 0x10;

/** The flags in Wireshark's order (`[FIN, PSH, ACK]`). */
const FLAG_ORDER: readonly (readonly [number, TcpFlag])[] = [
  [FIN, 'FIN'],
  [SYN, 'SYN'],
  [RST, 'RST'],
  [PSH, 'PSH'],
  [ACK, 'ACK'],
];

const flagCache: (readonly TcpFlag[])[] = [];

/** The flag names of a bit set, in Wireshark's order; the arrays are shared and frozen. */
export function flagNames(bits: number): readonly TcpFlag[] {
  let names = flagCache[bits];
  if (names === undefined) {
    names = Object.freeze(FLAG_ORDER.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name));
    flagCache[bits] = names;
  }
  return names;
}

/** The bit set of flag names. */
export function flagBits(names: readonly TcpFlag[]): number {
  let bits = 0;
  for (const [bit, name] of FLAG_ORDER) if (names.includes(name)) bits |= bit;
  return bits;
}

/** The datagram an ICMP port unreachable quotes. */
export interface IcmpQuote {
  /** The original datagram's source address (the host the ICMP goes back to). */
  readonly src: string;
  /** The original destination address. */
  readonly dst: string;
  /** The original source port. */
  readonly srcPort: number;
  /** The original destination port (the closed one). */
  readonly dstPort: number;
  /** The original UDP payload (the pcap writer quotes as much of it as fits in 576 bytes). */
  readonly payload: Uint8Array;
}

/** What an ICMP packet says. Only destination unreachable / port unreachable is produced. */
export interface IcmpInfo {
  /** ICMP type: 3 (ICMPv4 destination unreachable) or 1 (ICMPv6 destination unreachable). */
  readonly type: number;
  /** ICMP code: 3 (ICMPv4 port unreachable) or 4 (ICMPv6 port unreachable). */
  readonly code: number;
  /** The datagram that caused it. */
  readonly original: IcmpQuote;
}

/**
 * A packet as it crossed the virtual wire, recorded in the trace. TCP sequence numbers are the
 * 32-bit values on the wire; `renderTrace()` makes them relative like Wireshark.
 */
export interface TracePacket {
  /** 1, 2, 3… in the order the packets entered the wire. */
  readonly no: number;
  /** When the packet entered the wire (virtual clock ms since the Unix epoch). */
  readonly timeMs: number;
  /** The source address. */
  readonly src: string;
  /** The destination address. */
  readonly dst: string;
  /** The source port (0 for ICMP). */
  readonly srcPort: number;
  /** The destination port (0 for ICMP). */
  readonly dstPort: number;
  /** `TCP`, `UDP` or `ICMP`. */
  readonly protocol: PacketProtocol;
  /** TCP flags in Wireshark's order (`['SYN', 'ACK']`); empty for UDP and ICMP. */
  readonly flags: readonly TcpFlag[];
  /** The TCP sequence number (32-bit, absolute); 0 for UDP and ICMP. */
  readonly seq: number;
  /** The TCP acknowledgement number (32-bit, absolute; 0 without ACK). */
  readonly ack: number;
  /** The advertised TCP receive window in bytes; 0 for UDP and ICMP. */
  readonly window: number;
  /** Payload bytes (TCP segment data or UDP datagram; for ICMP the quoted datagram's payload). */
  readonly length: number;
  /** The MSS option (SYN and SYN-ACK only). */
  readonly mss?: number;
  /** The payload (a view: do not modify). */
  readonly payload: Uint8Array;
  /** For ICMP: type, code and the quoted datagram. */
  readonly icmp?: IcmpInfo;
  /** Set when a link fault lost the packet after it was sent (it never arrived). */
  readonly dropped?: true;
  /** Set when a link fault (an IPS in the path) forged the packet. */
  readonly forged?: true;
}

/** The internal packet: sequence numbers unbounded (they wrap only in the trace). */
export interface Packet {
  readonly protocol: PacketProtocol;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly window: number;
  /** 0 = no MSS option. */
  readonly mss: number;
  readonly payload: Uint8Array;
  readonly icmp: IcmpInfo | undefined;
  /** Forged by a link fault. */
  readonly isForged: boolean;
}

const EMPTY = new Uint8Array(0);

/** An empty payload shared by all packets without data. */
export const EMPTY_PAYLOAD: Uint8Array = EMPTY;

/** Builds a TCP packet. */
export function tcpPacket(
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  flags: number,
  seq: number,
  ack: number,
  window: number,
  payload: Uint8Array = EMPTY,
  mss = 0,
  isForged = false,
): Packet {
  return { protocol: 'TCP', src, dst, srcPort, dstPort, flags, seq, ack, window, mss, payload, icmp: undefined, isForged };
}

/** Builds a UDP packet. */
export function udpPacket(src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array): Packet {
  return { protocol: 'UDP', src, dst, srcPort, dstPort, flags: 0, seq: 0, ack: 0, window: 0, mss: 0, payload, icmp: undefined, isForged: false };
}

/** Builds the ICMP port unreachable that answers `datagram` (sent by its destination host). */
export function portUnreachable(datagram: Packet, isIPv6: boolean, isForged = false): Packet {
  const original: IcmpQuote = {
    src: datagram.src,
    dst: datagram.dst,
    srcPort: datagram.srcPort,
    dstPort: datagram.dstPort,
    payload: datagram.payload,
  };
  return {
    protocol: 'ICMP',
    src: datagram.dst,
    dst: datagram.src,
    srcPort: 0,
    dstPort: 0,
    flags: 0,
    seq: 0,
    ack: 0,
    window: 0,
    mss: 0,
    payload: datagram.payload,
    icmp: isIPv6 ? { type: 1, code: 4, original } : { type: 3, code: 3, original },
    isForged,
  };
}

/** A packet with a shorter payload (a link fault let only part of a segment through). */
export function withPayload(packet: Packet, payload: Uint8Array, flags = packet.flags): Packet {
  return { ...packet, payload, flags };
}

/** The trace record of a packet. */
export function toTracePacket(packet: Packet, no: number, timeMs: number, isDropped: boolean): TracePacket {
  const record: {
    -readonly [K in keyof TracePacket]: TracePacket[K];
  } = {
    no,
    timeMs,
    src: packet.src,
    dst: packet.dst,
    srcPort: packet.srcPort,
    dstPort: packet.dstPort,
    protocol: packet.protocol,
    flags: flagNames(packet.flags),
    seq: packet.seq >>> 0 === packet.seq ? packet.seq : packet.seq % 4294967296,
    ack: packet.flags & ACK ? packet.ack % 4294967296 : 0,
    window: packet.window,
    length: packet.payload.byteLength,
    payload: packet.payload,
  };
  if (packet.mss > 0) record.mss = packet.mss;
  if (packet.icmp !== undefined) record.icmp = packet.icmp;
  if (isDropped) record.dropped = true;
  if (packet.isForged) record.forged = true;
  return Object.freeze(record);
}
