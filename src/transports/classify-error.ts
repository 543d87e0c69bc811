/**
 * Socket-error classification: turns what a {@link Network} reports (Node's error codes) into a
 * {@link NetworkError} with a stable `ESA_ERR_*` code and a message that names the peer and what
 * was happening. Used by `TcpTransport` and `UdpTransport`; exported so users with their own
 * transport classify the same way.
 *
 * @module
 */

import { NetworkError, type NetworkErrorCode } from '../core/errors.js';
import type { TransportProtocol } from './transport.js';

/**
 * What the transport was doing when the error came:
 * - `connect`: opening a TCP connection (or connecting a UDP socket),
 * - `write`: writing a batch to a TCP connection (waiting for `drain` included),
 * - `idle`: nothing (the error arrived between sends),
 * - `send`: sending datagrams on a UDP socket.
 */
export type SocketErrorPhase = 'connect' | 'write' | 'idle' | 'send';

/** The circumstances of a socket error, for {@link classifySocketError}. */
export interface SocketErrorContext {
  /** What the transport was doing. */
  readonly phase: SocketErrorPhase;
  /** `tcp` or `udp`: `ECONNREFUSED` means "refused" on TCP, "ICMP port unreachable" on UDP. */
  readonly protocol: TransportProtocol;
  /** The receiver as `host:port` (`[::1]:514` for IPv6). */
  readonly peer: string;
  /** The transport's connection id, when the error belongs to a connection. */
  readonly connectionId?: number | undefined;
  /** `write` phase: the size of the batch being written, in bytes (named in the message). */
  readonly bytes?: number | undefined;
  /** `send` phase: how many datagrams the send held (named in the message). */
  readonly datagrams?: number | undefined;
  /**
   * Whether the peer had already closed the connection (FIN) when the error came: Node's
   * `ERR_STREAM_WRITE_AFTER_END` / `ERR_STREAM_DESTROYED` then mean a broken pipe.
   * @default false
   */
  readonly isPeerClosed?: boolean | undefined;
}

/** The error codes that mean the receiver's host or network cannot be reached. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Classifies a socket error.
 *
 * | socket error | code |
 * |---|---|
 * | `ECONNRESET` | `ESA_ERR_CONNECTION_RESET` |
 * | `ECONNREFUSED` | `ESA_ERR_CONNECTION_REFUSED` (TCP), `ESA_ERR_PORT_UNREACHABLE` (UDP: ICMP port unreachable) |
 * | `EPIPE`; `ERR_STREAM_WRITE_AFTER_END`, `ERR_STREAM_DESTROYED` after the peer closed | `ESA_ERR_BROKEN_PIPE` |
 * | `ETIMEDOUT` | `ESA_ERR_CONNECT_TIMEOUT` (connect phase), `ESA_ERR_WRITE_TIMEOUT` (otherwise) |
 * | `EHOSTUNREACH`, `ENETUNREACH` | `ESA_ERR_HOST_UNREACHABLE` |
 * | anything else (`EMSGSIZE` included) | `ESA_ERR_NETWORK` |
 *
 * A {@link NetworkError} is returned as is. The result's `cause` is `error`.
 *
 * @example
 * ```ts
 * classifySocketError(error, { phase: 'write', protocol: 'tcp', peer: '127.0.0.1:5140', bytes: 412 }).message;
 * // 'Connection to 127.0.0.1:5140 was reset by the peer (ECONNRESET) while writing 412 bytes'
 * ```
 */
export function classifySocketError(error: unknown, context: SocketErrorContext): NetworkError {
  if (error instanceof NetworkError) return error;
  const socketCode = errorCode(error);
  const { peer, phase, protocol } = context;
  const subject = protocol === 'tcp' ? `Connection to ${peer}` : `UDP socket to ${peer}`;
  const during = describePhase(context);
  let code: NetworkErrorCode;
  let message: string;
  switch (socketCode) {
    case 'ECONNRESET':
      code = 'ESA_ERR_CONNECTION_RESET';
      message = `${subject} was reset by the peer (ECONNRESET) ${during}`;
      break;
    case 'ECONNREFUSED':
      if (protocol === 'tcp') {
        code = 'ESA_ERR_CONNECTION_REFUSED';
        message = `${subject} was refused (ECONNREFUSED): nothing listens on that port`;
        if (phase !== 'connect') message += ` (${during})`;
      } else {
        code = 'ESA_ERR_PORT_UNREACHABLE';
        message = `${subject}: the peer's port is unreachable (ECONNREFUSED after an ICMP port unreachable) ${during}`;
      }
      break;
    case 'EPIPE':
      code = 'ESA_ERR_BROKEN_PIPE';
      message = `${subject} is broken: the peer had closed it (EPIPE) ${during}`;
      break;
    case 'ERR_STREAM_WRITE_AFTER_END':
    case 'ERR_STREAM_DESTROYED':
      if (context.isPeerClosed === true) {
        code = 'ESA_ERR_BROKEN_PIPE';
        message = `${subject} is broken: the peer had closed it (${socketCode}) ${during}`;
      } else {
        code = 'ESA_ERR_NETWORK';
        message = `${subject} was already closed (${socketCode}) ${during}`;
      }
      break;
    case 'ETIMEDOUT':
      code = phase === 'connect' ? 'ESA_ERR_CONNECT_TIMEOUT' : 'ESA_ERR_WRITE_TIMEOUT';
      message = `${subject} timed out (ETIMEDOUT) ${during}`;
      break;
    case 'EMSGSIZE':
      code = 'ESA_ERR_NETWORK';
      message = `${subject}: a datagram was larger than the network path allows (EMSGSIZE) ${during}`;
      break;
    default:
      if (socketCode !== undefined && UNREACHABLE_CODES.has(socketCode)) {
        code = 'ESA_ERR_HOST_UNREACHABLE';
        message = `${subject} failed: the host is unreachable (${socketCode}) ${during}`;
      } else {
        code = 'ESA_ERR_NETWORK';
        const detail = error instanceof Error ? error.message : String(error);
        message = `${subject} failed (${socketCode ?? 'no error code'}: ${detail}) ${during}`;
      }
  }
  return new NetworkError(code, message, {
    cause: error,
    peer,
    ...(context.connectionId === undefined ? {} : { connectionId: context.connectionId }),
  });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function describePhase(context: SocketErrorContext): string {
  switch (context.phase) {
    case 'connect':
      return 'while connecting';
    case 'write':
      return context.bytes === undefined ? 'while writing' : `while writing ${context.bytes} bytes`;
    case 'idle':
      return 'while the connection was idle';
    case 'send':
      return context.datagrams === undefined
        ? 'while sending'
        : `while sending ${context.datagrams} ${context.datagrams === 1 ? 'datagram' : 'datagrams'}`;
  }
}
