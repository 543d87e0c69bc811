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
  /** The spec's probability (1 when it has none). */
  readonly probability: number;
  /** Whether the probability is drawn at every decision (scope `decision`). */
  readonly isPerDecision: boolean;
  /** The fault's idle timeout in ms, if it has one (read once: it is fixed by the spec). */
  readonly idleTimeoutMs: number | undefined;
  /** firstConnections slots used. */
  counted: number;
  /** Datagram peers counted for firstConnections (at most firstConnections of them). */
  readonly peers: Set<string>;
  /** The bucket all datagrams share. */
  datagramBucket: TokenBucketState | undefined;
}

/** What one connection keeps about one fault entry. */
interface EntryState {
  readonly entry: FaultEntry;
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
  readonly startMs: number;
  /** The current entries; {@link FaultEngine.setSpecs} replaces the array as a whole. */
  entries: readonly FaultEntry[];
  report(entry: FaultEntry, action: FaultAction, detail: string, peer: string | undefined): void;
  readonly isPacketLevel: boolean;
}

/** Whether an entry is inside its window `elapsedMs` after the engine's start (the fault decides). */
function isEntryActive(entry: FaultEntry, elapsedMs: number): boolean {
  return entry.fault.isActiveAt(elapsedMs);
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
      startMs: this.startMs,
      entries: this.#entries,
      report: (entry, action, detail, peer) => this.#report(entry.fault.type, action, detail, peer),
      isPacketLevel: this.#options.isPacketLevel,
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
      const fault = faultDefinition(spec.type).create(spec);
      return {
        fault,
        index,
        rank: RANK[spec.type] ?? OTHER_RANK,
        random: this.#options.random.fork(`faults:${generation}:${spec.type}:${occurrence}`),
        probability: spec.probability ?? 1,
        isPerDecision: fault.scope === 'decision',
        idleTimeoutMs: fault.idleTimeoutMs,
        counted: 0,
        peers: new Set(),
        datagramBucket: undefined,
      };
    });
    entries.sort((a, b) => a.rank - b.rank || a.index - b.index);
    this.#specs = resolved;
    this.#entries = Object.freeze(entries);
    this.#core.entries = this.#entries;
  }

  /**
   * Whether the receiver must refuse everything now: an unconditional `refuse` (no probability,
   * no firstConnections) is inside its window. Real listeners close while this is true and
   * re-listen when it turns false (ask again at {@link nextChangeAt}). The first `true` after a
   * `false` is reported as a `refuse` event.
   */
  refusing(): boolean {
    const now = this.#options.clock.now();
    const entry = this.#entries.find((candidate) => candidate.fault.isRefusing === true && isEntryActive(candidate, now - this.startMs));
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
      if (fault.isStreamOnly || !isEntryActive(entry, now - this.startMs) || !isPeerEligible(entry, peer)) continue;
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
  if (state === undefined || entry.isPerDecision) return chance(entry);
  state.applies ??= chance(entry);
  return state.applies;
}

/** One draw of an entry's probability (none from its random stream at 0 or 1). */
function chance(entry: FaultEntry): boolean {
  const probability = entry.probability;
  return probability >= 1 ? true : probability <= 0 ? false : entry.random.chance(probability);
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

/** The decision for a segment a fault drops (shared, frozen). */
const DROP_SEGMENT: { readonly deliver: boolean } = Object.freeze({ deliver: false });

/** A connection's states of no entries (before the first decision, and after close). */
const NO_STATES: readonly EntryState[] = Object.freeze([]);

/**
 * The faults of one connection. Decisions are asked per chunk and per segment, so the connection
 * keeps, per kind of decision, the entry states that can take part in it (the entry has the hook,
 * concerns the protocol, and the connection is eligible: all fixed once the connection is open),
 * rebuilt only when the engine's entries array is replaced. A decision then checks only the window
 * and draws, in entry order, exactly as a walk over every entry would. Loops are indexed: `for…of`
 * allocates an iterator result per step until a function is optimized.
 */
class EngineConnection implements ConnectionFaults {
  readonly id: number;
  readonly peer: string;
  readonly protocol: 'tcp' | 'udp';
  readonly accept: AcceptAction;
  readonly acceptedBy: FaultType | undefined;
  readonly #core: EngineCore;
  /** The entries the states below were built for (compared by identity). */
  #entries: readonly FaultEntry[];
  #bytesStates: readonly EntryState[] = NO_STATES;
  #messageStates: readonly EntryState[] = NO_STATES;
  #segmentStates: readonly EntryState[] = NO_STATES;
  #delayStates: readonly EntryState[] = NO_STATES;
  #stallStates: readonly EntryState[] = NO_STATES;
  #idleStates: readonly EntryState[] = NO_STATES;
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
    const entries = core.entries;
    const states = newStates(entries);
    const elapsedMs = core.now() - core.startMs;
    let accept: AcceptAction = 'accept';
    let acceptedBy: FaultEntry | undefined;
    for (const state of states) {
      const entry = state.entry;
      if (!this.#isRelevant(entry) || !isEntryActive(entry, elapsedMs)) continue;
      // A fault with firstConnections counts connections at their opening only (here).
      const limit = entry.fault.spec.firstConnections;
      if (limit !== undefined) {
        state.eligible = entry.counted < limit;
        if (state.eligible) entry.counted++;
      }
      if (!state.eligible) continue;
      const decision = entry.fault.decideConnect?.({ protocol, active, isPacketLevel: core.isPacketLevel });
      if (decision === undefined || !draw(entry, state)) continue;
      accept = decision;
      acceptedBy = entry;
      break;
    }
    this.#entries = entries;
    this.#index(states);
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
    const states = this.#sync().#bytesStates;
    if (states.length === 0) return { deliver: length };
    const elapsedMs = this.#core.now() - this.#core.startMs;
    let deliver = length;
    let after: EndAction | undefined;
    let by: EntryState | undefined;
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      const entry = state.entry;
      if (!isEntryActive(entry, elapsedMs)) continue;
      const decision = entry.fault.decideBytes?.({ countedBytes: state.bytes, length });
      if (decision?.after === undefined || !draw(entry, state)) continue;
      if (decision.deliver < deliver || (decision.deliver === deliver && (after === undefined || decision.after === 'reset'))) {
        deliver = decision.deliver;
        after = decision.after;
        by = state;
      }
    }
    // Only faults that decide on bytes count them (nothing else reads the count); the window
    // check is pure, so this second pass counts for exactly the entries the first one asked.
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      if (isEntryActive(state.entry, elapsedMs)) state.bytes += deliver;
    }
    if (after === undefined || by === undefined) return { deliver };
    this.#bytesEnd = after;
    const counted = by.bytes;
    this.#core.report(by.entry, after, `${after === 'reset' ? 'reset' : 'closed'} after ${counted} ${counted === 1 ? 'byte' : 'bytes'}`, this.peer);
    return { deliver, after };
  }

  onMessage(byteLength: number): ConnectionMessageDecision {
    this.#assertOpen();
    expectInteger('byteLength', byteLength, 0, Number.MAX_SAFE_INTEGER);
    if (this.#messageEnd !== undefined) return { deliver: false, after: this.#messageEnd };
    const states = this.#sync().#messageStates;
    if (states.length === 0) return DELIVER_MESSAGE;
    const elapsedMs = this.#core.now() - this.#core.startMs;
    let deliver = true;
    let truncateTo: number | undefined;
    let after: EndAction | undefined;
    let endedBy: EntryState | undefined;
    let droppedBy: FaultEntry | undefined;
    let truncatedBy: FaultEntry | undefined;
    // Only faults that decide on messages count them (nothing else reads the count).
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      const entry = state.entry;
      if (!isEntryActive(entry, elapsedMs)) continue;
      const decision = entry.fault.decideMessage?.({ countedMessages: state.messages, byteLength, protocol: this.protocol });
      state.messages++;
      if (decision === undefined || !draw(entry, state)) continue;
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
        endedBy = state;
      }
    }
    if (after !== undefined && endedBy !== undefined) {
      this.#messageEnd = after;
      const counted = endedBy.messages - (deliver ? 0 : 1);
      this.#core.report(endedBy.entry, after, `${after === 'reset' ? 'reset' : 'closed'} after ${counted} ${counted === 1 ? 'message' : 'messages'}`, this.peer);
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
    const states = this.#sync().#segmentStates;
    if (states.length === 0) return DELIVER_SEGMENT;
    const elapsedMs = this.#core.now() - this.#core.startMs;
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      const entry = state.entry;
      if (!isEntryActive(entry, elapsedMs)) continue;
      if (entry.fault.decideSegment?.(byteLength) !== 'drop' || !draw(entry, state)) continue;
      this.#core.report(entry, 'drop', `TCP segment of ${byteLength} bytes dropped`, this.peer);
      return DROP_SEGMENT;
    }
    return DELIVER_SEGMENT;
  }

  readDelayMs(length: number): number {
    this.#assertOpen();
    expectInteger('length', length, 0, Number.MAX_SAFE_INTEGER);
    const states = this.#sync().#delayStates;
    const now = this.#core.now();
    const elapsedMs = now - this.#core.startMs;
    let total = 0;
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      const entry = state.entry;
      if (!isEntryActive(entry, elapsedMs) || !draw(entry, state)) continue;
      const decision = entry.fault.decideDelayMs?.({ length, nowMs: now, random: entry.random, bucket: state.bucket });
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
    const states = this.#sync().#stallStates;
    let by: FaultEntry | undefined;
    if (states.length > 0) {
      const elapsedMs = this.#core.now() - this.#core.startMs;
      for (let i = 0; i < states.length; i++) {
        const state = states[i] as EntryState;
        if (isEntryActive(state.entry, elapsedMs) && draw(state.entry, state)) {
          by = state.entry;
          break;
        }
      }
    }
    if (by !== undefined && !this.#wasStalled) this.#core.report(by, 'stall', 'stopped reading', this.peer);
    this.#wasStalled = by !== undefined;
    return by !== undefined;
  }

  idleTimeoutMs(): number | undefined {
    this.#assertOpen();
    return this.#idleEntry()?.idleTimeoutMs;
  }

  onIdle(idleMs: number): { readonly after?: 'close' } {
    this.#assertOpen();
    expectNumber('idleMs', idleMs, 0, Number.MAX_SAFE_INTEGER);
    if (this.#messageEnd !== undefined || this.#bytesEnd !== undefined) return {};
    const idle = this.#idleEntry();
    const timeoutMs = idle?.idleTimeoutMs;
    if (idle === undefined || timeoutMs === undefined || idleMs < timeoutMs) return {};
    this.#messageEnd = 'close';
    this.#core.report(idle, 'close', `closed after ${idleMs}ms idle (timeout ${timeoutMs}ms)`, this.peer);
    return { after: 'close' };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#entries = [];
    this.#bytesStates = this.#messageStates = this.#segmentStates = NO_STATES;
    this.#delayStates = this.#stallStates = this.#idleStates = NO_STATES;
  }

  /** The active entry with the shortest idle timeout that applies (the first of equal ones). */
  #idleEntry(): FaultEntry | undefined {
    const states = this.#sync().#idleStates;
    if (states.length === 0) return undefined;
    let best: FaultEntry | undefined;
    const elapsedMs = this.#core.now() - this.#core.startMs;
    for (let i = 0; i < states.length; i++) {
      const state = states[i] as EntryState;
      const entry = state.entry;
      const timeoutMs = entry.idleTimeoutMs as number;
      if ((best !== undefined && (best.idleTimeoutMs as number) <= timeoutMs) || !isEntryActive(entry, elapsedMs)) continue;
      if (draw(entry, state)) best = entry;
    }
    return best;
  }

  /** Brings the states up to date when the engine's faults were replaced; returns `this`. */
  #sync(): this {
    const entries = this.#core.entries;
    if (entries !== this.#entries) {
      // New faults: fresh states (a firstConnections fault never counts an open connection).
      this.#entries = entries;
      this.#index(newStates(entries));
    }
    return this;
  }

  /** Sorts the states by the decisions their faults take part in (for this connection). */
  #index(states: readonly EntryState[]): void {
    const bytes: EntryState[] = [];
    const messages: EntryState[] = [];
    const segments: EntryState[] = [];
    const delays: EntryState[] = [];
    const stalls: EntryState[] = [];
    const idles: EntryState[] = [];
    for (const state of states) {
      const { fault } = state.entry;
      if (!state.eligible || !this.#isRelevant(state.entry)) continue;
      if (fault.decideBytes !== undefined) bytes.push(state);
      if (fault.decideMessage !== undefined) messages.push(state);
      if (fault.decideSegment !== undefined) segments.push(state);
      if (fault.decideDelayMs !== undefined) delays.push(state);
      if (fault.isStalling === true) stalls.push(state);
      if (state.entry.idleTimeoutMs !== undefined) idles.push(state);
    }
    this.#bytesStates = bytes;
    this.#messageStates = messages;
    this.#segmentStates = segments;
    this.#delayStates = delays;
    this.#stallStates = stalls;
    this.#idleStates = idles;
  }

  #isRelevant(entry: FaultEntry): boolean {
    return this.protocol === 'tcp' || !entry.fault.isStreamOnly;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EsaError('ESA_ERR_CLOSED', `The fault state of connection ${this.id} (${this.peer}) was closed`);
  }
}

/** Fresh states for `entries`, in their order. */
function newStates(entries: readonly FaultEntry[]): EntryState[] {
  const states: EntryState[] = [];
  for (const entry of entries) {
    // A fault with firstConnections applies only where the opening counted the connection.
    const eligible = entry.fault.spec.firstConnections === undefined;
    states.push({ entry, eligible, applies: undefined, bytes: 0, messages: 0, bucket: undefined });
  }
  return states;
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
