/**
 * Socket errors shaped like Node's (internal): same `code`, `errno`, `syscall` and message, so
 * that error classification written against real sockets works unchanged on virtual ones.
 *
 * @module
 */

import type { SocketError } from '../core/network.js';

/** Linux errno values Node reports (negated, as libuv does). */
const ERRNO: Readonly<Record<string, number>> = {
  EPIPE: -32,
  EMSGSIZE: -90,
  EADDRINUSE: -98,
  EADDRNOTAVAIL: -99,
  ENETUNREACH: -101,
  ECONNRESET: -104,
  ETIMEDOUT: -110,
  ECONNREFUSED: -111,
  EHOSTUNREACH: -113,
  ENOTFOUND: -3008,
};

/**
 * An `Error` whose stack has no frames (`Error: <message>` only). A socket error reports an event
 * on the network, not a place in the code: Node's own come from libuv with one internal frame at
 * most. Capturing the simulation's call stack instead cost more than the rest of a refused
 * connection attempt's network work (~10–20 µs per error, measured on a refusing receiver).
 */
function errorWithoutFrames(message: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = new Error(message);
  Error.stackTraceLimit = limit;
  return error;
}

/** A system-call error: `connect ECONNREFUSED 10.44.167.30:514`, `read ECONNRESET`. */
export function systemError(code: string, syscall: string, address?: string, port?: number): SocketError {
  const where = address === undefined ? '' : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const error = errorWithoutFrames(`${syscall} ${code}${where}`) as SocketError & { errno?: number; address?: string; port?: number };
  error.code = code;
  const errno = ERRNO[code];
  if (errno !== undefined) error.errno = errno;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}

/** A Node stream/socket error (`ERR_STREAM_DESTROYED`, …) with Node's message. */
export function nodeError(code: string, message: string): SocketError {
  const error = errorWithoutFrames(message) as SocketError;
  error.code = code;
  return error;
}

/** `write()` after `destroy()`. */
export function streamDestroyed(): SocketError {
  return nodeError('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed');
}

/** `write()` after `end()`. */
export function writeAfterEnd(): SocketError {
  return nodeError('ERR_STREAM_WRITE_AFTER_END', 'write after end');
}

/** `write()` after the peer's FIN, once this side ended too (allowHalfOpen false). */
export function endedByPeer(): SocketError {
  const error = nodeError('EPIPE', 'This socket has been ended by the other party');
  return error;
}

/** Pending writes of a socket whose connection attempt failed. */
export function closedBeforeConnection(): SocketError {
  return nodeError('ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established');
}
