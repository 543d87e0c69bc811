/**
 * A scripted listening {@link Network} for `SyslogServer` / `FaultProxy` unit tests: the test
 * opens connections, pushes chunks, sends FIN or RST from the peer and sees what the server did
 * to each socket (paused, ended, reset), all on a `VirtualClock` with no real socket.
 */
import { EventEmitter } from 'node:events';
import { EsaError } from '../../src/core/errors.js';
import type {
  DatagramAddress,
  DatagramSocket,
  DatagramSocketEvents,
  Network,
  SocketError,
  StreamListener,
  StreamListenOptions,
  StreamSocket,
  StreamSocketEvents,
} from '../../src/core/network.js';

const encoder = new TextEncoder();

/** The server's side of one accepted connection. */
export class FakeServerSocket extends EventEmitter implements StreamSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress = '192.0.2.1';
  readonly localPort: number;
  destroyed = false;
  isPaused = false;
  /** pause() / resume() calls, in order. */
  readonly flow: ('pause' | 'resume')[] = [];
  isEnded = false;
  wasReset = false;
  readonly written: Uint8Array[] = [];

  constructor(remote: { address: string; port: number }, localPort: number) {
    super();
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.localPort = localPort;
  }

  get writableLength(): number {
    return 0;
  }

  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    this.written.push(data);
    queueMicrotask(() => callback?.(null));
    return true;
  }

  end(): void {
    this.isEnded = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emit('close', false));
  }

  resetAndDestroy(): void {
    this.wasReset = true;
    this.destroy();
  }

  pause(): void {
    this.isPaused = true;
    this.flow.push('pause');
  }

  resume(): void {
    this.isPaused = false;
    this.flow.push('resume');
  }

  setNoDelay(): void {}

  setKeepAlive(): void {}

  // --- what the test (the peer) does ---

  /** The peer sends bytes (a string is UTF-8 encoded). */
  send(data: string | Uint8Array): void {
    this.emit('data', typeof data === 'string' ? encoder.encode(data) : data);
  }

  /** The peer sends FIN; a server socket (allowHalfOpen false) then closes. */
  peerEnd(): void {
    this.emit('end');
    if (!this.destroyed) {
      this.destroyed = true;
      queueMicrotask(() => this.emit('close', false));
    }
  }

  /** The peer resets the connection. */
  peerReset(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }) as SocketError);
    this.emit('close', true);
  }

  override on<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

/** A bound UDP socket the test can deliver datagrams to. */
export class FakeServerDatagramSocket extends EventEmitter implements DatagramSocket {
  isClosed = false;
  boundTo: DatagramAddress | undefined;

  constructor(
    readonly family: 4 | 6,
    private readonly network: FakeServerNetwork,
  ) {
    super();
  }

  bind(address: string, port: number): Promise<DatagramAddress> {
    const failure = this.network.nextBindError;
    if (failure) {
      this.network.nextBindError = undefined;
      return Promise.reject(failure);
    }
    this.boundTo = { address, port: port === 0 ? this.network.nextPort++ : port };
    this.network.binds.push(this.boundTo);
    return Promise.resolve(this.boundTo);
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  send(_data: Uint8Array, callback: (error?: SocketError | null) => void): void {
    queueMicrotask(() => callback(null));
  }

  localAddress(): DatagramAddress | undefined {
    return this.boundTo;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    queueMicrotask(() => this.emit('close'));
  }

  /** A datagram arrives from `from`. */
  deliver(data: string | Uint8Array, from: DatagramAddress = { address: '192.0.2.5', port: 40_000 }): void {
    this.emit('message', typeof data === 'string' ? encoder.encode(data) : data, from);
  }

  override on<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}

interface FakeListener extends StreamListener {
  readonly onConnection: (socket: StreamSocket) => void;
  isClosed: boolean;
}

/** A network that listens in memory: `open()` plays a client connecting. */
export class FakeServerNetwork implements Network {
  readonly name = 'fake-server';
  /** Every listen call, in order (the port asked and the port given). */
  readonly listens: { asked: number; port: number }[] = [];
  readonly listeners: FakeListener[] = [];
  readonly binds: DatagramAddress[] = [];
  readonly datagramSockets: FakeServerDatagramSocket[] = [];
  readonly sockets: FakeServerSocket[] = [];
  /** The error the next listen or bind fails with (once). */
  nextListenError: EsaError | undefined;
  nextBindError: EsaError | undefined;
  nextPort = 5140;
  #peerPort = 40_000;

  connect(): StreamSocket {
    throw new Error('FakeServerNetwork does not connect');
  }

  listen(options: StreamListenOptions, onConnection: (socket: StreamSocket) => void): Promise<StreamListener> {
    const failure = this.nextListenError;
    if (failure) {
      this.nextListenError = undefined;
      return Promise.reject(failure);
    }
    const port = options.port === 0 ? this.nextPort++ : options.port;
    this.listens.push({ asked: options.port, port });
    const listener: FakeListener = {
      address: options.host,
      port,
      onConnection,
      isClosed: false,
      close: () => {
        listener.isClosed = true;
        return Promise.resolve();
      },
    };
    this.listeners.push(listener);
    return Promise.resolve(listener);
  }

  createDatagramSocket(family: 4 | 6): DatagramSocket {
    const socket = new FakeServerDatagramSocket(family, this);
    this.datagramSockets.push(socket);
    return socket;
  }

  /** The listener accepting now, if any. */
  get openListener(): FakeListener | undefined {
    return this.listeners.find((listener) => !listener.isClosed);
  }

  /** The UDP socket bound now, if any. */
  get openDatagramSocket(): FakeServerDatagramSocket | undefined {
    return this.datagramSockets.find((socket) => socket.boundTo !== undefined && !socket.isClosed);
  }

  /**
   * A client connects: the open listener accepts a socket (an error when none listens — the
   * connection would be refused).
   */
  open(remote: { address: string; port: number } = { address: '192.0.2.5', port: this.#peerPort++ }): FakeServerSocket {
    const listener = this.openListener;
    if (!listener) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const socket = new FakeServerSocket(remote, listener.port);
    this.sockets.push(socket);
    listener.onConnection(socket);
    return socket;
  }
}
