/**
 * Human views of a packet trace: a capture table like Wireshark's packet list
 * (`No. Time Source Destination Protocol Length Info`) and "follow TCP stream" text like
 * `tshark -z follow,tcp,ascii`.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { expectBoolean } from '../core/units.js';
import { frameLength } from './pcap-writer.js';
import type { TracePacket } from './packet.js';

/** Options of {@link renderTrace}. */
export interface RenderTraceOptions {
  /**
   * Show TCP sequence and acknowledgement numbers relative to each direction's initial
   * sequence number, as Wireshark does (`Seq=0` on a SYN, `Ack=1` after it).
   * @default true
   */
  relativeSeq?: boolean;
  /**
   * Show well-known ports by their service name, as Wireshark does with transport name
   * resolution (`514/tcp` → `shell`, `514/udp` → `syslog`).
   * @default true
   */
  resolvePorts?: boolean;
  /**
   * Ports whose data is shown as Syslog (`MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: …`).
   * @default [514, 601, 6514]
   */
  syslogPorts?: readonly number[];
}

interface ResolvedRenderOptions {
  readonly relativeSeq: boolean;
  readonly resolvePorts: boolean;
  readonly syslogPorts: ReadonlySet<number>;
}

function resolveRenderOptions(options: RenderTraceOptions): ResolvedRenderOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object { relativeSeq, resolvePorts, syslogPorts }');
  const relativeSeq = options.relativeSeq === undefined ? true : expectBoolean('relativeSeq', options.relativeSeq);
  const resolvePorts = options.resolvePorts === undefined ? true : expectBoolean('resolvePorts', options.resolvePorts);
  const ports = options.syslogPorts ?? [514, 601, 6514];
  if (!Array.isArray(ports) || ports.some((port) => !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new InvalidOptionError('syslogPorts', ports, 'an array of port numbers (0 to 65535)');
  }
  return { relativeSeq, resolvePorts, syslogPorts: new Set(ports) };
}

/** Wireshark's names for the ports a syslog simulation meets. */
const TCP_SERVICES: Readonly<Record<number, string>> = { 22: 'ssh', 25: 'smtp', 53: 'domain', 80: 'http', 443: 'https', 514: 'shell', 601: 'syslog-conn', 6514: 'syslog-tls' };
const UDP_SERVICES: Readonly<Record<number, string>> = { 53: 'domain', 123: 'ntp', 514: 'syslog', 6514: 'syslog-tls' };

/** Wireshark's short facility names, by code (as tshark 4.0 prints them). */
const FACILITY_NAMES: readonly string[] = [
  'KERN', 'USER', 'MAIL', 'DAEMON', 'AUTH', 'SYSLOG', 'LPR', 'NEWS', 'UUCP', 'CRON', 'AUTHPRIV', 'FTP',
  'NTP', 'LOGAUDIT', 'LOGALERT', 'CRON', 'LOCAL0', 'LOCAL1', 'LOCAL2', 'LOCAL3', 'LOCAL4', 'LOCAL5', 'LOCAL6', 'LOCAL7',
];
/** Wireshark's short severity names, by code. */
const SEVERITY_NAMES: readonly string[] = ['EMERG', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];

const MODULO = 4294967296;

/** One TCP connection seen in a trace (a 4-tuple from a SYN, or from its first packet). */
interface Stream {
  readonly index: number;
  /** `src:port` of the side that sent the first packet (the client when the SYN was captured). */
  readonly nodes: readonly [string, string];
  /** Initial sequence number per direction (node index), once known. */
  readonly bases: [number | undefined, number | undefined];
  /** The highest sequence number (end) sent per direction, for retransmission detection. */
  readonly highest: [number, number];
  isClosed: boolean;
}

/** Assigns packets to TCP streams (Wireshark's `tcp.stream`). */
class StreamTable {
  readonly streams: Stream[] = [];
  readonly #byTuple = new Map<string, Stream>();

  /** The stream of a TCP packet and the packet's direction (0: from node 0). */
  lookup(packet: TracePacket): { stream: Stream; direction: 0 | 1 } {
    const from = endpoint(packet.src, packet.srcPort);
    const to = endpoint(packet.dst, packet.dstPort);
    const key = from < to ? `${from} ${to}` : `${to} ${from}`;
    let stream = this.#byTuple.get(key);
    const isSyn = packet.flags.includes('SYN') && !packet.flags.includes('ACK');
    if (stream !== undefined && isSyn) {
      const direction = stream.nodes[0] === from ? 0 : 1;
      const base = stream.bases[direction];
      // A SYN with a new ISN on a used 4-tuple is a new connection (a retransmitted SYN is not).
      if (stream.isClosed || (base !== undefined && base !== packet.seq)) stream = undefined;
    }
    if (stream === undefined) {
      stream = { index: this.streams.length, nodes: [from, to], bases: [undefined, undefined], highest: [0, 0], isClosed: false };
      this.streams.push(stream);
      this.#byTuple.set(key, stream);
    }
    return { stream, direction: stream.nodes[0] === from ? 0 : 1 };
  }
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Renders packets as a capture table like Wireshark's packet list.
 *
 * @example
 * ```text
 * No. Time     Source        Destination   Protocol Length Info
 * 1   0.000000 10.229.24.230 10.44.167.30  TCP      58     26040 > shell [SYN] Seq=0 Win=16384 Len=0 MSS=1460
 * 2   0.000250 10.44.167.30  10.229.24.230 TCP      58     shell > 26040 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1350
 * ```
 * @throws InvalidOptionError for a bad option.
 */
export function renderTrace(packets: readonly TracePacket[], options: RenderTraceOptions = {}): string {
  const resolved = resolveRenderOptions(options);
  const table = new StreamTable();
  const origin = packets[0]?.timeMs ?? 0;
  const rows: string[][] = [['No.', 'Time', 'Source', 'Destination', 'Protocol', 'Length', 'Info']];
  for (const packet of packets) {
    const { protocol, info } = describe(packet, table, resolved);
    rows.push([
      String(packet.no),
      ((packet.timeMs - origin) / 1000).toFixed(6),
      packet.src,
      packet.dst,
      protocol,
      String(frameLength(packet)),
      info + (packet.dropped ? ' [lost on the link]' : '') + (packet.forged ? ' [forged by the link]' : ''),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join(' ').trimEnd()).join('\n');
}

function portName(port: number, protocol: 'TCP' | 'UDP', options: ResolvedRenderOptions): string {
  if (!options.resolvePorts) return String(port);
  return (protocol === 'TCP' ? TCP_SERVICES[port] : UDP_SERVICES[port]) ?? String(port);
}

function describe(packet: TracePacket, table: StreamTable, options: ResolvedRenderOptions): { protocol: string; info: string } {
  const isV6 = packet.src.includes(':');
  if (packet.protocol === 'ICMP') {
    return isV6
      ? { protocol: 'ICMPv6', info: 'Destination Unreachable (Port unreachable)' }
      : { protocol: 'ICMP', info: 'Destination unreachable (Port unreachable)' };
  }
  const isSyslogPort = options.syslogPorts.has(packet.srcPort) || options.syslogPorts.has(packet.dstPort);
  if (packet.protocol === 'UDP') {
    const syslog = isSyslogPort ? syslogSummary(packet.payload) : undefined;
    if (syslog !== undefined) return { protocol: 'Syslog', info: syslog };
    return { protocol: 'UDP', info: `${portName(packet.srcPort, 'UDP', options)} > ${portName(packet.dstPort, 'UDP', options)} Len=${packet.length}` };
  }
  const { stream, direction } = table.lookup(packet);
  const flags = packet.flags;
  const hasSyn = flags.includes('SYN');
  const bases = stream.bases;
  if (bases[direction] === undefined) bases[direction] = hasSyn ? packet.seq : (packet.seq - 1 + MODULO) % MODULO;
  const other = direction === 0 ? 1 : 0;
  if (flags.includes('ACK') && bases[other] === undefined) bases[other] = (packet.ack - 1 + MODULO) % MODULO;
  const seq = options.relativeSeq ? (packet.seq - (bases[direction] as number) + MODULO) % MODULO : packet.seq;
  const ack = options.relativeSeq ? (packet.ack - (bases[other] as number) + MODULO) % MODULO : packet.ack;
  const length = packet.length;
  const end = (packet.seq - (bases[direction] as number) + MODULO) % MODULO + length + (hasSyn || flags.includes('FIN') ? 1 : 0);
  // The capture point is the sender's wire: a packet lost further on was still seen, and
  // its retransmission is one.
  const isRetransmission = (length > 0 || hasSyn || flags.includes('FIN')) && end <= stream.highest[direction] && !flags.includes('RST');
  if (end > stream.highest[direction]) stream.highest[direction] = end;
  if (flags.includes('RST')) stream.isClosed = true;
  if (length > 0 && isSyslogPort && !isRetransmission) {
    const syslog = syslogSummary(packet.payload);
    if (syslog !== undefined) return { protocol: 'Syslog', info: syslog };
  }
  const parts = [
    `${portName(packet.srcPort, 'TCP', options)} > ${portName(packet.dstPort, 'TCP', options)}`,
    `[${flags.join(', ')}]`,
    `Seq=${seq}`,
  ];
  if (flags.includes('ACK')) parts.push(`Ack=${ack}`);
  parts.push(`Win=${packet.window}`, `Len=${length}`);
  if (packet.mss !== undefined) parts.push(`MSS=${packet.mss}`);
  let prefix = isRetransmission ? '[TCP Retransmission] ' : '';
  if (packet.window === 0 && !flags.includes('RST') && !hasSyn) prefix += '[TCP ZeroWindow] ';
  return { protocol: 'TCP', info: prefix + parts.join(' ') };
}

const decoder = new TextDecoder();

/**
 * Wireshark's syslog summary of a payload: `MAIL.INFO: <message>` for its first message, with
 * the count of further messages; `undefined` when it does not start with a `<PRI>`.
 */
export function syslogSummary(payload: Uint8Array): string | undefined {
  const text = decoder.decode(payload);
  let body = text;
  const counted = /^[1-9]\d* (?=<)/.exec(body);
  if (counted) body = body.slice(counted[0].length);
  const match = /^<(\d{1,3})>/.exec(body);
  if (!match) return undefined;
  const pri = Number(match[1]);
  if (pri > 191) return undefined;
  const newline = body.indexOf('\n');
  const first = (newline < 0 ? body : body.slice(0, newline)).slice(match[0].length).replace(/\r$/, '');
  const rest = newline < 0 ? '' : body.slice(newline + 1);
  const more = rest.length === 0 ? 0 : rest.split('\n').filter((line) => line.length > 0).length;
  const label = `${FACILITY_NAMES[pri >> 3]}.${SEVERITY_NAMES[pri & 7]}: ${first}`;
  return more === 0 ? label : `${label} [+${more} more]`;
}

/**
 * "Follow TCP stream" for every TCP connection of a trace, in the format of
 * `tshark -z follow,tcp,ascii,N`: each chunk's byte count, then its text (non-printable bytes as
 * `.`); chunks from the second node are indented with a tab. Retransmitted bytes appear once;
 * packets lost on a link do not appear.
 */
export function renderStreams(packets: readonly TracePacket[]): string {
  const table = new StreamTable();
  const chunks: { stream: Stream; direction: 0 | 1; data: Uint8Array }[] = [];
  const next = new Map<Stream, [number | undefined, number | undefined]>();
  for (const packet of packets) {
    if (packet.protocol !== 'TCP' || packet.dropped) continue;
    const { stream, direction } = table.lookup(packet);
    if (packet.flags.includes('RST')) stream.isClosed = true;
    let expected = next.get(stream);
    if (expected === undefined) {
      expected = [undefined, undefined];
      next.set(stream, expected);
    }
    const syn = packet.flags.includes('SYN') ? 1 : 0;
    const start = (packet.seq + syn) % MODULO;
    const want = expected[direction] ?? start;
    const skip = (want - start + MODULO) % MODULO;
    const length = packet.payload.byteLength;
    if (skip < length && skip < MODULO / 2) {
      chunks.push({ stream, direction, data: packet.payload.subarray(skip) });
      expected[direction] = (start + length) % MODULO;
    } else if (expected[direction] === undefined) {
      expected[direction] = (start + length) % MODULO;
    }
  }
  const rule = '='.repeat(67);
  const out: string[] = [];
  for (const stream of table.streams) {
    out.push(rule, 'Follow: tcp,ascii', `Filter: tcp.stream eq ${stream.index}`, `Node 0: ${stream.nodes[0]}`, `Node 1: ${stream.nodes[1]}`);
    for (const chunk of chunks) {
      if (chunk.stream !== stream) continue;
      const indent = chunk.direction === 1 ? '\t' : '';
      out.push(`${indent}${chunk.data.byteLength}`, `${indent}${printable(chunk.data)}`);
    }
    out.push(rule);
  }
  return out.join('\n');
}

function printable(data: Uint8Array): string {
  let text = '';
  for (const byte of data) text += byte === 0x0a || byte === 0x09 || (byte >= 0x20 && byte < 0x7f) ? String.fromCharCode(byte) : '.';
  return text;
}
