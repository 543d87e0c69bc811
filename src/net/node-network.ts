/**
 * The real-socket {@link Network}: Node's `net` and `dgram`.
 *
 * @module
 */

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { EsaError } from '../core/errors.js';
import type {
  DatagramAddress,
  DatagramSocket,
  DatagramSocketEvents,
  Network,
  SocketError,
  StreamConnectOptions,
  StreamListener,
  StreamListenOptions,
  StreamSocket,
} from '../core/network.js';

/**
 * The machine's real network stack. The default of every transport and server.
 */
export const nodeNetwork: Network = Object.freeze({
  name: 'node',
  connect(options: StreamConnectOptions): StreamSocket {
    const socket = net.connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    return socket as unknown as StreamSocket;
  },
  listen(options: StreamListenOptions, onConnection: (socket: StreamSocket) => void): Promise<StreamListener> {
    return listenTcp(options, onConnection);
  },
  createDatagramSocket(family: 4 | 6): DatagramSocket {
    return new NodeDatagramSocket(family);
  },
});

function listenTcp(options: StreamListenOptions, onConnection: (socket: StreamSocket) => void): Promise<StreamListener> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: false }, (socket) => {
      onConnection(socket as unknown as StreamSocket);
    });
    const onListenError = (error: SocketError): void => {
      reject(listenError(options, error));
    };
    server.once('error', onListenError);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog ?? 511 }, () => {
      server.off('error', onListenError);
      // A listening server can still report errors (EMFILE on accept): keep them from crashing the process.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        address: address.address,
        port: address.port,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
          })),
      });
    });
  });
}

function listenError(options: { host: string; port: number }, error: SocketError): EsaError {
  const where = `${options.host}:${options.port}`;
  if (error.code === 'EADDRINUSE') {
    return new EsaError('ESA_ERR_ADDRESS_IN_USE', `Cannot listen on ${where}: the address is already in use`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new EsaError('ESA_ERR_ADDRESS_IN_USE', `Cannot listen on ${where}: permission denied (ports below 1024 need privileges; use --port 0 for any free port)`, { cause: error });
  }
  return new EsaError('ESA_ERR_NETWORK', `Cannot listen on ${where}: ${error.message}`, { cause: error });
}

class NodeDatagramSocket implements DatagramSocket {
  readonly #socket: dgram.Socket;
  readonly #wrapped = new Map<DatagramSocketEvents['message'], (data: Buffer, remote: dgram.RemoteInfo) => void>();
  #closed = false;

  constructor(family: 4 | 6) {
    this.#socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  }

  bind(address: string, port: number): Promise<DatagramAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: SocketError): void => reject(listenError({ host: address, port }, error));
      this.#socket.once('error', onError);
      this.#socket.bind(port, address, () => {
        this.#socket.off('error', onError);
        const bound = this.#socket.address();
        resolve({ address: bound.address, port: bound.port });
      });
    });
  }

  connect(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: SocketError): void => reject(error);
      this.#socket.once('error', onError);
      this.#socket.connect(port, address, () => {
        this.#socket.off('error', onError);
        resolve();
      });
    });
  }

  send(data: Uint8Array, callback: (error?: SocketError | null) => void, to?: DatagramAddress): void {
    try {
      if (to) this.#socket.send(data, to.port, to.address, (error) => callback(error));
      else this.#socket.send(data, (error) => callback(error));
    } catch (error) {
      // dgram throws synchronously for a closed socket or a bad argument.
      callback(error as SocketError);
    }
  }

  localAddress(): DatagramAddress | undefined {
    try {
      const bound = this.#socket.address();
      return { address: bound.address, port: bound.port };
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }

  on<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    if (event === 'message') {
      const onMessage = listener as DatagramSocketEvents['message'];
      const wrapped = (data: Buffer, remote: dgram.RemoteInfo): void => onMessage(data, { address: remote.address, port: remote.port });
      this.#wrapped.set(onMessage, wrapped);
      this.#socket.on('message', wrapped);
    } else {
      this.#socket.on(event, listener as (...args: unknown[]) => void);
    }
    return this;
  }

  off<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    if (event === 'message') {
      const wrapped = this.#wrapped.get(listener as DatagramSocketEvents['message']);
      if (wrapped) this.#socket.off('message', wrapped);
      this.#wrapped.delete(listener as DatagramSocketEvents['message']);
    } else {
      this.#socket.off(event, listener as (...args: unknown[]) => void);
    }
    return this;
  }
}
