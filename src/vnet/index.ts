/**
 * The virtual network: in-memory TCP/UDP with Node socket semantics on a virtual clock,
 * packet-level link faults, packet traces, capture tables and pcap files.
 *
 * @module
 */

export {
  VirtualNetwork,
  resolveVirtualNetworkOptions,
  DEFAULT_TRACE_LIMIT,
  type VirtualNetworkOptions,
  type ResolvedVirtualNetworkOptions,
  type VirtualTraceOption,
  type VirtualNetworkEvents,
  type VirtualNetworkStats,
  type LinkFaultEvent,
} from './virtual-network.js';
export { VirtualHost, FIRST_EPHEMERAL_PORT } from './virtual-host.js';
export { resolveVirtualHostOptions, type VirtualHostOptions, type ResolvedVirtualHostOptions } from './host-options.js';
export { VirtualLink, LINK_FAULT_TYPES, resolveVirtualLinkOptions, type VirtualLinkOptions, type ResolvedVirtualLinkOptions } from './link.js';
export { VirtualTcpSocket } from './tcp-socket.js';
export { VirtualDatagramSocket } from './udp-socket.js';
export { type TracePacket, type TcpFlag, type PacketProtocol, type IcmpInfo, type IcmpQuote } from './packet.js';
export { renderTrace, renderStreams, syslogSummary, type RenderTraceOptions } from './render-trace.js';
export { createPcapWriter, encodeFrame, frameLength, checksum, PCAP_SNAPLEN_BYTES, type PcapWriter } from './pcap-writer.js';
