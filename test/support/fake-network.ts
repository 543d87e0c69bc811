/**
 * A tiny scripted {@link Network} for transport unit tests: the test decides when a socket
 * connects, when writes complete, and when the peer resets or closes — the cases loopback cannot
 * show on demand (a connect that never answers, a write callback that never runs).
 */
import { EventEmitter } from 'node:events';
import type {
  DatagramAddress,
  DatagramSocket,
  DatagramSocketEvents,
  Network,
  SocketError,
  StreamConnectOptions,
  StreamListener,
  StreamSocket,
  StreamSocketEvents,
} from '../../src/core/network.js';

/** A socket error with Node's `code`. */
export function socketError(code: string, syscall = 'read'): SocketError {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}

interface PendingWrite {
  readonly data: Uint8Array;
  readonly callback: ((error?: Error | null) => void) | undefined;
}

/** A scripted TCP socket. */
export class FakeStreamSocket extends EventEmitter implements StreamSocket {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  destroyed = false;
  /** Every chunk written, in order. */
  readonly written: Uint8Array[] = [];
  /** Writes whose callback has not run (when `autoCompleteWrites` is off). */
  readonly pendingWrites: PendingWrite[] = [];
  /** Run write callbacks on the next microtask. */
  autoCompleteWrites = true;
  /** What `write()` returns (false = the caller should wait for `drain`). */
  writeReturns = true;
  isEnded = false;
  isPeerEnded = false;
  /** The peer answers our FIN with its own (a well-behaved receiver). */
  isPeerClosingOnEnd = false;
  wasReset = false;
  noDelay: boolean | undefined;
  keepAlive: { enable: boolean | undefined; initialDelayMs: number | undefined } | undefined;

  constructor(readonly options: StreamConnectOptions) {
    super();
  }

  get writableLength(): number {
    return this.pendingWrites.reduce((sum, write) => sum + write.data.length, 0);
  }

  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    if (this.destroyed || this.isEnded) {
      const error = Object.assign(new Error(this.destroyed ? 'Cannot call write after a stream was destroyed' : 'write after end'), {
        code: this.destroyed ? 'ERR_STREAM_DESTROYED' : 'ERR_STREAM_WRITE_AFTER_END',
      });
      queueMicrotask(() => callback?.(error));
      return false;
    }
    this.written.push(data);
    if (this.autoCompleteWrites) queueMicrotask(() => callback?.(null));
    else this.pendingWrites.push({ data, callback });
    return this.writeReturns;
  }

  end(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (this.isPeerEnded) this.#close(false);
    else if (this.isPeerClosingOnEnd) queueMicrotask(() => this.peerEnd());
  }

  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => {
      if (error) this.emit('error', error);
      this.emit('close', error !== undefined);
    });
  }

  resetAndDestroy(): void {
    this.wasReset = true;
    this.destroy();
  }

  pause(): void {}

  resume(): void {}

  setNoDelay(noDelay?: boolean): void {
    this.noDelay = noDelay;
  }

  setKeepAlive(enable?: boolean, initialDelayMs?: number): void {
    this.keepAlive = { enable, initialDelayMs };
  }

  // --- what the test does ---

  /** The handshake completes. */
  acceptConnect(local: { address: string; port: number } = { address: '192.0.2.1', port: 40_001 }): void {
    this.localAddress = local.address;
    this.localPort = local.port;
    this.remoteAddress = this.options.host;
    this.remotePort = this.options.port;
    this.emit('connect');
  }

  /** The socket fails with `error` (ECONNRESET by default), then closes. */
  fail(error: SocketError = socketError('ECONNRESET')): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('error', error);
    this.emit('close', true);
  }

  /** The peer sends FIN. */
  peerEnd(): void {
    this.isPeerEnded = true;
    this.emit('end');
    if (this.isEnded) this.#close(false);
  }

  /** Runs the callbacks of the pending writes (with `error`, if given). */
  completeWrites(error?: Error): void {
    for (const write of this.pendingWrites.splice(0)) write.callback?.(error ?? null);
  }

  /** Emits `drain`. */
  drain(): void {
    this.emit('drain');
  }

  #close(hadError: boolean): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emit('close', hadError));
  }

  override on<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

/** A scripted UDP socket. */
export class FakeDatagramSocket extends EventEmitter implements DatagramSocket {
  readonly sent: Uint8Array[] = [];
  isClosed = false;
  connectedTo: DatagramAddress | undefined;
  boundTo: DatagramAddress | undefined;
  /** Decides each send's callback error; `undefined` = success. */
  sendError: ((data: Uint8Array, index: number) => SocketError | undefined) | undefined;
  /** When set, `connect()` rejects with it. */
  connectError: SocketError | undefined;
  /** When true, `connect()` never settles. */
  isConnectHanging = false;

  constructor(readonly family: 4 | 6) {
    super();
  }

  bind(address: string, port: number): Promise<DatagramAddress> {
    this.boundTo = { address, port: port === 0 ? 50_000 : port };
    return Promise.resolve(this.boundTo);
  }

  connect(address: string, port: number): Promise<void> {
    if (this.isConnectHanging) return new Promise(() => {});
    if (this.connectError) return Promise.reject(this.connectError);
    this.connectedTo = { address, port };
    this.boundTo ??= { address: this.family === 6 ? 'fd00::1' : '192.0.2.1', port: 50_000 };
    return Promise.resolve();
  }

  send(data: Uint8Array, callback: (error?: SocketError | null) => void): void {
    const index = this.sent.length;
    this.sent.push(data);
    const error = this.isClosed ? socketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'send') : this.sendError?.(data, index);
    queueMicrotask(() => callback(error ?? null));
  }

  localAddress(): DatagramAddress | undefined {
    return this.boundTo;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    queueMicrotask(() => this.emit('close'));
  }

  /** An asynchronous socket error (an ICMP port unreachable read by the socket). */
  fail(error: SocketError = socketError('ECONNREFUSED', 'recvmsg')): void {
    this.emit('error', error);
  }

  override on<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}

/** A scripted network: records every socket; `onConnect` decides what a new TCP socket does. */
export class FakeNetwork implements Network {
  readonly name = 'fake';
  readonly sockets: FakeStreamSocket[] = [];
  readonly datagramSockets: FakeDatagramSocket[] = [];
  /** Called for each new TCP socket; by default it connects on the next microtask. */
  onConnect: (socket: FakeStreamSocket) => void = (socket) => queueMicrotask(() => socket.acceptConnect({ address: '192.0.2.1', port: 40_000 + this.sockets.length }));
  /** Called for each new UDP socket. */
  onDatagramSocket: (socket: FakeDatagramSocket) => void = () => {};

  connect(options: StreamConnectOptions): StreamSocket {
    const socket = new FakeStreamSocket(options);
    this.sockets.push(socket);
    this.onConnect(socket);
    return socket;
  }

  listen(): Promise<StreamListener> {
    return Promise.reject(new Error('FakeNetwork does not listen'));
  }

  createDatagramSocket(family: 4 | 6): DatagramSocket {
    const socket = new FakeDatagramSocket(family);
    this.datagramSockets.push(socket);
    this.onDatagramSocket(socket);
    return socket;
  }

  /** The most recent TCP socket. */
  get lastSocket(): FakeStreamSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket yet');
    return socket;
  }

  /** The most recent UDP socket. */
  get lastDatagramSocket(): FakeDatagramSocket {
    const socket = this.datagramSockets.at(-1);
    if (!socket) throw new Error('no datagram socket yet');
    return socket;
  }
}
