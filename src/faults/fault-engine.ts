/**
 * The sans-IO `FaultEngine`: one implementation of the fault vocabulary that three actors drive —
 * `SyslogServer` (real or virtual sockets), `FaultProxy` (real TCP proxy and UDP relay) and
 * `VirtualNetwork` links (packet level). The actors ask; the engine answers from the faults that
 * are active at the time of the question; the actors act (RST, FIN, pause, drop, delay).
 *
 * Rules (docs/faults.md has them with examples):
 * - **Timeline**: a fault is active at a decision when `activeFromMs ≤ now − startMs <
 *   activeUntilMs`. Counters start at the first decision at which the fault is active on that
 *   connection: a `reset-after-bytes=412` that becomes active mid-connection lets 412 *more*
 *   bytes through. When its window closes it stops acting at once.
 * - **First connections**: the first N connections opened while the fault exists and is inside
 *   its window (for datagrams: the first N distinct peers) get it; connections opened earlier,
 *   or outside its window, never do. A connection turned away by a fault of higher precedence
 *   does not use up a lower fault's slots.
 * - **Probability**: connection-level faults draw once per connection, the first time the fault
 *   would act on it; message-level faults (`refuse`, `latency`, `drop`, `truncate`) draw every
 *   time they would act. Datagrams draw per datagram for every fault. Each fault has its own
 *   random stream forked from the engine's `random` by type and occurrence, so adding a fault of
 *   another type never shifts the draws of the others.
 * - **Precedence**: on accept, refuse > drop (packet level only) > reset-on-connect > busy; a
 *   stalled connection reads nothing, so byte and message limits wait; byte and message limits
 *   take the earliest (at the same point, reset beats close); truncations take the smallest;
 *   delays add (and a TCP chunk is never ready before the chunk before it). For datagrams:
 *   refuse > drop > stall, then truncate, then delays.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from '../core/errors.js';
import { seededRandom, type Random } from '../core/random.js';
import { expectBoolean, expectInteger, expectNumber, expectOneOf } from '../core/units.js';
import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import {
  FAULT_ACTIONS,
  FAULT_TYPES,
  type AcceptAction,
  type EndAction,
  type Fault,
  type FaultAction,
  type FaultType,
  type TokenBucketState,
} from './fault.js';
import { resolveFaultInputs, type FaultInput } from './parse-fault.js';
import { faultDefinition, type FaultSpec } from './spec.js';

/** What a fault did, as reported to {@link FaultEngineOptions.onFault}. */
export interface FaultEvent {
  /** Clock time of the decision, in ms. */
  readonly at: number;
  /** The fault's type. */
  readonly fault: FaultType;
  /** What it did. */
  readonly action: FaultAction;
  /** The peer (`host:port`) the decision concerns, when it concerns one. */
  readonly connection?: string;
  /** One line for people (`reset after 412 bytes`). */
  readonly detail: string;
}

/** Counters of everything the engine reported, since its construction. */
export interface FaultStats {
  /** Fault events reported. */
  readonly total: number;
  /** Fault events by action. */
  readonly byAction: Readonly<Record<FaultAction, number>>;
  /** Fault events by fault type. */
  readonly byType: Readonly<Record<FaultType, number>>;
  /** Connections opened through {@link FaultEngine.openConnection}. */
  readonly connections: number;
  /** Datagrams decided through {@link FaultEngine.onDatagram}. */
  readonly datagrams: number;
}

/** Options of {@link FaultEngine}. */
export interface FaultEngineOptions {
  /**
   * Time source: windows are measured and delays computed on it.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Randomness for probabilities and jitter (each fault gets a fork of it).
   * @default seededRandom(1)
   */
  random?: Random;
  /**
   * The instant fault windows are relative to, in clock ms.
   * @default clock.now() at construction
   */
  startMs?: number;
  /**
   * Whether the actor works at packet level (a `VirtualNetwork` link). Only then does `drop` drop
   * TCP SYNs (accept `drop`) and segments ({@link ConnectionFaults.onSegment}); real sockets
   * cannot lose TCP data, so for them `drop` concerns datagrams only.
   * @default false
   */
  isPacketLevel?: boolean;
  /**
   * Called for every decision that changes something, so the actor can emit `fault` events
   * and count them. Called synchronously inside the decision; it should not throw.
   * @default undefined
   */
  onFault?: (event: FaultEvent) => void;
}

/** {@link FaultEngineOptions} validated and defaulted. */
export interface ResolvedFaultEngineOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly startMs: number;
  readonly isPacketLevel: boolean;
  readonly onFault: ((event: FaultEvent) => void) | undefined;
}

/**
 * Validates and defaults {@link FaultEngineOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option.
 */
export function resolveFaultEngineOptions(options: FaultEngineOptions = {}): ResolvedFaultEngineOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', options, 'an object { clock, random, startMs, isPacketLevel, onFault }');
  }
  const known = ['clock', 'random', 'startMs', 'isPacketLevel', 'onFault'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${known.join(', ')})`);
    }
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.schedule !== 'function') {
    throw new InvalidOptionError('clock', clock, 'a Clock (an object with now() and schedule())');
  }
  const random = options.random ?? seededRandom(1);
  if (typeof random !== 'object' || random === null || typeof random.chance !== 'function' || typeof random.fork !== 'function') {
    throw new InvalidOptionError('random', random, 'a Random (e.g. seededRandom(42))');
  }
  const startMs = options.startMs === undefined ? clock.now() : expectNumber('startMs', options.startMs, 0, 8.64e15);
  const isPacketLevel = options.isPacketLevel === undefined ? false : expectBoolean('isPacketLevel', options.isPacketLevel);
  if (options.onFault !== undefined && typeof options.onFault !== 'function') {
    throw new InvalidOptionError('onFault', options.onFault, 'a function (event) => void');
  }
  return { clock, random, startMs, isPacketLevel, onFault: options.onFault };
}

/** What an actor tells the engine about a new connection. */
export interface ConnectionMeta {
  /** `tcp`, or `udp` for a datagram flow from one peer (a connected UDP socket). */
  readonly protocol: 'tcp' | 'udp';
  /** The peer as `host:port` (used in fault events and for datagram `firstConnections`). */
  readonly peer: string;
  /** Connections already open at the actor, not counting this one (for `busy`). */
  readonly active: number;
}

/** What an actor tells the engine about a datagram that arrived. */
export interface DatagramMeta {
  /** The sender as `host:port`. */
  readonly peer: string;
  /** The datagram's payload size in bytes. */
  readonly byteLength: number;
}

/** The fate of one datagram. */
export interface DatagramDecision {
  /** Whether the receiver reads it (after `delayMs`). */
  readonly deliver: boolean;
  /** Keep only the first N bytes. */
  readonly truncateTo?: number;
  /** How long to wait before it is read, in ms (0 when not delivered). */
  readonly delayMs: number;
  /** Whether the receiver answers with ICMP port unreachable (`refuse`). */
  readonly refused: boolean;
}

/** The engine's answer about the bytes now readable on a connection. */
export interface ConnectionBytesDecision {
  /** How many of them to read (0 … length). */
  readonly deliver: number;
  /**
   * End the connection once those bytes are read and their messages handled — unless a message
   * decision among them ends it earlier (the earliest end in the stream wins).
   */
  readonly after?: EndAction;
}

/** The engine's answer about one decoded message. */
export interface ConnectionMessageDecision {
  /** Whether the receiver keeps the message. */
  readonly deliver: boolean;
  /** Keep only its first N bytes. */
  readonly truncateTo?: number;
  /** End the connection right after this message (discarding what follows). */
  readonly after?: EndAction;
}

/**
 * The faults of one connection: its counters and draws, and the decisions the actor asks for.
 * Made by {@link FaultEngine.openConnection}; `close()` when the connection is gone.
 *
 * Actor protocol for a TCP read: while {@link isStalled} is true read nothing (re-check at
 * `engine.nextChangeAt()`); wait {@link readDelayMs}; ask {@link onBytes} how much of the chunk
 * to read; decode that much and ask {@link onMessage} for every message; act on the first `after`
 * in stream order. Schedule an idle check at {@link idleTimeoutMs} after the last data and report
 * it with {@link onIdle}.
 */
export interface ConnectionFaults {
  /** A sequence number, unique within the engine (1, 2, …). */
  readonly id: number;
  /** The peer, as given. */
  readonly peer: string;
  /** The protocol, as given. */
  readonly protocol: 'tcp' | 'udp';
  /**
   * What to do with the connection: `accept`; `reset` it right after the handshake; `drop` the
   * SYN (packet level only: never answer); `refuse` it (RST in answer to the SYN, or ICMP port
   * unreachable for a UDP flow). A real listener that has already accepted treats `refuse` as
   * `reset` (it closes its listener while {@link FaultEngine.refusing} says so).
   */
  readonly accept: AcceptAction;
  /** The fault that turned the connection away, when `accept` is not `accept`. */
  readonly acceptedBy: FaultType | undefined;
  /** Whether {@link close} was called. */
  readonly isClosed: boolean;
  /** `length` stream bytes are readable: how many to read, then end? */
  onBytes(length: number): ConnectionBytesDecision;
  /** A message of `byteLength` bytes was decoded (for a UDP flow: a datagram arrived). */
  onMessage(byteLength: number): ConnectionMessageDecision;
  /** A TCP segment crosses a packet-level link: is it delivered (not dropped)? */
  onSegment(byteLength: number): { readonly deliver: boolean };
  /** How long to wait before reading the next `length` bytes, in ms. */
  readDelayMs(length: number): number;
  /** Whether the receiver must not read now (`stall`). */
  isStalled(): boolean;
  /** After how many ms without data the receiver closes the connection, if it does. */
  idleTimeoutMs(): number | undefined;
  /** The connection has been idle for `idleMs`: close it? */
  onIdle(idleMs: number): { readonly after?: 'close' };
  /** Frees the connection's state; idempotent. Every decision after it throws `ESA_ERR_CLOSED`. */
  close(): void;
}

interface FaultEntry {
  readonly fault: Fault<FaultSpec>;
  readonly index: number;
  readonly rank: number;
  readonly random: Random;
  /** firstConnections slots used. */
  counted: number;
  /** Datagram peers counted for firstConnections (at most firstConnections of them). */
  readonly peers: Set<string>;
  /** The bucket all datagrams share. */
  datagramBucket: TokenBucketState | undefined;
}

interface EntryState {
  eligible: boolean;
  applies: boolean | undefined;
  bytes: number;
  messages: number;
  bucket: TokenBucketState | undefined;
}

/** Accept-time precedence; stall next; then spec order. */
const RANK: Partial<Record<FaultType, number>> = { refuse: 0, drop: 1, 'reset-on-connect': 2, busy: 3, stall: 4 };
const OTHER_RANK = 5;

/** What connections need from their engine. */
interface EngineCore {
  now(): number;
  entries(): readonly FaultEntry[];
  isActive(entry: FaultEntry, now: number): boolean;
  draw(entry: FaultEntry, state: EntryState | undefined): boolean;
  report(entry: FaultEntry, action: FaultAction, detail: string, peer: string | undefined): void;
  readonly isPacketLevel: boolean;
  /** Whether any fault decides on messages (none: every message is delivered as is). */
  hasMessageFaults(): boolean;
}

/**
 * The faults of one receiver, proxy or link, as decisions. Sans-IO: it never touches a socket or
 * a timer; it reads the clock and draws from its random streams.
 *
 * @example
 * ```ts
 * const engine = new FaultEngine(['reset-after-bytes=412@first=1'], { clock, random: seededRandom(7), onFault: (e) => events.push(e) });
 * const connection = engine.openConnection({ protocol: 'tcp', peer: '192.0.2.5:40112', active: 0 });
 * connection.accept;          // 'accept'
 * connection.onBytes(1000);   // { deliver: 412, after: 'reset' }
 * ```
 */
export class FaultEngine {
  /** The instant windows are relative to, in clock ms. */
  readonly startMs: number;
  readonly #options: ResolvedFaultEngineOptions;
  readonly #core: EngineCore;
  #specs: readonly FaultSpec[] = [];
  #entries: readonly FaultEntry[] = [];
  #hasMessageFaults = false;
  #generation = 0;
  #lastConnectionId = 0;
  #wasRefusing = false;
  #total = 0;
  #connections = 0;
  #datagrams = 0;
  readonly #byAction = Object.fromEntries(FAULT_ACTIONS.map((action) => [action, 0])) as Record<FaultAction, number>;
  readonly #byType = Object.fromEntries(FAULT_TYPES.map((type) => [type, 0])) as Record<FaultType, number>;

  /**
   * @param specs - the faults: spec objects or `--fault` texts (`faults[i]` in error messages).
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid spec or option.
   */
  constructor(specs: readonly FaultInput[], options: FaultEngineOptions = {}) {
    this.#options = resolveFaultEngineOptions(options);
    this.startMs = this.#options.startMs;
    this.#core = {
      now: () => this.#options.clock.now(),
      entries: () => this.#entries,
      isActive: (entry, now) => entry.fault.isActiveAt(now - this.startMs),
      draw: (entry, state) => draw(entry, state),
      report: (entry, action, detail, peer) => this.#report(entry.fault.type, action, detail, peer),
      isPacketLevel: this.#options.isPacketLevel,
      hasMessageFaults: () => this.#hasMessageFaults,
    };
    this.setSpecs(specs);
  }

  /** The current faults, resolved. */
  get specs(): readonly FaultSpec[] {
    return this.#specs;
  }

  /** The current faults at run time, in spec order. */
  get faults(): readonly Fault<FaultSpec>[] {
    return [...this.#entries].sort((a, b) => a.index - b.index).map((entry) => entry.fault);
  }

  /** A snapshot of the counters. */
  get stats(): FaultStats {
    return Object.freeze({
      total: this.#total,
      byAction: Object.freeze({ ...this.#byAction }),
      byType: Object.freeze({ ...this.#byType }),
      connections: this.#connections,
      datagrams: this.#datagrams,
    });
  }

  /** One line per current fault (its `explain()`), in spec order. */
  explain(): string[] {
    return this.faults.map((fault) => fault.explain());
  }

  /**
   * Replaces the faults (chaos runs switch faults during a run). Windows stay relative to
   * {@link startMs}. The new faults start with fresh counters and random streams; open
   * connections are subject to them from their next decision, except faults with
   * `firstConnections`, which only count connections opened from now on. An invalid list throws
   * and changes nothing.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `faults[i]…`.
   */
  setSpecs(specs: readonly FaultInput[]): void {
    const resolved = resolveFaultInputs(specs, 'faults');
    const generation = ++this.#generation;
    const occurrences = new Map<FaultType, number>();
    const entries = resolved.map((spec, index): FaultEntry => {
      // Keyed by type and occurrence, not position: inserting a fault of another type never
      // shifts this one's draws.
      const occurrence = occurrences.get(spec.type) ?? 0;
      occurrences.set(spec.type, occurrence + 1);
      return {
        fault: faultDefinition(spec.type).create(spec),
        index,
        rank: RANK[spec.type] ?? OTHER_RANK,
        random: this.#options.random.fork(`faults:${generation}:${spec.type}:${occurrence}`),
        counted: 0,
        peers: new Set(),
        datagramBucket: undefined,
      };
    });
    entries.sort((a, b) => a.rank - b.rank || a.index - b.index);
    this.#specs = resolved;
    this.#entries = Object.freeze(entries);
    this.#hasMessageFaults = entries.some((entry) => entry.fault.decideMessage !== undefined);
  }

  /**
   * Whether the receiver must refuse everything now: an unconditional `refuse` (no probability,
   * no firstConnections) is inside its window. Real listeners close while this is true and
   * re-listen when it turns false (ask again at {@link nextChangeAt}). The first `true` after a
   * `false` is reported as a `refuse` event.
   */
  refusing(): boolean {
    const now = this.#options.clock.now();
    const entry = this.#entries.find((candidate) => candidate.fault.isRefusing === true && this.#core.isActive(candidate, now));
    if (entry !== undefined && !this.#wasRefusing) {
      this.#report(entry.fault.type, 'refuse', 'listener closed: connection attempts are refused', undefined);
    }
    this.#wasRefusing = entry !== undefined;
    return entry !== undefined;
  }

  /**
   * The next clock time (ms) at which any fault enters or leaves its window, or `undefined`
   * when no window boundary lies ahead. Actors re-check `refusing()` and `isStalled()` then.
   */
  nextChangeAt(): number | undefined {
    const now = this.#options.clock.now();
    let next: number | undefined;
    for (const { fault } of this.#entries) {
      for (const offset of [fault.spec.activeFromMs, fault.spec.activeUntilMs]) {
        if (offset === undefined) continue;
        const at = this.startMs + offset;
        if (at > now && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  /**
   * A connection arrives (TCP: a SYN, or an accepted socket; UDP: a new peer flow): decides
   * whether it is accepted and returns its per-connection faults.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid `meta`.
   */
  openConnection(meta: ConnectionMeta): ConnectionFaults {
    expectMeta(meta, '{ protocol, peer, active }');
    const protocol = expectOneOf('meta.protocol', meta.protocol, ['tcp', 'udp'] as const);
    const peer = expectPeer('meta.peer', meta.peer);
    const active = expectInteger('meta.active', meta.active, 0, Number.MAX_SAFE_INTEGER);
    const id = ++this.#lastConnectionId;
    this.#connections++;
    return new EngineConnection(this.#core, id, peer, protocol, active);
  }

  /**
   * A datagram arrived (no connection): decides whether it is read, cut, delayed, or refused
   * with ICMP port unreachable.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid `meta`.
   */
  onDatagram(meta: DatagramMeta): DatagramDecision {
    expectMeta(meta, '{ peer, byteLength }');
    const peer = expectPeer('meta.peer', meta.peer);
    const byteLength = expectInteger('meta.byteLength', meta.byteLength, 0, Number.MAX_SAFE_INTEGER);
    this.#datagrams++;
    const now = this.#options.clock.now();
    let truncateTo: number | undefined;
    let truncatedBy: FaultEntry | undefined;
    let delayMs = 0;
    for (const entry of this.#entries) {
      const { fault } = entry;
      if (fault.isStreamOnly || !this.#core.isActive(entry, now) || !isPeerEligible(entry, peer)) continue;
      const action = fault.decideDatagram?.(byteLength);
      if (typeof action === 'string') {
        if (!draw(entry, undefined)) continue;
        this.#report(fault.type, action, datagramDetail(action, byteLength), peer);
        return { deliver: false, delayMs: 0, refused: action === 'refuse' };
      }
      if (action !== undefined && draw(entry, undefined) && (truncateTo === undefined || action.truncateTo < truncateTo)) {
        truncateTo = action.truncateTo;
        truncatedBy = entry;
      }
      if (fault.decideDelayMs !== undefined && draw(entry, undefined)) {
        const decision = fault.decideDelayMs({ length: byteLength, nowMs: now, random: entry.random, bucket: entry.datagramBucket });
        if (decision === undefined) continue;
        if (decision.bucket !== undefined) entry.datagramBucket = decision.bucket;
        if (decision.delayMs > 0) {
          delayMs += decision.delayMs;
          this.#report(fault.type, 'delay', `datagram of ${byteLength} bytes delayed ${decision.delayMs}ms`, peer);
        }
      }
    }
    if (truncateTo === undefined || truncatedBy === undefined) return { deliver: true, delayMs, refused: false };
    this.#report(truncatedBy.fault.type, 'truncate', `datagram of ${byteLength} bytes truncated to ${truncateTo}`, peer);
    return { deliver: true, truncateTo, delayMs, refused: false };
  }

  #report(fault: FaultType, action: FaultAction, detail: string, peer: string | undefined): void {
    this.#total++;
    this.#byAction[action]++;
    this.#byType[fault]++;
    const onFault = this.#options.onFault;
    if (onFault === undefined) return;
    const at = this.#options.clock.now();
    onFault(Object.freeze(peer === undefined ? { at, fault, action, detail } : { at, fault, action, connection: peer, detail }));
  }
}

function expectMeta(meta: unknown, shape: string): void {
  if (typeof meta !== 'object' || meta === null) throw new InvalidOptionError('meta', meta, `an object ${shape}`);
}

function expectPeer(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOptionError(option, value, 'a non-empty string such as "192.0.2.5:40112"');
  return value;
}

/** The probability draw of an entry (cached per connection for connection-level faults). */
function draw(entry: FaultEntry, state: EntryState | undefined): boolean {
  const probability = entry.fault.spec.probability ?? 1;
  const chance = (): boolean => (probability >= 1 ? true : probability <= 0 ? false : entry.random.chance(probability));
  if (state === undefined || entry.fault.scope === 'decision') return chance();
  state.applies ??= chance();
  return state.applies;
}

/** Datagram firstConnections: the first N distinct peers seen while active. */
function isPeerEligible(entry: FaultEntry, peer: string): boolean {
  const limit = entry.fault.spec.firstConnections;
  if (limit === undefined || entry.peers.has(peer)) return true;
  if (entry.peers.size >= limit) return false;
  entry.peers.add(peer);
  return true;
}

/** The decision for a message no fault acts on (shared: decisions are read, never changed). */
const DELIVER_MESSAGE: ConnectionMessageDecision = Object.freeze({ deliver: true });

/** The decision for a segment no fault drops (shared, frozen). */
const DELIVER_SEGMENT: { readonly deliver: boolean } = Object.freeze({ deliver: true });

class EngineConnection implements ConnectionFaults {
  readonly id: number;
  readonly peer: string;
  readonly protocol: 'tcp' | 'udp';
  readonly accept: AcceptAction;
  readonly acceptedBy: FaultType | undefined;
  readonly #core: EngineCore;
  #states = new WeakMap<FaultEntry, EntryState>();
  #closed = false;
  #bytesEnd: EndAction | undefined;
  #messageEnd: EndAction | undefined;
  #wasStalled = false;
  #readyAt = Number.NEGATIVE_INFINITY;

  constructor(core: EngineCore, id: number, peer: string, protocol: 'tcp' | 'udp', active: number) {
    this.#core = core;
    this.id = id;
    this.peer = peer;
    this.protocol = protocol;
    const now = core.now();
    let accept: AcceptAction = 'accept';
    let acceptedBy: FaultEntry | undefined;
    for (const entry of core.entries()) {
      if (!this.#isRelevant(entry) || !core.isActive(entry, now)) continue;
      const limit = entry.fault.spec.firstConnections;
      const state = this.#state(entry);
      if (limit !== undefined) {
        state.eligible = entry.counted < limit;
        if (state.eligible) entry.counted++;
      }
      if (!state.eligible) continue;
      const decision = entry.fault.decideConnect?.({ protocol, active, isPacketLevel: core.isPacketLevel });
      if (decision === undefined || !core.draw(entry, state)) continue;
      accept = decision;
      acceptedBy = entry;
      break;
    }
    this.accept = accept;
    this.acceptedBy = acceptedBy?.fault.type;
    if (acceptedBy !== undefined) core.report(acceptedBy, accept as FaultAction, acceptDetail(accept, active, acceptedBy), peer);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  onBytes(length: number): ConnectionBytesDecision {
    this.#assertOpen();
    expectInteger('length', length, 0, Number.MAX_SAFE_INTEGER);
    const ended = this.#messageEnd ?? this.#bytesEnd;
    if (ended !== undefined) return { deliver: 0, after: ended };
    if (this.isStalled()) return { deliver: 0 };
    const now = this.#core.now();
    let deliver = length;
    let after: EndAction | undefined;
    let by: FaultEntry | undefined;
    // Only faults that decide on bytes count them (nothing else reads the count).
    const active: EntryState[] = [];
    for (const entry of this.#core.entries()) {
      if (entry.fault.decideBytes === undefined || !this.#isActive(entry, now)) continue;
      const state = this.#state(entry);
      active.push(state);
      const decision = entry.fault.decideBytes({ countedBytes: state.bytes, length });
      if (decision?.after === undefined || !this.#core.draw(entry, state)) continue;
      if (decision.deliver < deliver || (decision.deliver === deliver && (after === undefined || decision.after === 'reset'))) {
        deliver = decision.deliver;
        after = decision.after;
        by = entry;
      }
    }
    for (const state of active) state.bytes += deliver;
    if (after === undefined || by === undefined) return { deliver };
    this.#bytesEnd = after;
    const counted = this.#state(by).bytes;
    this.#core.report(by, after, `${after === 'reset' ? 'reset' : 'closed'} after ${counted} ${counted === 1 ? 'byte' : 'bytes'}`, this.peer);
    return { deliver, after };
  }

  onMessage(byteLength: number): ConnectionMessageDecision {
    this.#assertOpen();
    expectInteger('byteLength', byteLength, 0, Number.MAX_SAFE_INTEGER);
    if (this.#messageEnd !== undefined) return { deliver: false, after: this.#messageEnd };
    if (!this.#core.hasMessageFaults()) return DELIVER_MESSAGE;
    const now = this.#core.now();
    let deliver = true;
    let truncateTo: number | undefined;
    let after: EndAction | undefined;
    let endedBy: FaultEntry | undefined;
    let droppedBy: FaultEntry | undefined;
    let truncatedBy: FaultEntry | undefined;
    // Only faults that decide on messages count them (nothing else reads the count).
    for (const entry of this.#core.entries()) {
      if (entry.fault.decideMessage === undefined || !this.#isActive(entry, now)) continue;
      const state = this.#state(entry);
      const decision = entry.fault.decideMessage({ countedMessages: state.messages, byteLength, protocol: this.protocol });
      state.messages++;
      if (decision === undefined || !this.#core.draw(entry, state)) continue;
      if (!decision.deliver && deliver) {
        deliver = false;
        droppedBy = entry;
      }
      if (decision.truncateTo !== undefined && (truncateTo === undefined || decision.truncateTo < truncateTo)) {
        truncateTo = decision.truncateTo;
        truncatedBy = entry;
      }
      if (decision.after !== undefined && after !== 'reset' && decision.after !== after) {
        after = decision.after;
        endedBy = entry;
      }
    }
    if (after !== undefined && endedBy !== undefined) {
      this.#messageEnd = after;
      const counted = this.#state(endedBy).messages - (deliver ? 0 : 1);
      this.#core.report(endedBy, after, `${after === 'reset' ? 'reset' : 'closed'} after ${counted} ${counted === 1 ? 'message' : 'messages'}`, this.peer);
    } else if (!deliver && droppedBy !== undefined) {
      this.#core.report(droppedBy, 'drop', `datagram of ${byteLength} bytes dropped`, this.peer);
    }
    if (deliver && truncateTo !== undefined && truncatedBy !== undefined) {
      this.#core.report(truncatedBy, 'truncate', `message of ${byteLength} bytes truncated to ${truncateTo}`, this.peer);
    }
    if (deliver && truncateTo === undefined && after === undefined) return DELIVER_MESSAGE;
    const decision: { deliver: boolean; truncateTo?: number; after?: EndAction } = { deliver };
    if (deliver && truncateTo !== undefined) decision.truncateTo = truncateTo;
    if (after !== undefined) decision.after = after;
    return decision;
  }

  onSegment(byteLength: number): { readonly deliver: boolean } {
    this.#assertOpen();
    expectInteger('byteLength', byteLength, 0, Number.MAX_SAFE_INTEGER);
    if (!this.#core.isPacketLevel) return DELIVER_SEGMENT;
    const now = this.#core.now();
    for (const entry of this.#core.entries()) {
      const { fault } = entry;
      if (fault.decideSegment === undefined || !this.#isActive(entry, now)) continue;
      if (fault.decideSegment(byteLength) !== 'drop' || !this.#core.draw(entry, this.#state(entry))) continue;
      this.#core.report(entry, 'drop', `TCP segment of ${byteLength} bytes dropped`, this.peer);
      return { deliver: false };
    }
    return DELIVER_SEGMENT;
  }

  readDelayMs(length: number): number {
    this.#assertOpen();
    expectInteger('length', length, 0, Number.MAX_SAFE_INTEGER);
    const now = this.#core.now();
    let total = 0;
    for (const entry of this.#core.entries()) {
      const { fault } = entry;
      if (fault.decideDelayMs === undefined || !this.#isActive(entry, now)) continue;
      const state = this.#state(entry);
      if (!this.#core.draw(entry, state)) continue;
      const decision = fault.decideDelayMs({ length, nowMs: now, random: entry.random, bucket: state.bucket });
      if (decision === undefined) continue;
      if (decision.bucket !== undefined) state.bucket = decision.bucket;
      if (decision.delayMs > 0) {
        total += decision.delayMs;
        this.#core.report(entry, 'delay', `read of ${length} bytes delayed ${decision.delayMs}ms`, this.peer);
      }
    }
    if (this.protocol === 'udp') return total;
    // A stream is read in order: a chunk is never ready before the chunk before it.
    const readyAt = Math.max(now + total, this.#readyAt);
    this.#readyAt = readyAt;
    return readyAt - now;
  }

  isStalled(): boolean {
    this.#assertOpen();
    let by: FaultEntry | undefined;
    const now = this.#core.now();
    for (const entry of this.#core.entries()) {
      if (entry.fault.isStalling === true && this.#isActive(entry, now) && this.#core.draw(entry, this.#state(entry))) {
        by = entry;
        break;
      }
    }
    if (by !== undefined && !this.#wasStalled) this.#core.report(by, 'stall', 'stopped reading', this.peer);
    this.#wasStalled = by !== undefined;
    return by !== undefined;
  }

  idleTimeoutMs(): number | undefined {
    this.#assertOpen();
    return this.#idleEntry()?.timeoutMs;
  }

  onIdle(idleMs: number): { readonly after?: 'close' } {
    this.#assertOpen();
    expectNumber('idleMs', idleMs, 0, Number.MAX_SAFE_INTEGER);
    if (this.#messageEnd !== undefined || this.#bytesEnd !== undefined) return {};
    const idle = this.#idleEntry();
    if (idle === undefined || idleMs < idle.timeoutMs) return {};
    this.#messageEnd = 'close';
    this.#core.report(idle.entry, 'close', `closed after ${idleMs}ms idle (timeout ${idle.timeoutMs}ms)`, this.peer);
    return { after: 'close' };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#states = new WeakMap();
  }

  #idleEntry(): { entry: FaultEntry; timeoutMs: number } | undefined {
    let best: { entry: FaultEntry; timeoutMs: number } | undefined;
    const now = this.#core.now();
    for (const entry of this.#core.entries()) {
      const timeoutMs = entry.fault.idleTimeoutMs;
      if (timeoutMs === undefined || (best !== undefined && best.timeoutMs <= timeoutMs) || !this.#isActive(entry, now)) continue;
      if (this.#core.draw(entry, this.#state(entry))) best = { entry, timeoutMs };
    }
    return best;
  }

  /** Whether `entry` is relevant to this connection, active now and eligible for it. */
  #isActive(entry: FaultEntry, now: number): boolean {
    return this.#isRelevant(entry) && this.#core.isActive(entry, now) && this.#state(entry).eligible;
  }

  #isRelevant(entry: FaultEntry): boolean {
    return this.protocol === 'tcp' || !entry.fault.isStreamOnly;
  }

  #state(entry: FaultEntry): EntryState {
    let state = this.#states.get(entry);
    if (state === undefined) {
      // A fault with firstConnections counts connections at their opening only (constructor).
      const eligible = entry.fault.spec.firstConnections === undefined;
      state = { eligible, applies: undefined, bytes: 0, messages: 0, bucket: undefined };
      this.#states.set(entry, state);
    }
    return state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EsaError('ESA_ERR_CLOSED', `The fault state of connection ${this.id} (${this.peer}) was closed`);
  }
}

function datagramDetail(action: 'refuse' | 'drop' | 'stall', byteLength: number): string {
  if (action === 'refuse') return `datagram of ${byteLength} bytes refused (ICMP port unreachable)`;
  return action === 'drop' ? `datagram of ${byteLength} bytes dropped` : `datagram of ${byteLength} bytes never read`;
}

function acceptDetail(accept: AcceptAction, active: number, entry: FaultEntry): string {
  switch (accept) {
    case 'refuse':
      return 'connection refused';
    case 'drop':
      return 'SYN dropped';
    default: {
      const spec = entry.fault.spec;
      return spec.type === 'busy'
        ? `reset: ${active} ${active === 1 ? 'connection' : 'connections'} already open (max ${spec.maxConnections})`
        : 'reset right after the handshake';
    }
  }
}
