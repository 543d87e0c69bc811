/**
 * Syslog over TCP, as ESA's Syslog Push sends it: one connection, opened on the first send,
 * LF-terminated frames (or RFC 6587 octet counting), one `write()` per batch.
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import { abortError, type Clock, type Timer } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { InvalidOptionError, NetworkError } from '../core/errors.js';
import { encodeFrames, FRAMINGS, type Framing } from '../core/framing.js';
import { callListeners } from '../core/listeners.js';
import { type LongLineOptions, type LongLinePolicy, resolveLongLinePolicy } from '../core/long-lines.js';
import { endpointKey, type Network, type SocketError, type StreamSocket } from '../core/network.js';
import { DEFAULT_SYSLOG_PORT } from '../core/subscription-options.js';
import { expectBoolean, expectOneOf } from '../core/units.js';
import { nodeNetwork } from '../net/node-network.js';
import { classifySocketError } from './classify-error.js';
import { applyLongLinesToBatch, longLineLastParts, messageEnds } from './long-line-batch.js';
import {
  closedError,
  expectClock,
  expectDurationMs,
  expectHost,
  expectMessages,
  expectNetwork,
  expectOptionsObject,
  expectPort,
  expectPrefix,
} from './option-helpers.js';
import { SendQueue } from './send-queue.js';
import type { ConnectionInfo, SendOptions, SendReceipt, Transport, TransportEvents } from './transport.js';

/** TCP keepalive settings. */
export interface TcpKeepAliveOptions {
  /** Idle time before the first keepalive probe, in ms (a number or a duration such as `"60s"`; 0 = the OS default). */
  initialDelayMs: number | string;
}

/** Options of {@link TcpTransport}. */
export interface TcpTransportOptions {
  /** The receiver's address or host name (`127.0.0.1`, `::1`, `syslog.example.com`). */
  host: string;
  /**
   * The receiver's port.
   * @default 514
   */
  port?: number;
  /**
   * How frames are delimited: `lf` (what ESA sends) or `octet-counting` (RFC 6587).
   * @default 'lf'
   */
  framing?: Framing;
  /**
   * How long a connection attempt may take before the socket is destroyed and the send rejects
   * with `ESA_ERR_CONNECT_TIMEOUT`, in ms (or a duration string such as `"10s"`).
   * @default 10000
   */
  connectTimeoutMs?: number | string;
  /**
   * How long a batch may take to be handed to the network (waiting for `drain` included), in ms.
   * When it runs out the connection is destroyed and the send rejects with
   * `ESA_ERR_WRITE_TIMEOUT`: this is how a receiver that stops reading surfaces.
   * @default 30000
   */
  writeTimeoutMs?: number | string;
  /**
   * How long `close()` waits for the connection to close gracefully (our FIN, the peer's FIN)
   * before destroying it, in ms.
   * @default 5000
   */
  closeTimeoutMs?: number | string;
  /**
   * TCP keepalive: `false`, or `{ initialDelayMs }`.
   * @default false
   */
  keepAlive?: false | TcpKeepAliveOptions;
  /**
   * Disables Nagle's algorithm, so each batch leaves at once.
   * @default true
   */
  noDelay?: boolean;
  /**
   * The local address to connect from.
   * @default undefined (the system chooses)
   */
  localAddress?: string;
  /**
   * The long-line rule applied to every message (prefix included) before framing: an object
   * `{ rule, maxBytes }` or a string such as `"truncate:2048"`.
   * @default 'send' (ESA documents no limit: long lines are sent as is)
   */
  longLines?: LongLineOptions;
  /**
   * The network stack.
   * @default nodeNetwork (real sockets)
   */
  network?: Network;
  /**
   * The clock that times connects, writes and closes.
   * @default systemClock
   */
  clock?: Clock;
}

/** {@link TcpTransportOptions} validated and defaulted. */
export interface ResolvedTcpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly framing: Framing;
  readonly connectTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly keepAlive: false | { readonly initialDelayMs: number };
  readonly noDelay: boolean;
  readonly localAddress: string | undefined;
  readonly longLines: LongLinePolicy;
  readonly network: Network;
  readonly clock: Clock;
}

const TCP_OPTION_KEYS = [
  'host',
  'port',
  'framing',
  'connectTimeoutMs',
  'writeTimeoutMs',
  'closeTimeoutMs',
  'keepAlive',
  'noDelay',
  'localAddress',
  'longLines',
  'network',
  'clock',
] as const;

/**
 * Validates and defaults {@link TcpTransportOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option, the value and what is
 * allowed, for each option and for unknown keys.
 * @example
 * ```ts
 * resolveTcpTransportOptions({ host: '127.0.0.1', port: 5140, writeTimeoutMs: '5s' }).writeTimeoutMs; // 5000
 * ```
 */
export function resolveTcpTransportOptions(options: TcpTransportOptions): ResolvedTcpTransportOptions {
  const input = expectOptionsObject(options, TCP_OPTION_KEYS);
  const keepAlive = input.keepAlive ?? false;
  let resolvedKeepAlive: false | { readonly initialDelayMs: number };
  if (keepAlive === false) resolvedKeepAlive = false;
  else if (typeof keepAlive === 'object' && keepAlive !== null && !Array.isArray(keepAlive)) {
    const initial = (keepAlive as { initialDelayMs?: unknown }).initialDelayMs;
    for (const key of Object.keys(keepAlive)) {
      if (key !== 'initialDelayMs') {
        throw new InvalidOptionError(`keepAlive.${key}`, (keepAlive as Record<string, unknown>)[key], 'not set (unknown option; known: initialDelayMs)');
      }
    }
    resolvedKeepAlive = Object.freeze({ initialDelayMs: expectDurationMs('keepAlive.initialDelayMs', initial, 0) });
  } else {
    throw new InvalidOptionError('keepAlive', keepAlive, 'false or { initialDelayMs }');
  }
  const localAddress = input.localAddress === undefined ? undefined : expectHost('localAddress', input.localAddress);
  return Object.freeze({
    host: expectHost('host', input.host),
    port: expectPort('port', input.port ?? DEFAULT_SYSLOG_PORT),
    framing: expectOneOf('framing', input.framing ?? 'lf', FRAMINGS),
    connectTimeoutMs: expectDurationMs('connectTimeoutMs', input.connectTimeoutMs ?? 10_000, 1),
    writeTimeoutMs: expectDurationMs('writeTimeoutMs', input.writeTimeoutMs ?? 30_000, 1),
    closeTimeoutMs: expectDurationMs('closeTimeoutMs', input.closeTimeoutMs ?? 5_000, 0),
    keepAlive: resolvedKeepAlive,
    noDelay: expectBoolean('noDelay', input.noDelay ?? true),
    localAddress,
    longLines: resolveLongLinePolicy(input.longLines, 'longLines'),
    network: input.network === undefined ? nodeNetwork : expectNetwork(input.network),
    clock: input.clock === undefined ? systemClock : expectClock(input.clock),
  });
}

/** One socket of the transport, from `connect()` to `close`. */
interface Link {
  readonly socket: StreamSocket;
  info: ConnectionInfo | undefined;
  isConnected: boolean;
  isWaitingDrain: boolean;
  isPeerEnded: boolean;
  /** Stream bytes handed to the network on this connection. */
  bytesWritten: number;
  /** The first socket error seen. */
  error: SocketError | undefined;
}

/** What interrupted a send. */
type Failure =
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'end' }
  | { readonly kind: 'close' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'abort' }
  | { readonly kind: 'destroyed' };

/** The send in progress: socket events of its link and its timers land here. */
interface ActiveSend {
  link: Link | undefined;
  failure: Failure | undefined;
  isWritten: boolean;
  writtenAt: number;
  wake: (() => void) | undefined;
}

/** An event to emit once the send has settled. */
type LateEvent = { readonly name: 'connection:reset'; readonly isIdle: false; readonly error: NetworkError } | { readonly name: 'connection:closed'; readonly by: 'local' | 'peer' };

type Outcome =
  | { readonly ok: true; readonly receipt: SendReceipt }
  | { readonly ok: false; readonly error: unknown; readonly link: Link | undefined; readonly event: LateEvent | undefined };

/**
 * Sends syslog messages over TCP like ESA's Syslog Push.
 *
 * - **Lazy connect**: the first `send()` connects; a new connection first sends what
 *   `options.prefix(connection)` returns (the logfile header), in the same write. Connection ids
 *   count from 1; `connection.key` is the local endpoint as the receiver sees the peer.
 * - **One write per batch**: each `send()` frames its messages into one buffer and writes it
 *   once; it resolves on the write callback. When `write()` returned `false`, the next send waits
 *   for `drain` first. `writeTimeoutMs` bounds both.
 * - **Serialised sends**: a `send()` called while another is in progress waits its turn (in call
 *   order); aborting a waiting send removes it from the queue.
 * - **Failures**: a send that fails rejects with a {@link NetworkError} (`code` classifies it,
 *   `cause` is the socket error), and then `connection:reset` (`isIdle: false`) or
 *   `connection:closed` (a FIN during the send) is emitted. The socket is always read (and the
 *   bytes discarded) so a RST or FIN that comes between sends is noticed: `connection:reset`
 *   (`isIdle: true`) or `connection:closed` (`by: 'peer'`); the next send opens a new connection.
 *   No socket error escapes as an unhandled `'error'` event or rejection. A listener that throws
 *   does not disturb the transport: its exception is rethrown asynchronously.
 * - **Lifecycle**: `close()` lets the sends already queued finish, ends the connection (FIN) and
 *   resolves when it is closed (destroying it after `closeTimeoutMs`); `destroy()` closes at once
 *   and rejects what is in progress. Both are idempotent; `send()` afterwards rejects with
 *   `ESA_ERR_CLOSED`.
 *
 * @example
 * ```ts
 * const transport = new TcpTransport({ host: '127.0.0.1', port: 5140 });
 * transport.on('connection:reset', ({ error, isIdle }) => console.log(error.code, isIdle));
 * const receipt = await transport.send(['<22>Jun 25 08:50:03 Mail_Log: Info: MID 1 ...'], {
 *   prefix: () => ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'],
 * });
 * await transport.close();
 * ```
 */
export class TcpTransport extends EventEmitter<TransportEvents> implements Transport {
  /** Always `tcp`. */
  readonly protocol = 'tcp' as const;
  /** The receiver as `host:port` (`[::1]:514` for IPv6). */
  readonly target: string;
  /** The resolved options. */
  readonly options: ResolvedTcpTransportOptions;

  readonly #queue = new SendQueue();
  /** Every socket not yet closed, including ones we have forgotten but that are still closing. */
  readonly #live = new Set<Link>();
  #link: Link | undefined;
  #active: ActiveSend | undefined;
  #nextId = 1;
  #state: 'open' | 'closing' | 'closed' | 'destroyed' = 'open';
  #closing: Promise<void> | undefined;
  #liveWaiters: (() => void)[] = [];

  /** @throws InvalidOptionError for an invalid option (see {@link resolveTcpTransportOptions}). */
  constructor(options: TcpTransportOptions) {
    super();
    this.options = resolveTcpTransportOptions(options);
    this.target = endpointKey(this.options.host, this.options.port);
  }

  /** The open connection, if any. */
  get connection(): ConnectionInfo | undefined {
    return this.#link?.info;
  }

  /**
   * Sends `messages` as one batch (see the class description). Waits for a send in progress.
   *
   * @throws NetworkError for a network failure; EsaError `ESA_ERR_CLOSED` after `close()` or
   * `destroy()`, `ESA_ERR_ABORTED` when `options.signal` aborts; InvalidOptionError for messages
   * that are not strings; whatever `options.prefix` throws.
   */
  send(messages: readonly string[], options: SendOptions = {}): Promise<SendReceipt> {
    if (this.#state !== 'open') return Promise.reject(closedError('TCP transport', this.target));
    try {
      expectMessages('messages', messages);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<SendReceipt>((resolve, reject) => {
      this.#queue.enqueue(() => this.#run(messages, options, resolve, reject), reject, signal);
    });
  }

  /**
   * Closes gracefully: waits for the sends already queued (each bounded by its timeouts), sends
   * FIN and resolves once the connection is closed (destroyed after `closeTimeoutMs`).
   * Idempotent: returns the same promise each time.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeGracefully();
    return this.#closing;
  }

  /** Closes at once: the send in progress and the waiting ones reject with `ESA_ERR_CLOSED`. Idempotent. */
  destroy(): void {
    if (this.#state === 'destroyed') return;
    this.#state = 'destroyed';
    this.#queue.rejectWaiting(closedError('TCP transport', this.target));
    const active = this.#active;
    if (active) {
      active.failure ??= { kind: 'destroyed' };
      active.wake?.();
    }
    const link = this.#link;
    this.#link = undefined;
    for (const live of this.#live) live.socket.destroy();
    if (link?.info && link !== active?.link) {
      const info = link.info;
      callListeners(() => this.emit('connection:closed', { at: this.options.clock.now(), connection: info, by: 'local', duringSend: false }));
    }
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #closeGracefully(): Promise<void> {
    if (this.#state === 'open') this.#state = 'closing';
    await this.#queue.whenIdle();
    const link = this.#link;
    this.#link = undefined;
    if (this.#state !== 'destroyed') this.#state = 'closed';
    if (link?.info) {
      const info = link.info;
      link.socket.end();
      callListeners(() => this.emit('connection:closed', { at: this.options.clock.now(), connection: info, by: 'local', duringSend: false }));
    }
    await this.#allSocketsClosed();
  }

  /** Resolves when every socket has closed; destroys the ones left after `closeTimeoutMs`. */
  #allSocketsClosed(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.options.clock.schedule(this.options.closeTimeoutMs, () => {
        for (const live of this.#live) live.socket.destroy();
        this.#live.clear();
        this.#liveWaiters = this.#liveWaiters.filter((waiter) => waiter !== done);
        resolve();
      });
      const done = (): void => {
        timer.cancel();
        resolve();
      };
      this.#liveWaiters.push(done);
    });
  }

  async #run(
    messages: readonly string[],
    options: SendOptions,
    resolve: (receipt: SendReceipt) => void,
    reject: (error: unknown) => void,
  ): Promise<void> {
    if (this.#state === 'destroyed') {
      reject(closedError('TCP transport', this.target));
      return;
    }
    const { signal } = options;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const active: ActiveSend = { link: undefined, failure: undefined, isWritten: false, writtenAt: 0, wake: undefined };
    this.#active = active;
    const onAbort = (): void => {
      active.failure ??= { kind: 'abort' };
      active.wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let outcome: Outcome;
    try {
      outcome = await this.#attempt(active, messages, options);
    } catch (error) {
      // Not a network failure (a bug): reject with it as is.
      outcome = { ok: false, error, link: undefined, event: undefined };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#active = undefined;
    }
    if (outcome.ok) {
      resolve(outcome.receipt);
      // Trouble that came after the batch was written belongs to the idle connection.
      const link = active.link;
      if (active.failure && link) this.#onIdleTrouble(link, active.failure);
      return;
    }
    reject(outcome.error);
    const { event, link } = outcome;
    const info = link?.info;
    if (event === undefined || info === undefined) return;
    const at = this.options.clock.now();
    if (event.name === 'connection:reset') {
      callListeners(() => this.emit('connection:reset', { at, connection: info, error: event.error, isIdle: false }));
    } else {
      callListeners(() => this.emit('connection:closed', { at, connection: info, by: event.by, duringSend: true }));
    }
  }

  async #attempt(active: ActiveSend, messages: readonly string[], options: SendOptions): Promise<Outcome> {
    const { clock } = this.options;
    let link = this.#link;
    let isNewConnection = false;
    if (link === undefined) {
      const connected = await this.#connect(active, options.signal);
      if (!connected.ok) return connected;
      link = connected.link;
      isNewConnection = true;
    }
    active.link = link;
    const info = link.info as ConnectionInfo;

    let prefix: readonly string[] = [];
    if (isNewConnection && options.prefix) {
      try {
        prefix = expectPrefix(options.prefix(info));
      } catch (error) {
        // The connection must not carry messages without its header: end it.
        this.#forget(link);
        link.socket.end();
        return { ok: false, error, link, event: { name: 'connection:closed', by: 'local' } };
      }
    }

    const all = prefix.length === 0 ? messages : [...prefix, ...messages];
    const batch = applyLongLinesToBatch(all, this.options.longLines);
    const encoded = encodeFrames(batch.parts, this.options.framing);
    const bytes = encoded.bytes;
    const startOffset = link.bytesWritten;

    const frameEnds = messageEnds(encoded.frameEnds, batch.partCounts, startOffset);
    const failure = await this.#write(active, link, bytes);
    if (failure) {
      const failed = this.#writeFailed(link, failure, bytes.length, options.signal);
      // Part of the batch may have reached the receiver: tell the caller where each frame ended.
      if (failed.error instanceof NetworkError) failed.error.attempted = { connection: info, prefixCount: prefix.length, frameEnds, longLineActions: batch.actions, longLineLastParts: longLineLastParts(batch) };
      return failed;
    }
    link.bytesWritten += bytes.length;
    return {
      ok: true,
      receipt: {
        connection: info,
        isNewConnection,
        prefixCount: prefix.length,
        startOffset,
        frameEnds,
        longLineActions: batch.actions,
        longLineLastParts: longLineLastParts(batch),
        bytesWritten: bytes.length,
        writtenAt: bytes.length === 0 ? clock.now() : active.writtenAt,
      },
    };
  }

  /** Opens a connection under `connectTimeoutMs`. */
  async #connect(active: ActiveSend, signal: AbortSignal | undefined): Promise<{ ok: true; link: Link } | Extract<Outcome, { ok: false }>> {
    const { clock, network, host, port, localAddress, connectTimeoutMs } = this.options;
    let socket: StreamSocket;
    try {
      socket = network.connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    } catch (error) {
      return { ok: false, error: classifySocketError(error, { phase: 'connect', protocol: 'tcp', peer: this.target }), link: undefined, event: undefined };
    }
    const link: Link = {
      socket,
      info: undefined,
      isConnected: false,
      isWaitingDrain: false,
      isPeerEnded: false,
      bytesWritten: 0,
      error: undefined,
    };
    this.#live.add(link);
    this.#watch(link);
    active.link = link;
    const timer = clock.schedule(connectTimeoutMs, () => {
      active.failure ??= { kind: 'timeout' };
      active.wake?.();
    });
    const failure = await until(active, () => link.isConnected);
    timer.cancel();
    if (failure) {
      socket.destroy();
      active.link = undefined;
      return { ok: false, error: this.#connectError(failure, signal), link: undefined, event: undefined };
    }
    if (this.options.noDelay) socket.setNoDelay(true);
    if (this.options.keepAlive) socket.setKeepAlive(true, this.options.keepAlive.initialDelayMs);
    const localHost = socket.localAddress ?? '';
    const localPort = socket.localPort ?? 0;
    const info: ConnectionInfo = Object.freeze({
      id: this.#nextId++,
      protocol: 'tcp',
      localAddress: localHost,
      localPort,
      remoteAddress: socket.remoteAddress ?? host,
      remotePort: socket.remotePort ?? port,
      key: endpointKey(localHost, localPort),
      openedAt: clock.now(),
    });
    link.info = info;
    this.#link = link;
    callListeners(() => this.emit('connection:opened', { at: info.openedAt, connection: info }));
    return { ok: true, link };
  }

  #connectError(failure: Failure, signal: AbortSignal | undefined): unknown {
    const peer = this.target;
    switch (failure.kind) {
      case 'error':
        return classifySocketError(failure.error, { phase: 'connect', protocol: 'tcp', peer });
      case 'timeout':
        return new NetworkError(
          'ESA_ERR_CONNECT_TIMEOUT',
          `Connection to ${peer} timed out: no answer within ${this.options.connectTimeoutMs} ms (connectTimeoutMs)`,
          { peer },
        );
      case 'abort':
        return abortError(signal as AbortSignal);
      case 'destroyed':
        return closedError('TCP transport', peer);
      case 'end':
      case 'close':
        return new NetworkError('ESA_ERR_CONNECTION_CLOSED', `Connection to ${peer} was closed before it was established`, { peer });
    }
  }

  /** Writes `bytes` under `writeTimeoutMs` (waiting for `drain` first when needed). */
  async #write(active: ActiveSend, link: Link, bytes: Uint8Array): Promise<Failure | undefined> {
    const { clock, writeTimeoutMs } = this.options;
    const timer: Timer = clock.schedule(writeTimeoutMs, () => {
      active.failure ??= { kind: 'timeout' };
      active.wake?.();
    });
    try {
      const drainFailure = await until(active, () => !link.isWaitingDrain);
      if (drainFailure) return drainFailure;
      // A RST or FIN that came before the write: do not write to a dead connection.
      if (active.failure) return active.failure;
      if (bytes.length === 0) return undefined;
      let isBelowHighWaterMark: boolean;
      try {
        isBelowHighWaterMark = link.socket.write(bytes, (error) => {
          if (error) active.failure ??= { kind: 'error', error: link.error ?? error };
          else {
            active.isWritten = true;
            active.writtenAt = clock.now();
          }
          active.wake?.();
        });
      } catch (error) {
        return { kind: 'error', error };
      }
      if (!isBelowHighWaterMark) link.isWaitingDrain = true;
      return await until(active, () => active.isWritten);
    } finally {
      timer.cancel();
    }
  }

  #writeFailed(link: Link, failure: Failure, byteCount: number, signal: AbortSignal | undefined): Extract<Outcome, { ok: false }> {
    this.#forget(link);
    const peer = this.target;
    const connectionId = link.info?.id;
    const where = `while writing ${byteCount} bytes`;
    switch (failure.kind) {
      case 'error': {
        link.socket.destroy();
        const error = classifySocketError(failure.error, {
          phase: 'write',
          protocol: 'tcp',
          peer,
          connectionId,
          bytes: byteCount,
          isPeerClosed: link.isPeerEnded,
        });
        return { ok: false, error, link, event: { name: 'connection:reset', isIdle: false, error } };
      }
      case 'timeout': {
        link.socket.destroy();
        const error = new NetworkError(
          'ESA_ERR_WRITE_TIMEOUT',
          `Connection to ${peer} timed out ${where}: not handed to the network within ${this.options.writeTimeoutMs} ms (writeTimeoutMs); the receiver is not reading`,
          { peer, ...(connectionId === undefined ? {} : { connectionId }) },
        );
        return { ok: false, error, link, event: { name: 'connection:reset', isIdle: false, error } };
      }
      case 'end':
      case 'close': {
        const how = failure.kind === 'end' ? 'closed by the peer (FIN)' : 'closed unexpectedly';
        const error = new NetworkError('ESA_ERR_CONNECTION_CLOSED', `Connection to ${peer} was ${how} ${where}`, {
          peer,
          ...(connectionId === undefined ? {} : { connectionId }),
        });
        return { ok: false, error, link, event: { name: 'connection:closed', by: 'peer' } };
      }
      case 'abort':
        link.socket.destroy();
        return { ok: false, error: abortError(signal as AbortSignal), link, event: { name: 'connection:closed', by: 'local' } };
      case 'destroyed':
        link.socket.destroy();
        return { ok: false, error: closedError('TCP transport', peer), link, event: { name: 'connection:closed', by: 'local' } };
    }
  }

  /** Listens to everything a socket reports, for its whole life. */
  #watch(link: Link): void {
    const { socket } = link;
    socket.on('connect', () => {
      link.isConnected = true;
      this.#wake(link);
    });
    // A syslog receiver sends nothing: reading is how a RST or FIN is noticed while idle.
    socket.on('data', discard);
    socket.on('drain', () => {
      link.isWaitingDrain = false;
      this.#wake(link);
    });
    socket.on('error', (error) => {
      link.error ??= error;
      this.#onTrouble(link, { kind: 'error', error });
    });
    socket.on('end', () => {
      link.isPeerEnded = true;
      // Close our side too (Node's allowHalfOpen: false).
      socket.end();
      this.#onTrouble(link, { kind: 'end' });
    });
    socket.on('close', () => {
      this.#live.delete(link);
      this.#onTrouble(link, { kind: 'close' });
      if (this.#live.size === 0) {
        const waiters = this.#liveWaiters;
        this.#liveWaiters = [];
        for (const waiter of waiters) waiter();
      }
    });
  }

  #wake(link: Link): void {
    const active = this.#active;
    if (active?.link === link) active.wake?.();
  }

  #onTrouble(link: Link, failure: Failure): void {
    const active = this.#active;
    if (active?.link === link) {
      active.failure ??= failure;
      active.wake?.();
      return;
    }
    this.#onIdleTrouble(link, failure);
  }

  /** A RST, FIN or close while no send uses the connection: report it and forget the connection. */
  #onIdleTrouble(link: Link, failure: Failure): void {
    if (link !== this.#link || link.info === undefined) return;
    const info = link.info;
    this.#forget(link);
    const at = this.options.clock.now();
    if (failure.kind === 'error') {
      link.socket.destroy();
      const error = classifySocketError(failure.error, {
        phase: 'idle',
        protocol: 'tcp',
        peer: this.target,
        connectionId: info.id,
        isPeerClosed: link.isPeerEnded,
      });
      callListeners(() => this.emit('connection:reset', { at, connection: info, error, isIdle: true }));
    } else {
      callListeners(() => this.emit('connection:closed', { at, connection: info, by: 'peer', duringSend: false }));
    }
  }

  #forget(link: Link): void {
    if (this.#link === link) this.#link = undefined;
  }
}

function discard(): void {}

/** Waits until `isDone()` or a failure; `isDone` wins when both happened. */
async function until(active: ActiveSend, isDone: () => boolean): Promise<Failure | undefined> {
  for (;;) {
    if (isDone()) return undefined;
    if (active.failure) return active.failure;
    await new Promise<void>((resolve) => {
      active.wake = resolve;
    });
    active.wake = undefined;
  }
}
