/**
 * Options of a virtual host's TCP/IP stack, and the stack services its sockets use (internal).
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { expectInteger, expectNumber } from '../core/units.js';
import type { IpFamily } from './address.js';
import type { NetworkCore } from './network-core.js';

/** Options of `VirtualNetwork.host()`: the host's TCP stack. */
export interface VirtualHostOptions {
  /**
   * The MSS this host announces in its SYN / SYN-ACK, in bytes. A connection's segments carry at
   * most the smaller of both ends' MSS (the seed's server announces 1350).
   * @default 1460
   */
  mss?: number;
  /**
   * The receive buffer of each connection, in bytes: what the peer may send before this side
   * reads. The advertised window is the free part of it (at most 65535: no window scaling).
   * @default 65535
   */
  receiveBufferBytes?: number;
  /**
   * The kernel send buffer of each connection, in bytes: data written and not yet acknowledged.
   * A `write()` callback runs when the last byte of its chunk entered this buffer.
   * @default 65536
   */
  sendBufferBytes?: number;
  /**
   * The window announced in the SYN / SYN-ACK, in bytes (the seed's appliance announces 16384).
   * Later segments announce the free receive buffer.
   * @default min(receiveBufferBytes, 65535)
   */
  initialWindowBytes?: number;
  /**
   * The smallest retransmission timeout, in ms (Linux's TCP_RTO_MIN).
   * @default 200
   */
  minRtoMs?: number;
  /**
   * The retransmission timeout before any round trip was measured (SYN, SYN-ACK), in ms; it
   * doubles at each retry, so SYNs go out at 0, 1, 3, 7, 15, 31, 63 s.
   * @default 1000
   */
  initialRtoMs?: number;
  /**
   * SYN retransmissions before `connect` fails with ETIMEDOUT (Linux's tcp_syn_retries: the
   * error comes 127 s after the first SYN).
   * @default 6
   */
  synRetries?: number;
  /**
   * Retransmissions of unacknowledged data or FIN before the connection fails with ETIMEDOUT
   * (like Linux's tcp_retries2; the timeout doubles each time, capped at 120 s).
   * @default 15
   */
  maxRetransmissions?: number;
  /**
   * How long a connection whose socket is already closed waits for the peer's FIN, in ms
   * (Linux's tcp_fin_timeout).
   * @default 60000
   */
  finTimeoutMs?: number;
}

/** {@link VirtualHostOptions} validated and defaulted. */
export interface ResolvedVirtualHostOptions {
  readonly mss: number;
  readonly receiveBufferBytes: number;
  readonly sendBufferBytes: number;
  readonly initialWindowBytes: number;
  readonly minRtoMs: number;
  readonly initialRtoMs: number;
  readonly synRetries: number;
  readonly maxRetransmissions: number;
  readonly finTimeoutMs: number;
}

const KNOWN = [
  'mss',
  'receiveBufferBytes',
  'sendBufferBytes',
  'initialWindowBytes',
  'minRtoMs',
  'initialRtoMs',
  'synRetries',
  'maxRetransmissions',
  'finTimeoutMs',
];

/**
 * Validates and defaults {@link VirtualHostOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option.
 */
export function resolveVirtualHostOptions(options: VirtualHostOptions = {}): ResolvedVirtualHostOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, `an object { ${KNOWN.join(', ')} }`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${KNOWN.join(', ')})`);
  }
  const mss = expectInteger('mss', options.mss ?? 1460, 64, 65495);
  const receiveBufferBytes = expectInteger('receiveBufferBytes', options.receiveBufferBytes ?? 65535, 1, 2 ** 30);
  const sendBufferBytes = expectInteger('sendBufferBytes', options.sendBufferBytes ?? 65536, 1, 2 ** 30);
  const initialWindowBytes = expectInteger('initialWindowBytes', options.initialWindowBytes ?? Math.min(receiveBufferBytes, 65535), 1, 65535);
  const minRtoMs = expectNumber('minRtoMs', options.minRtoMs ?? 200, 1, 120_000);
  const initialRtoMs = expectNumber('initialRtoMs', options.initialRtoMs ?? 1000, 1, 120_000);
  const synRetries = expectInteger('synRetries', options.synRetries ?? 6, 0, 255);
  const maxRetransmissions = expectInteger('maxRetransmissions', options.maxRetransmissions ?? 15, 0, 255);
  const finTimeoutMs = expectNumber('finTimeoutMs', options.finTimeoutMs ?? 60_000, 1, 3_600_000);
  return Object.freeze({ mss, receiveBufferBytes, sendBufferBytes, initialWindowBytes, minRtoMs, initialRtoMs, synRetries, maxRetransmissions, finTimeoutMs });
}

/** What a virtual host's sockets need from their host (internal). */
export interface HostStack {
  readonly core: NetworkCore;
  readonly address: string;
  readonly family: IpFamily;
  readonly options: ResolvedVirtualHostOptions;
  /** The host's random stream (ISNs). */
  readonly random: Random;
  /** A TCP connection's kernel state is gone: forget it and free its port. */
  releaseTcp(localPort: number, remoteAddress: string, remotePort: number): void;
  /** A connection to a listening port completed its handshake: hand it to the listener. */
  accept(localPort: number, socket: unknown): boolean;
  /** A UDP socket closed: free its port. */
  releaseUdp(port: number): void;
  /** Binds a UDP port (0 = ephemeral); returns the port or an error code. */
  bindUdp(port: number, socket: unknown): number | 'EADDRINUSE' | 'EADDRNOTAVAIL';
  /** The address a name means from this host (`localhost` → this host), or an error code. */
  resolve(host: string): { address: string } | { code: 'ENOTFOUND' | 'EHOSTUNREACH' | 'ENETUNREACH' };
}
