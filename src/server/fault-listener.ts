/**
 * The listening side of `SyslogServer` and `FaultProxy` under a {@link FaultEngine}'s `refuse`
 * windows: a TCP listener or a bound UDP socket that is closed while the engine refuses and
 * opened again on the same port afterwards, with a timer at every window boundary. Internal.
 *
 * @module
 */

import type { Clock, Timer } from '../clock/clock.js';
import { EsaError } from '../core/errors.js';
import {
  isIPv6Literal,
  type DatagramAddress,
  type DatagramSocket,
  type Network,
  type StreamListener,
  type StreamSocket,
} from '../core/network.js';
import type { FaultEngine } from '../faults/fault-engine.js';

/** How long to wait before trying again to re-listen after a refuse window (port taken), in ms. */
export const RELISTEN_RETRY_MS = 1000;

/** What a {@link FaultListener} needs from its owner. */
export interface FaultListenerOptions {
  readonly protocol: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
  readonly network: Network;
  readonly clock: Clock;
  /** The owner's current engine (it may be replaced before `start()`). */
  readonly engine: () => FaultEngine;
  /** A TCP connection was accepted. */
  readonly onConnection: (socket: StreamSocket) => void;
  /** A datagram arrived on the bound UDP socket. */
  readonly onDatagram: (data: Uint8Array, from: DatagramAddress) => void;
  /** A window boundary passed (or the faults changed): re-check stalls and idle timers. */
  readonly onWindow: () => void;
  /** The listener accepts (`listening`) or closed for a refuse window (`refusing`). */
  readonly onState: (state: 'listening' | 'refusing', port: number, address: string) => void;
  /** Re-listening failed; it is tried again after `retryInMs`. */
  readonly onFailed: (error: EsaError, port: number, retryInMs: number) => void;
}

/** See the module description. */
export class FaultListener {
  readonly #options: FaultListenerOptions;
  readonly #listenerClosings: Promise<void>[] = [];
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  #starting: Promise<number> | undefined;
  #listener: StreamListener | undefined;
  #udpSocket: DatagramSocket | undefined;
  #udpClosing: Promise<void> | undefined;
  #relistening: Promise<void> | undefined;
  #windowTimer: Timer | undefined;
  #retryTimer: Timer | undefined;
  #address: string | undefined;
  #port: number | undefined;
  #isAccepting = false;
  #refusals = 0;

  constructor(options: FaultListenerOptions) {
    this.#options = options;
  }

  /** The bound address, once started. */
  get address(): string | undefined {
    return this.#address;
  }

  /** The bound port, once started. */
  get port(): number | undefined {
    return this.#port;
  }

  /** Whether connections or datagrams are accepted now. */
  get isAccepting(): boolean {
    return this.#isAccepting;
  }

  /** Times the listener closed for a refuse window. */
  get refusals(): number {
    return this.#refusals;
  }

  /** Binds, applies the windows, resolves with the port. Call once. */
  start(): Promise<number> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Applies the fault windows now (refuse or accept) and re-arms the window timer. */
  sync(): void {
    if (this.#state !== 'started') return;
    this.#windowTimer?.cancel();
    this.#windowTimer = undefined;
    const engine = this.#options.engine();
    const isRefusing = engine.refusing();
    if (isRefusing && this.#isAccepting) {
      this.#refusals++;
      this.#isAccepting = false;
      this.#options.onState('refusing', this.#port as number, this.#address as string);
      void this.#release(false);
    } else if (!isRefusing && !this.#isAccepting && this.#retryTimer === undefined) {
      this.#relisten();
    }
    this.#options.onWindow();
    const next = engine.nextChangeAt();
    if (next !== undefined) {
      this.#windowTimer = this.#options.clock.schedule(next - this.#options.clock.now(), () => {
        this.#windowTimer = undefined;
        this.sync();
      });
    }
  }

  /** Closes the listener or socket and cancels the timers. Idempotent. */
  async close(): Promise<void> {
    const wasStarting = this.#state === 'starting';
    this.#state = 'closed';
    this.#isAccepting = false;
    this.#windowTimer?.cancel();
    this.#windowTimer = undefined;
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    if (wasStarting) await this.#starting?.catch(() => {});
    await this.#relistening;
    await this.#release(true);
    await Promise.all(this.#listenerClosings);
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  async #start(): Promise<number> {
    if (this.#state !== 'new') throw new EsaError('ESA_ERR_CLOSED', 'The listener is closed');
    this.#state = 'starting';
    await this.#bind(this.#options.port);
    if (this.#isClosed()) {
      await this.#release(true);
      throw new EsaError('ESA_ERR_CLOSED', 'The listener was closed while it was starting');
    }
    this.#state = 'started';
    this.#isAccepting = true;
    if (!this.#options.engine().refusing()) this.#options.onState('listening', this.#port as number, this.#address as string);
    else {
      this.#refusals++;
      this.#isAccepting = false;
      this.#options.onState('refusing', this.#port as number, this.#address as string);
      await this.#release(false);
    }
    this.sync();
    return this.#port as number;
  }

  async #bind(port: number): Promise<void> {
    const { host, network } = this.#options;
    if (this.#options.protocol === 'tcp') {
      const listener = await network.listen({ host, port }, (socket) => this.#options.onConnection(socket));
      this.#listener = listener;
      this.#address = listener.address;
      this.#port = listener.port;
      return;
    }
    const socket = network.createDatagramSocket(isIPv6Literal(host) ? 6 : 4);
    socket.on('error', () => {
      // Errors on a receiving socket (ICMP reports and the like): nothing to do, nothing may escape.
    });
    socket.on('message', (data, from) => {
      if (socket === this.#udpSocket && this.#isAccepting) this.#options.onDatagram(data, from);
    });
    let bound: DatagramAddress;
    try {
      bound = await socket.bind(host, port);
    } catch (error) {
      socket.close();
      throw error;
    }
    this.#udpSocket = socket;
    this.#address = bound.address;
    this.#port = bound.port;
  }

  /** Closes the listener or socket; waits for a TCP listener's close only when `isFinal`. */
  async #release(isFinal: boolean): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      // Node resolves a listener's close only once its connections are gone: never wait for it
      // during a refuse window.
      const closing = listener.close();
      this.#listenerClosings.push(closing);
      if (isFinal) await closing;
    }
    const socket = this.#udpSocket;
    this.#udpSocket = undefined;
    if (socket) {
      this.#udpClosing = new Promise<void>((resolve) => {
        socket.on('close', () => resolve());
        socket.close();
      });
    }
    await this.#udpClosing;
  }

  #relisten(): void {
    if (this.#relistening !== undefined) return;
    const port = this.#port as number;
    this.#relistening = (async () => {
      try {
        await this.#udpClosing;
        await this.#bind(port);
      } catch (error) {
        this.#relistening = undefined;
        if (this.#isClosed()) return;
        const failure = error instanceof EsaError ? error : new EsaError('ESA_ERR_NETWORK', `Cannot listen again on ${this.#options.host}:${port}`, { cause: error });
        this.#retryTimer = this.#options.clock.schedule(RELISTEN_RETRY_MS, () => {
          this.#retryTimer = undefined;
          this.sync();
        });
        this.#options.onFailed(failure, port, RELISTEN_RETRY_MS);
        return;
      }
      this.#relistening = undefined;
      if (this.#isClosed()) {
        await this.#release(true);
        return;
      }
      this.#isAccepting = true;
      this.#options.onState('listening', port, this.#address as string);
      // The window may have changed while we were binding.
      this.sync();
    })();
  }
}
