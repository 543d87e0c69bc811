/**
 * A virtual TCP connection with Node's `net.Socket` semantics (the {@link StreamSocket} subset),
 * over a compact TCP model: 3-way handshake with MSS options, segments of at most the smaller
 * MSS, an ACK for every data segment, a receive window from the free receive buffer (a paused
 * reader closes it; the sender's buffer fills and its write callbacks stop), FIN/ACK close,
 * RST, retransmission with an RTO (RFC 6298, 200 ms minimum, doubling, ETIMEDOUT at the end),
 * zero-window probes. The socket part mirrors Node: events `connect`, `data`, `drain`, `end`,
 * `error`, `close(hadError)` in Node's order, `allowHalfOpen: false`, write callbacks when the
 * data entered the (virtual) kernel send buffer, and Node's error codes.
 *
 * The object is both Node's socket and the kernel's connection: the kernel part may outlive the
 * socket (after `close`, a FIN is still retransmitted, an orphan answers data with RST).
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import type { SocketError, StreamSocket, StreamSocketEvents } from '../core/network.js';
import type { Timer } from '../clock/clock.js';
import { ByteQueue } from './byte-queue.js';
import type { HostStack } from './host-options.js';
import type { NetworkCore, Settler } from './network-core.js';
import { ACK, EMPTY_PAYLOAD, FIN, PSH, RST, SYN, tcpPacket, type Packet } from './packet.js';
import { closedBeforeConnection, endedByPeer, streamDestroyed, systemError, writeAfterEnd } from './socket-errors.js';

/** Node's default `writableHighWaterMark` (and `readableHighWaterMark`) of a socket. */
const HIGH_WATER_MARK_BYTES = 16_384;
/** The largest window without window scaling. */
const MAX_WINDOW_BYTES = 65_535;
/** Node reads at most 64 KiB per `data` chunk. */
const MAX_READ_BYTES = 65_536;
/** Linux's TCP_RTO_MAX. */
const MAX_RTO_MS = 120_000;
/** The longest interval between zero-window probes. */
const MAX_PROBE_INTERVAL_MS = 60_000;
/** SYN-ACK retransmissions before a half-open connection is forgotten (tcp_synack_retries). */
const SYNACK_RETRIES = 5;
/** Zero-window probes an orphaned connection sends before it gives up (tcp_orphan_retries). */
const ORPHAN_PROBES = 8;
/** The MSS assumed when a SYN carries no MSS option (RFC 9293). */
const DEFAULT_PEER_MSS = 536;

const enum State {
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  Closed,
}

type Listener = (...args: any[]) => void;

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly callback: ((error?: Error | null) => void) | undefined;
}

type WriteCallback = PendingWrite['callback'];

/**
 * A TCP socket on a virtual host. Made by `VirtualHost.connect()` (client) or handed to a
 * listener's `onConnection` (server); never constructed directly.
 */
export class VirtualTcpSocket implements StreamSocket, Settler {
  readonly #events = new EventEmitter();
  readonly #stack: HostStack;
  readonly #core: NetworkCore;
  readonly #local: string;
  readonly #localPortNumber: number;
  readonly #remote: string;
  readonly #remotePortNumber: number;
  #isConnected = false;
  #state: State;

  // Send side (sequence numbers are unbounded; they wrap only on the wire).
  #iss = 0;
  #sndUna = 0;
  #sndNxt = 0;
  #sndMax = 0;
  #sndWnd = 0;
  #mss: number;
  #cwnd = Number.POSITIVE_INFINITY;
  readonly #sendQueue = new ByteQueue();
  #isFinQueued = false;
  #isFinSent = false;
  #finSeq = -1;

  // Receive side.
  #rcvNxt = 0;
  #rcvAdvRight = 0;
  #rcvQueue: Uint8Array[] = [];
  #rcvHead = 0;
  #rcvBytes = 0;
  #isEof = false;

  // Timers.
  #rtoTimer: Timer | undefined;
  #retries = 0;
  #backoff = 0;
  #srttMs = -1;
  #rttvarMs = 0;
  #rttSeq = -1;
  #rttStartMs = 0;
  #synSentAtMs = 0;
  #persistTimer: Timer | undefined;
  #persistBackoff = 0;
  #probes = 0;
  #finTimer: Timer | undefined;
  #isTouched = false;
  #hasNewAck = false;

  // Node's socket.
  #writes: PendingWrite[] = [];
  #writesHead = 0;
  #writableLength = 0;
  #needDrain = false;
  #flowing: boolean | null = null;
  #isEnding = false;
  #isFinished = false;
  #isEndEmitted = false;
  #isDestroyed = false;
  #isDeliveryPosted = false;
  #needsDelivery = false;
  /** `resetAndDestroy()` was called while connecting. */
  #isResetOnConnect = false;
  /** An RST arrived while received data still waited for delivery. */
  #resetError: SocketError | undefined;

  /** @internal Made by the virtual host. */
  constructor(stack: HostStack, localPort: number, remoteAddress: string, remotePort: number, isClient: boolean) {
    this.#stack = stack;
    this.#core = stack.core;
    this.#local = stack.address;
    this.#localPortNumber = localPort;
    this.#remote = remoteAddress;
    this.#remotePortNumber = remotePort;
    this.#mss = stack.options.mss;
    this.#state = isClient ? State.SynSent : State.SynReceived;
  }

  // --- StreamSocket: properties -----------------------------------------------------------------

  get remoteAddress(): string | undefined {
    return this.#isConnected ? this.#remote : undefined;
  }

  get remotePort(): number | undefined {
    return this.#isConnected ? this.#remotePortNumber : undefined;
  }

  get localAddress(): string | undefined {
    return this.#isConnected ? this.#local : undefined;
  }

  get localPort(): number | undefined {
    return this.#isConnected ? this.#localPortNumber : undefined;
  }

  get writableLength(): number {
    return this.#writableLength;
  }

  get destroyed(): boolean {
    return this.#isDestroyed;
  }

  /** The kernel state, for traces and tests (`ESTABLISHED`, `FIN_WAIT_2`, …, `CLOSED`). */
  get tcpState(): string {
    return STATE_NAMES[this.#state] as string;
  }

  /** Bytes received and not yet read by the application. */
  get readableLength(): number {
    return this.#rcvBytes;
  }

  // --- StreamSocket: methods --------------------------------------------------------------------

  /** Adds a listener; a `data` listener starts the flow unless `pause()` was called (as in Node). */
  on<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): this {
    this.#events.on(event, listener as Listener);
    if (event === 'data' && this.#flowing === null) this.resume();
    return this;
  }

  /** Adds a one-time listener. */
  once<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): this {
    this.#events.once(event, listener as Listener);
    if (event === 'data' && this.#flowing === null) this.resume();
    return this;
  }

  /** Removes a listener. */
  off<E extends keyof StreamSocketEvents>(event: E, listener: StreamSocketEvents[E]): this {
    this.#events.off(event, listener as Listener);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof StreamSocketEvents): number {
    return this.#events.listenerCount(event);
  }

  #emit<E extends keyof StreamSocketEvents>(event: E, ...args: Parameters<StreamSocketEvents[E]>): void {
    this.#events.emit(event, ...args);
  }

  write(data: Uint8Array, callback?: WriteCallback): boolean {
    if (this.#isEnding && this.#isEndEmitted) {
      // Node swaps in writeAfterFIN once the peer's FIN made it end its side too.
      const error = endedByPeer();
      this.#core.post(() => callback?.(error));
      this.#destroyApp(error, false);
      return false;
    }
    if (this.#isDestroyed) {
      const error = streamDestroyed();
      this.#core.post(() => callback?.(error));
      return false;
    }
    if (this.#isEnding) {
      const error = writeAfterEnd();
      this.#core.post(() => callback?.(error));
      this.#closeKernelOnDestroy();
      this.#destroyApp(error, false);
      return false;
    }
    const copy = this.#core.copy(data);
    this.#writes.push({ data: copy, offset: 0, callback });
    this.#writableLength += copy.byteLength;
    if (this.#state === State.Established || this.#state === State.CloseWait) {
      this.#pullWrites();
      this.#output();
    }
    const isBelow = this.#writableLength < HIGH_WATER_MARK_BYTES;
    if (!isBelow) this.#needDrain = true;
    return isBelow;
  }

  end(): void {
    if (this.#isEnding || this.#isDestroyed) return;
    this.#isEnding = true;
    if (this.#state === State.Established || this.#state === State.CloseWait) {
      this.#pullWrites();
      this.#output();
    }
  }

  destroy(error?: Error): void {
    if (this.#isDestroyed) return;
    const isConnecting = this.#state === State.SynSent;
    this.#closeKernelOnDestroy();
    this.#destroyApp(error as SocketError | undefined, isConnecting);
  }

  resetAndDestroy(): void {
    if (this.#isDestroyed) return;
    if (this.#state === State.SynSent) {
      // Node resets once the connection is up (`once('connect', () => this._reset())`).
      this.#isResetOnConnect = true;
      return;
    }
    if (this.#state !== State.SynReceived && this.#state !== State.Closed) this.#sendReset();
    this.#kernelClose();
    this.#destroyApp(undefined, false);
  }

  pause(): void {
    this.#flowing = false;
  }

  resume(): void {
    this.#flowing = true;
    this.#scheduleDelivery();
  }

  /** Nagle's algorithm is not modelled: segments go out as soon as the window allows. */
  setNoDelay(_noDelay?: boolean): void {}

  /** Keepalive probes are not modelled (a silent peer is detected by the next write's RTO). */
  setKeepAlive(_enable?: boolean, _initialDelayMs?: number): void {}

  // --- kernel: opening --------------------------------------------------------------------------

  /** @internal Called once the socket emitted `close` (the listener counts its connections). */
  onClose: (() => void) | undefined;

  /** @internal Client: the connection attempt failed before any packet (ENOTFOUND, …). */
  fail(error: SocketError): void {
    this.#state = State.Closed;
    this.#destroyApp(error, true);
  }

  /** @internal Client: sends the SYN. */
  start(): void {
    this.#iss = this.#newIss();
    this.#sndUna = this.#iss;
    this.#sndNxt = this.#iss + 1;
    this.#sndMax = this.#sndNxt;
    this.#synSentAtMs = this.#core.clock.now();
    this.#sendSyn();
    this.#armRto();
  }

  /** @internal Server: answers a SYN with a SYN-ACK. */
  acceptSyn(syn: Packet): void {
    this.#rcvNxt = syn.seq + 1;
    this.#mss = Math.min(this.#stack.options.mss, syn.mss || DEFAULT_PEER_MSS);
    this.#sndWnd = syn.window;
    this.#iss = this.#newIss();
    this.#sndUna = this.#iss;
    this.#sndNxt = this.#iss + 1;
    this.#sndMax = this.#sndNxt;
    this.#synSentAtMs = this.#core.clock.now();
    this.#sendSynAck();
    this.#armRto();
  }

  #newIss(): number {
    return this.#stack.random.int(0, 4294967296);
  }

  #sendSyn(): void {
    const { initialWindowBytes, mss } = this.#stack.options;
    this.#send(tcpPacket(this.#local, this.#localPortNumber, this.#remote, this.#remotePortNumber, SYN, this.#iss, 0, initialWindowBytes, EMPTY_PAYLOAD, mss));
  }

  #sendSynAck(): void {
    const { initialWindowBytes, mss } = this.#stack.options;
    this.#rcvAdvRight = this.#rcvNxt + initialWindowBytes;
    this.#send(tcpPacket(this.#local, this.#localPortNumber, this.#remote, this.#remotePortNumber, SYN | ACK, this.#iss, this.#rcvNxt, initialWindowBytes, EMPTY_PAYLOAD, mss));
  }

  // --- kernel: input ----------------------------------------------------------------------------

  /** @internal A segment for this connection arrived. */
  input(packet: Packet): void {
    const flags = packet.flags;
    if (flags & RST) {
      this.#onReset(packet);
      return;
    }
    switch (this.#state) {
      case State.Closed:
        return;
      case State.SynSent:
        if ((flags & (SYN | ACK)) === (SYN | ACK) && packet.ack === this.#iss + 1) this.#onSynAck(packet);
        return;
      case State.SynReceived:
        if (flags & SYN) {
          this.#sendSynAck();
          return;
        }
        if (!(flags & ACK) || packet.ack !== this.#iss + 1) return;
        this.#establishServer(packet.window);
        if ((this.#state as State) !== State.Established) return;
        break;
      default:
        break;
    }
    if (flags & SYN) {
      // A retransmitted SYN-ACK: our handshake ACK was lost.
      this.#sendAck();
      return;
    }
    if (flags & ACK) this.#onAck(packet.ack, packet.window);
    if (packet.payload.byteLength > 0 || flags & FIN) this.#onData(packet);
    else if (packet.seq < this.#rcvNxt && (this.#state as State) !== State.Closed) this.#sendAck();
    this.#touch();
  }

  #onSynAck(packet: Packet): void {
    this.#rcvNxt = packet.seq + 1;
    this.#mss = Math.min(this.#stack.options.mss, packet.mss || DEFAULT_PEER_MSS);
    this.#sndUna = this.#iss + 1;
    this.#sndWnd = packet.window;
    if (this.#retries === 0) this.#sampleRtt(this.#core.clock.now() - this.#synSentAtMs);
    this.#cancelRto();
    this.#retries = 0;
    this.#backoff = 0;
    this.#state = State.Established;
    this.#isConnected = true;
    this.#sendAck();
    if (!this.#isDestroyed) this.#core.post(() => this.#isDestroyed || this.#emit('connect'));
    const hadWrites = this.#writes.length > this.#writesHead;
    this.#pullWrites();
    this.#output();
    // Node 20 (checked on loopback): a reset requested while connecting becomes an RST once
    // connected — unless writes were queued, then the socket closes gracefully (FIN).
    if (this.#isResetOnConnect) this.#core.post(() => (hadWrites ? this.destroy() : this.resetAndDestroy()));
  }

  #establishServer(window: number): void {
    this.#sndUna = this.#iss + 1;
    this.#sndWnd = window;
    if (this.#retries === 0) this.#sampleRtt(this.#core.clock.now() - this.#synSentAtMs);
    this.#cancelRto();
    this.#retries = 0;
    this.#backoff = 0;
    this.#state = State.Established;
    this.#isConnected = true;
    if (!this.#stack.accept(this.#localPortNumber, this)) {
      // The listener closed before the handshake completed.
      this.#sendReset();
      this.#kernelClose();
    }
  }

  #onReset(packet: Packet): void {
    switch (this.#state) {
      case State.Closed:
        return;
      case State.SynSent:
        if (packet.flags & ACK && packet.ack === this.#iss + 1) {
          this.#kernelClose();
          this.#destroyApp(systemError('ECONNREFUSED', 'connect', this.#remote, this.#remotePortNumber), true);
        }
        return;
      case State.SynReceived:
        this.#kernelClose();
        return;
      default: {
        const right = Math.max(this.#rcvAdvRight, this.#rcvNxt);
        if (packet.seq < this.#rcvNxt || packet.seq > right) return;
        this.#kernelClose();
        const error = systemError('ECONNRESET', 'read');
        // Linux hands out what is already queued before the error; a paused Node socket is
        // destroyed with its buffer.
        if (this.#flowing !== false && this.#rcvBytes > 0 && !this.#isDestroyed) {
          this.#resetError = error;
          this.#scheduleDelivery();
        } else {
          this.#destroyApp(error, false);
        }
      }
    }
  }

  #onAck(ack: number, window: number): void {
    if (ack > this.#sndMax) {
      this.#sendAck();
      return;
    }
    if (ack < this.#sndUna) return;
    if (ack > this.#sndUna) {
      const dataEnd = this.#sndUna + this.#sendQueue.length;
      const dataAcked = Math.min(ack, dataEnd) - this.#sndUna;
      if (dataAcked > 0) this.#sendQueue.drop(dataAcked);
      this.#sndUna = ack;
      if (this.#sndNxt < ack) this.#sndNxt = ack;
      if (this.#rttSeq >= 0 && ack >= this.#rttSeq) {
        this.#sampleRtt(this.#core.clock.now() - this.#rttStartMs);
        this.#rttSeq = -1;
      }
      this.#retries = 0;
      this.#backoff = 0;
      if (this.#cwnd !== Number.POSITIVE_INFINITY) {
        this.#cwnd += Math.max(dataAcked, this.#mss);
        if (this.#cwnd >= MAX_WINDOW_BYTES) this.#cwnd = Number.POSITIVE_INFINITY;
      }
      this.#hasNewAck = true;
      if (this.#isFinSent && ack === this.#finSeq + 1) this.#onFinAcked();
    }
    this.#sndWnd = window;
    if (window > 0 && this.#persistTimer !== undefined) {
      this.#persistTimer.cancel();
      this.#persistTimer = undefined;
      this.#persistBackoff = 0;
      this.#probes = 0;
    }
  }

  #onFinAcked(): void {
    switch (this.#state) {
      case State.FinWait1:
        this.#state = State.FinWait2;
        this.#armFinTimeoutIfOrphan();
        break;
      case State.Closing:
      case State.LastAck:
        this.#kernelClose();
        break;
      default:
        break;
    }
  }

  #onData(packet: Packet): void {
    const state = this.#state;
    if (state !== State.Established && state !== State.FinWait1 && state !== State.FinWait2) {
      // Data or FIN after the peer's FIN (a retransmission): acknowledge again.
      if (state !== State.Closed) this.#sendAck();
      return;
    }
    const length = packet.payload.byteLength;
    if (length > 0 && this.#isDestroyed) {
      // Nobody can read any more (the socket is closed): Linux aborts and answers the segment
      // with RST (seq = what we sent so far, no ACK, as tcp_v4_send_reset does for a segment
      // with ACK).
      this.#send(tcpPacket(this.#local, this.#localPortNumber, this.#remote, this.#remotePortNumber, RST, this.#sndNxt, 0, 0));
      this.#kernelClose();
      return;
    }
    if (packet.seq > this.#rcvNxt) {
      this.#sendAck();
      return;
    }
    const skip = this.#rcvNxt - packet.seq;
    if (length > skip) {
      const room = Math.max(0, this.#rcvAdvRight - this.#rcvNxt);
      const accepted = Math.min(length - skip, room);
      if (accepted > 0) {
        this.#rcvQueue.push(skip === 0 && accepted === length ? packet.payload : packet.payload.subarray(skip, skip + accepted));
        this.#rcvBytes += accepted;
        this.#rcvNxt += accepted;
        this.#scheduleDelivery();
      }
    }
    if (packet.flags & FIN && packet.seq + length === this.#rcvNxt) {
      this.#rcvNxt += 1;
      this.#isEof = true;
      this.#finTimer?.cancel();
      this.#finTimer = undefined;
      if (state === State.Established) this.#state = State.CloseWait;
      else if (state === State.FinWait1) this.#state = State.Closing;
      this.#sendAck();
      // FIN_WAIT_2 + FIN: TIME_WAIT is not modelled, the connection is gone at once.
      if (state === State.FinWait2) this.#kernelClose();
      this.#scheduleDelivery();
      return;
    }
    this.#sendAck();
  }

  /** @internal After a flight: send what the ACKs allowed, restart the retransmission timer. */
  settle(): void {
    this.#isTouched = false;
    if (this.#state !== State.Closed) {
      if (this.#hasNewAck) {
        this.#hasNewAck = false;
        this.#cancelRto();
        this.#pullWrites();
      }
      this.#output();
    }
    if (this.#needsDelivery) {
      this.#needsDelivery = false;
      this.#deliver();
    }
  }

  #touch(): void {
    if (this.#isTouched) return;
    this.#isTouched = true;
    this.#core.touch(this);
  }

  // --- kernel: output ---------------------------------------------------------------------------

  #send(packet: Packet): void {
    this.#core.transmit(packet);
  }

  #segment(flags: number, seq: number, payload: Uint8Array): void {
    this.#send(tcpPacket(this.#local, this.#localPortNumber, this.#remote, this.#remotePortNumber, flags, seq, this.#rcvNxt, this.#advertise(), payload));
  }

  #sendAck(): void {
    this.#segment(ACK, this.#sndNxt, EMPTY_PAYLOAD);
  }

  #sendReset(): void {
    this.#send(tcpPacket(this.#local, this.#localPortNumber, this.#remote, this.#remotePortNumber, RST | ACK, this.#sndNxt, this.#rcvNxt, 0));
  }

  /** The window to announce: the free receive buffer, never moving the right edge back. */
  #advertise(): number {
    const held = this.#flowing === true ? 0 : this.#rcvBytes;
    let window = Math.min(MAX_WINDOW_BYTES, Math.max(0, this.#stack.options.receiveBufferBytes - held));
    const promised = this.#rcvAdvRight - this.#rcvNxt;
    if (window < promised) window = promised;
    this.#rcvAdvRight = this.#rcvNxt + window;
    return window;
  }

  /** Sends what the windows allow, then the FIN when it is due. */
  #output(): void {
    const state = this.#state;
    if (state === State.SynSent || state === State.SynReceived || state === State.Closed) return;
    const queue = this.#sendQueue;
    const dataEnd = this.#sndUna + queue.length;
    for (;;) {
      if (this.#sndNxt < dataEnd) {
        const usable = this.#sndUna + Math.min(this.#sndWnd, this.#cwnd) - this.#sndNxt;
        if (usable <= 0) break;
        const unsent = dataEnd - this.#sndNxt;
        const length = Math.min(this.#mss, unsent, usable);
        // Sender-side silly window avoidance: no runt segment while data is in flight.
        if (length < unsent && length < this.#mss && this.#sndNxt > this.#sndUna) break;
        const seq = this.#sndNxt;
        if (this.#rttSeq < 0 && seq >= this.#sndMax) {
          this.#rttSeq = seq + length;
          this.#rttStartMs = this.#core.clock.now();
        }
        this.#segment(seq + length === dataEnd ? ACK | PSH : ACK, seq, queue.slice(seq - this.#sndUna, length));
        this.#sndNxt = seq + length;
        if (this.#sndNxt > this.#sndMax) this.#sndMax = this.#sndNxt;
        continue;
      }
      if (this.#isFinQueued && this.#sndNxt === dataEnd) this.#sendFin(dataEnd);
      break;
    }
    if (this.#sndMax > this.#sndUna && this.#rtoTimer === undefined) this.#armRto();
    if (this.#sndNxt < dataEnd && this.#sndWnd === 0 && this.#sndNxt === this.#sndUna && this.#persistTimer === undefined) this.#armPersist();
  }

  #sendFin(seq: number): void {
    this.#finSeq = seq;
    this.#segment(FIN | ACK, seq, EMPTY_PAYLOAD);
    this.#sndNxt = seq + 1;
    if (this.#sndNxt > this.#sndMax) this.#sndMax = this.#sndNxt;
    if (this.#isFinSent) return;
    this.#isFinSent = true;
    if (this.#state === State.Established) this.#state = State.FinWait1;
    else if (this.#state === State.CloseWait) this.#state = State.LastAck;
  }

  // --- kernel: timers ---------------------------------------------------------------------------

  #sampleRtt(sampleMs: number): void {
    if (this.#srttMs < 0) {
      this.#srttMs = sampleMs;
      this.#rttvarMs = sampleMs / 2;
    } else {
      this.#rttvarMs = 0.75 * this.#rttvarMs + 0.25 * Math.abs(this.#srttMs - sampleMs);
      this.#srttMs = 0.875 * this.#srttMs + 0.125 * sampleMs;
    }
  }

  #baseRtoMs(): number {
    const { minRtoMs, initialRtoMs } = this.#stack.options;
    if (this.#srttMs < 0) return initialRtoMs;
    return Math.min(MAX_RTO_MS, Math.max(minRtoMs, this.#srttMs + 4 * this.#rttvarMs));
  }

  #armRto(): void {
    const delayMs = Math.min(MAX_RTO_MS, this.#baseRtoMs() * 2 ** this.#backoff);
    this.#rtoTimer = this.#core.clock.schedule(delayMs, this.#onRto);
  }

  #cancelRto(): void {
    this.#rtoTimer?.cancel();
    this.#rtoTimer = undefined;
  }

  readonly #onRto = (): void => {
    this.#rtoTimer = undefined;
    const { synRetries, maxRetransmissions } = this.#stack.options;
    switch (this.#state) {
      case State.Closed:
        return;
      case State.SynSent:
        if (++this.#retries > synRetries) {
          this.#kernelClose();
          this.#destroyApp(systemError('ETIMEDOUT', 'connect', this.#remote, this.#remotePortNumber), true);
          return;
        }
        this.#backoff++;
        this.#sendSyn();
        this.#armRto();
        return;
      case State.SynReceived:
        if (++this.#retries > SYNACK_RETRIES) {
          this.#kernelClose();
          return;
        }
        this.#backoff++;
        this.#sendSynAck();
        this.#armRto();
        return;
      default:
        break;
    }
    if (this.#sndMax <= this.#sndUna) return;
    if (++this.#retries > maxRetransmissions) {
      this.#kernelClose();
      this.#destroyApp(systemError('ETIMEDOUT', 'read'), false);
      return;
    }
    this.#backoff++;
    this.#rttSeq = -1;
    this.#cwnd = this.#mss;
    // Go back to the first unacknowledged byte and resend one segment; ACKs reopen the flow.
    const dataEnd = this.#sndUna + this.#sendQueue.length;
    if (this.#sndUna < dataEnd) {
      const length = Math.min(this.#mss, dataEnd - this.#sndUna);
      this.#segment(this.#sndUna + length === dataEnd ? ACK | PSH : ACK, this.#sndUna, this.#sendQueue.slice(0, length));
      this.#sndNxt = this.#sndUna + length;
    } else if (this.#isFinSent) {
      this.#sendFin(this.#finSeq);
    }
    this.#armRto();
  };

  #armPersist(): void {
    const delayMs = Math.min(MAX_PROBE_INTERVAL_MS, this.#baseRtoMs() * 2 ** this.#persistBackoff);
    this.#persistTimer = this.#core.clock.schedule(delayMs, this.#onPersist);
  }

  readonly #onPersist = (): void => {
    this.#persistTimer = undefined;
    if (this.#state === State.Closed || this.#sndWnd > 0) return;
    if (this.#sndNxt >= this.#sndUna + this.#sendQueue.length) return;
    if (this.#isDestroyed && ++this.#probes > ORPHAN_PROBES) {
      this.#kernelClose();
      return;
    }
    // A zero-window probe (Linux style): an old sequence number, which the peer answers with
    // an ACK that carries its current window.
    this.#segment(ACK, this.#sndUna - 1, EMPTY_PAYLOAD);
    this.#persistBackoff++;
    this.#armPersist();
  };

  #armFinTimeoutIfOrphan(): void {
    if (!this.#isDestroyed || this.#state !== State.FinWait2 || this.#finTimer !== undefined) return;
    this.#finTimer = this.#core.clock.schedule(this.#stack.options.finTimeoutMs, () => {
      this.#finTimer = undefined;
      if (this.#state === State.FinWait2) this.#kernelClose();
    });
  }

  /** The kernel forgets the connection: timers stop, the port is freed. */
  #kernelClose(): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#cancelRto();
    this.#persistTimer?.cancel();
    this.#persistTimer = undefined;
    this.#finTimer?.cancel();
    this.#finTimer = undefined;
    this.#sendQueue.clear();
    this.#stack.releaseTcp(this.#localPortNumber, this.#remote, this.#remotePortNumber);
  }

  /** @internal Network teardown: forget everything, no packet, no event. */
  abort(): void {
    this.#kernelClose();
    this.#isDestroyed = true;
    this.#writes = [];
    this.#writesHead = 0;
  }

  // --- Node's socket ----------------------------------------------------------------------------

  /** Moves queued writes into the kernel send buffer as far as it has room. */
  #pullWrites(): void {
    const state = this.#state;
    if (state !== State.Established && state !== State.CloseWait) return;
    const capacity = this.#stack.options.sendBufferBytes;
    let done: WriteCallback[] | undefined;
    const writes = this.#writes;
    while (this.#writesHead < writes.length) {
      const write = writes[this.#writesHead] as PendingWrite;
      const space = capacity - this.#sendQueue.length;
      const rest = write.data.byteLength - write.offset;
      if (rest > 0) {
        if (space <= 0) break;
        const count = Math.min(space, rest);
        this.#sendQueue.push(count === write.data.byteLength ? write.data : write.data.subarray(write.offset, write.offset + count));
        write.offset += count;
        if (count < rest) break;
      }
      this.#writesHead++;
      this.#writableLength -= write.data.byteLength;
      (done ??= []).push(write.callback);
    }
    if (this.#writesHead === writes.length) {
      this.#writes = [];
      this.#writesHead = 0;
    } else if (this.#writesHead > 256 && this.#writesHead * 2 > writes.length) {
      this.#writes = writes.slice(this.#writesHead);
      this.#writesHead = 0;
    }
    if (done !== undefined) {
      const callbacks = done;
      this.#core.soon(() => {
        if (this.#needDrain && this.#writableLength === 0 && !this.#isEnding && !this.#isDestroyed) {
          this.#needDrain = false;
          this.#emit('drain');
        }
        for (const callback of callbacks) callback?.();
      });
    }
    if (this.#isEnding && !this.#isFinished && this.#writes.length === 0) {
      this.#isFinished = true;
      this.#isFinQueued = true;
      this.#maybeClose();
    }
  }

  /**
   * Data, `end` and a peer's reset reach the application after the kernel processed the whole
   * flight (in {@link settle}, still in the flight's clock timer: no extra timer per push), or
   * in a posted job when the reader resumes.
   */
  #scheduleDelivery(): void {
    if (this.#isDestroyed) return;
    // A socket whose reader has not decided yet (an accepted socket before its connection
    // handler ran) gets its events from a posted job, after that handler.
    if (this.#core.isInFlight && this.#flowing === true) {
      this.#needsDelivery = true;
      this.#touch();
      return;
    }
    if (this.#isDeliveryPosted) return;
    this.#isDeliveryPosted = true;
    this.#core.post(this.#deliverPosted);
  }

  readonly #deliverPosted = (): void => {
    this.#isDeliveryPosted = false;
    this.#deliver();
  };

  #deliver(): void {
    if (this.#isDestroyed) return;
    while (this.#flowing === true && this.#rcvBytes > 0) {
      this.#emit('data', this.#takeChunk());
      if (this.#isDestroyed) return;
    }
    if (this.#resetError !== undefined) {
      this.#destroyApp(this.#resetError, false);
      return;
    }
    if (this.#rcvBytes === 0 && this.#isEof && !this.#isEndEmitted) {
      this.#isEndEmitted = true;
      this.#emit('end');
      if (this.#isDestroyed) return;
      // allowHalfOpen: false — Node ends its side once the peer ended.
      this.end();
      this.#maybeClose();
      return;
    }
    this.#maybeUpdateWindow();
  }

  /** Up to 64 KiB of received bytes: adjacent views of one buffer are joined without a copy. */
  #takeChunk(): Uint8Array {
    const queue = this.#rcvQueue;
    const first = queue[this.#rcvHead] as Uint8Array;
    let total = first.byteLength;
    let end = first.byteOffset + total;
    let count = 1;
    for (let i = this.#rcvHead + 1; i < queue.length; i++) {
      const next = queue[i] as Uint8Array;
      if (next.buffer !== first.buffer || next.byteOffset !== end || total + next.byteLength > MAX_READ_BYTES) break;
      total += next.byteLength;
      end += next.byteLength;
      count++;
    }
    this.#rcvHead += count;
    this.#rcvBytes -= total;
    if (this.#rcvHead === queue.length) {
      this.#rcvQueue = [];
      this.#rcvHead = 0;
    }
    return count === 1 ? first : new Uint8Array(first.buffer, first.byteOffset, total);
  }

  /** After the reader consumed data, tell the sender when the window grew enough to matter. */
  #maybeUpdateWindow(): void {
    const state = this.#state;
    if (state !== State.Established && state !== State.FinWait1 && state !== State.FinWait2) return;
    const { receiveBufferBytes } = this.#stack.options;
    const held = this.#flowing === true ? 0 : this.#rcvBytes;
    const free = Math.min(MAX_WINDOW_BYTES, Math.max(0, receiveBufferBytes - held));
    const promised = this.#rcvAdvRight - this.#rcvNxt;
    // Receiver-side silly window avoidance: announce growth only in useful steps.
    const step = Math.max(1, Math.min(promised === 0 ? this.#mss : 2 * this.#mss, Math.floor(receiveBufferBytes / 2)));
    if (free - promised >= step) this.#sendAck();
  }

  #maybeClose(): void {
    if (this.#isDestroyed || !this.#isEndEmitted || !this.#isFinished) return;
    this.#isDestroyed = true;
    this.#rcvQueue = [];
    this.#rcvHead = 0;
    this.#rcvBytes = 0;
    this.#armFinTimeoutIfOrphan();
    this.#postClose(false);
  }

  /** `destroy()`: the kernel closes gracefully (FIN after what it holds), or RST with unread data. */
  #closeKernelOnDestroy(): void {
    switch (this.#state) {
      case State.SynSent:
      case State.SynReceived:
        this.#kernelClose();
        return;
      case State.Established:
      case State.CloseWait:
        // Node reads up to its high-water mark into memory even when paused; only what is left
        // in the kernel beyond that makes Linux answer close() with RST.
        if (this.#rcvBytes > HIGH_WATER_MARK_BYTES) {
          this.#sendReset();
          this.#kernelClose();
          return;
        }
        this.#isFinQueued = true;
        this.#output();
        return;
      default:
        return;
    }
  }

  /**
   * The socket is destroyed: pending writes fail, then `error` (if any) and `close` follow —
   * before the connection was up in Node's order: `error`, `close`, then the callbacks with
   * ERR_SOCKET_CLOSED_BEFORE_CONNECTION.
   */
  #destroyApp(error: SocketError | undefined, isConnectFailure: boolean): void {
    if (this.#isDestroyed) return;
    this.#isDestroyed = true;
    const pending = this.#writes.slice(this.#writesHead).map((write) => write.callback);
    this.#writes = [];
    this.#writesHead = 0;
    this.#writableLength = 0;
    this.#rcvQueue = [];
    this.#rcvHead = 0;
    this.#rcvBytes = 0;
    this.#armFinTimeoutIfOrphan();
    if (isConnectFailure) {
      this.#core.post(() => {
        if (error !== undefined) this.#emit('error', error);
        this.#emit('close', error !== undefined);
        for (const callback of pending) callback?.(closedBeforeConnection());
        this.onClose?.();
      });
      return;
    }
    this.#core.post(() => {
      if (error !== undefined) this.#emit('error', error);
      const writeError = error ?? streamDestroyed();
      for (const callback of pending) callback?.(writeError);
    });
    this.#postClose(error !== undefined);
  }

  /**
   * `close` comes after the callbacks of the current tick (Node emits it from the handle's close
   * callback, a later event-loop phase than the `nextTick`s of `error` and write callbacks).
   */
  #postClose(hadError: boolean): void {
    this.#core.post(() =>
      this.#core.post(() => {
        this.#emit('close', hadError);
        this.onClose?.();
      }),
    );
  }
}

const STATE_NAMES: readonly string[] = [
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'CLOSED',
];
