/**
 * `SyslogServer`: a syslog receiver (TCP or UDP, over any {@link Network}) that decodes, parses
 * and records every message, applies receiver-side faults through a {@link FaultEngine}, and
 * reports what it received to {@link DeliveryObserver}s (the ledger).
 *
 * @module
 */

import { isAscii } from 'node:buffer';
import { EventEmitter } from 'eventemitter3';
import { abortError, type Clock, type Timer } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { EsaError, InvalidOptionError } from '../core/errors.js';
import { DECODER_FRAMINGS, DEFAULT_MAX_FRAME_BYTES, MAX_FRAME_BYTES_LIMIT, type DecoderFraming } from '../core/framing.js';
import type { DeliveryObserver } from '../core/ledger.js';
import { callListeners, rethrowLater } from '../core/listeners.js';
import { endpointKey, type DatagramAddress, type Network, type SocketError, type StreamSocket } from '../core/network.js';
import type { Random, Seed } from '../core/random.js';
import { isParsableSyslogLine, parseSyslogLine, type ParsedSyslogLine, type ParseResult } from '../core/syslog-parse.js';
import { expectOneOf } from '../core/units.js';
import { FaultEngine, type ConnectionFaults, type ConnectionMessageDecision, type FaultEvent } from '../faults/fault-engine.js';
import { FAULT_ACTIONS, FAULT_TYPES, type EndAction, type FaultAction, type FaultType } from '../faults/fault.js';
import { resolveFaultInputs, type FaultInput } from '../faults/parse-fault.js';
import type { FaultSpec } from '../faults/spec.js';
import { nodeNetwork } from '../net/node-network.js';
import { FaultListener } from './fault-listener.js';
import { FaultReader, type FaultReaderEndReason } from './fault-reader.js';
import { RecordStore, type RecordSource, type StoredRecord } from './record-store.js';
import {
  expectBytes,
  expectClock,
  expectCount,
  expectDurationMs,
  expectHost,
  expectNetwork,
  expectObservers,
  expectOptionalFunction,
  expectOptionsObject,
  expectPort,
  oversizeCount,
  resolveRandom,
} from './server-helpers.js';

/** The default {@link SyslogServerOptions.maxMessageBytes}. */
export const DEFAULT_SERVER_MAX_MESSAGE_BYTES = DEFAULT_MAX_FRAME_BYTES;
/** The default {@link SyslogServerOptions.maxConnections}. */
export const DEFAULT_SERVER_MAX_CONNECTIONS = 1000;
/** The default {@link SyslogServerOptions.recordLimit}. */
export const DEFAULT_SERVER_RECORD_LIMIT = 100_000;
/** The default timeout of {@link SyslogServer.waitFor}, in ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

/** The transport protocol of a receiver. */
export type ServerProtocol = 'tcp' | 'udp';

/** Options of {@link SyslogServer}. */
export interface SyslogServerOptions {
  /**
   * `tcp` (LF-framed or octet-counted stream) or `udp` (one message per datagram).
   * @default 'tcp'
   */
  protocol?: ServerProtocol;
  /**
   * The address to listen on. Use `0.0.0.0` / `::` only when you mean to accept from other hosts.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The port, 0–65535; 0 picks any free port ({@link SyslogServer.listen} resolves with it).
   * @default 0
   */
  port?: number;
  /**
   * Receiver-side faults: spec objects or `--fault` texts (`"reset-after-bytes=412@first=1"`).
   * Windows (`@10s-40s`) count from {@link SyslogServer.listen}. Change them during a run with
   * {@link SyslogServer.setFaults}.
   * @default []
   */
  faults?: readonly FaultInput[];
  /**
   * TCP framing: `auto` decides per connection on its first byte (a digit → octet counting,
   * anything else → LF), as rsyslog's imtcp does; or force `lf` / `octet-counting`.
   * @default 'auto'
   */
  framing?: DecoderFraming;
  /**
   * The largest message kept, in bytes (a number or a size such as `"64k"`). A longer LF frame or
   * datagram is cut to this size, recorded with `truncated: true`, counted in `stats.oversize`
   * and reported as `message:oversize`; the connection is kept. An octet count above it cannot be
   * skipped safely, so that connection is closed (FIN) and reported the same way.
   * @default 65536
   */
  maxMessageBytes?: number | string;
  /**
   * Open TCP connections served at once; a connection beyond it is reset (RST) right after the
   * handshake and counted in `stats.connectionsRefused`.
   * @default 1000
   */
  maxConnections?: number;
  /**
   * How many received messages {@link SyslogServer.records} keeps (the oldest are evicted; the
   * counters keep counting). Bounds the memory of long runs; 0 keeps none.
   * @default 100000
   */
  recordLimit?: number;
  /**
   * How long a connection the server closed gracefully (FIN: `close-after-messages`,
   * `idle-timeout`, a framing error) may stay half-open waiting for the peer's FIN before it is
   * destroyed, in ms (or a duration such as `"5s"`).
   * @default 5000
   */
  closeTimeoutMs?: number | string;
  /**
   * UDP: datagrams held back by a delay fault (`latency`, `bandwidth`) at once; more are dropped
   * as a full receive buffer would drop them (counted in `stats.datagramsDropped`).
   * @default 10000
   */
  maxQueuedDatagrams?: number;
  /**
   * Who hears about every delivered message and every ended connection, e.g.
   * `[appliance.ledger.observer]`. Called before receiver-side faults cut a message.
   * @default []
   */
  observers?: readonly DeliveryObserver[];
  /**
   * The network stack to listen on.
   * @default nodeNetwork (real sockets)
   */
  network?: Network;
  /**
   * The clock for fault windows, delays, idle timeouts, `waitFor` timeouts and time stamps.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Randomness for probabilistic faults (`drop`, `@p=`, latency jitter). Give this or `seed`.
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

/** {@link SyslogServerOptions} validated and defaulted. */
export interface ResolvedSyslogServerOptions {
  readonly protocol: ServerProtocol;
  readonly host: string;
  readonly port: number;
  readonly faults: readonly FaultSpec[];
  readonly framing: DecoderFraming;
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly recordLimit: number;
  readonly closeTimeoutMs: number;
  readonly maxQueuedDatagrams: number;
  readonly observers: readonly DeliveryObserver[];
  readonly network: Network;
  readonly clock: Clock;
  readonly random: Random;
  readonly onFault: ((event: FaultEvent) => void) | undefined;
}

const SERVER_OPTION_KEYS = [
  'protocol',
  'host',
  'port',
  'faults',
  'framing',
  'maxMessageBytes',
  'maxConnections',
  'recordLimit',
  'closeTimeoutMs',
  'maxQueuedDatagrams',
  'observers',
  'network',
  'clock',
  'random',
  'seed',
  'onFault',
] as const;

/**
 * Validates and defaults {@link SyslogServerOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option (`faults[1].bytes`,
 * `port`, …), the value and what is allowed, for each option and for unknown keys.
 * @example
 * ```ts
 * resolveSyslogServerOptions({ faults: ['reset-after-bytes=412'] }).faults; // [{ type: 'reset-after-bytes', bytes: 412 }]
 * ```
 */
export function resolveSyslogServerOptions(options: SyslogServerOptions = {}): ResolvedSyslogServerOptions {
  const input = expectOptionsObject(options, SERVER_OPTION_KEYS);
  return Object.freeze({
    protocol: expectOneOf('protocol', input.protocol ?? 'tcp', ['tcp', 'udp'] as const),
    host: expectHost('host', input.host ?? '127.0.0.1'),
    port: expectPort('port', input.port ?? 0, 0),
    faults: resolveFaultInputs(input.faults ?? [], 'faults'),
    framing: expectOneOf('framing', input.framing ?? 'auto', DECODER_FRAMINGS),
    maxMessageBytes: expectBytes('maxMessageBytes', input.maxMessageBytes ?? DEFAULT_SERVER_MAX_MESSAGE_BYTES, 1, MAX_FRAME_BYTES_LIMIT),
    maxConnections: expectCount('maxConnections', input.maxConnections ?? DEFAULT_SERVER_MAX_CONNECTIONS, 1, 1_000_000, 'connections'),
    recordLimit: expectCount('recordLimit', input.recordLimit ?? DEFAULT_SERVER_RECORD_LIMIT, 0, 100_000_000, 'messages'),
    closeTimeoutMs: expectDurationMs('closeTimeoutMs', input.closeTimeoutMs ?? 5000, 0),
    maxQueuedDatagrams: expectCount('maxQueuedDatagrams', input.maxQueuedDatagrams ?? 10_000, 1, 10_000_000, 'datagrams'),
    observers: input.observers === undefined ? Object.freeze([]) : expectObservers(input.observers),
    network: input.network === undefined ? nodeNetwork : expectNetwork(input.network),
    clock: input.clock === undefined ? systemClock : expectClock(input.clock),
    random: resolveRandom(input.random, input.seed),
    onFault: expectOptionalFunction<(event: FaultEvent) => void>('onFault', input.onFault, '(event) => void'),
  });
}

/** A peer endpoint. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** One message the server received and kept. */
export interface ReceivedMessage {
  /** 1, 2, … in arrival order, over the server's life (`clear()` does not restart it). */
  readonly seq: number;
  /** Receive time on the server's clock (ms). */
  readonly at: number;
  /** `tcp` or `udp`. */
  readonly protocol: ServerProtocol;
  /** The sender's endpoint. */
  readonly peer: PeerAddress;
  /** `endpointKey(peer.address, peer.port)`: the key the ledger correlates on. */
  readonly key: string;
  /** The server's id of the TCP connection (1, 2, …); 0 for UDP. */
  readonly connectionId: number;
  /**
   * The message as decoded from the frame or datagram (UTF-8, invalid bytes replaced by U+FFFD),
   * framing removed (LF, a CR before it, the octet count; one trailing LF of a datagram).
   */
  readonly raw: string;
  /** The message's size in bytes as kept (after any cut). */
  readonly byteLength: number;
  /** TCP: stream bytes consumed through the end of this frame (the ledger's evidence). */
  readonly streamEnd: number | undefined;
  /** The parsed syslog line, or `undefined` when it did not parse. */
  readonly parsed: ParsedSyslogLine | undefined;
  /** Why it did not parse. */
  readonly parseError?: { readonly reason: string; readonly offset: number } | undefined;
  /** Whether the frame was longer than `maxMessageBytes` and cut to it. */
  readonly truncated: boolean;
  /** When a `truncate` fault cut the message: the size it was cut to, in bytes. */
  readonly faultTruncatedTo?: number | undefined;
}

/** Counters of a {@link SyslogServer} (a snapshot). */
export interface SyslogServerStats {
  /** TCP connections the listener accepted (including those reset right away). */
  readonly connectionsAccepted: number;
  /** TCP connections open now. */
  readonly connectionsOpen: number;
  /** TCP connections turned away right after the handshake (RST): `maxConnections`, `reset-on-connect`, `busy`, a conditional `refuse`. */
  readonly connectionsRefused: number;
  /** TCP connections the server reset (RST), at accept or later. */
  readonly connectionsReset: number;
  /** TCP connections that ended, whatever the way. */
  readonly connectionsClosed: number;
  /** TCP connections the peer reset (`ECONNRESET`). */
  readonly peerResets: number;
  /** Messages recorded (TCP frames and UDP datagrams kept). */
  readonly messages: number;
  /** Messages decoded but discarded by a fault (e.g. `reset-after-messages=0`). */
  readonly messagesDiscarded: number;
  /** Bytes received from the network (stream bytes and datagram payloads, before faults). */
  readonly bytes: number;
  /** Recorded messages that did not parse as syslog. */
  readonly parseErrors: number;
  /** Frames or datagrams over `maxMessageBytes` (cut, or their connection closed). */
  readonly oversize: number;
  /** Messages cut by a `truncate` fault. */
  readonly truncated: number;
  /** Framing errors (bad octet count, stream ended inside an octet-counted frame). */
  readonly framingErrors: number;
  /** Datagrams received. */
  readonly datagrams: number;
  /** Datagrams lost to `drop` or `stall`, or to a full delay queue. */
  readonly datagramsDropped: number;
  /** Datagrams refused by a conditional `refuse` (a real socket cannot answer ICMP for one datagram: they are not read). */
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

/** A TCP connection, as events name it. */
export interface ServerConnectionRef {
  /** The server's id of the connection (1, 2, …). */
  readonly connectionId: number;
  /** The sender's endpoint. */
  readonly peer: PeerAddress;
  /** `endpointKey` of the peer. */
  readonly key: string;
}

/** Why a connection ended (see {@link ServerConnectionClosedEvent}). */
export type ConnectionCloseReason = 'end' | 'reset' | 'error' | 'fault' | 'limit' | 'framing' | 'shutdown';

/** Payload of `message:received`. */
export interface MessageReceivedEvent {
  readonly at: number;
  readonly message: ReceivedMessage;
}

/** Payload of `message:oversize`. */
export interface MessageOversizeEvent {
  readonly at: number;
  readonly protocol: ServerProtocol;
  /** 0 for UDP. */
  readonly connectionId: number;
  readonly peer: PeerAddress;
  readonly key: string;
  /**
   * The frame's size in bytes. For an octet count over the limit: the count as far as it was read
   * when it passed the limit (`70` of `70000` with a limit of 64) — a lower bound.
   */
  readonly byteLength: number;
  /** The limit, in bytes. */
  readonly maxMessageBytes: number;
  /** `truncated`: cut to the limit and kept; `closed`: an octet count over it closed the connection. */
  readonly action: 'truncated' | 'closed';
  /** Always `ESA_ERR_MESSAGE_TOO_LARGE`: the code of this refusal, as in the README's error table. */
  readonly code: 'ESA_ERR_MESSAGE_TOO_LARGE';
}

/** Payload of `connection:opened`. */
export interface ServerConnectionOpenedEvent extends ServerConnectionRef {
  readonly at: number;
}

/** Payload of `connection:closed`. */
export interface ServerConnectionClosedEvent extends ServerConnectionRef {
  readonly at: number;
  /** Who ended it: the `peer` (FIN, RST, error) or the `server` (a fault, a limit, a framing error, `close()`). */
  readonly by: 'peer' | 'server';
  /**
   * `end` (peer FIN), `reset` (peer RST), `error` (another socket error), `fault` (see `fault`),
   * `limit` (`maxConnections`), `framing` (bad or oversize octet count), `shutdown` (`close()`).
   */
  readonly reason: ConnectionCloseReason;
  /** The fault that ended it, for `reason: 'fault'`. */
  readonly fault?: FaultType | undefined;
  /** The socket error (`reason: 'reset' | 'error'`) or the framing error (`ESA_ERR_FRAMING`, `ESA_ERR_FRAME_TOO_LARGE`). */
  readonly error?: Error | undefined;
}

/** Payload of `connection:reset` (the server sent a RST). */
export interface ServerConnectionResetEvent extends ServerConnectionRef {
  readonly at: number;
  /** `fault` (see `fault`) or `limit` (`maxConnections`). */
  readonly reason: 'fault' | 'limit';
  /** The fault that reset it. */
  readonly fault?: FaultType | undefined;
}

/** Payload of `fault:applied`. */
export interface FaultAppliedEvent {
  readonly at: number;
  /** The fault's type. */
  readonly type: FaultType;
  /** What it did. */
  readonly action: FaultAction;
  /** One line for people (`reset after 412 bytes`). */
  readonly detail: string;
  /** The peer (`host:port`) it concerned, when it concerned one. */
  readonly peer?: string | undefined;
}

/** Payload of `listener:listening` and `listener:refusing`. */
export interface ListenerEvent {
  readonly at: number;
  readonly protocol: ServerProtocol;
  readonly host: string;
  readonly port: number;
}

/** Payload of `listener:failed`: re-listening after a refuse window failed; retried after `retryInMs`. */
export interface ListenerFailedEvent extends ListenerEvent {
  readonly error: EsaError;
  readonly retryInMs: number;
}

/** The events of a {@link SyslogServer}. */
export interface SyslogServerEvents {
  /** A message was recorded. */
  'message:received': (event: MessageReceivedEvent) => void;
  /** A frame or datagram was over `maxMessageBytes`. */
  'message:oversize': (event: MessageOversizeEvent) => void;
  /** A TCP connection was accepted. */
  'connection:opened': (event: ServerConnectionOpenedEvent) => void;
  /** A TCP connection ended (exactly once per `connection:opened`). */
  'connection:closed': (event: ServerConnectionClosedEvent) => void;
  /** The server reset a TCP connection (RST). */
  'connection:reset': (event: ServerConnectionResetEvent) => void;
  /** A fault did something. */
  'fault:applied': (event: FaultAppliedEvent) => void;
  /** The listener accepts (again, after a refuse window). */
  'listener:listening': (event: ListenerEvent) => void;
  /** The listener closed for a `refuse` window (TCP: connection refused; UDP: ICMP port unreachable). */
  'listener:refusing': (event: ListenerEvent) => void;
  /** Re-listening on the same port failed. */
  'listener:failed': (event: ListenerFailedEvent) => void;
}

/** The condition of {@link SyslogServer.waitFor}. */
export type WaitCondition = number | ((records: readonly ReceivedMessage[], stats: SyslogServerStats) => boolean);

/** Options of {@link SyslogServer.waitFor}. */
export interface WaitForOptions {
  /**
   * How long to wait on the server's clock, in ms (or a duration such as `"2s"`).
   * @default 5000
   */
  timeoutMs?: number | string;
  /** Aborts the wait (rejects with `ESA_ERR_ABORTED`). */
  signal?: AbortSignal;
}

interface Connection extends ServerConnectionRef {
  readonly socket: StreamSocket;
  /** What its records point to (not the connection itself, which holds the socket). */
  readonly source: RecordSource;
  faults: ConnectionFaults | undefined;
  reader: FaultReader | undefined;
  ended: { by: 'peer' | 'server'; reason: ConnectionCloseReason; fault?: FaultType | undefined; error?: Error | undefined } | undefined;
  error: SocketError | undefined;
  isPeerEnded: boolean;
  isSocketClosed: boolean;
  isFinalized: boolean;
  closeTimer: Timer | undefined;
  readonly closed: Promise<void>;
  markClosed: () => void;
}

interface Waiter {
  readonly isMet: () => boolean;
  readonly settle: (error?: unknown) => void;
}

type MutableStats = { -readonly [K in keyof SyslogServerStats]: SyslogServerStats[K] } & {
  faultsByType: Record<FaultType, number>;
  faultsByAction: Record<FaultAction, number>;
};

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function newStats(): MutableStats {
  return {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    connectionsRefused: 0,
    connectionsReset: 0,
    connectionsClosed: 0,
    peerResets: 0,
    messages: 0,
    messagesDiscarded: 0,
    bytes: 0,
    parseErrors: 0,
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

/**
 * A syslog receiver for tests and simulations: TCP (LF or octet-counted frames, detected per
 * connection) or UDP, on real sockets or a virtual network, with receiver-side faults.
 *
 * - **Recording**: every message is decoded (UTF-8), parsed ({@link parseSyslogLine}) and kept in
 *   {@link records} (the last `recordLimit`), counted in {@link stats} and emitted as
 *   `message:received`. Observers (the ledger) hear of every delivered message with its stream
 *   offset (TCP) or text (UDP) — an observer with `messagesReceived` once per run of a chunk's
 *   TCP messages instead —, and of every ended connection, exactly once.
 * - **Faults** ({@link FaultEngine} decides, the server acts): `reset` → `resetAndDestroy()` (a
 *   real RST); `close` → `end()` (FIN; destroyed after `closeTimeoutMs` if the peer keeps its side
 *   open); `stall` → the socket is paused and never read; `latency`/`bandwidth` → the socket is
 *   paused and the chunk processed when the delay has passed on the clock (order kept);
 *   `truncate` cuts messages after the observers heard of them; `refuse` → the listener is closed
 *   for the window (TCP: connection refused; UDP: the socket is closed, so the stack answers ICMP
 *   port unreachable) and re-opened on the same port afterwards. A conditional `refuse`
 *   (`@p=`, `@first=`) is decided per connection and acted on as a reset right after the
 *   handshake (a listener that accepted cannot refuse any more); per datagram, as not reading it.
 * - **End of a connection**: a peer FIN delivers a trailing partial LF frame; a RST (either way)
 *   discards it. Socket errors never escape.
 * - **Bounded memory**: `maxConnections`, `maxMessageBytes` (the decoder's limit), `recordLimit`,
 *   `maxQueuedDatagrams`.
 *
 * @example
 * ```ts
 * const server = new SyslogServer({ protocol: 'tcp', faults: ['reset-after-bytes=412@first=1'] });
 * const port = await server.listen();
 * // … send to 127.0.0.1:port …
 * await server.waitFor(10);
 * console.log(server.records.map((record) => record.parsed?.tag), server.stats.connectionsReset);
 * await server.close();
 * ```
 */
export class SyslogServer extends EventEmitter<SyslogServerEvents> {
  /** The resolved options. */
  readonly options: ResolvedSyslogServerOptions;
  readonly #clock: Clock;
  readonly #observers: readonly DeliveryObserver[];
  /** The observers told of every TCP message, and those told once per run (`messagesReceived`). */
  readonly #messageObservers: readonly DeliveryObserver[];
  readonly #runObservers: readonly DeliveryObserver[];
  /**
   * The run of delivered TCP messages that {@link #runObservers} have not heard of yet: one
   * connection, one receive time, `#runCount` messages, the last ending at `#runEnd`. Reported
   * at the end of each chunk and before anything else can look (a listener, a fault event).
   */
  #runConnection: Connection | undefined;
  #runAt = 0;
  #runEnd = 0;
  #runCount = 0;
  readonly #store: RecordStore<ReceivedMessage>;
  /** UDP senders, shared by their records (cleared when it grows past {@link UDP_SOURCES_LIMIT}). */
  readonly #udpSources = new Map<string, RecordSource>();
  /** The chunk whose text {@link #chunkText} holds (ASCII chunks are decoded once, then sliced per frame). */
  #textChunk: Uint8Array | undefined;
  #chunkText: string | undefined;
  /** The receive time of the frames of the chunk being processed (one clock read per chunk). */
  #chunkAt: number | undefined;
  readonly #connections = new Map<number, Connection>();
  readonly #waiters = new Set<Waiter>();
  readonly #delayedDatagrams = new Set<Timer>();
  readonly #listener: FaultListener;
  #stats = newStats();
  #engine: FaultEngine;
  #hasFaults: boolean;
  #state: 'new' | 'starting' | 'listening' | 'closed' = 'new';
  #listening: Promise<number> | undefined;
  #closing: Promise<void> | undefined;
  #lastConnectionId = 0;
  #seq = 0;
  #sinceClear = 0;
  #isWaiterCheckQueued = false;
  /** Whether the observers heard `receiverListening` (they then hear `receiverClosed` at close). */
  #isAnnounced = false;
  /** The fault type of the latest reset/close decision: the reader's `end` hook names it. */
  #lastEndFault: FaultType | undefined;

  /** @throws InvalidOptionError for an invalid option (see {@link resolveSyslogServerOptions}). */
  constructor(options: SyslogServerOptions = {}) {
    super();
    this.options = resolveSyslogServerOptions(options);
    this.#clock = this.options.clock;
    this.#observers = this.options.observers;
    this.#runObservers = this.#observers.filter((observer) => typeof observer.messagesReceived === 'function');
    this.#messageObservers = this.#observers.filter((observer) => typeof observer.messagesReceived !== 'function');
    this.#store = new RecordStore(this.options.recordLimit, (record) => this.#materialize(record));
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

  /** The bound endpoint, once {@link listen} has resolved (also while refusing). */
  get address(): { readonly protocol: ServerProtocol; readonly address: string; readonly port: number } | undefined {
    const { address, port } = this.#listener;
    if (port === undefined || address === undefined) return undefined;
    return { protocol: this.options.protocol, address, port };
  }

  /** The bound port, once {@link listen} has resolved. */
  get port(): number | undefined {
    return this.#listener.port;
  }

  /** Whether the server accepts connections or datagrams now (false before `listen()`, during a refuse window, after `close()`). */
  get isAccepting(): boolean {
    return this.#listener.isAccepting;
  }

  /** The kept messages, oldest first (at most `recordLimit`). A frozen snapshot. */
  get records(): readonly ReceivedMessage[] {
    return this.#store.toArray();
  }

  /** The current faults, resolved. */
  get faults(): readonly FaultSpec[] {
    return this.#engine.specs;
  }

  /** A snapshot of the counters. */
  get stats(): SyslogServerStats {
    const stats = this.#stats;
    return Object.freeze({
      ...stats,
      connectionsOpen: this.#connections.size,
      faultsByType: Object.freeze({ ...stats.faultsByType }),
      faultsByAction: Object.freeze({ ...stats.faultsByAction }),
    });
  }

  /** One line per current fault (`explain()`). */
  explainFaults(): string[] {
    return this.#engine.explain();
  }

  /** The `raw` text of every kept message, oldest first. */
  messages(): string[] {
    return this.records.map((record) => record.raw);
  }

  /**
   * The kept messages as lines, oldest first: each message's `raw` text split at embedded LFs
   * (a datagram or an octet-counted frame may carry several), as a file output would hold them.
   */
  lines(): string[] {
    return this.records.flatMap((record) => record.raw.split('\n'));
  }

  /** Forgets the kept messages (counters and `seq` keep counting; `waitFor(n)` counts from here). */
  clear(): void {
    this.#store.clear();
    this.#sinceClear = 0;
  }

  /**
   * Replaces the faults during a run (see `FaultEngine.setSpecs`): windows stay relative to
   * `listen()`; open connections get the new faults from their next decision.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `faults[i]…`; nothing changes then.
   */
  setFaults(faults: readonly FaultInput[]): void {
    this.#engine.setSpecs(faults);
    this.#hasFaults = this.#engine.specs.length > 0;
    this.#listener.sync();
  }

  /**
   * Starts listening (TCP) or binds (UDP). Resolves with the bound port — also when a `refuse`
   * fault is active from the start: the server then binds to learn the port and closes again
   * until the window ends. Idempotent: returns the same promise.
   *
   * @throws EsaError `ESA_ERR_ADDRESS_IN_USE` (port taken or not permitted), `ESA_ERR_NETWORK`,
   * `ESA_ERR_CLOSED` after `close()`.
   */
  listen(): Promise<number> {
    this.#listening ??= this.#start();
    return this.#listening;
  }

  /**
   * Resolves when the condition holds: a count (`waitFor(10)`: ten messages recorded since the
   * last {@link clear}), or a predicate over the kept records and the counters, re-checked as
   * messages arrive, faults act and connections end. Resolves with the kept records.
   *
   * @throws EsaError `ESA_ERR_WAIT_TIMEOUT` when `timeoutMs` passes on the server's clock first,
   * `ESA_ERR_ABORTED` when `signal` aborts, `ESA_ERR_CLOSED` when the server closes;
   * InvalidOptionError for a bad condition or option.
   */
  waitFor(condition: WaitCondition, options: WaitForOptions = {}): Promise<readonly ReceivedMessage[]> {
    let isMet: () => boolean;
    let timeoutMs: number;
    try {
      if (typeof condition === 'number') {
        const count = expectCount('condition', condition, 0, Number.MAX_SAFE_INTEGER, 'messages');
        isMet = () => this.#sinceClear >= count;
      } else if (typeof condition === 'function') {
        isMet = () => condition(this.records, this.stats);
      } else {
        throw new InvalidOptionError('condition', condition, 'a message count or a predicate (records, stats) => boolean');
      }
      const input = expectOptionsObject(options, ['timeoutMs', 'signal']);
      timeoutMs = expectDurationMs('timeoutMs', input.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#state === 'closed') return Promise.reject(this.#closedError('waitFor()'));
    if (isMet()) return Promise.resolve(this.records);
    return new Promise((resolve, reject) => {
      const describe = (): string =>
        typeof condition === 'number' ? `${this.#sinceClear} of ${condition} messages arrived` : `the predicate still failed (${this.#sinceClear} messages since clear())`;
      const settle = (error?: unknown): void => {
        this.#waiters.delete(waiter);
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(this.records);
        else reject(error);
      };
      const waiter: Waiter = { isMet, settle };
      const timer = this.#clock.schedule(timeoutMs, () =>
        settle(new EsaError('ESA_ERR_WAIT_TIMEOUT', `SyslogServer.waitFor() timed out after ${timeoutMs} ms: ${describe()}`)),
      );
      const onAbort = (): void => settle(abortError(signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * Stops: destroys open connections (observers hear `connectionEnded` for each, at once), closes
   * the listener or socket, cancels every timer of the server, rejects pending `waitFor()`s with
   * `ESA_ERR_CLOSED`, and resolves once the network has closed the sockets. Idempotent: returns
   * the same promise. On a `VirtualNetwork` sockets close in virtual time: keep its clock moving
   * while you await (e.g. `const closing = server.close(); await clock.runAll(); await closing`).
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- lifecycle ---

  #newEngine(specs: readonly FaultInput[], startMs: number | undefined): FaultEngine {
    return new FaultEngine(specs, {
      clock: this.#clock,
      random: this.options.random,
      onFault: (event) => this.#onFault(event),
      ...(startMs === undefined ? {} : { startMs }),
    });
  }

  async #start(): Promise<number> {
    if (this.#state === 'closed') throw this.#closedError('listen()');
    this.#state = 'starting';
    // Fault windows count from now.
    this.#engine = this.#newEngine(this.#engine.specs, this.#clock.now());
    try {
      const port = await this.#listener.start();
      if (!this.#isClosed()) {
        this.#state = 'listening';
        this.#isAnnounced = true;
        const evidence = { at: this.#clock.now() };
        for (const observer of this.#observers) callListeners(() => observer.receiverListening?.(evidence));
      }
      return port;
    } catch (error) {
      if (this.#isClosed()) throw this.#closedError('listen()');
      throw error;
    }
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closed';
    for (const timer of this.#delayedDatagrams) timer.cancel();
    this.#delayedDatagrams.clear();
    for (const waiter of [...this.#waiters]) waiter.settle(this.#closedError('waitFor()'));
    const closings: Promise<void>[] = [];
    for (const connection of [...this.#connections.values()]) {
      connection.ended ??= { by: 'server', reason: 'shutdown' };
      connection.socket.destroy();
      closings.push(connection.closed);
      this.#finalize(connection);
    }
    await this.#listener.close();
    await Promise.all(closings);
    if (this.#isAnnounced) {
      // After every connectionEnded: nothing more will come from this receiver.
      const evidence = { at: this.#clock.now() };
      for (const observer of this.#observers) callListeners(() => observer.receiverClosed?.(evidence));
    }
  }

  /** A method, not a field read, so that TypeScript does not narrow it across an `await`. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #closedError(operation: string): EsaError {
    return new EsaError('ESA_ERR_CLOSED', `The ${this.options.protocol.toUpperCase()} syslog server is closed: ${operation} cannot be used after close()`);
  }

  #onFault(event: FaultEvent): void {
    // Its listeners see the observers as up to date as they were before runs were reported at once.
    this.#reportRun();
    const stats = this.#stats;
    stats.faultsApplied++;
    stats.faultsByType[event.fault]++;
    stats.faultsByAction[event.action]++;
    if (event.action === 'reset' || event.action === 'close') this.#lastEndFault = event.fault;
    this.#queueWaiterCheck();
    const onFault = this.options.onFault;
    if (onFault) callListeners(() => onFault(event));
    if (this.listenerCount('fault:applied') > 0) {
      callListeners(() =>
        this.emit('fault:applied', { at: event.at, type: event.fault, action: event.action, detail: event.detail, peer: event.connection }),
      );
    }
  }

  // --- TCP ---

  #onConnection(socket: StreamSocket): void {
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    const connectionId = ++this.#lastConnectionId;
    const peer = Object.freeze({ address, port });
    const key = endpointKey(address, port);
    const connection: Connection = {
      connectionId,
      peer,
      key,
      socket,
      source: Object.freeze({ protocol: 'tcp' as const, peer, key, connectionId }),
      faults: undefined,
      reader: undefined,
      ended: undefined,
      error: undefined,
      isPeerEnded: false,
      isSocketClosed: false,
      isFinalized: false,
      closeTimer: undefined,
      closed,
      markClosed,
    };
    socket.on('error', (error) => {
      connection.error ??= error;
    });
    socket.on('close', () => this.#onSocketClose(connection));
    if (this.#isClosed()) {
      socket.destroy();
      connection.isFinalized = true;
      return;
    }
    this.#stats.connectionsAccepted++;
    const active = this.#connections.size;
    this.#connections.set(connection.connectionId, connection);
    this.#emitConnection('connection:opened', connection, {});
    if (active >= this.options.maxConnections) {
      this.#stats.connectionsRefused++;
      this.#resetConnection(connection, 'limit', undefined);
      return;
    }
    const faults = this.#engine.openConnection({ protocol: 'tcp', peer: connection.key, active });
    connection.faults = faults;
    if (faults.accept !== 'accept') {
      this.#stats.connectionsRefused++;
      this.#resetConnection(connection, 'fault', faults.acceptedBy);
      return;
    }
    const reader = new FaultReader({
      socket,
      faults,
      hasFaults: () => this.#hasFaults,
      clock: this.#clock,
      framing: this.options.framing,
      maxFrameBytes: this.options.maxMessageBytes,
      hooks: {
        frame: (frame, decision, _isFinal, chunk) =>
          this.#onFrame(connection, frame.bytes, 0, frame.bytes.length, frame.streamEnd, frame.action === 'truncated', decision, chunk),
        span: (bytes, start, end, streamEnd, isTruncated, decision, chunk) =>
          this.#onFrame(connection, bytes, start, end, streamEnd, isTruncated, decision, chunk),
        oversize: (frame) => this.#onOversize(connection, frame.originalBytes, 'truncated'),
        framingError: (error) => {
          this.#stats.framingErrors++;
          connection.ended ??= { by: 'server', reason: 'framing', error };
          if (error.code === 'ESA_ERR_FRAME_TOO_LARGE') this.#onOversize(connection, oversizeCount(error), 'closed');
        },
        flush: () => {
          this.#reportRun();
          this.#store.release();
          this.#textChunk = undefined;
          this.#chunkText = undefined;
          this.#chunkAt = undefined;
        },
        end: (action, reason) => this.#endConnection(connection, action, reason),
        finished: () => {
          if (connection.isSocketClosed) this.#finalize(connection);
          else socket.end();
        },
      },
    });
    connection.reader = reader;
    reader.start();
    socket.on('data', (chunk) => {
      this.#stats.bytes += chunk.length;
      reader.push(chunk);
    });
    socket.on('end', () => {
      connection.isPeerEnded = true;
      reader.peerEnded();
    });
  }

  #resetConnection(connection: Connection, reason: 'fault' | 'limit', fault: FaultType | undefined): void {
    this.#stats.connectionsReset++;
    connection.ended ??= { by: 'server', reason, fault };
    connection.reader?.dispose();
    connection.socket.resetAndDestroy();
    this.#emitConnection('connection:reset', connection, { reason, fault });
  }

  #endConnection(connection: Connection, action: EndAction, reason: FaultReaderEndReason): void {
    const fault = reason === 'framing' ? undefined : this.#lastEndFault;
    if (action === 'reset') {
      this.#resetConnection(connection, 'fault', fault);
      return;
    }
    connection.ended ??= { by: 'server', reason: reason === 'framing' ? 'framing' : 'fault', fault };
    connection.socket.end();
    connection.closeTimer = this.#clock.schedule(this.options.closeTimeoutMs, () => {
      connection.closeTimer = undefined;
      connection.socket.destroy();
    });
  }

  #onSocketClose(connection: Connection): void {
    connection.isSocketClosed = true;
    connection.markClosed();
    const reader = connection.reader;
    // A FIN with chunks still delayed: read them first; the reader's `finished` finalizes.
    if (reader?.isReading && reader.hasPendingChunks && connection.isPeerEnded && connection.error === undefined) return;
    this.#finalize(connection);
  }

  /** The connection is over: observers and listeners hear it exactly once. */
  #finalize(connection: Connection): void {
    if (connection.isFinalized) return;
    this.#reportRun();
    connection.isFinalized = true;
    connection.reader?.dispose();
    connection.faults?.close();
    connection.closeTimer?.cancel();
    connection.closeTimer = undefined;
    this.#connections.delete(connection.connectionId);
    const stats = this.#stats;
    stats.connectionsClosed++;
    let ended = connection.ended;
    if (ended === undefined) {
      const error = connection.error;
      if (error === undefined) ended = { by: 'peer', reason: 'end' };
      else if (error.code === 'ECONNRESET') ended = { by: 'peer', reason: 'reset', error };
      else ended = { by: 'peer', reason: 'error', error };
    }
    if (ended.by === 'peer' && ended.reason === 'reset') stats.peerResets++;
    const at = this.#clock.now();
    const evidence = { at, key: connection.key, connectionId: connection.connectionId };
    for (const observer of this.#observers) callListeners(() => observer.connectionEnded(evidence));
    this.#emitConnection('connection:closed', connection, ended);
    this.#queueWaiterCheck();
  }

  #emitConnection<E extends 'connection:opened' | 'connection:closed' | 'connection:reset'>(name: E, connection: Connection, extra: object): void {
    if (this.listenerCount(name) === 0) return;
    const payload = { at: this.#clock.now(), connectionId: connection.connectionId, peer: connection.peer, key: connection.key, ...extra };
    callListeners(() => (this.emit as (event: string, payload: unknown) => boolean)(name, payload));
  }

  /** A frame, `bytes[start, end)`, was decoded from `chunk` (see the reader's `span` hook). */
  #onFrame(
    connection: Connection,
    bytes: Uint8Array,
    start: number,
    end: number,
    streamEnd: number,
    isTruncated: boolean,
    decision: ConnectionMessageDecision,
    chunk: Uint8Array | undefined,
  ): void {
    if (!decision.deliver) {
      this.#stats.messagesDiscarded++;
      return;
    }
    const at = (this.#chunkAt ??= this.#clock.now());
    if (this.#runObservers.length > 0) {
      if (this.#runCount > 0 && (this.#runConnection !== connection || this.#runAt !== at)) this.#reportRun();
      this.#runConnection = connection;
      this.#runAt = at;
      this.#runEnd = streamEnd;
      this.#runCount++;
    }
    if (this.#messageObservers.length > 0) {
      const evidence = { at, protocol: 'tcp' as const, key: connection.key, connectionId: connection.connectionId, streamEnd };
      // No callListeners() closure per message and observer here: it is measurable.
      for (const observer of this.#messageObservers) {
        try {
          observer.messageReceived(evidence);
        } catch (error) {
          rethrowLater(error);
        }
      }
    }
    let faultTruncatedTo: number | undefined;
    if (decision.truncateTo !== undefined && decision.truncateTo < end - start) {
      end = start + decision.truncateTo;
      faultTruncatedTo = decision.truncateTo;
      this.#stats.truncated++;
    }
    // The text is needed only by `message:received` listeners (records are rebuilt from bytes).
    const isListened = this.listenerCount('message:received') > 0;
    const raw = isListened ? this.#textOf(bytes, start, end, chunk) : undefined;
    this.#record(at, connection.source, bytes, start, end, raw, isListened, streamEnd, isTruncated, faultTruncatedTo);
  }

  /** Tells the run observers of the TCP messages delivered since they last heard (see {@link #runConnection}). */
  #reportRun(): void {
    const count = this.#runCount;
    if (count === 0) return;
    const connection = this.#runConnection as Connection;
    this.#runCount = 0;
    this.#runConnection = undefined;
    const evidence = { at: this.#runAt, protocol: 'tcp' as const, key: connection.key, connectionId: connection.connectionId, streamEnd: this.#runEnd };
    for (const observer of this.#runObservers) {
      try {
        (observer.messagesReceived as NonNullable<DeliveryObserver['messagesReceived']>)(evidence, count);
      } catch (error) {
        rethrowLater(error);
      }
    }
  }

  /**
   * The UTF-8 text of `bytes[start, end)`. An ASCII chunk is decoded once and each of its frames
   * is a slice of that string (three times cheaper than decoding frame by frame).
   */
  #textOf(bytes: Uint8Array, start: number, end: number, chunk: Uint8Array | undefined): string {
    if (chunk !== undefined && bytes.buffer === chunk.buffer) {
      if (chunk !== this.#textChunk) {
        this.#textChunk = chunk;
        this.#chunkText = isAscii(chunk) ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1') : undefined;
      }
      const text = this.#chunkText;
      const from = bytes.byteOffset - chunk.byteOffset + start;
      const to = from + end - start;
      if (text !== undefined && from >= 0 && to <= chunk.length) return text.substring(from, to);
    }
    return textDecoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  }

  #onOversize(ref: ServerConnectionRef, byteLength: number, action: 'truncated' | 'closed'): void {
    this.#reportRun();
    this.#stats.oversize++;
    if (this.listenerCount('message:oversize') === 0) return;
    const payload: MessageOversizeEvent = {
      at: this.#clock.now(),
      protocol: this.options.protocol,
      connectionId: ref.connectionId,
      peer: ref.peer,
      key: ref.key,
      byteLength,
      maxMessageBytes: this.options.maxMessageBytes,
      action,
      code: 'ESA_ERR_MESSAGE_TOO_LARGE',
    };
    callListeners(() => this.emit('message:oversize', payload));
  }

  #record(
    at: number,
    source: RecordSource,
    bytes: Uint8Array,
    start: number,
    end: number,
    raw: string | undefined,
    isListened: boolean,
    streamEnd: number | undefined,
    truncated: boolean,
    faultTruncatedTo: number | undefined,
  ): void {
    // Parsed in full only for a listener; otherwise only checked (no text, no record object).
    const text = isListened ? (raw ?? textDecoder.decode(bytes.subarray(start, end))) : undefined;
    const result = text === undefined ? undefined : parseSyslogLine(text);
    const stats = this.#stats;
    stats.messages++;
    if (!(result === undefined ? isParsableSyslogLine(bytes, start, end) : result.ok)) stats.parseErrors++;
    const seq = ++this.#seq;
    // Kept as bytes; the message object is built again when someone reads `records`.
    this.#store.pushRange(seq, at, source, bytes, start, end, streamEnd, truncated, faultTruncatedTo);
    this.#sinceClear++;
    if (text !== undefined && result !== undefined) {
      const message = buildMessage(seq, at, source, text, end - start, streamEnd, result, truncated, faultTruncatedTo);
      this.#reportRun();
      callListeners(() => this.emit('message:received', { at, message }));
    }
    this.#queueWaiterCheck();
  }

  #materialize(record: StoredRecord): ReceivedMessage {
    const raw = textDecoder.decode(record.bytes);
    const { seq, at, source, bytes, streamEnd, truncated, faultTruncatedTo } = record;
    return buildMessage(seq, at, source, raw, bytes.length, streamEnd, parseSyslogLine(raw), truncated, faultTruncatedTo);
  }

  #queueWaiterCheck(): void {
    if (this.#waiters.size === 0 || this.#isWaiterCheckQueued) return;
    this.#isWaiterCheckQueued = true;
    queueMicrotask(() => {
      this.#isWaiterCheckQueued = false;
      for (const waiter of [...this.#waiters]) {
        let isMet: boolean;
        try {
          isMet = waiter.isMet();
        } catch (error) {
          waiter.settle(error);
          continue;
        }
        if (isMet) waiter.settle();
      }
    });
  }

  // --- UDP ---

  #onDatagram(data: Uint8Array, from: DatagramAddress): void {
    if (this.#isClosed()) return;
    const stats = this.#stats;
    stats.datagrams++;
    stats.bytes += data.length;
    const key = endpointKey(from.address, from.port);
    if (!this.#hasFaults) {
      this.#deliverDatagram(data, from, key, undefined);
      return;
    }
    const decision = this.#engine.onDatagram({ peer: key, byteLength: data.length });
    if (!decision.deliver) {
      if (decision.refused) stats.datagramsRefused++;
      else stats.datagramsDropped++;
      return;
    }
    if (decision.delayMs <= 0) {
      this.#deliverDatagram(data, from, key, decision.truncateTo);
      return;
    }
    if (this.#delayedDatagrams.size >= this.options.maxQueuedDatagrams) {
      stats.datagramsDropped++;
      return;
    }
    const timer = this.#clock.schedule(decision.delayMs, () => {
      this.#delayedDatagrams.delete(timer);
      this.#deliverDatagram(data, from, key, decision.truncateTo);
    });
    this.#delayedDatagrams.add(timer);
  }

  #deliverDatagram(data: Uint8Array, from: DatagramAddress, key: string, truncateTo: number | undefined): void {
    let bytes = data;
    // One trailing LF (and a CR before it) is framing some senders add, not content.
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0a) {
      const cut = bytes.length > 1 && bytes[bytes.length - 2] === 0x0d ? 2 : 1;
      bytes = bytes.subarray(0, bytes.length - cut);
    }
    const source = this.#udpSource(from, key);
    const ref = source;
    let truncated = false;
    const text = textDecoder.decode(bytes);
    if (bytes.length > this.options.maxMessageBytes) {
      this.#onOversize(ref, bytes.length, 'truncated');
      bytes = bytes.subarray(0, this.options.maxMessageBytes);
      truncated = true;
    }
    const at = this.#clock.now();
    if (this.#observers.length > 0) {
      const evidence = { at, protocol: 'udp' as const, key, connectionId: 0, text };
      for (const observer of this.#observers) callListeners(() => observer.messageReceived(evidence));
    }
    let faultTruncatedTo: number | undefined;
    if (truncateTo !== undefined && truncateTo < bytes.length) {
      bytes = bytes.subarray(0, truncateTo);
      faultTruncatedTo = truncateTo;
      this.#stats.truncated++;
    }
    const raw = truncated || faultTruncatedTo !== undefined ? undefined : text;
    this.#record(at, source, bytes, 0, bytes.length, raw, this.listenerCount('message:received') > 0, undefined, truncated, faultTruncatedTo);
    this.#store.release();
  }

  #udpSource(from: DatagramAddress, key: string): RecordSource {
    let source = this.#udpSources.get(key);
    if (source === undefined) {
      if (this.#udpSources.size >= UDP_SOURCES_LIMIT) this.#udpSources.clear();
      source = Object.freeze({ protocol: 'udp' as const, peer: Object.freeze({ address: from.address, port: from.port }), key, connectionId: 0 });
      this.#udpSources.set(key, source);
    }
    return source;
  }
}

/** UDP senders remembered at once for sharing between their records. */
const UDP_SOURCES_LIMIT = 4096;

function buildMessage(
  seq: number,
  at: number,
  source: RecordSource,
  raw: string,
  byteLength: number,
  streamEnd: number | undefined,
  result: ParseResult,
  truncated: boolean,
  faultTruncatedTo: number | undefined,
): ReceivedMessage {
  return {
    seq,
    at,
    protocol: source.protocol,
    peer: source.peer,
    key: source.key,
    connectionId: source.connectionId,
    raw,
    byteLength,
    streamEnd,
    parsed: result.ok ? result.record : undefined,
    parseError: result.ok ? undefined : { reason: result.error.reason, offset: result.error.offset },
    truncated,
    faultTruncatedTo,
  };
}
