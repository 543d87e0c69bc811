/**
 * Syslog over UDP, as ESA's Syslog Push sends it: one datagram per message, on a connected
 * socket so that an ICMP port unreachable surfaces as an error.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import { EventEmitter } from 'eventemitter3';
import { abortError, type Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { InvalidOptionError, NetworkError } from '../core/errors.js';
import { callListeners } from '../core/listeners.js';
import { type LongLineOptions, type LongLinePolicy, resolveLongLinePolicy } from '../core/long-lines.js';
import { type DatagramSocket, endpointKey, isIPv6Literal, type Network, type SocketError } from '../core/network.js';
import { DEFAULT_SYSLOG_PORT } from '../core/subscription-options.js';
import { parseByteSize } from '../core/units.js';
import { nodeNetwork } from '../net/node-network.js';
import { classifySocketError } from './classify-error.js';
import { applyLongLinesToBatch, longLineLastParts } from './long-line-batch.js';
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

/** The largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). */
export const MAX_UDP4_DATAGRAM_BYTES = 65_507;

/** The largest UDP payload over IPv6 (without jumbograms): 65535 − 8 (UDP header). */
export const MAX_UDP6_DATAGRAM_BYTES = 65_527;

/** The smallest accepted {@link UdpTransportOptions.maxDatagramBytes}. */
export const MIN_DATAGRAM_BYTES = 16;

/** Options of {@link UdpTransport}. */
export interface UdpTransportOptions {
  /** The receiver's address or host name (`127.0.0.1`, `::1`, `syslog.example.com`). */
  host: string;
  /**
   * The receiver's port.
   * @default 514
   */
  port?: number;
  /**
   * The IP family of the socket.
   * @default 6 when `host` is an IPv6 literal, else 4
   */
  family?: 4 | 6;
  /**
   * The largest datagram payload sent, in bytes (a number or a size such as `"2k"`), from 16 to
   * the protocol's limit. Set it lower (1024, 2048…) to model a receiver that accepts less.
   * @default 65507 for IPv4, 65527 for IPv6 (the real limits)
   */
  maxDatagramBytes?: number | string;
  /**
   * What to do with a message over the limit (`maxDatagramBytes`, or a smaller `maxBytes` given
   * here): an object `{ rule, maxBytes }` or a string such as `"split"` / `"drop:1024"`.
   * `truncate` keeps what fits, `split` sends several datagrams that each repeat the syslog
   * header, `drop` sends nothing for it. `send` sends messages that fit as they are and
   * truncates the others (no datagram can carry more than `maxDatagramBytes`). Whatever the rule
   * did is reported in the receipt's `longLineActions`.
   * @default 'truncate' with `maxBytes` = `maxDatagramBytes`
   */
  longLines?: LongLineOptions;
  /**
   * The local address to bind before connecting.
   * @default undefined (the system chooses)
   */
  localAddress?: string;
  /**
   * How long `close()` waits for the socket to report it closed, in ms.
   * @default 5000
   */
  closeTimeoutMs?: number | string;
  /**
   * The network stack.
   * @default nodeNetwork (real sockets)
   */
  network?: Network;
  /**
   * The clock (time stamps and the close bound).
   * @default systemClock
   */
  clock?: Clock;
}

/** {@link UdpTransportOptions} validated and defaulted. */
export interface ResolvedUdpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly maxDatagramBytes: number;
  /** The policy applied to every message: its `maxBytes` is never above `maxDatagramBytes`. */
  readonly longLines: LongLinePolicy;
  readonly localAddress: string | undefined;
  readonly closeTimeoutMs: number;
  readonly network: Network;
  readonly clock: Clock;
}

const UDP_OPTION_KEYS = [
  'host',
  'port',
  'family',
  'maxDatagramBytes',
  'longLines',
  'localAddress',
  'closeTimeoutMs',
  'network',
  'clock',
] as const;

const ipv4Literal = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Validates and defaults {@link UdpTransportOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option, the value and what is
 * allowed, for each option and for unknown keys.
 * @example
 * ```ts
 * resolveUdpTransportOptions({ host: '::1', longLines: 'split:1024' }).longLines; // { rule: 'split', maxBytes: 1024 }
 * ```
 */
export function resolveUdpTransportOptions(options: UdpTransportOptions): ResolvedUdpTransportOptions {
  const input = expectOptionsObject(options, UDP_OPTION_KEYS);
  const host = expectHost('host', input.host);
  const family = input.family ?? (isIPv6Literal(host) ? 6 : 4);
  if (family !== 4 && family !== 6) throw new InvalidOptionError('family', family, '4 or 6');
  if (family === 4 && isIPv6Literal(host)) throw new InvalidOptionError('family', family, `6 for the IPv6 host ${host}`);
  if (family === 6 && ipv4Literal.test(host)) throw new InvalidOptionError('family', family, `4 for the IPv4 host ${host}`);
  const limit = family === 6 ? MAX_UDP6_DATAGRAM_BYTES : MAX_UDP4_DATAGRAM_BYTES;
  const maxDatagramBytes =
    input.maxDatagramBytes === undefined ? limit : parseByteSize('maxDatagramBytes', input.maxDatagramBytes, { min: MIN_DATAGRAM_BYTES, max: limit });
  return Object.freeze({
    host,
    port: expectPort('port', input.port ?? DEFAULT_SYSLOG_PORT),
    family,
    maxDatagramBytes,
    longLines: resolveUdpLongLines(input.longLines, maxDatagramBytes),
    localAddress: input.localAddress === undefined ? undefined : expectHost('localAddress', input.localAddress),
    closeTimeoutMs: expectDurationMs('closeTimeoutMs', input.closeTimeoutMs ?? 5_000, 0),
    network: input.network === undefined ? nodeNetwork : expectNetwork(input.network),
    clock: input.clock === undefined ? systemClock : expectClock(input.clock),
  });
}

/** The UDP policy: default rule `truncate`, limit at most `maxDatagramBytes`, `send` = truncate at the datagram limit. */
function resolveUdpLongLines(input: unknown, maxDatagramBytes: number): LongLinePolicy {
  if (input === undefined) return Object.freeze({ rule: 'truncate', maxBytes: maxDatagramBytes });
  const policy = resolveLongLinePolicy(input, 'longLines');
  const hasMaxBytes =
    typeof input === 'string' ? input.includes(':') : (input as { maxBytes?: unknown }).maxBytes !== undefined;
  const hasRule = typeof input === 'string' || (input as { rule?: unknown }).rule !== undefined;
  const rule = hasRule ? policy.rule : 'truncate';
  if (rule === 'send') return Object.freeze({ rule: 'truncate', maxBytes: maxDatagramBytes });
  if (!hasMaxBytes) return Object.freeze({ rule, maxBytes: maxDatagramBytes });
  if (policy.maxBytes > maxDatagramBytes) {
    throw new InvalidOptionError('longLines.maxBytes', policy.maxBytes, `at most maxDatagramBytes (${maxDatagramBytes})`);
  }
  return Object.freeze({ rule, maxBytes: policy.maxBytes });
}

interface Link {
  readonly socket: DatagramSocket;
  info: ConnectionInfo | undefined;
  isConnected: boolean;
  /** Datagrams handed to the network on this socket. */
  datagramsSent: number;
  /** An error reported between sends (ICMP port unreachable): the next send fails with it. */
  pendingError: SocketError | undefined;
}

type Failure =
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'close' }
  | { readonly kind: 'abort' }
  | { readonly kind: 'destroyed' };

interface ActiveSend {
  link: Link | undefined;
  failure: Failure | undefined;
  outstanding: number;
  wake: (() => void) | undefined;
}

type Outcome =
  | { readonly ok: true; readonly receipt: SendReceipt }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly link: Link | undefined;
      readonly event: { readonly name: 'connection:reset'; readonly error: NetworkError } | { readonly name: 'connection:closed' } | undefined;
    };

/**
 * Sends syslog messages over UDP like ESA's Syslog Push: one datagram per message on a
 * connected socket.
 *
 * - **Lazy socket**: the first `send()` creates and connects the socket (`connection:opened`; ids
 *   from 1, `key` = the local endpoint); a new socket first sends what `options.prefix` returns.
 * - **Port unreachable**: the kernel reports an ICMP port unreachable for an earlier datagram as
 *   `ECONNREFUSED` (on a later send, or as an `'error'` event between sends). Either way the
 *   next send rejects with `ESA_ERR_PORT_UNREACHABLE` — as the kernel itself would report it —,
 *   `connection:reset` is emitted, and the following send uses a new socket.
 * - **Oversize messages** never reach the socket: the long-line rule (default `truncate` at
 *   `maxDatagramBytes`) applies first. An `EMSGSIZE` that still happens (a path limit below the
 *   configured one) rejects the send with `ESA_ERR_NETWORK`.
 * - **Serialised sends**: a `send()` called while another is in progress waits its turn; a send
 *   resolves once every datagram's callback ran.
 * - **Lifecycle**: `close()` (idempotent, waits for the queued sends) and `destroy()` (at once);
 *   `send()` afterwards rejects with `ESA_ERR_CLOSED`.
 *
 * @example
 * ```ts
 * const transport = new UdpTransport({ host: '127.0.0.1', port: 5514 });
 * const receipt = await transport.send(['<22>Jun 25 08:50:03 Mail_Log: Info: MID 1 ...']);
 * await transport.close();
 * ```
 */
export class UdpTransport extends EventEmitter<TransportEvents> implements Transport {
  /** Always `udp`. */
  readonly protocol = 'udp' as const;
  /** The receiver as `host:port` (`[::1]:514` for IPv6). */
  readonly target: string;
  /** The resolved options. */
  readonly options: ResolvedUdpTransportOptions;

  readonly #queue = new SendQueue();
  readonly #live = new Set<Link>();
  #link: Link | undefined;
  #active: ActiveSend | undefined;
  #nextId = 1;
  #state: 'open' | 'closing' | 'closed' | 'destroyed' = 'open';
  #closing: Promise<void> | undefined;
  #liveWaiters: (() => void)[] = [];

  /** @throws InvalidOptionError for an invalid option (see {@link resolveUdpTransportOptions}). */
  constructor(options: UdpTransportOptions) {
    super();
    this.options = resolveUdpTransportOptions(options);
    this.target = endpointKey(this.options.host, this.options.port);
  }

  /** The connected socket, if any. */
  get connection(): ConnectionInfo | undefined {
    return this.#link?.info;
  }

  /**
   * Sends each message as one datagram (see the class description). Waits for a send in progress.
   *
   * @throws NetworkError for a network failure; EsaError `ESA_ERR_CLOSED` after `close()` or
   * `destroy()`, `ESA_ERR_ABORTED` when `options.signal` aborts; InvalidOptionError for messages
   * that are not strings; whatever `options.prefix` throws.
   */
  send(messages: readonly string[], options: SendOptions = {}): Promise<SendReceipt> {
    if (this.#state !== 'open') return Promise.reject(closedError('UDP transport', this.target));
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

  /** Waits for the sends already queued, closes the socket. Idempotent: returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#closeGracefully();
    return this.#closing;
  }

  /** Closes at once: the send in progress and the waiting ones reject with `ESA_ERR_CLOSED`. Idempotent. */
  destroy(): void {
    if (this.#state === 'destroyed') return;
    this.#state = 'destroyed';
    this.#queue.rejectWaiting(closedError('UDP transport', this.target));
    const active = this.#active;
    if (active) {
      active.failure ??= { kind: 'destroyed' };
      active.wake?.();
    }
    const link = this.#link;
    this.#link = undefined;
    for (const live of this.#live) live.socket.close();
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
    if (link) {
      link.socket.close();
      const info = link.info;
      if (info) callListeners(() => this.emit('connection:closed', { at: this.options.clock.now(), connection: info, by: 'local', duringSend: false }));
    }
    await this.#allSocketsClosed();
  }

  #allSocketsClosed(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.options.clock.schedule(this.options.closeTimeoutMs, () => {
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
      reject(closedError('UDP transport', this.target));
      return;
    }
    const { signal } = options;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const active: ActiveSend = { link: undefined, failure: undefined, outstanding: 0, wake: undefined };
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
      // An error that came after the last callback belongs to the next send.
      const link = active.link;
      if (link && active.failure?.kind === 'error') link.pendingError ??= active.failure.error as SocketError;
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
      callListeners(() => this.emit('connection:closed', { at, connection: info, by: 'local', duringSend: true }));
    }
  }

  async #attempt(active: ActiveSend, messages: readonly string[], options: SendOptions): Promise<Outcome> {
    let link = this.#link;
    let isNewConnection = false;
    if (link === undefined) {
      const opened = await this.#open(active, options.signal);
      if (!opened.ok) return opened;
      link = opened.link;
      isNewConnection = true;
    }
    active.link = link;
    const info = link.info as ConnectionInfo;

    let prefix: readonly string[] = [];
    if (isNewConnection && options.prefix) {
      try {
        prefix = expectPrefix(options.prefix(info));
      } catch (error) {
        // The socket must not carry messages without its header: drop it.
        this.#forget(link);
        link.socket.close();
        return { ok: false, error, link, event: { name: 'connection:closed' } };
      }
    }

    const all = prefix.length === 0 ? messages : [...prefix, ...messages];
    const batch = applyLongLinesToBatch(all, this.options.longLines);
    const parts = batch.parts;
    const startOffset = link.datagramsSent;

    const pending = link.pendingError;
    if (pending) {
      link.pendingError = undefined;
      return this.#sendFailed(link, { kind: 'error', error: pending }, parts.length, options.signal);
    }

    const { socket } = link;
    active.outstanding = parts.length;
    const onSent = (error?: SocketError | null): void => {
      active.outstanding--;
      if (error) active.failure ??= { kind: 'error', error };
      else if (active.outstanding > 0) return;
      active.wake?.();
    };
    let bytesWritten = 0;
    for (let i = 0; i < parts.length; i++) {
      // Node's native UTF-8 encoder: measurably faster per datagram than TextEncoder.
      const datagram = Buffer.from(parts[i] as string, 'utf8');
      bytesWritten += datagram.length;
      socket.send(datagram, onSent);
    }
    const failure = await until(active, () => active.outstanding <= 0);
    if (failure) return this.#sendFailed(link, failure, parts.length, options.signal);
    link.datagramsSent += parts.length;

    return {
      ok: true,
      receipt: {
        connection: info,
        isNewConnection,
        prefixCount: prefix.length,
        startOffset,
        frameEnds: datagramEnds(all.length, batch.partCounts, startOffset),
        longLineActions: batch.actions,
        longLineLastParts: longLineLastParts(batch),
        bytesWritten,
        writtenAt: this.options.clock.now(),
      },
    };
  }

  /** Creates, binds (when `localAddress` is set) and connects a socket. */
  async #open(active: ActiveSend, signal: AbortSignal | undefined): Promise<{ ok: true; link: Link } | Extract<Outcome, { ok: false }>> {
    const { network, family, host, port, localAddress, clock } = this.options;
    let socket: DatagramSocket;
    try {
      socket = network.createDatagramSocket(family);
    } catch (error) {
      return { ok: false, error: classifySocketError(error, { phase: 'connect', protocol: 'udp', peer: this.target }), link: undefined, event: undefined };
    }
    const link: Link = { socket, info: undefined, isConnected: false, datagramsSent: 0, pendingError: undefined };
    this.#live.add(link);
    this.#watch(link);
    active.link = link;
    const connecting = (async () => {
      if (localAddress !== undefined) await socket.bind(localAddress, 0);
      await socket.connect(host, port);
    })();
    connecting.then(
      () => {
        link.isConnected = true;
        active.wake?.();
      },
      (error: unknown) => {
        active.failure ??= { kind: 'error', error };
        active.wake?.();
      },
    );
    const failure = await until(active, () => link.isConnected);
    if (failure) {
      socket.close();
      active.link = undefined;
      return { ok: false, error: this.#openError(failure, signal), link: undefined, event: undefined };
    }
    const local = socket.localAddress();
    const localHost = local?.address ?? '';
    const localPort = local?.port ?? 0;
    const info: ConnectionInfo = Object.freeze({
      id: this.#nextId++,
      protocol: 'udp',
      localAddress: localHost,
      localPort,
      remoteAddress: host,
      remotePort: port,
      key: endpointKey(localHost, localPort),
      openedAt: clock.now(),
    });
    link.info = info;
    this.#link = link;
    callListeners(() => this.emit('connection:opened', { at: info.openedAt, connection: info }));
    return { ok: true, link };
  }

  #openError(failure: Failure, signal: AbortSignal | undefined): unknown {
    switch (failure.kind) {
      case 'error':
        return classifySocketError(failure.error, { phase: 'connect', protocol: 'udp', peer: this.target });
      case 'abort':
        return abortError(signal as AbortSignal);
      case 'destroyed':
        return closedError('UDP transport', this.target);
      case 'close':
        return new NetworkError('ESA_ERR_NETWORK', `UDP socket to ${this.target} closed before it was connected`, { peer: this.target });
    }
  }

  #sendFailed(link: Link, failure: Failure, datagrams: number, signal: AbortSignal | undefined): Extract<Outcome, { ok: false }> {
    this.#forget(link);
    link.socket.close();
    const peer = this.target;
    const connectionId = link.info?.id;
    switch (failure.kind) {
      case 'error': {
        const error = classifySocketError(failure.error, { phase: 'send', protocol: 'udp', peer, connectionId, datagrams });
        return { ok: false, error, link, event: { name: 'connection:reset', error } };
      }
      case 'close': {
        const error = new NetworkError('ESA_ERR_NETWORK', `UDP socket to ${peer} closed unexpectedly while sending ${datagrams} datagrams`, {
          peer,
          ...(connectionId === undefined ? {} : { connectionId }),
        });
        return { ok: false, error, link, event: { name: 'connection:reset', error } };
      }
      case 'abort':
        return { ok: false, error: abortError(signal as AbortSignal), link, event: { name: 'connection:closed' } };
      case 'destroyed':
        return { ok: false, error: closedError('UDP transport', peer), link, event: { name: 'connection:closed' } };
    }
  }

  #watch(link: Link): void {
    const { socket } = link;
    socket.on('error', (error) => {
      const active = this.#active;
      if (active?.link === link) {
        active.failure ??= { kind: 'error', error };
        active.wake?.();
      } else if (link === this.#link) {
        // Between sends (an ICMP port unreachable read by the socket): the next send fails with it.
        link.pendingError ??= error;
      }
    });
    socket.on('close', () => {
      this.#live.delete(link);
      const active = this.#active;
      if (active?.link === link) {
        active.failure ??= { kind: 'close' };
        active.wake?.();
      } else if (link === this.#link && link.info) {
        const info = link.info;
        this.#forget(link);
        callListeners(() => this.emit('connection:closed', { at: this.options.clock.now(), connection: info, by: 'local', duringSend: false }));
      }
      if (this.#live.size === 0) {
        const waiters = this.#liveWaiters;
        this.#liveWaiters = [];
        for (const waiter of waiters) waiter();
      }
    });
  }

  #forget(link: Link): void {
    if (this.#link === link) this.#link = undefined;
  }
}

/** Waits until `isDone()` or a failure; a failure wins (a datagram's error fails the send). */
async function until(active: ActiveSend, isDone: () => boolean): Promise<Failure | undefined> {
  for (;;) {
    if (active.failure) return active.failure;
    if (isDone()) return undefined;
    await new Promise<void>((resolve) => {
      active.wake = resolve;
    });
    active.wake = undefined;
  }
}

function datagramEnds(count: number, partCounts: Uint32Array | undefined, startOffset: number): Uint32Array | number[] {
  const total = startOffset + (partCounts === undefined ? count : partCounts.reduce((sum, parts) => sum + parts, 0));
  const ends: Uint32Array | number[] = total <= 0xffff_ffff ? new Uint32Array(count) : new Array<number>(count);
  let end = startOffset;
  for (let i = 0; i < count; i++) {
    end += partCounts === undefined ? 1 : (partCounts[i] as number);
    ends[i] = end;
  }
  return ends;
}
