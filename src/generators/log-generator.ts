/**
 * The contract every log generator follows, the options they share, and the scheduling engine
 * they are built on.
 *
 * A generator is a pure, seeded producer of {@link LogRecord}s: time comes in as arguments, and
 * every random choice comes from a {@link Random}. It is pulled: `generate(fromMs, toMs, out)`
 * appends every line whose time falls in `[fromMs, toMs)`, in time order. The result depends only
 * on the seed and the options, never on how a span of time is cut into calls.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { LogRecord } from '../core/log-record.js';
import { seededRandom, type Random, type Seed } from '../core/random.js';
import { expectNumber, expectOneOf } from '../core/units.js';
import type { LogLevel } from '../core/vocabulary.js';

/**
 * A producer of one log type's lines.
 *
 * @example
 * ```ts
 * const generator = createMailLogsGenerator({ seed: 7, messagesPerSecond: 20 });
 * const out: LogRecord[] = [];
 * generator.generate(startMs, startMs + 1000, out); // one second of mail_logs
 * generator.generate(startMs + 1000, startMs + 2000, out); // the next one, same lines as one call
 * ```
 */
export interface LogGenerator {
  /** The log type it writes (`mail_logs`, `status`, `consolidated_event`…). */
  readonly logType: string;
  /** Lines appended to callers' arrays so far (lines skipped over a gap are not counted). */
  readonly linesGenerated: number;
  /**
   * Appends every line whose `timeMs` is in `[fromMs, toMs)` to `out`, in time order, and returns
   * how many it appended.
   *
   * Calls must move forward: `fromMs` may not be earlier than the previous call's `toMs`. When it
   * is later, the lines in between are generated and discarded, so the lines after the gap are the
   * same as without it. The first call's `fromMs` is the generator's start unless `startMs` was
   * given.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `fromMs` or `toMs` when they are
   * not finite, `toMs < fromMs`, or `fromMs` goes back before the previous call's `toMs`.
   */
  generate(fromMs: number, toMs: number, out: LogRecord[]): number;
}

/** How events (messages, requests, logins…) are spread over time. */
export type ArrivalProcess =
  /** Exponential gaps from the seed: a Poisson process, bursty like real traffic. */
  | 'poisson'
  /** Evenly spaced events, `1000 / rate` ms apart, the first at the start. */
  | 'uniform';

/** The arrival processes, for validation and help texts. */
export const ARRIVAL_PROCESSES: readonly ArrivalProcess[] = Object.freeze(['poisson', 'uniform']);

/** The largest rate any generator accepts (events or lines per second). */
export const MAX_GENERATOR_RATE = 10_000_000;

/** Options every generator takes. */
export interface GeneratorBaseOptions {
  /**
   * Seed of the generator's randomness (ignored when `random` is given).
   * @default 1
   */
  seed?: Seed;
  /**
   * A random source to draw from instead of `seededRandom(seed)` (the generator consumes it).
   * @default undefined (seededRandom(seed))
   */
  random?: Random;
  /**
   * Where the generator's time starts, in ms since the Unix epoch: the first arrival, the status
   * cadence and the like count from here. Lines never fall before it.
   * @default undefined (the first `generate` call's `fromMs`)
   */
  startMs?: number;
  /**
   * How events are spread over time.
   * @default 'poisson'
   */
  arrival?: ArrivalProcess;
  /**
   * The appliance's offset from UTC in seconds, for the local times written inside texts
   * (`pending till Wed Jun 25 09:20:03 2026`, CEF `startTime`).
   * @default 0
   */
  utcOffsetSeconds?: number;
}

/** {@link GeneratorBaseOptions} validated and defaulted. */
export interface ResolvedGeneratorBaseOptions {
  readonly random: Random;
  readonly startMs: number | undefined;
  readonly arrival: ArrivalProcess;
  readonly utcOffsetSeconds: number;
}

/** The keys of {@link GeneratorBaseOptions}. */
export const GENERATOR_BASE_OPTION_KEYS: readonly string[] = Object.freeze(['seed', 'random', 'startMs', 'arrival', 'utcOffsetSeconds']);

/** The largest UTC offset accepted, in seconds (±18 h, as the syslog formatter). */
const MAX_OFFSET_SECONDS = 18 * 3600;

/**
 * Checks that `input` is an options object with no keys outside `known`.
 *
 * @throws InvalidOptionError naming the unknown key, listing the known ones.
 */
export function expectOptionsObject(input: unknown, what: string, known: readonly string[]): Record<string, unknown> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError(what, input, 'an options object');
  }
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(key, (input as Record<string, unknown>)[key], `not set: it is not an option of ${what} (known: ${known.join(', ')})`);
    }
  }
  return input as Record<string, unknown>;
}

/**
 * Validates and defaults the options every generator shares.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `seed`, `random`, `startMs`,
 * `arrival` or `utcOffsetSeconds`.
 */
export function resolveGeneratorBaseOptions(input: GeneratorBaseOptions): ResolvedGeneratorBaseOptions {
  let random: Random;
  if (input.random !== undefined) {
    const candidate = input.random as Partial<Random> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.next !== 'function') {
      throw new InvalidOptionError('random', input.random, 'a Random (an object with next(), int(), chance(), pick(), fork())');
    }
    random = input.random;
  } else {
    random = seededRandom(input.seed ?? 1);
  }
  const startMs = input.startMs === undefined ? undefined : expectNumber('startMs', input.startMs, -8.64e15, 8.64e15);
  const arrival = input.arrival === undefined ? 'poisson' : expectOneOf('arrival', input.arrival, ARRIVAL_PROCESSES);
  const utcOffsetSeconds = input.utcOffsetSeconds ?? 0;
  if (typeof utcOffsetSeconds !== 'number' || !Number.isInteger(utcOffsetSeconds) || Math.abs(utcOffsetSeconds) > MAX_OFFSET_SECONDS) {
    throw new InvalidOptionError('utcOffsetSeconds', input.utcOffsetSeconds, `an integer from ${-MAX_OFFSET_SECONDS} to ${MAX_OFFSET_SECONDS}`);
  }
  return Object.freeze({ random, startMs, arrival, utcOffsetSeconds });
}

/**
 * Checks a rate (events or lines per second): a finite number from 0 to {@link MAX_GENERATOR_RATE}.
 *
 * @throws InvalidOptionError naming `option`.
 */
export function expectRate(option: string, value: unknown): number {
  return expectNumber(option, value, 0, MAX_GENERATOR_RATE);
}

/**
 * Validates a table of non-negative weights over `keys` (keys left out weigh 0) with a positive
 * sum, and returns the weights in the order of `keys`.
 *
 * @throws InvalidOptionError naming `option.<key>` for a bad or unknown key, or `option` when the
 * weights sum to 0.
 */
export function resolveWeights<K extends string>(option: string, value: unknown, keys: readonly K[]): number[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(option, value, `an object of weights over ${keys.join(', ')}`);
  }
  const weights = keys.map(() => 0);
  for (const [key, weight] of Object.entries(value)) {
    const index = (keys as readonly string[]).indexOf(key);
    if (index < 0) throw new InvalidOptionError(`${option}.${key}`, weight, `not set: the keys are ${keys.join(', ')}`);
    weights[index] = expectNumber(`${option}.${key}`, weight, 0, Number.MAX_VALUE);
  }
  if (!(weights.reduce((sum, weight) => sum + weight, 0) > 0)) {
    throw new InvalidOptionError(option, value, 'weights with a positive sum (at least one weight above 0)');
  }
  return weights;
}

/** Cumulative, normalised weights for {@link pickWeighted}. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cumulative = new Float64Array(weights.length);
  let running = 0;
  weights.forEach((weight, index) => {
    running += weight / total;
    cumulative[index] = running;
  });
  cumulative[weights.length - 1] = 1;
  return cumulative;
}

/** The index whose cumulative weight first exceeds `u` (a draw in [0, 1)); zero weights are never picked. */
export function pickWeighted(cumulative: Float64Array, u: number): number {
  const last = cumulative.length - 1;
  for (let i = 0; i < last; i++) if (u < (cumulative[i] as number)) return i;
  return last;
}

/** Something the engine schedules: a message in flight, a status timer, a pending event. */
export class Actor {
  /** The time of its next line, in ms since the epoch (fractional; reported floored). */
  t = 0;
  /** Tie-breaker: actors due at the same time run in the order they were (re)scheduled. */
  seq = 0;
  /** @internal the next actor in the same bucket of the engine's queue */
  next: Actor | undefined = undefined;
}

/**
 * The engine behind the generators: an arrival process spawns actors, a 4-ary heap keeps every
 * actor in flight ordered by its next line's time, and each step writes one actor's next line.
 * Several actors in flight interleave their lines as on a busy appliance, while each keeps its own
 * order. Everything is decided in one deterministic order, so cutting time into calls changes
 * nothing.
 */
export abstract class ScheduledGenerator<A extends Actor = Actor> implements LogGenerator {
  abstract readonly logType: string;
  linesGenerated = 0;

  protected readonly random: Random;
  protected readonly utcOffsetSeconds: number;
  readonly #startMs: number | undefined;
  readonly #arrival: ArrivalProcess;
  readonly #meanGapMs: number;
  readonly #queue = new ActorQueue<A>();
  #seq = 0;
  #nextArrivalMs = Infinity;
  #isStarted = false;
  /** Every line with time < #positionMs has been generated. */
  #positionMs = -Infinity;
  #lastToMs = -Infinity;

  /**
   * @param base - the shared options, resolved.
   * @param eventsPerSecond - the arrival rate; 0 spawns nothing.
   */
  protected constructor(base: ResolvedGeneratorBaseOptions, eventsPerSecond: number) {
    this.random = base.random;
    this.utcOffsetSeconds = base.utcOffsetSeconds;
    this.#startMs = base.startMs;
    this.#arrival = base.arrival;
    this.#meanGapMs = eventsPerSecond > 0 ? 1000 / eventsPerSecond : Infinity;
  }

  /** Creates the actor of an event arriving at `timeMs` (its first line is due then or later), or `undefined`. */
  protected abstract spawn(timeMs: number): A | undefined;

  /**
   * Writes `actor`'s line due at `actor.t` through {@link emit} (or nothing, to skip a step), then
   * either moves `actor.t` forward (never back) and returns `true`, or returns `false` when the
   * actor is done.
   */
  protected abstract step(actor: A, out: LogRecord[]): boolean;

  /** Called once at the start (time `originMs`): schedule standing actors such as status timers. */
  protected onStart(_originMs: number): void {}

  /** Adds an actor; its first line is due at `actor.t`. */
  protected schedule(actor: A): void {
    actor.seq = this.#seq++;
    this.#queue.push(actor);
  }

  /** Appends one line at `timeMs` (floored to whole ms). */
  protected emit(out: LogRecord[], timeMs: number, level: LogLevel, text: string): void {
    out.push({ timeMs: Math.floor(timeMs), level, text });
  }

  /** Actors in flight (messages being processed, timers). */
  get actorsInFlight(): number {
    return this.#queue.size;
  }

  generate(fromMs: number, toMs: number, out: LogRecord[]): number {
    if (typeof fromMs !== 'number' || !Number.isFinite(fromMs)) throw new InvalidOptionError('fromMs', fromMs, 'a finite time in ms since the epoch');
    if (typeof toMs !== 'number' || !Number.isFinite(toMs) || toMs < fromMs) {
      throw new InvalidOptionError('toMs', toMs, `a finite time in ms, at least fromMs (${fromMs})`);
    }
    if (fromMs < this.#lastToMs) {
      throw new InvalidOptionError('fromMs', fromMs, `at least ${this.#lastToMs}, the previous call's toMs (a generator only moves forward)`);
    }
    if (!Array.isArray(out)) throw new InvalidOptionError('out', out, 'an array to append the lines to');
    this.#lastToMs = toMs;
    if (!this.#isStarted) this.#start(fromMs);
    // A line at fractional time t is reported at floor(t): floor(t) < toMs ⟺ t < ceil(toMs).
    const fromLimit = Math.ceil(fromMs);
    if (this.#positionMs < fromLimit) this.#skipUntil(fromLimit);
    const limit = Math.ceil(toMs);
    const before = out.length;
    if (limit > this.#positionMs) {
      this.#run(limit, out, Infinity);
      this.#positionMs = limit;
    }
    const appended = out.length - before;
    this.linesGenerated += appended;
    return appended;
  }

  #start(fromMs: number): void {
    this.#isStarted = true;
    const originMs = this.#startMs ?? fromMs;
    this.#positionMs = Math.ceil(originMs);
    this.#queue.start(originMs);
    if (this.#meanGapMs !== Infinity) this.#nextArrivalMs = originMs + (this.#arrival === 'uniform' ? 0 : this.#gapMs());
    this.onStart(originMs);
  }

  #gapMs(): number {
    if (this.#arrival === 'uniform') return this.#meanGapMs;
    return -Math.log(1 - this.random.next()) * this.#meanGapMs;
  }

  #skipUntil(limit: number): void {
    const scratch: LogRecord[] = [];
    // Bounded memory: generate and drop in slices of 10,000 lines.
    while (this.#run(limit, scratch, 10_000) === 10_000) scratch.length = 0;
    this.#positionMs = limit;
  }

  /** Runs every step due before `limit`, at most `maxLines` lines; returns the lines written. */
  #run(limit: number, out: LogRecord[], maxLines: number): number {
    const queue = this.#queue;
    const start = out.length;
    while (out.length - start < maxLines) {
      const topT = queue.size === 0 ? Infinity : queue.minT();
      if (this.#nextArrivalMs <= topT) {
        const arrivalMs = this.#nextArrivalMs;
        if (!(arrivalMs < limit)) break;
        this.#nextArrivalMs = arrivalMs + this.#gapMs();
        const actor = this.spawn(arrivalMs);
        if (actor !== undefined) this.schedule(actor);
        continue;
      }
      if (!(topT < limit)) break;
      // Taken out while it steps: the queue orders by (t, seq), which are unique, so the order
      // of its pushes does not matter, and an actor is never changed while queued.
      const top = queue.popMin();
      if (this.step(top, out)) {
        top.seq = this.#seq++;
        queue.push(top);
      }
    }
    return out.length - start;
  }
}

/** Buckets per ms of the calendar ring (a power of two: `t × BUCKETS_PER_MS` is exact). */
const BUCKETS_PER_MS = 8;
/** Buckets of the calendar ring: 2048 ms from the cursor. */
const RING_BUCKETS = 16_384;
const RING_MASK = RING_BUCKETS - 1;
const RING_WORDS = RING_BUCKETS >> 5;

/** Whether `a` comes after `b` in (t, seq) order. */
function isAfter(a: Actor, b: Actor): boolean {
  return a.t > b.t || (a.t === b.t && a.seq > b.seq);
}

/**
 * The actors in flight, ordered by (t, seq) — each actor carries its key, set before it is pushed
 * and never changed while it is queued.
 *
 * A calendar queue: a ring of ⅛-ms buckets covering the 2048 ms from the cursor (the time of the
 * last actor taken, which only moves forward because every actor pushed is due no earlier than
 * that), each bucket kept sorted, with a bitmap of the non-empty ones. Most actors (a message's
 * next line is due within ms, at most a few seconds) go to the ring, about one per bucket at busy
 * rates: a push and a pop cost O(1) instead of a heap's O(log n). Actors due beyond the ring
 * (status timers, retries minutes away) or, defensively, before the cursor go to a 4-ary heap;
 * the minimum is the smaller of both.
 */
class ActorQueue<A extends Actor> {
  size = 0;
  /** Per bucket, its first actor; the others follow through `Actor.next`, in order. */
  readonly #buckets: (A | undefined)[] = new Array<A | undefined>(RING_BUCKETS).fill(undefined);
  /** Bit b of word w: bucket 32·w + b is not empty. */
  readonly #nonEmpty = new Int32Array(RING_WORDS);
  readonly #far = new ActorHeap<A>();
  #ringSize = 0;
  /** The ring covers buckets [#cursor, #cursor + RING_BUCKETS), bucket k holding t in [k / 8, (k + 1) / 8) ms. */
  #cursor = 0;
  /** The cached minimum (`undefined`: to be found), and its bucket (-1: the heap). */
  #min: A | undefined;
  #minBucket = -1;

  /** Sets the cursor at the generator's origin: no actor is due before it. */
  start(originMs: number): void {
    this.#cursor = Math.floor(originMs * BUCKETS_PER_MS);
  }

  /** Adds `actor`, keyed by its `t` and `seq` (seq larger than every queued actor's). */
  push(actor: A): void {
    this.size++;
    if (this.#min !== undefined && isAfter(this.#min, actor)) this.#min = undefined;
    const key = Math.floor(actor.t * BUCKETS_PER_MS);
    const offset = key - this.#cursor;
    if (!(offset >= 0 && offset < RING_BUCKETS)) {
      this.#far.push(actor);
      return;
    }
    this.#ringSize++;
    // The ring's index: the key modulo RING_BUCKETS (a power of two, so low bits after ToInt32 too).
    const bucket = key & RING_MASK;
    const t = actor.t;
    let previous: A | undefined;
    let next = this.#buckets[bucket];
    if (next === undefined) this.#nonEmpty[bucket >> 5] = (this.#nonEmpty[bucket >> 5] as number) | (1 << (bucket & 31));
    // Its seq is the largest: it goes after every actor due at the same t.
    while (next !== undefined && next.t <= t) {
      previous = next;
      next = next.next as A | undefined;
    }
    actor.next = next;
    if (previous === undefined) this.#buckets[bucket] = actor;
    else previous.next = actor;
  }

  /** The earliest `t` queued (size > 0). */
  minT(): number {
    return (this.#min ?? this.#findMin()).t;
  }

  /** Removes and returns the earliest actor (size > 0). */
  popMin(): A {
    const min = this.#min ?? this.#findMin();
    this.#min = undefined;
    this.size--;
    const bucket = this.#minBucket;
    if (bucket < 0) {
      this.#far.popTop();
    } else {
      const next = min.next as A | undefined;
      this.#buckets[bucket] = next;
      min.next = undefined;
      if (next === undefined) this.#nonEmpty[bucket >> 5] = (this.#nonEmpty[bucket >> 5] as number) & ~(1 << (bucket & 31));
      this.#ringSize--;
    }
    const key = Math.floor(min.t * BUCKETS_PER_MS);
    if (key > this.#cursor) this.#cursor = key;
    return min;
  }

  #findMin(): A {
    let min: A | undefined;
    let minBucket = -1;
    if (this.#ringSize > 0) {
      minBucket = this.#firstBucket();
      min = this.#buckets[minBucket];
    }
    if (this.#far.size > 0) {
      const far = this.#far.top();
      if (min === undefined || isAfter(min, far)) {
        min = far;
        minBucket = -1;
      }
    }
    this.#min = min;
    this.#minBucket = minBucket;
    return min as A;
  }

  /** The first non-empty bucket from the cursor on, around the ring (the ring is not empty). */
  #firstBucket(): number {
    const nonEmpty = this.#nonEmpty;
    const cursor = this.#cursor & RING_MASK;
    const firstWord = cursor >> 5;
    let bits = (nonEmpty[firstWord] as number) & (-1 << (cursor & 31));
    let word = firstWord;
    for (let step = 0; bits === 0 && step < RING_WORDS; step++) {
      word = (word + 1) & (RING_WORDS - 1);
      bits = nonEmpty[word] as number;
      // Back at the cursor's word: only its buckets before the cursor are left (the far end of the ring).
      if (word === firstWord) bits &= ~(-1 << (cursor & 31));
    }
    return (word << 5) + (31 - Math.clz32(bits & -bits));
  }
}

/**
 * Actors beyond the calendar ring, ordered by (t, seq): a 4-ary min-heap whose keys and slot
 * numbers live in typed arrays, so sifting moves numbers in contiguous memory instead of object
 * pointers.
 */
class ActorHeap<A extends Actor> {
  size = 0;
  readonly #slots: (A | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  #heapSlot = new Int32Array(64);
  #heapT = new Float64Array(64);
  #heapSeq = new Float64Array(64);

  /** The actor due first (size > 0). */
  top(): A {
    return this.#slots[this.#heapSlot[0] as number] as A;
  }

  push(actor: A): void {
    const t = actor.t;
    const seq = actor.seq;
    if (this.size === this.#heapT.length) this.#grow();
    const slot = this.#freeSlots.length > 0 ? (this.#freeSlots.pop() as number) : this.#slots.length;
    this.#slots[slot] = actor;
    const heapSlot = this.#heapSlot;
    const heapT = this.#heapT;
    const heapSeq = this.#heapSeq;
    let index = this.size++;
    while (index > 0) {
      const parent = (index - 1) >> 2;
      const parentT = heapT[parent] as number;
      if (parentT < t || (parentT === t && (heapSeq[parent] as number) < seq)) break;
      heapSlot[index] = heapSlot[parent] as number;
      heapT[index] = parentT;
      heapSeq[index] = heapSeq[parent] as number;
      index = parent;
    }
    heapSlot[index] = slot;
    heapT[index] = t;
    heapSeq[index] = seq;
  }

  /** Removes the top actor. */
  popTop(): void {
    const slot = this.#heapSlot[0] as number;
    this.#slots[slot] = undefined;
    this.#freeSlots.push(slot);
    const last = --this.size;
    if (last > 0) this.#siftDown(this.#heapSlot[last] as number, this.#heapT[last] as number, this.#heapSeq[last] as number);
  }

  #siftDown(slot: number, t: number, seq: number): void {
    const heapSlot = this.#heapSlot;
    const heapT = this.#heapT;
    const heapSeq = this.#heapSeq;
    const length = this.size;
    let index = 0;
    for (;;) {
      const first = 4 * index + 1;
      if (first >= length) break;
      let child = first;
      let childT = heapT[first] as number;
      const end = first + 4 < length ? first + 4 : length;
      for (let other = first + 1; other < end; other++) {
        const otherT = heapT[other] as number;
        if (otherT < childT || (otherT === childT && (heapSeq[other] as number) < (heapSeq[child] as number))) {
          child = other;
          childT = otherT;
        }
      }
      if (t < childT || (t === childT && seq < (heapSeq[child] as number))) break;
      heapSlot[index] = heapSlot[child] as number;
      heapT[index] = childT;
      heapSeq[index] = heapSeq[child] as number;
      index = child;
    }
    heapSlot[index] = slot;
    heapT[index] = t;
    heapSeq[index] = seq;
  }

  #grow(): void {
    const capacity = this.#heapT.length * 2;
    const heapSlot = new Int32Array(capacity);
    heapSlot.set(this.#heapSlot);
    this.#heapSlot = heapSlot;
    const heapT = new Float64Array(capacity);
    heapT.set(this.#heapT);
    this.#heapT = heapT;
    const heapSeq = new Float64Array(capacity);
    heapSeq.set(this.#heapSeq);
    this.#heapSeq = heapSeq;
  }
}

/**
 * A standing actor that fires every `intervalMs` from the start (the first time one interval
 * after it), used for status lines.
 */
export class TimerActor extends Actor {
  constructor(
    firstMs: number,
    readonly intervalMs: number,
  ) {
    super();
    this.t = firstMs;
  }
}
