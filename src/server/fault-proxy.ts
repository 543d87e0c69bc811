/**
 * `FaultProxy`: a TCP proxy and UDP relay that sits in front of any syslog receiver (rsyslog, a
 * SIEM, a `SyslogServer`) and applies the same faults as `SyslogServer` to what it forwards —
 * the in-process answer to Toxiproxy, for receivers we cannot change.
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import type { Clock, Timer } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { EsaError, InvalidOptionError, type NetworkError } from '../core/errors.js';
import { DECODER_FRAMINGS, MAX_FRAME_BYTES_LIMIT, type DecodedFrame, type DecoderFraming, type Framing } from '../core/framing.js';
import { callListeners } from '../core/listeners.js';
import { endpointKey, isIPv6Literal, type DatagramAddress, type DatagramSocket, type Network, type SocketError, type StreamSocket } from '../core/network.js';
import type { Random, Seed } from '../core/random.js';
import { expectOneOf } from '../core/units.js';
import { FaultEngine, type ConnectionFaults, type ConnectionMessageDecision, type FaultEvent } from '../faults/fault-engine.js';
import { FAULT_ACTIONS, FAULT_TYPES, type EndAction, type FaultAction, type FaultType } from '../faults/fault.js';
import { resolveFaultInputs, type FaultInput } from '../faults/parse-fault.js';
import type { FaultSpec } from '../faults/spec.js';
import { nodeNetwork } from '../net/node-network.js';
import { FaultListener } from './fault-listener.js';
import { FaultReader, type FaultReaderEndReason } from './fault-reader.js';
import {
  expectBytes,
  expectClock,
  expectCount,
  expectDurationMs,
  expectHost,
  expectNetwork,
  expectOptionalFunction,
  expectOptionsObject,
  expectPort,
  oversizeCount,
  resolveRandom,
  upstreamError,
} from './server-helpers.js';
import {
  DEFAULT_SERVER_MAX_CONNECTIONS,
  DEFAULT_SERVER_MAX_MESSAGE_BYTES,
  type ConnectionCloseReason,
  type FaultAppliedEvent,
  type ListenerEvent,
  type ListenerFailedEvent,
  type MessageOversizeEvent,
  type PeerAddress,
  type ServerConnectionOpenedEvent,
  type ServerConnectionRef,
  type ServerConnectionResetEvent,
  type ServerProtocol,
} from './syslog-server.js';

/** Where a {@link FaultProxy} forwards to. */
export interface ProxyUpstream {
  /** The receiver's address or host name. */
  host: string;
  /** The receiver's port (1–65535). */
  port: number;
}

/** Options of {@link FaultProxy}. */
export interface FaultProxyOptions {
  /** The receiver to forward to. */
  upstream: ProxyUpstream;
  /**
   * `tcp` (a proxy: one upstream connection per client connection) or `udp` (a relay: one
   * upstream socket for every client).
   * @default 'tcp'
   */
  protocol?: ServerProtocol;
  /**
   * The address the proxy listens on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The port the proxy listens on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * The faults applied to what is forwarded (client → upstream): spec objects or `--fault` texts.
   * Windows count from {@link FaultProxy.listen}.
   * @default []
   */
  faults?: readonly FaultInput[];
  /**
   * How the forwarded TCP stream is split into messages (for message-based faults): `auto` per
   * connection on its first byte, or `lf` / `octet-counting`.
   * @default 'auto'
   */
  framing?: DecoderFraming;
  /**
   * The largest message forwarded, in bytes (a number or a size such as `"64k"`): a longer LF
   * frame is cut to it; an octet count above it closes the connection (FIN both ways).
   * @default 65536
   */
  maxMessageBytes?: number | string;
  /**
   * Client connections proxied at once; more are reset (RST) right after the handshake.
   * @default 1000
   */
  maxConnections?: number;
  /**
   * How long connecting to the upstream may take before the client connection is reset, in ms
   * (or a duration such as `"5s"`).
   * @default 10000
   */
  connectTimeoutMs?: number | string;
  /**
   * How long a connection the proxy closed gracefully (FIN) may stay half-open before it is
   * destroyed, in ms (or a duration such as `"5s"`).
   * @default 5000
   */
  closeTimeoutMs?: number | string;
  /**
   * UDP: datagrams held back by a delay fault at once; more are dropped.
   * @default 10000
   */
  maxQueuedDatagrams?: number;
  /**
   * The network stack (both sides).
   * @default nodeNetwork (real sockets)
   */
  network?: Network;
  /**
   * The clock for fault windows, delays and timeouts.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Randomness for probabilistic faults. Give this or `seed`.
   * @default seededRandom(1)
   */
  random?: Random;
  /**
   * Seed of the randomness for probabilistic faults, when `random` is not given.
   * @default 1
   */
  seed?: Seed;
  /**
   * Called for every fault decision that changed something (also emitted as `fault:applied`).
   * @default undefined
   */
  onFault?: (event: FaultEvent) => void;
}

/** {@link FaultProxyOptions} validated and defaulted. */
export interface ResolvedFaultProxyOptions {
  readonly upstream: Readonly<ProxyUpstream>;
  readonly protocol: ServerProtocol;
  readonly host: string;
  readonly port: number;
  readonly faults: readonly FaultSpec[];
  readonly framing: DecoderFraming;
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxQueuedDatagrams: number;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: Random;
  readonly onFault: ((event: FaultEvent) => void) | undefined;
}

const PROXY_OPTION_KEYS = [
  'upstream',
  'protocol',
  'host',
  'port',
  'faults',
  'framing',
  'maxMessageBytes',
  'maxConnections',
  'connectTimeoutMs',
  'closeTimeoutMs',
  'maxQueuedDatagrams',
  'network',
  'clock',
  'random',
  'seed',
  'onFault',
] as const;

/**
 * Validates and defaults {@link FaultProxyOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option (`upstream.port`,
 * `faults[0]`, …), the value and what is allowed.
 */
export function resolveFaultProxyOptions(options: FaultProxyOptions): ResolvedFaultProxyOptions {
  const input = expectOptionsObject(options, PROXY_OPTION_KEYS);
  const upstream = input.upstream as Partial<ProxyUpstream> | undefined;
  if (typeof upstream !== 'object' || upstream === null || Array.isArray(upstream)) {
    throw new InvalidOptionError('upstream', upstream, 'an object { host, port } naming the receiver to forward to');
  }
  for (const key of Object.keys(upstream)) {
    if (key !== 'host' && key !== 'port') {
      throw new InvalidOptionError(`upstream.${key}`, (upstream as Record<string, unknown>)[key], 'not set (unknown option; known: host, port)');
    }
  }
  return Object.freeze({
    upstream: Object.freeze({ host: expectHost('upstream.host', upstream.host), port: expectPort('upstream.port', upstream.port, 1) }),
    protocol: expectOneOf('protocol', input.protocol ?? 'tcp', ['tcp', 'udp'] as const),
    host: expectHost('host', input.host ?? '127.0.0.1'),
    port: expectPort('port', input.port ?? 0, 0),
    faults: resolveFaultInputs(input.faults ?? [], 'faults'),
    framing: expectOneOf('framing', input.framing ?? 'auto', DECODER_FRAMINGS),
    maxMessageBytes: expectBytes('maxMessageBytes', input.maxMessageBytes ?? DEFAULT_SERVER_MAX_MESSAGE_BYTES, 1, MAX_FRAME_BYTES_LIMIT),
    maxConnections: expectCount('maxConnections', input.maxConnections ?? DEFAULT_SERVER_MAX_CONNECTIONS, 1, 1_000_000, 'connections'),
    connectTimeoutMs: expectDurationMs('connectTimeoutMs', input.connectTimeoutMs ?? 10_000, 1),
    closeTimeoutMs: expectDurationMs('closeTimeoutMs', input.closeTimeoutMs ?? 5000, 0),
    maxQueuedDatagrams: expectCount('maxQueuedDatagrams', input.maxQueuedDatagrams ?? 10_000, 1, 10_000_000, 'datagrams'),
    network: input.network === undefined ? nodeNetwork : expectNetwork(input.network),
    clock: input.clock === undefined ? systemClock : expectClock(input.clock),
    random: resolveRandom(input.random, input.seed),
    onFault: expectOptionalFunction<(event: FaultEvent) => void>('onFault', input.onFault, '(event) => void'),
  });
}

/** Counters of a {@link FaultProxy} (a snapshot). */
export interface FaultProxyStats {
  /** Client connections accepted (including those reset right away). */
  readonly connectionsAccepted: number;
  /** Client connections open now. */
  readonly connectionsOpen: number;
  /** Client connections turned away right after the handshake (RST). */
  readonly connectionsRefused: number;
  /** Client connections the proxy reset (RST), at accept or later. */
  readonly connectionsReset: number;
  /** Client connections that ended, whatever the way. */
  readonly connectionsClosed: number;
  /** Client connections the client reset (`ECONNRESET`). */
  readonly peerResets: number;
  /** Upstream connections (or sends) that failed. */
  readonly upstreamFailures: number;
  /** Bytes received from clients (stream bytes and datagram payloads, before faults). */
  readonly bytesReceived: number;
  /** Bytes written to the upstream. */
  readonly bytesForwarded: number;
  /** Messages (TCP frames, datagrams) forwarded. */
  readonly messages: number;
  /** Messages decoded but discarded by a fault. */
  readonly messagesDiscarded: number;
  /** Frames over `maxMessageBytes`. */
  readonly oversize: number;
  /** Messages cut by a `truncate` fault. */
  readonly truncated: number;
  /** Framing errors on client streams. */
  readonly framingErrors: number;
  /** Datagrams received. */
  readonly datagrams: number;
  /** Datagrams lost to `drop` or `stall`, or to a full delay queue. */
  readonly datagramsDropped: number;
  /** Datagrams refused by a conditional `refuse` (not forwarded). */
  readonly datagramsRefused: number;
  /** Times the listener closed for a `refuse` window. */
  readonly refusals: number;
  /** Fault decisions that changed something. */
  readonly faultsApplied: number;
  /** Fault decisions by fault type. */
  readonly faultsByType: Readonly<Record<FaultType, number>>;
  /** Fault decisions by action. */
  readonly faultsByAction: Readonly<Record<FaultAction, number>>;
}

/** Why a proxied connection ended: the server's reasons plus `upstream` (the upstream failed or closed). */
export type ProxyCloseReason = ConnectionCloseReason | 'upstream';

/** Payload of the proxy's `connection:closed`. */
export interface ProxyConnectionClosedEvent extends ServerConnectionRef {
  readonly at: number;
  /** Who ended it: the client (`peer`) or the proxy (`server`: a fault, a limit, the upstream, `close()`). */
  readonly by: 'peer' | 'server';
  readonly reason: ProxyCloseReason;
  readonly fault?: FaultType | undefined;
  readonly error?: Error | undefined;
}

/** Payload of `upstream:failed`. */
export interface UpstreamFailedEvent {
  readonly at: number;
  /** The client connection it concerned (0 for the UDP relay). */
  readonly connectionId: number;
  /** `ESA_ERR_CONNECTION_REFUSED`, `ESA_ERR_CONNECT_TIMEOUT`, `ESA_ERR_CONNECTION_RESET`, … with the socket error as `cause`. */
  readonly error: NetworkError;
}

/** The events of a {@link FaultProxy}. */
export interface FaultProxyEvents {
  /** A client connection was accepted. */
  'connection:opened': (event: ServerConnectionOpenedEvent) => void;
  /** A client connection ended (once per `connection:opened`). */
  'connection:closed': (event: ProxyConnectionClosedEvent) => void;
  /** The proxy reset a client connection (RST). */
  'connection:reset': (event: ServerConnectionResetEvent) => void;
  /** A frame was over `maxMessageBytes`. */
  'message:oversize': (event: MessageOversizeEvent) => void;
  /** A fault did something. */
  'fault:applied': (event: FaultAppliedEvent) => void;
  /** The listener accepts (again). */
  'listener:listening': (event: ListenerEvent) => void;
  /** The listener closed for a `refuse` window. */
  'listener:refusing': (event: ListenerEvent) => void;
  /** Re-listening on the same port failed. */
  'listener:failed': (event: ListenerFailedEvent) => void;
  /** Connecting or sending to the upstream failed. */
  'upstream:failed': (event: UpstreamFailedEvent) => void;
}

type MutableProxyStats = { -readonly [K in keyof FaultProxyStats]: FaultProxyStats[K] } & {
  faultsByType: Record<FaultType, number>;
  faultsByAction: Record<FaultAction, number>;
};

interface ProxyConnection extends ServerConnectionRef {
  readonly client: StreamSocket;
  upstream: StreamSocket | undefined;
  faults: ConnectionFaults | undefined;
  reader: FaultReader | undefined;
  ended: { by: 'peer' | 'server'; reason: ProxyCloseReason; fault?: FaultType | undefined; error?: Error | undefined } | undefined;
  clientError: SocketError | undefined;
  isUpstreamConnected: boolean;
  isUpstreamClosed: boolean;
  isClientClosed: boolean;
  isFinalized: boolean;
  /** Frames of the chunk being processed, encoded, written at `flush`. */
  out: Uint8Array[];
  outBytes: number;
  /** Upstream writes whose callback has not run yet. */
  pendingWrites: number;
  /** Run once every pending upstream write has been handed to the network. */
  afterWrites: (() => void)[];
  readonly timers: Set<Timer>;
  readonly closed: Promise<void>;
  markClientClosed: () => void;
}

function newStats(): MutableProxyStats {
  return {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    connectionsRefused: 0,
    connectionsReset: 0,
    connectionsClosed: 0,
    peerResets: 0,
    upstreamFailures: 0,
    bytesReceived: 0,
    bytesForwarded: 0,
    messages: 0,
    messagesDiscarded: 0,
    oversize: 0,
    truncated: 0,
    framingErrors: 0,
    datagrams: 0,
    datagramsDropped: 0,
    datagramsRefused: 0,
    refusals: 0,
    faultsApplied: 0,
    faultsByType: Object.fromEntries(FAULT_TYPES.map((type) => [type, 0])) as Record<FaultType, number>,
    faultsByAction: Object.fromEntries(FAULT_ACTIONS.map((action) => [action, 0])) as Record<FaultAction, number>,
  };
}

const LF = new Uint8Array([0x0a]);
const asciiEncoder = new TextEncoder();

/** The frame re-encoded in the stream's framing (`isFinal`: a trailing partial LF frame, sent without its missing LF). */
function encodeFrame(bytes: Uint8Array, framing: Framing | undefined, isFinal: boolean): Uint8Array[] {
  if (framing === 'octet-counting') return [asciiEncoder.encode(`${bytes.length} `), bytes];
  return isFinal ? [bytes] : [bytes, LF];
}

function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A fault-injecting TCP proxy (or UDP relay) in front of a real syslog receiver.
 *
 * TCP: every client connection gets its own upstream connection (the client's data is not read
 * until the upstream has answered; an upstream that refuses or times out resets the client).
 * The client → upstream stream goes through the same {@link FaultEngine} protocol as
 * `SyslogServer`: `reset` → the client gets a RST at once, the upstream gets the bytes let
 * through so far and then a RST too (as an IPS resets both sides; a Linux receiver that has not
 * read those bytes yet gets them followed by an end of stream, so it may keep a cut last line,
 * as it would behind a real IPS); `close` → FIN both ways after
 * the forwarded bytes; `stall` → the client is not read; `latency`/`bandwidth` → forwarding is
 * delayed on the clock; message faults count frames with a `FrameDecoder`. What is forwarded is
 * re-framed from the decoded frames in the stream's own framing (LF or octet counting): a CR
 * before an LF is dropped, an LF frame over `maxMessageBytes` is cut, a `truncate` fault cuts
 * messages; a trailing partial LF frame is forwarded as is (without LF) when the client ends or
 * a byte limit cuts it. Upstream → client bytes are passed back untouched.
 *
 * UDP: datagrams from any client are relayed through one socket connected to the upstream,
 * after `drop`, `truncate`, `latency`/`bandwidth` and `refuse` (a refuse window closes the relay
 * socket, so clients get ICMP port unreachable).
 *
 * @example
 * ```ts
 * const proxy = new FaultProxy({ upstream: { host: '127.0.0.1', port: 514 }, faults: ['reset-after-bytes=412@first=1'] });
 * const port = await proxy.listen(); // point the sender at 127.0.0.1:port
 * await proxy.close();
 * ```
 */
export class FaultProxy extends EventEmitter<FaultProxyEvents> {
  /** The resolved options. */
  readonly options: ResolvedFaultProxyOptions;
  readonly #clock: Clock;
  readonly #connections = new Map<number, ProxyConnection>();
  readonly #delayedDatagrams = new Set<Timer>();
  readonly #listener: FaultListener;
  readonly #stats = newStats();
  #engine: FaultEngine;
  #hasFaults: boolean;
  #state: 'new' | 'starting' | 'listening' | 'closed' = 'new';
  #listening: Promise<number> | undefined;
  #closing: Promise<void> | undefined;
  #relay: DatagramSocket | undefined;
  #lastConnectionId = 0;
  #lastEndFault: FaultType | undefined;

  /** @throws InvalidOptionError for an invalid option (see {@link resolveFaultProxyOptions}). */
  constructor(options: FaultProxyOptions) {
    super();
    this.options = resolveFaultProxyOptions(options);
    this.#clock = this.options.clock;
    this.#engine = this.#newEngine(this.options.faults, undefined);
    this.#hasFaults = this.options.faults.length > 0;
    const { protocol, host, port, network } = this.options;
    this.#listener = new FaultListener({
      protocol,
      host,
      port,
      network,
      clock: this.#clock,
      engine: () => this.#engine,
      onConnection: (socket) => this.#onConnection(socket),
      onDatagram: (data, from) => this.#onDatagram(data, from),
      onWindow: () => {
        for (const connection of this.#connections.values()) connection.reader?.resync();
      },
      onState: (state, boundPort, address) => {
        if (state === 'refusing') this.#stats.refusals++;
        const name = state === 'listening' ? 'listener:listening' : 'listener:refusing';
        callListeners(() => this.emit(name, { at: this.#clock.now(), protocol, host: address, port: boundPort }));
      },
      onFailed: (error, failedPort, retryInMs) => {
        callListeners(() => this.emit('listener:failed', { at: this.#clock.now(), protocol, host, port: failedPort, error, retryInMs }));
      },
    });
  }

  /** The proxy's bound endpoint, once {@link listen} has resolved. */
  get address(): { readonly protocol: ServerProtocol; readonly address: string; readonly port: number } | undefined {
    const { address, port } = this.#listener;
    if (port === undefined || address === undefined) return undefined;
    return { protocol: this.options.protocol, address, port };
  }

  /** The proxy's bound port, once {@link listen} has resolved. */
  get port(): number | undefined {
    return this.#listener.port;
  }

  /** The current faults, resolved. */
  get faults(): readonly FaultSpec[] {
    return this.#engine.specs;
  }

  /** A snapshot of the counters. */
  get stats(): FaultProxyStats {
    const stats = this.#stats;
    return Object.freeze({
      ...stats,
      connectionsOpen: this.#connections.size,
      faultsByType: Object.freeze({ ...stats.faultsByType }),
      faultsByAction: Object.freeze({ ...stats.faultsByAction }),
    });
  }

  /**
   * Replaces the faults during a run (see `FaultEngine.setSpecs`).
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `faults[i]…`; nothing changes then.
   */
  setFaults(faults: readonly FaultInput[]): void {
    this.#engine.setSpecs(faults);
    this.#hasFaults = this.#engine.specs.length > 0;
    this.#listener.sync();
  }

  /**
   * Listens (TCP) or binds the relay (UDP); resolves with the proxy's port. Idempotent.
   *
   * @throws EsaError `ESA_ERR_ADDRESS_IN_USE`, `ESA_ERR_NETWORK`, `ESA_ERR_CLOSED` after `close()`.
   */
  listen(): Promise<number> {
    this.#listening ??= this.#start();
    return this.#listening;
  }

  /** Destroys every proxied connection, closes the listener and the relay, cancels every timer. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #newEngine(specs: readonly FaultInput[], startMs: number | undefined): FaultEngine {
    return new FaultEngine(specs, {
      clock: this.#clock,
      random: this.options.random,
      onFault: (event) => this.#onFault(event),
      ...(startMs === undefined ? {} : { startMs }),
    });
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #closedError(operation: string): EsaError {
    return new EsaError('ESA_ERR_CLOSED', `The fault proxy is closed: ${operation} cannot be used after close()`);
  }

  async #start(): Promise<number> {
    if (this.#isClosed()) throw this.#closedError('listen()');
    this.#state = 'starting';
    this.#engine = this.#newEngine(this.#engine.specs, this.#clock.now());
    try {
      if (this.options.protocol === 'udp') await this.#openRelay();
      const port = await this.#listener.start();
      if (this.#isClosed()) throw this.#closedError('listen()');
      this.#state = 'listening';
      return port;
    } catch (error) {
      if (this.#isClosed()) throw this.#closedError('listen()');
      this.#relay?.close();
      this.#relay = undefined;
      throw error;
    }
  }

  async #openRelay(): Promise<void> {
    const { host, port } = this.options.upstream;
    const relay = this.options.network.createDatagramSocket(isIPv6Literal(host) ? 6 : 4);
    relay.on('error', (error) => this.#upstreamFailed(0, upstreamError(error, endpointKey(host, port), 'relaying a datagram')));
    this.#relay = relay;
    await relay.connect(host, port);
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closed';
    for (const timer of this.#delayedDatagrams) timer.cancel();
    this.#delayedDatagrams.clear();
    const closings: Promise<void>[] = [];
    for (const connection of [...this.#connections.values()]) {
      connection.ended ??= { by: 'server', reason: 'shutdown' };
      connection.client.destroy();
      connection.upstream?.destroy();
      closings.push(connection.closed);
      this.#finalize(connection);
    }
    await this.#listener.close();
    const relay = this.#relay;
    this.#relay = undefined;
    if (relay) {
      await new Promise<void>((resolve) => {
        relay.on('close', () => resolve());
        relay.close();
      });
    }
    await Promise.all(closings);
  }

  #onFault(event: FaultEvent): void {
    const stats = this.#stats;
    stats.faultsApplied++;
    stats.faultsByType[event.fault]++;
    stats.faultsByAction[event.action]++;
    if (event.action === 'reset' || event.action === 'close') this.#lastEndFault = event.fault;
    const onFault = this.options.onFault;
    if (onFault) callListeners(() => onFault(event));
    if (this.listenerCount('fault:applied') > 0) {
      callListeners(() => this.emit('fault:applied', { at: event.at, type: event.fault, action: event.action, detail: event.detail, peer: event.connection }));
    }
  }

  #upstreamFailed(connectionId: number, error: NetworkError): void {
    this.#stats.upstreamFailures++;
    callListeners(() => this.emit('upstream:failed', { at: this.#clock.now(), connectionId, error }));
  }

  #emitConnection(name: 'connection:opened' | 'connection:closed' | 'connection:reset', connection: ProxyConnection, extra: object): void {
    if (this.listenerCount(name) === 0) return;
    const payload = { at: this.#clock.now(), connectionId: connection.connectionId, peer: connection.peer, key: connection.key, ...extra };
    callListeners(() => (this.emit as (event: string, payload: unknown) => boolean)(name, payload));
  }

  // --- TCP ---

  #onConnection(client: StreamSocket): void {
    let markClientClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      markClientClosed = resolve;
    });
    const address = client.remoteAddress ?? '';
    const port = client.remotePort ?? 0;
    const peer: PeerAddress = Object.freeze({ address, port });
    const connection: ProxyConnection = {
      connectionId: ++this.#lastConnectionId,
      peer,
      key: endpointKey(address, port),
      client,
      upstream: undefined,
      faults: undefined,
      reader: undefined,
      ended: undefined,
      clientError: undefined,
      isUpstreamConnected: false,
      isUpstreamClosed: false,
      isClientClosed: false,
      isFinalized: false,
      out: [],
      outBytes: 0,
      pendingWrites: 0,
      afterWrites: [],
      timers: new Set(),
      closed,
      markClientClosed,
    };
    client.on('error', (error) => {
      connection.clientError ??= error;
    });
    client.on('close', () => {
      connection.isClientClosed = true;
      connection.markClientClosed();
      this.#onClientClosed(connection);
    });
    if (this.#isClosed()) {
      client.destroy();
      connection.isFinalized = true;
      return;
    }
    // Read nothing until the upstream has answered.
    client.pause();
    this.#stats.connectionsAccepted++;
    const active = this.#connections.size;
    this.#connections.set(connection.connectionId, connection);
    this.#emitConnection('connection:opened', connection, {});
    if (active >= this.options.maxConnections) {
      this.#stats.connectionsRefused++;
      this.#resetClient(connection, 'limit', undefined);
      return;
    }
    const faults = this.#engine.openConnection({ protocol: 'tcp', peer: connection.key, active });
    connection.faults = faults;
    if (faults.accept !== 'accept') {
      this.#stats.connectionsRefused++;
      this.#resetClient(connection, 'fault', faults.acceptedBy);
      return;
    }
    this.#connectUpstream(connection, faults);
  }

  #connectUpstream(connection: ProxyConnection, faults: ConnectionFaults): void {
    const { host, port } = this.options.upstream;
    const target = endpointKey(host, port);
    const upstream = this.options.network.connect({ host, port });
    connection.upstream = upstream;
    let failure: SocketError | undefined;
    const timeout = this.#schedule(connection, this.options.connectTimeoutMs, () => {
      if (connection.isUpstreamConnected) return;
      const error = Object.assign(new Error(`connect ETIMEDOUT ${target}`), { code: 'ETIMEDOUT', syscall: 'connect' });
      failure = error;
      upstream.destroy();
    });
    upstream.on('error', (error) => {
      failure ??= error;
    });
    upstream.on('connect', () => {
      timeout.cancel();
      connection.timers.delete(timeout);
      connection.isUpstreamConnected = true;
      if (connection.isFinalized || connection.ended !== undefined) {
        upstream.destroy();
        return;
      }
      this.#startReading(connection, faults);
    });
    upstream.on('data', (chunk) => {
      if (!connection.isClientClosed) connection.client.write(chunk);
    });
    upstream.on('end', () => {
      if (connection.ended === undefined) {
        connection.ended = { by: 'server', reason: 'upstream' };
        connection.reader?.dispose();
        this.#closeClient(connection);
      }
    });
    upstream.on('drain', () => {
      if (connection.reader?.isReading && !connection.reader.isPaused) connection.client.resume();
    });
    upstream.on('close', () => {
      connection.isUpstreamClosed = true;
      timeout.cancel();
      const phase = connection.isUpstreamConnected ? 'forwarding' : 'connecting';
      if (failure !== undefined || !connection.isUpstreamConnected) {
        if (connection.ended === undefined || connection.ended.reason === 'upstream') {
          this.#upstreamFailed(connection.connectionId, upstreamError(failure, target, phase));
        }
      }
      if (connection.ended === undefined) {
        // The upstream went away (refused, reset, closed): the client cannot be served any more.
        connection.ended = { by: 'server', reason: 'upstream', error: failure };
        connection.reader?.dispose();
        if (failure !== undefined) this.#resetClient(connection, 'upstream', undefined);
        else this.#closeClient(connection);
      }
      if (connection.isClientClosed) this.#finalize(connection);
    });
  }

  #startReading(connection: ProxyConnection, faults: ConnectionFaults): void {
    const { client } = connection;
    const reader = new FaultReader({
      socket: client,
      faults,
      hasFaults: () => this.#hasFaults,
      clock: this.#clock,
      framing: this.options.framing,
      maxFrameBytes: this.options.maxMessageBytes,
      hooks: {
        frame: (frame, decision, isFinal) => this.#onFrame(connection, reader, frame, decision, isFinal),
        oversize: (frame) => this.#onOversize(connection, frame.originalBytes, 'truncated'),
        framingError: (error) => {
          this.#stats.framingErrors++;
          connection.ended ??= { by: 'server', reason: 'framing', error };
          if (error.code === 'ESA_ERR_FRAME_TOO_LARGE') this.#onOversize(connection, oversizeCount(error), 'closed');
        },
        flush: () => this.#flush(connection),
        end: (action, reason) => this.#endByFault(connection, reader, action, reason),
        finished: () => {
          // The client ended: end the upstream after what was forwarded.
          this.#afterWrites(connection, () => connection.upstream?.end());
        },
      },
    });
    connection.reader = reader;
    client.on('data', (chunk) => {
      this.#stats.bytesReceived += chunk.length;
      reader.push(chunk);
    });
    client.on('end', () => reader.peerEnded());
    client.resume();
    reader.start();
  }

  #onFrame(connection: ProxyConnection, reader: FaultReader, frame: DecodedFrame, decision: ConnectionMessageDecision, isFinal: boolean): void {
    if (!decision.deliver) {
      this.#stats.messagesDiscarded++;
      return;
    }
    let bytes = frame.bytes;
    if (decision.truncateTo !== undefined && decision.truncateTo < bytes.length) {
      bytes = bytes.subarray(0, decision.truncateTo);
      this.#stats.truncated++;
    }
    this.#stats.messages++;
    // Frames are views into the chunk: copy nothing, the chunk stays referenced until the write.
    for (const part of encodeFrame(bytes, reader.decoder.framing, isFinal)) {
      connection.out.push(part);
      connection.outBytes += part.length;
    }
  }

  #onOversize(connection: ProxyConnection, byteLength: number, action: 'truncated' | 'closed'): void {
    this.#stats.oversize++;
    if (this.listenerCount('message:oversize') === 0) return;
    const payload: MessageOversizeEvent = {
      at: this.#clock.now(),
      protocol: 'tcp',
      connectionId: connection.connectionId,
      peer: connection.peer,
      key: connection.key,
      byteLength,
      maxMessageBytes: this.options.maxMessageBytes,
      action,
      code: 'ESA_ERR_MESSAGE_TOO_LARGE',
    };
    callListeners(() => this.emit('message:oversize', payload));
  }

  /** Writes the frames gathered for the chunk just processed to the upstream, in one write. */
  #flush(connection: ProxyConnection): void {
    const upstream = connection.upstream;
    if (connection.outBytes === 0 || upstream === undefined || connection.isUpstreamClosed) {
      connection.out = [];
      connection.outBytes = 0;
      return;
    }
    const bytes = concatBytes(connection.out, connection.outBytes);
    connection.out = [];
    connection.outBytes = 0;
    connection.pendingWrites++;
    this.#stats.bytesForwarded += bytes.length;
    const isWritable = upstream.write(bytes, () => {
      connection.pendingWrites--;
      if (connection.pendingWrites === 0) {
        for (const run of connection.afterWrites.splice(0)) run();
      }
    });
    // Back-pressure: stop reading the client until the upstream drains.
    if (!isWritable) connection.client.pause();
  }

  /** Runs `run` once the upstream writes so far have been handed to the network. */
  #afterWrites(connection: ProxyConnection, run: () => void): void {
    if (connection.pendingWrites === 0) run();
    else connection.afterWrites.push(run);
  }

  #endByFault(connection: ProxyConnection, reader: FaultReader, action: EndAction, reason: FaultReaderEndReason): void {
    if (reason === 'bytes') {
      // A byte limit cuts the stream: the partial frame before the cut was let through too.
      for (const frame of reader.takePartial()) this.#onFrame(connection, reader, frame, { deliver: true }, true);
      this.#flush(connection);
    }
    const fault = reason === 'framing' ? undefined : this.#lastEndFault;
    if (action === 'reset') {
      this.#resetClient(connection, 'fault', fault);
      return;
    }
    connection.ended ??= { by: 'server', reason: reason === 'framing' ? 'framing' : 'fault', fault };
    this.#closeClient(connection);
  }

  /** RST to the client at once; the upstream gets what was forwarded, then a RST as well. */
  #resetClient(connection: ProxyConnection, reason: 'fault' | 'limit' | 'upstream', fault: FaultType | undefined): void {
    this.#stats.connectionsReset++;
    connection.ended ??= { by: 'server', reason, fault };
    connection.reader?.dispose();
    connection.client.resetAndDestroy();
    const upstream = connection.upstream;
    if (upstream !== undefined && !connection.isUpstreamClosed) this.#afterWrites(connection, () => upstream.resetAndDestroy());
    if (reason !== 'upstream') this.#emitConnection('connection:reset', connection, { reason, fault });
  }

  /** FIN to the client and, after what was forwarded, to the upstream; both destroyed after `closeTimeoutMs`. */
  #closeClient(connection: ProxyConnection): void {
    connection.client.end();
    const upstream = connection.upstream;
    if (upstream !== undefined && !connection.isUpstreamClosed) this.#afterWrites(connection, () => upstream.end());
    this.#schedule(connection, this.options.closeTimeoutMs, () => {
      connection.client.destroy();
      connection.upstream?.destroy();
    });
  }

  #schedule(connection: ProxyConnection, delayMs: number, run: () => void): Timer {
    const timer = this.#clock.schedule(delayMs, () => {
      connection.timers.delete(timer);
      run();
    });
    connection.timers.add(timer);
    return timer;
  }

  #onClientClosed(connection: ProxyConnection): void {
    if (connection.isFinalized) return;
    const upstream = connection.upstream;
    if (connection.ended === undefined) {
      const error = connection.clientError;
      if (error === undefined) {
        // A FIN: the reader may still hold delayed chunks; its `finished` hook ends the upstream.
        connection.ended = { by: 'peer', reason: 'end' };
      } else {
        connection.ended = { by: 'peer', reason: error.code === 'ECONNRESET' ? 'reset' : 'error', error };
        connection.reader?.dispose();
        // The client reset: so does the proxy, upstream, after what was forwarded.
        if (upstream !== undefined && !connection.isUpstreamClosed) this.#afterWrites(connection, () => upstream.resetAndDestroy());
      }
      if (upstream !== undefined && !connection.isUpstreamConnected) upstream.destroy();
    }
    if (upstream === undefined || connection.isUpstreamClosed) {
      this.#finalize(connection);
      return;
    }
    // Wait (bounded) for the upstream to take what it was sent.
    this.#schedule(connection, this.options.closeTimeoutMs, () => upstream.destroy());
  }

  #finalize(connection: ProxyConnection): void {
    if (connection.isFinalized) return;
    connection.isFinalized = true;
    connection.reader?.dispose();
    connection.faults?.close();
    for (const timer of connection.timers) timer.cancel();
    connection.timers.clear();
    connection.afterWrites.length = 0;
    this.#connections.delete(connection.connectionId);
    const stats = this.#stats;
    stats.connectionsClosed++;
    const ended = connection.ended ?? { by: 'peer', reason: 'end' };
    if (ended.by === 'peer' && ended.reason === 'reset') stats.peerResets++;
    this.#emitConnection('connection:closed', connection, ended);
  }

  // --- UDP ---

  #onDatagram(data: Uint8Array, from: DatagramAddress): void {
    if (this.#isClosed()) return;
    const stats = this.#stats;
    stats.datagrams++;
    stats.bytesReceived += data.length;
    if (!this.#hasFaults) {
      this.#relayDatagram(data);
      return;
    }
    const decision = this.#engine.onDatagram({ peer: endpointKey(from.address, from.port), byteLength: data.length });
    if (!decision.deliver) {
      if (decision.refused) stats.datagramsRefused++;
      else stats.datagramsDropped++;
      return;
    }
    const bytes = decision.truncateTo !== undefined && decision.truncateTo < data.length ? data.subarray(0, decision.truncateTo) : data;
    if (bytes !== data) stats.truncated++;
    if (decision.delayMs <= 0) {
      this.#relayDatagram(bytes);
      return;
    }
    if (this.#delayedDatagrams.size >= this.options.maxQueuedDatagrams) {
      stats.datagramsDropped++;
      return;
    }
    const timer = this.#clock.schedule(decision.delayMs, () => {
      this.#delayedDatagrams.delete(timer);
      this.#relayDatagram(bytes);
    });
    this.#delayedDatagrams.add(timer);
  }

  #relayDatagram(bytes: Uint8Array): void {
    const relay = this.#relay;
    if (relay === undefined) return;
    this.#stats.messages++;
    this.#stats.bytesForwarded += bytes.length;
    const { host, port } = this.options.upstream;
    relay.send(bytes, (error) => {
      if (error) this.#upstreamFailed(0, upstreamError(error, endpointKey(host, port), 'relaying a datagram'));
    });
  }
}
