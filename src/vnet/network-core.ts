/**
 * The engine room of a {@link VirtualNetwork} (internal): the event queue that delivers socket
 * events asynchronously on the virtual clock, the lanes that carry packets across links, the
 * routing table of hosts, and the packet trace.
 *
 * Cost model: every packet sent at one instant in one direction of a link arrives in one clock
 * timer (a "flight"); socket events of one instant are delivered by one timer. A push of a few
 * kilobytes costs a handful of timers, whatever the number of segments.
 *
 * @module
 */

import { EsaError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import type { Clock, Timer } from '../clock/clock.js';
import type { IpFamily } from './address.js';
import { toTracePacket, type Packet, type TracePacket } from './packet.js';

/** What a host registers with the core to receive packets. */
export interface HostPort {
  /** The host's IP family. */
  readonly family: IpFamily;
  /** A packet arrived for this host. */
  receive(packet: Packet): void;
  /** Tears down every socket without events (VirtualNetwork.close()). */
  abort(): void;
}

/** Something that wants to run once the current flight of packets has been processed. */
export interface Settler {
  /** Runs after the flight (e.g. a TCP connection sends what the ACKs of the flight allowed). */
  settle(): void;
}

/** How the core records packets. */
export type TraceMode =
  | { readonly kind: 'off' }
  | { readonly kind: 'ring'; readonly limit: number }
  | { readonly kind: 'sink'; readonly sink: (packet: TracePacket) => void };

/** Counters of the whole network. */
export interface NetworkCounters {
  /** Packets that entered the wire (dropped ones included). */
  packets: number;
  /** Payload bytes of those packets. */
  payloadBytes: number;
  /** Packets a link fault lost. */
  dropped: number;
  /** Packets a link fault forged (IPS resets, ICMP). */
  forged: number;
}

/** One direction of a link: a FIFO of packets in flight, drained by one timer per arrival time. */
export class Lane {
  readonly #core: NetworkCore;
  #packets: Packet[] = [];
  #arrivals: number[] = [];
  #head = 0;
  #lastArrival = Number.NEGATIVE_INFINITY;
  #timer: Timer | undefined;
  #isDraining = false;

  constructor(core: NetworkCore) {
    this.#core = core;
  }

  /** Packets in flight. */
  get size(): number {
    return this.#packets.length - this.#head;
  }

  /** Puts a packet on the wire; it arrives `delayMs` from now (never before the one before it). */
  enqueue(packet: Packet, delayMs: number): void {
    const now = this.#core.clock.now();
    // Whole microseconds keep traces readable and arithmetic exact enough to be reproducible.
    let arrival = Math.round((now + delayMs) * 1000) / 1000;
    if (arrival < this.#lastArrival) arrival = this.#lastArrival;
    this.#lastArrival = arrival;
    this.#packets.push(packet);
    this.#arrivals.push(arrival);
    // While draining, the drain reschedules for the head of the queue itself.
    if (this.#timer === undefined && !this.#isDraining) this.#timer = this.#core.clock.schedule(arrival - now, this.#drain);
  }

  /** Forgets everything in flight (network teardown). */
  abort(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#packets = [];
    this.#arrivals = [];
    this.#head = 0;
  }

  readonly #drain = (): void => {
    this.#timer = undefined;
    const now = this.#core.clock.now();
    const end = this.#packets.length;
    let i = this.#head;
    while (i < end && (this.#arrivals[i] as number) <= now) i++;
    const batch = this.#head === 0 && i === end ? this.#packets : this.#packets.slice(this.#head, i);
    if (i === end) {
      // The usual case: the flight empties the lane. Start afresh rather than keep the delivered
      // packets in the array until a compaction: with a packet or two per flight that took ~1,000
      // flights (minutes of simulated time), and their payloads (views of 64 KiB send slabs)
      // lived that long, got promoted and cost old-space collections.
      this.#packets = [];
      this.#arrivals.length = 0;
      this.#head = 0;
    } else {
      this.#head = i;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#packets.length) {
      this.#packets = this.#packets.slice(this.#head);
      this.#arrivals = this.#arrivals.slice(this.#head);
      this.#head = 0;
    }
    this.#isDraining = true;
    try {
      this.#core.deliverFlight(batch);
    } finally {
      this.#isDraining = false;
      if (this.#head < this.#packets.length && this.#timer === undefined) {
        this.#timer = this.#core.clock.schedule((this.#arrivals[this.#head] as number) - this.#core.clock.now(), this.#drain);
      }
    }
  };
}

/** Where a packet goes: the lane it travels on and the extra delay a fault adds. */
export interface Router {
  /** Sends `packet` from its source host; the link decides its fate. */
  route(packet: Packet): void;
}

/** Slab size of {@link NetworkCore.copy}. */
const SLAB_BYTES = 65_536;

/** The internal core shared by the network, its hosts, links and sockets. */
export class NetworkCore {
  readonly clock: Clock;
  readonly random: Random;
  readonly counters: NetworkCounters = { packets: 0, payloadBytes: 0, dropped: 0, forged: 0 };
  readonly #hosts = new Map<string, HostPort>();
  #router: Router | undefined;
  #jobs: (() => void)[] = [];
  #flushTimer: Timer | undefined;
  #settlers: Settler[] = [];
  #isClosed = false;
  #isInFlight = false;
  #traceMode: TraceMode;
  #ring: TracePacket[] = [];
  #ringNext = 0;
  #packetNo = 0;
  #slab = new Uint8Array(0);
  #slabUsed = 0;

  constructor(clock: Clock, random: Random, trace: TraceMode) {
    this.clock = clock;
    this.random = random;
    this.#traceMode = trace;
  }

  /** Whether the network was closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Installs the router (the VirtualNetwork's link table). */
  setRouter(router: Router): void {
    this.#router = router;
  }

  /** Registers a host. */
  addHost(address: string, port: HostPort): void {
    this.#hosts.set(address, port);
  }

  /** The host with this address, if any. */
  host(address: string): HostPort | undefined {
    return this.#hosts.get(address);
  }

  /** Throws `ESA_ERR_CLOSED` once the network is closed. */
  assertOpen(what: string): void {
    if (this.#isClosed) throw new EsaError('ESA_ERR_CLOSED', `Cannot ${what}: the VirtualNetwork is closed`);
  }

  /**
   * A private copy of `data` (what the kernel does on send): small copies share 64 KiB slabs,
   * which is much cheaper than one allocation each, and lets consecutive writes stay adjacent
   * in memory (the receiver then gets them as one chunk without another copy).
   */
  copy(data: Uint8Array): Uint8Array {
    const length = data.byteLength;
    if (length > SLAB_BYTES / 4) return Uint8Array.prototype.slice.call(data);
    if (this.#slabUsed + length > this.#slab.byteLength) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#slabUsed = 0;
    }
    const copy = this.#slab.subarray(this.#slabUsed, this.#slabUsed + length);
    copy.set(data);
    this.#slabUsed += length;
    return copy;
  }

  // --- events ----------------------------------------------------------------------------------

  /**
   * Runs `job` asynchronously: in a clock timer at the current instant, after the code that is
   * running now. Jobs posted while jobs run go to the next timer, so promise callbacks run in
   * between (as they do between Node's I/O callbacks).
   */
  post(job: () => void): void {
    if (this.#isClosed) return;
    this.#jobs.push(job);
    if (this.#flushTimer === undefined) this.#flushTimer = this.clock.schedule(0, this.#flush);
  }

  /**
   * Runs `job` once the code running now is done, before the next clock timer: what Node does
   * with a write callback, which it calls in a `process.nextTick` after the write, not in a later
   * event-loop phase. Cheaper than {@link post} (no clock timer, so no event-loop turn). While
   * posted jobs wait (a `connect` event, say), it is posted behind them, so that events keep the
   * order they were queued in. A job that throws is an uncaught exception, as a throwing write
   * callback is in Node.
   */
  soon(job: () => void): void {
    if (this.#isClosed) return;
    if (this.#jobs.length > 0) {
      this.post(job);
      return;
    }
    queueMicrotask(() => {
      if (!this.#isClosed) job();
    });
  }

  readonly #flush = (): void => {
    this.#flushTimer = undefined;
    const jobs = this.#jobs;
    this.#jobs = [];
    let failure: { error: unknown } | undefined;
    for (const job of jobs) {
      try {
        job();
      } catch (error) {
        // A throwing listener is the user's uncaught exception: the other sockets' events still
        // run, then the error surfaces from clock.advance() like an uncaught exception would.
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  };

  // --- packets ---------------------------------------------------------------------------------

  /** Sends a packet from a host: the router finds the link, the link decides and carries it. */
  transmit(packet: Packet): void {
    if (this.#isClosed) return;
    (this.#router as Router).route(packet);
  }

  /** Records a packet that entered the wire (called by links). */
  record(packet: Packet, isDropped: boolean): void {
    const counters = this.counters;
    counters.packets++;
    counters.payloadBytes += packet.payload.byteLength;
    if (isDropped) counters.dropped++;
    if (packet.isForged) counters.forged++;
    const mode = this.#traceMode;
    if (mode.kind === 'off') return;
    const record = toTracePacket(packet, ++this.#packetNo, this.clock.now(), isDropped);
    if (mode.kind === 'sink') {
      mode.sink(record);
      return;
    }
    if (this.#ring.length < mode.limit) this.#ring.push(record);
    else {
      this.#ring[this.#ringNext] = record;
      this.#ringNext = (this.#ringNext + 1) % mode.limit;
    }
  }

  /** The recorded packets, oldest first (ring mode), or an empty array. */
  trace(): TracePacket[] {
    if (this.#ringNext === 0) return this.#ring.slice();
    return [...this.#ring.slice(this.#ringNext), ...this.#ring.slice(0, this.#ringNext)];
  }

  /** Empties the ring. Packet numbers keep counting. */
  clearTrace(): void {
    this.#ring = [];
    this.#ringNext = 0;
  }

  /** Whether a flight of packets is being processed (sockets then emit in {@link Settler.settle}). */
  get isInFlight(): boolean {
    return this.#isInFlight;
  }

  /** Delivers the packets of one flight, then lets the touched connections settle. */
  deliverFlight(packets: readonly Packet[]): void {
    this.#isInFlight = true;
    try {
      for (const packet of packets) {
        if (this.#isClosed) return;
        this.#hosts.get(packet.dst)?.receive(packet);
      }
    } finally {
      this.#isInFlight = false;
    }
    this.runSettlers();
  }

  /** Asks `settler` to settle after the current flight (or at once outside a flight). */
  touch(settler: Settler): void {
    this.#settlers.push(settler);
  }

  /** Runs the settlers registered so far. */
  runSettlers(): void {
    // Settling sends packets and emits socket events (user code). A throwing listener must not
    // keep the other connections from settling: the first error surfaces afterwards, like an
    // uncaught exception. Settlers only re-register during a flight, so this loop ends.
    let failure: { error: unknown } | undefined;
    const settlers = this.#settlers;
    this.#settlers = [];
    for (const settler of settlers) {
      try {
        settler.settle();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /** Tears everything down: no timer, job or packet is left. */
  close(): void {
    if (this.#isClosed) return;
    for (const host of this.#hosts.values()) host.abort();
    this.#isClosed = true;
    this.#flushTimer?.cancel();
    this.#flushTimer = undefined;
    this.#jobs = [];
    this.#settlers = [];
  }
}
