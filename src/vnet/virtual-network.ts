/**
 * `VirtualNetwork`: an in-memory TCP/UDP network on a virtual clock. Its hosts are
 * {@link Network}s whose sockets behave like Node's, so the real transports and receiver run on
 * it unchanged; its links carry latency and packet-level faults; every packet can be traced,
 * rendered like a capture table and written as a pcap file. Deterministic: the same seed gives
 * the same packets at the same virtual times.
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import { InvalidOptionError } from '../core/errors.js';
import { seededRandom, type Random, type Seed } from '../core/random.js';
import { expectInteger, expectNumber } from '../core/units.js';
import type { Clock } from '../clock/clock.js';
import type { FaultEvent } from '../faults/fault-engine.js';
import { canonicalAddress, ipFamily } from './address.js';
import { resolveVirtualHostOptions, type VirtualHostOptions } from './host-options.js';
import { VirtualLink, resolveVirtualLinkOptions, type VirtualLinkOptions } from './link.js';
import { NetworkCore, type TraceMode } from './network-core.js';
import type { Packet, TracePacket } from './packet.js';
import { VirtualHost } from './virtual-host.js';

/** How the network records packets. */
export type VirtualTraceOption =
  | false
  /** Keep the last `limit` packets in memory (`vnet.trace`). @default limit 10000 */
  | { readonly limit?: number }
  /** Hand every packet to `sink` as it enters the wire (e.g. a pcap writer); keep nothing. */
  | { readonly sink: (packet: TracePacket) => void };

/** Options of {@link VirtualNetwork}. */
export interface VirtualNetworkOptions {
  /** The clock everything runs on (a `VirtualClock` for deterministic, instant runs). Required. */
  clock: Clock;
  /**
   * The seed of the network's randomness (ISNs, jitter, link fault draws). Ignored when
   * `random` is given.
   * @default 1
   */
  seed?: Seed;
  /**
   * The random source itself (forked per host and per link).
   * @default seededRandom(seed)
   */
  random?: Random;
  /**
   * Packet recording: `false` (off: the cheapest), `{ limit }` (a ring of the last packets, read
   * with {@link VirtualNetwork.trace}), or `{ sink }` (stream every packet, e.g. to
   * `createPcapWriter(…).writePacket`).
   * @default false
   */
  trace?: VirtualTraceOption;
  /**
   * One-way latency of links not configured with {@link VirtualNetwork.link}, in ms.
   * @default 0.25
   */
  defaultLinkLatencyMs?: number;
}

/** {@link VirtualNetworkOptions} validated and defaulted. */
export interface ResolvedVirtualNetworkOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly trace: TraceMode;
  readonly defaultLinkLatencyMs: number;
}

/** The default ring size of `trace: { limit }`. */
export const DEFAULT_TRACE_LIMIT = 10_000;

/**
 * Validates and defaults {@link VirtualNetworkOptions}.
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option.
 */
export function resolveVirtualNetworkOptions(options: VirtualNetworkOptions): ResolvedVirtualNetworkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', options, 'an object { clock, seed, random, trace, defaultLinkLatencyMs }');
  }
  const known = ['clock', 'seed', 'random', 'trace', 'defaultLinkLatencyMs'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidOptionError(key, (options as unknown as Record<string, unknown>)[key], `not set (unknown option; known: ${known.join(', ')})`);
  }
  const { clock } = options;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.schedule !== 'function') {
    throw new InvalidOptionError('clock', clock, 'a Clock such as new VirtualClock()');
  }
  let random = options.random;
  if (random === undefined) random = seededRandom(options.seed ?? 1);
  else if (typeof random !== 'object' || random === null || typeof random.fork !== 'function') {
    throw new InvalidOptionError('random', random, 'a Random such as seededRandom(42)');
  }
  const defaultLinkLatencyMs = expectNumber('defaultLinkLatencyMs', options.defaultLinkLatencyMs ?? 0.25, 0, 3_600_000);
  return { clock, random, trace: resolveTrace(options.trace), defaultLinkLatencyMs };
}

function resolveTrace(trace: unknown): TraceMode {
  const expectation = 'false, { limit: N } or { sink: (packet) => void }';
  if (trace === undefined || trace === false) return { kind: 'off' };
  if (typeof trace !== 'object' || trace === null) throw new InvalidOptionError('trace', trace, expectation);
  const record = trace as { limit?: unknown; sink?: unknown };
  if (record.sink !== undefined) {
    if (typeof record.sink !== 'function') throw new InvalidOptionError('trace.sink', record.sink, 'a function (packet) => void');
    return { kind: 'sink', sink: record.sink as (packet: TracePacket) => void };
  }
  const limit = expectInteger('trace.limit', record.limit ?? DEFAULT_TRACE_LIMIT, 1, 100_000_000);
  return { kind: 'ring', limit };
}

/** Payload of `fault:applied`: what a link's fault did. */
export interface LinkFaultEvent extends FaultEvent {
  /** The link, as `a <-> b`. */
  readonly link: string;
}

/** The events of a {@link VirtualNetwork}. */
export interface VirtualNetworkEvents {
  /** A link fault acted (dropped, delayed, reset, refused). */
  'fault:applied': (event: LinkFaultEvent) => void;
}

/** Packet counters of a {@link VirtualNetwork}. */
export interface VirtualNetworkStats {
  /** Packets that entered the wire (lost ones included). */
  readonly packets: number;
  /** Their payload bytes. */
  readonly payloadBytes: number;
  /** Packets a link fault lost. */
  readonly dropped: number;
  /** Packets a link fault forged (IPS resets, ICMP of a refusing link). */
  readonly forged: number;
}

/**
 * An in-memory network of virtual hosts.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const vnet = new VirtualNetwork({ clock, seed: 7, trace: { limit: 1000 } });
 * const esa = vnet.host('10.229.24.230');
 * const syslog = vnet.host('10.44.167.30', { mss: 1350 });
 * vnet.link(esa.address, syslog.address, { latencyMs: 0.5, faults: ['reset-after-bytes=412'] });
 * const transport = new TcpTransport({ host: syslog.address, port: 514, network: esa, clock });
 * // … start a SyslogServer with { network: syslog, clock }, send, await clock.advance(1000) …
 * console.log(renderTrace(vnet.trace));
 * ```
 */
export class VirtualNetwork extends EventEmitter<VirtualNetworkEvents> {
  /** The options in force. */
  readonly options: ResolvedVirtualNetworkOptions;
  readonly #core: NetworkCore;
  readonly #hosts = new Map<string, VirtualHost>();
  readonly #links = new Map<string, VirtualLink>();
  /** Route cache: source → destination → link (no key string per packet). */
  readonly #routes = new Map<string, Map<string, VirtualLink>>();
  #closing: Promise<void> | undefined;

  /** @throws InvalidOptionError for invalid options. */
  constructor(options: VirtualNetworkOptions) {
    super();
    this.options = resolveVirtualNetworkOptions(options);
    this.#core = new NetworkCore(this.options.clock, this.options.random, this.options.trace);
    this.#core.setRouter({ route: (packet) => this.#route(packet) });
  }

  /** The clock. */
  get clock(): Clock {
    return this.options.clock;
  }

  /** The hosts, in creation order. */
  get hosts(): readonly VirtualHost[] {
    return [...this.#hosts.values()];
  }

  /** The recorded packets, oldest first (with `trace: { limit }`; empty otherwise). */
  get trace(): TracePacket[] {
    return this.#core.trace();
  }

  /** Packet counters since the start. */
  get stats(): VirtualNetworkStats {
    return Object.freeze({ ...this.#core.counters });
  }

  /** Forgets the recorded packets (numbering continues). */
  clearTrace(): void {
    this.#core.clearTrace();
  }

  /**
   * Adds a host. Its address is a label (IPv4 or IPv6 literal; nothing is sent to it).
   *
   * @throws InvalidOptionError `ESA_ERR_INVALID_OPTION` for a bad address or option;
   * `ESA_ERR_ADDRESS_IN_USE` when a host already has the address; EsaError `ESA_ERR_CLOSED`
   * after {@link close}.
   */
  host(address: string, options?: VirtualHostOptions): VirtualHost {
    this.#core.assertOpen('add a host');
    const family = typeof address === 'string' ? ipFamily(address) : undefined;
    if (family === undefined) {
      throw new InvalidOptionError('address', address, 'an IPv4 or IPv6 address such as 10.44.167.30 or fd00::30 (a label: nothing is sent to it)');
    }
    const canonical = canonicalAddress(address);
    if (this.#hosts.has(canonical)) {
      throw new InvalidOptionError('address', address, 'an address no other host of this network has', { code: 'ESA_ERR_ADDRESS_IN_USE' });
    }
    const resolved = resolveVirtualHostOptions(options);
    const host = new VirtualHost(this.#core, canonical, family, resolved, this.#core.random.fork(`host:${canonical}`));
    this.#hosts.set(canonical, host);
    return host;
  }

  /** The host with this address, if any. */
  getHost(address: string): VirtualHost | undefined {
    return ipFamily(address) === undefined ? undefined : this.#hosts.get(canonicalAddress(address));
  }

  /**
   * Configures the link between hosts `a` and `b` (both directions; latency and faults), and
   * returns it. Calling it again for the same pair reconfigures the same link. Pairs never
   * configured use a plain link with `defaultLinkLatencyMs`.
   *
   * @throws InvalidOptionError for an unknown host, a bad option or a fault a link cannot apply.
   */
  link(a: string, b: string, options: VirtualLinkOptions = {}): VirtualLink {
    this.#core.assertOpen('configure a link');
    const first = this.#knownHost('a', a);
    const second = this.#knownHost('b', b);
    resolveVirtualLinkOptions(options);
    const link = this.#linkFor(first, second);
    link.configure(options);
    return link;
  }

  /**
   * Tears the network down at once: every connection and socket is forgotten without packets or
   * events, no timer is left on the clock. Idempotent: returns the same promise each time.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const link of this.#links.values()) link.abort();
      this.#core.close();
    })();
    return this.#closing;
  }

  /** Alias of {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #knownHost(option: string, address: string): string {
    const host = this.getHost(address);
    if (host === undefined) {
      const known = [...this.#hosts.keys()].join(', ') || 'none yet';
      throw new InvalidOptionError(option, address, `the address of a host of this network (hosts: ${known})`);
    }
    return host.address;
  }

  #linkFor(a: string, b: string): VirtualLink {
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      const latencyMs = a === b ? 0 : this.options.defaultLinkLatencyMs;
      link = new VirtualLink(this.#core, a, b, latencyMs, this.#core.random.fork(`link:${key}`), (event, from) => this.#onFault(event, from));
      this.#links.set(key, link);
    }
    return link;
  }

  #route(packet: Packet): void {
    let byDestination = this.#routes.get(packet.src);
    if (byDestination === undefined) {
      byDestination = new Map();
      this.#routes.set(packet.src, byDestination);
    }
    let link = byDestination.get(packet.dst);
    if (link === undefined) {
      link = this.#linkFor(packet.src, packet.dst);
      byDestination.set(packet.dst, link);
    }
    link.send(packet);
  }

  #onFault(event: FaultEvent, link: VirtualLink): void {
    if (this.listenerCount('fault:applied') === 0) return;
    const payload: LinkFaultEvent = Object.freeze({ ...event, link: link.toString() });
    this.#core.post(() => this.emit('fault:applied', payload));
  }
}
