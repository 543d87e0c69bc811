/**
 * A virtual UDP socket with Node's `dgram` semantics (the {@link DatagramSocket} subset). The
 * detail that matters for syslog: a datagram to a port where nothing listens comes back as an
 * ICMP port unreachable; a *connected* socket then holds a pending `ECONNREFUSED` (one slot, as
 * Linux's `sk_err`) that the next system call reports — Node's receive loop usually gets there
 * first and emits `error` (`recvmsg ECONNREFUSED`) while the socket stays open; a `send()` made
 * before that reports it in its callback (`send ECONNREFUSED`) and is not sent. Checked against
 * Node 20 on Linux loopback.
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import { EsaError } from '../core/errors.js';
import type { DatagramAddress, DatagramSocket, DatagramSocketEvents, SocketError } from '../core/network.js';
import { isLoopbackOrWildcard } from './address.js';
import type { HostStack } from './host-options.js';
import { udpPacket, type IcmpQuote, type Packet } from './packet.js';
import { nodeError, systemError } from './socket-errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** The largest UDP payload over IPv4 (65535 − 20 − 8) and IPv6 (65535 − 8). */
const MAX_PAYLOAD_BYTES: Readonly<Record<4 | 6, number>> = { 4: 65_507, 6: 65_527 };

/** A UDP socket on a virtual host. Made by `VirtualHost.createDatagramSocket()`. */
export class VirtualDatagramSocket implements DatagramSocket {
  readonly #events = new EventEmitter();
  readonly #stack: HostStack;
  readonly #family: 4 | 6;
  #bound: DatagramAddress | undefined;
  #peer: DatagramAddress | undefined;
  #isClosed = false;
  #pendingError: SocketError | undefined;
  #isErrorPosted = false;

  /** @internal Made by the virtual host. */
  constructor(stack: HostStack, family: 4 | 6) {
    this.#stack = stack;
    this.#family = family;
  }

  bind(address: string, port: number): Promise<DatagramAddress> {
    if (this.#isClosed) return Promise.reject(notRunning());
    if (this.#bound !== undefined) return Promise.reject(nodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(badPort(port));
    const where = `${address}:${port}`;
    if (!(isLoopbackOrWildcard(address) || address === this.#stack.address)) {
      return Promise.reject(
        new EsaError('ESA_ERR_NETWORK', `Cannot listen on ${where}: the address is not this virtual host's (${this.#stack.address})`, {
          cause: systemError('EADDRNOTAVAIL', 'bind', address, port),
        }),
      );
    }
    const bound = this.#stack.bindUdp(port, this);
    if (bound === 'EADDRINUSE' || bound === 'EADDRNOTAVAIL') {
      return Promise.reject(
        new EsaError('ESA_ERR_ADDRESS_IN_USE', `Cannot listen on ${where}: the address is already in use`, {
          cause: systemError(bound, 'bind', address, port),
        }),
      );
    }
    this.#bound = { address: address === this.#stack.address ? address : wildcardOf(address, this.#family), port: bound };
    return Promise.resolve({ ...this.#bound });
  }

  connect(address: string, port: number): Promise<void> {
    if (this.#isClosed) return Promise.reject(notRunning());
    if (this.#peer !== undefined) return Promise.reject(nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected'));
    if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(badPort(port));
    const resolved = this.#stack.resolve(address);
    if ('code' in resolved && resolved.code === 'ENOTFOUND') {
      const error = systemError('ENOTFOUND', 'getaddrinfo', address);
      return Promise.reject(error);
    }
    if (!this.#ensureBound()) return Promise.reject(systemError('EADDRINUSE', 'bind'));
    // An unknown host is accepted, as Linux accepts connect() on UDP; datagrams to it are lost.
    this.#peer = { address: 'address' in resolved ? resolved.address : address, port };
    return Promise.resolve();
  }

  send(data: Uint8Array, callback: (error?: SocketError | null) => void, to?: DatagramAddress): void {
    const core = this.#stack.core;
    if (this.#isClosed) {
      core.post(() => callback(notRunning()));
      return;
    }
    let target = to;
    if (target === undefined) {
      if (this.#peer === undefined) {
        core.post(() => callback(nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected')));
        return;
      }
      target = this.#peer;
    } else if (this.#peer !== undefined) {
      core.post(() => callback(nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected')));
      return;
    }
    if (data.byteLength > MAX_PAYLOAD_BYTES[this.#family]) {
      const error = systemError('EMSGSIZE', 'send', target.address, target.port);
      core.post(() => callback(error));
      return;
    }
    if (!this.#ensureBound()) {
      core.post(() => callback(systemError('EADDRINUSE', 'bind')));
      return;
    }
    if (this.#pendingError !== undefined) {
      const error = systemError(this.#pendingError.code ?? 'ECONNREFUSED', 'send');
      this.#pendingError = undefined;
      core.post(() => callback(error));
      return;
    }
    let address = target.address;
    if (to !== undefined) {
      const resolved = this.#stack.resolve(to.address);
      if ('address' in resolved) address = resolved.address;
    }
    const port = (this.#bound as DatagramAddress).port;
    core.transmit(udpPacket(this.#stack.address, port, address, target.port, core.copy(data)));
    core.post(() => callback(null));
  }

  localAddress(): DatagramAddress | undefined {
    if (this.#bound === undefined) return undefined;
    // A connected socket reports the address its datagrams leave from (as the kernel does).
    if (this.#peer !== undefined) return { address: this.#stack.address, port: this.#bound.port };
    return { ...this.#bound };
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#bound !== undefined) this.#stack.releaseUdp(this.#bound.port);
    this.#stack.core.post(() => this.#emit('close'));
  }

  /** Adds a listener. */
  on<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    this.#events.on(event, listener as Listener);
    return this;
  }

  /** Removes a listener. */
  off<E extends keyof DatagramSocketEvents>(event: E, listener: DatagramSocketEvents[E]): this {
    this.#events.off(event, listener as Listener);
    return this;
  }

  #emit<E extends keyof DatagramSocketEvents>(event: E, ...args: Parameters<DatagramSocketEvents[E]>): void {
    this.#events.emit(event, ...args);
  }

  /** @internal A datagram arrived on the bound port. */
  receive(packet: Packet): void {
    if (this.#isClosed) return;
    const peer = this.#peer;
    // A connected socket only receives from its peer (the kernel filters the rest).
    if (peer !== undefined && (peer.address !== packet.src || peer.port !== packet.srcPort)) return;
    const from: DatagramAddress = { address: packet.src, port: packet.srcPort };
    const payload = packet.payload;
    this.#stack.core.post(() => {
      if (!this.#isClosed) this.#emit('message', payload, from);
    });
  }

  /** @internal An ICMP port unreachable quoting a datagram this socket sent. */
  portUnreachable(original: IcmpQuote): void {
    if (this.#isClosed) return;
    const peer = this.#peer;
    // Linux reports ICMP errors only to connected UDP sockets (without IP_RECVERR).
    if (peer === undefined || peer.address !== original.dst || peer.port !== original.dstPort) return;
    this.#pendingError = systemError('ECONNREFUSED', 'recvmsg');
    if (this.#isErrorPosted) return;
    this.#isErrorPosted = true;
    this.#stack.core.post(() => {
      this.#isErrorPosted = false;
      const error = this.#pendingError;
      if (error === undefined || this.#isClosed) return;
      this.#pendingError = undefined;
      this.#emit('error', error);
    });
  }

  /** @internal Network teardown. */
  abort(): void {
    this.#isClosed = true;
  }

  #ensureBound(): boolean {
    if (this.#bound !== undefined) return true;
    const port = this.#stack.bindUdp(0, this);
    if (typeof port !== 'number') return false;
    this.#bound = { address: wildcardOf('', this.#family), port };
    return true;
  }
}

function wildcardOf(address: string, family: 4 | 6): string {
  if (address === '0.0.0.0' || address === '::') return address;
  if (address === '::1' || address.startsWith('127.')) return address;
  return family === 6 ? '::' : '0.0.0.0';
}

function notRunning(): SocketError {
  return nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
}

function badPort(port: unknown): SocketError {
  return nodeError('ERR_SOCKET_BAD_PORT', `Port should be >= 0 and < 65536. Received ${String(port)}.`);
}
