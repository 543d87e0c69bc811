/**
 * The `Transport` interface: how a subscription hands formatted syslog messages to the network.
 * `TcpTransport` and `UdpTransport` implement it over any {@link Network} (real sockets or the
 * virtual network); users may pass their own.
 *
 * @module
 */

import type { EventEmitter } from 'eventemitter3';
import type { NetworkError } from '../core/errors.js';
import type { LongLineAction } from '../core/long-lines.js';

/** The transport protocols of Syslog Push. */
export type TransportProtocol = 'tcp' | 'udp';

/** One connection (TCP) or one connected socket (UDP) of a transport. */
export interface ConnectionInfo {
  /** Sequential per transport, from 1. */
  readonly id: number;
  /** The protocol. */
  readonly protocol: TransportProtocol;
  /** The local address the receiver sees as the peer. */
  readonly localAddress: string;
  /** The local port the receiver sees as the peer's port. */
  readonly localPort: number;
  /** The receiver's address. */
  readonly remoteAddress: string;
  /** The receiver's port. */
  readonly remotePort: number;
  /**
   * The key that correlates this connection with a receiver's records: the local endpoint as
   * the receiver sees the peer (see `endpointKey()` in core).
   */
  readonly key: string;
  /** When the connection was established (clock ms). */
  readonly openedAt: number;
}

/** What a successful {@link Transport.send} did. */
export interface SendReceipt {
  /** The connection the batch went out on. */
  readonly connection: ConnectionInfo;
  /** Whether this send opened that connection (the `prefix` hook ran). */
  readonly isNewConnection: boolean;
  /** How many of the sent messages came from the `prefix` hook (they come first). */
  readonly prefixCount: number;
  /**
   * TCP: bytes sent on this connection before the batch (stream offset of its first byte).
   * UDP: datagrams sent on this socket before the batch.
   */
  readonly startOffset: number;
  /**
   * Per message (prefix first), the stream offset just past its frame (TCP) or its datagram
   * index + 1 (UDP). A message that a long-line rule dropped has the same end as the one before.
   */
  readonly frameEnds: Uint32Array | readonly number[];
  /** Per message, what the long-line rule did: `undefined` (sent as is), or the action. */
  readonly longLineActions: readonly (LongLineAction | undefined)[] | undefined;
  /**
   * Per message, the text of its last frame or datagram (a `truncated` message as cut, the last
   * part of a `split` one; `undefined` for a dropped one); `undefined` when the rule changed
   * nothing. The ledger matches a line by this text (UDP, evidence `lines`).
   */
  readonly longLineLastParts?: readonly (string | undefined)[] | undefined;
  /** Bytes handed to the network for this batch (framing included). */
  readonly bytesWritten: number;
  /** When the last byte was handed to the network (clock ms). */
  readonly writtenAt: number;
}

/** What a long-line rule did to one message (defined in core/long-lines.ts). */
export type { LongLineAction };

/** Options of {@link Transport.send}. */
export interface SendOptions {
  /**
   * Called when this send has to open a new connection, right after it is established; the
   * messages it returns are sent first on the new connection (the appliance puts the logfile
   * header here).
   */
  prefix?: (connection: ConnectionInfo) => readonly string[];
  /** Aborts the send (rejects with `ESA_ERR_ABORTED`; the connection is destroyed). */
  signal?: AbortSignal;
}

/** Payload of `connection:opened`. */
export interface ConnectionOpenedEvent {
  readonly at: number;
  readonly connection: ConnectionInfo;
}

/** Payload of `connection:closed`. */
export interface ConnectionClosedEvent {
  readonly at: number;
  readonly connection: ConnectionInfo;
  /** Who closed it: this side (`close()`, `destroy()`, a timeout) or the peer (FIN). */
  readonly by: 'local' | 'peer';
  /** Whether a send was in progress. */
  readonly duringSend: boolean;
}

/** Payload of `connection:reset`. */
export interface ConnectionResetEvent {
  readonly at: number;
  readonly connection: ConnectionInfo;
  /** The classified error (`ESA_ERR_CONNECTION_RESET`, `ESA_ERR_BROKEN_PIPE`, …). */
  readonly error: NetworkError;
  /** True when no send was in progress: the reset arrived while the connection was idle. */
  readonly isIdle: boolean;
}

/** The events every {@link Transport} emits. */
export interface TransportEvents {
  /** A connection was established. */
  'connection:opened': (event: ConnectionOpenedEvent) => void;
  /** A connection ended without an error (FIN from the peer, or closed by us). */
  'connection:closed': (event: ConnectionClosedEvent) => void;
  /** A connection ended with an error (RST, broken pipe, timeout, ICMP unreachable). */
  'connection:reset': (event: ConnectionResetEvent) => void;
}

/**
 * Sends syslog messages to one receiver. Implementations frame the messages (LF, octet counting,
 * one datagram each), connect lazily, and reject failed sends with a `NetworkError` whose `code`
 * classifies the failure and whose `cause` is the socket error. They never let a socket error
 * escape as an unhandled `'error'` event or rejection.
 */
export interface Transport extends EventEmitter<TransportEvents> {
  /** `tcp` or `udp`. */
  readonly protocol: TransportProtocol;
  /** The receiver as `host:port`, for messages. */
  readonly target: string;
  /** The open connection, if any. */
  readonly connection: ConnectionInfo | undefined;
  /**
   * Sends `messages` (formatted syslog lines without framing) as one batch, opening a connection
   * first when none is open. Resolves when every byte has been handed to the network.
   *
   * @throws NetworkError with a network `code` when the batch could not be written; EsaError
   * `ESA_ERR_CLOSED` after close, `ESA_ERR_ABORTED` on abort.
   */
  send(messages: readonly string[], options?: SendOptions): Promise<SendReceipt>;
  /** Flushes what is queued, closes gracefully (FIN). Idempotent: returns the same promise. */
  close(): Promise<void>;
  /** Closes at once, discarding anything queued. */
  destroy(): void;
}
