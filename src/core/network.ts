/**
 * The socket layer that both worlds provide: real sockets (`nodeNetwork`, Node's `net` and
 * `dgram`) and the in-memory `VirtualNetwork`. `TcpTransport`, `UdpTransport` and `SyslogServer`
 * are written once against these interfaces, so the same transport and receiver code runs on
 * loopback and in the virtual world.
 *
 * `StreamSocket` is the subset of Node's `net.Socket` that esa-logsim uses, with Node's semantics:
 * events `connect`, `data`, `drain`, `end`, `error`, `close`; errors carry Node's `code`
 * (`ECONNRESET`, `ECONNREFUSED`, `EPIPE`, `ETIMEDOUT`, …). A Node socket is a `StreamSocket`.
 *
 * @module
 */

/** A socket-level error as Node reports it. */
export interface SocketError extends Error {
  /** `ECONNRESET`, `ECONNREFUSED`, `EPIPE`, `ETIMEDOUT`, `EMSGSIZE`, `EHOSTUNREACH`, … */
  code?: string;
  /** The system call that failed (`connect`, `write`, `send`, `read`). */
  syscall?: string;
}

/** The events of a {@link StreamSocket}, with Node's meaning. */
export interface StreamSocketEvents {
  /** The connection is established (client side). */
  connect: () => void;
  /** Bytes arrived. */
  data: (chunk: Uint8Array) => void;
  /** The write buffer emptied after `write()` returned `false`. */
  drain: () => void;
  /** The peer sent FIN. */
  end: () => void;
  /** A socket error; `close` follows. */
  error: (error: SocketError) => void;
  /** The socket is fully closed; `hadError` when an `error` preceded it. */
  close: (hadError: boolean) => void;
}

/** A TCP connection with Node's `net.Socket` semantics (the subset esa-logsim uses). */
export interface StreamSocket {
  /** The peer's address, once connected. */
  readonly remoteAddress?: string | undefined;
  /** The peer's port, once connected. */
  readonly remotePort?: number | undefined;
  /** The local address, once connected. */
  readonly localAddress?: string | undefined;
  /** The local port, once connected. */
  readonly localPort?: number | undefined;
  /** Bytes queued by `write()` and not yet handed to the network. */
  readonly writableLength: number;
  /** Whether the socket has been destroyed. */
  readonly destroyed: boolean;
  /**
   * Queues `data`; `callback` runs once it is handed to the network (or with the error that
   * prevented it). Returns `false` when the caller should wait for `drain`.
   */
  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  /** Sends FIN after the queued data (graceful close). */
  end(): void;
  /** Closes at once without FIN semantics guaranteed; queued data is discarded. */
  destroy(error?: Error): void;
  /** Closes at once with a TCP RST. */
  resetAndDestroy(): void;
  /** Stops reading: the peer's sends fill the receive window and then block. */
  pause(): void;
  /** Resumes reading. */
  resume(): void;
  /** Disables Nagle's algorithm. */
  setNoDelay(noDelay?: boolean): void;
  /** Enables TCP keepalive probes after `initialDelayMs` of idleness. */
  setKeepAlive(enable?: boolean, initialDelayMs?: number): void;
  /** Adds a listener. */
  on<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): unknown;
  /** Adds a one-time listener. */
  once<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): unknown;
  /** Removes a listener. */
  off<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): unknown;
}

/** Where a TCP client connects. */
export interface StreamConnectOptions {
  /** The peer's address or hostname. */
  host: string;
  /** The peer's port. */
  port: number;
  /** The local address to bind before connecting. */
  localAddress?: string;
}

/** Where a TCP listener binds. */
export interface StreamListenOptions {
  /** The address to bind. */
  host: string;
  /** The port to bind; 0 picks a free one. */
  port: number;
  /** The accept backlog. */
  backlog?: number;
}

/** A bound TCP listener. Closing it stops accepting; open connections are not touched. */
export interface StreamListener {
  /** The bound address. */
  readonly address: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** Stops accepting connections. Idempotent. */
  close(): Promise<void>;
}

/** A datagram peer. */
export interface DatagramAddress {
  /** The address. */
  address: string;
  /** The port. */
  port: number;
}

/** The events of a {@link DatagramSocket}. */
export interface DatagramSocketEvents {
  /** A datagram arrived. */
  message: (data: Uint8Array, from: DatagramAddress) => void;
  /** A socket error (for a connected socket, `ECONNREFUSED` after an ICMP port unreachable). */
  error: (error: SocketError) => void;
  /** The socket is closed. */
  close: () => void;
}

/** A UDP socket with Node's `dgram` semantics (the subset esa-logsim uses). */
export interface DatagramSocket {
  /** Binds to `address:port` (port 0 picks one) and resolves with the bound address. */
  bind(address: string, port: number): Promise<DatagramAddress>;
  /**
   * Connects to a peer: later `send()`s need no address, and an ICMP port unreachable for an
   * earlier datagram surfaces as `ECONNREFUSED` on a later send.
   */
  connect(address: string, port: number): Promise<void>;
  /**
   * Sends one datagram (to the connected peer, or to `to`). `callback` gets the error that
   * prevented it, if any (`ECONNREFUSED`, `EMSGSIZE`, …).
   */
  send(data: Uint8Array, callback: (error?: SocketError | null) => void, to?: DatagramAddress): void;
  /** The local address, once bound or connected. */
  localAddress(): DatagramAddress | undefined;
  /** Closes the socket. Idempotent. */
  close(): void;
  /** Adds a listener. */
  on<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): unknown;
  /** Removes a listener. */
  off<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): unknown;
}

/**
 * A network stack: open TCP connections, listen, create UDP sockets. `nodeNetwork` uses the
 * machine's real sockets; a `VirtualNetwork` host provides one in memory.
 */
export interface Network {
  /** A short name for messages and traces (`node`, or the virtual host's address). */
  readonly name: string;
  /** Starts a TCP connection; the socket emits `connect` or `error`. */
  connect(options: StreamConnectOptions): StreamSocket;
  /** Listens for TCP connections. */
  listen(options: StreamListenOptions, onConnection: (socket: StreamSocket) => void): Promise<StreamListener>;
  /** Creates an unbound UDP socket of the given family. */
  createDatagramSocket(family: 4 | 6): DatagramSocket;
}

/** Whether an address is an IPv6 literal. */
export function isIPv6Literal(address: string): boolean {
  return address.includes(':');
}

/**
 * The canonical `address:port` key of an endpoint, used to correlate a sender's connection with
 * a receiver's records: IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) become IPv4, IPv6
 * addresses are bracketed (`[::1]:514`).
 */
export function endpointKey(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return isIPv6Literal(plain) ? `[${plain}]:${port}` : `${plain}:${port}`;
}
