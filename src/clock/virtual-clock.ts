/**
 * A deterministic clock for tests and the virtual network.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from '../core/errors.js';
import { expectInteger, expectNumber } from '../core/units.js';
import type { Clock, Timer } from './clock.js';

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * The start time, in ms since the Unix epoch.
   * @default Date.UTC(2026, 0, 1) (2026-01-01T00:00:00Z)
   */
  startMs?: number;
  /**
   * The most timers that may run at one and the same virtual instant before the clock assumes a
   * callback keeps rescheduling itself with delay 0 and throws `ESA_ERR_CLOCK_LOOP_LIMIT`.
   * @default 100000
   */
  loopLimit?: number;
  /**
   * How the clock lets promise callbacks run before the next timer: a function whose promise
   * settles once every promise callback queued so far (and those they queue) has run. The
   * default waits for a `setImmediate`, one turn of the event loop, which also lets real I/O
   * callbacks run. A purely virtual world may pass a cheaper one: a `process.nextTick` queued
   * from a promise callback runs once the microtask queue is empty, without the event loop's
   * turn (its poll for I/O is a system call per timer; a simulated day runs ~400,000 timers).
   *
   * @default a `setImmediate` round trip
   * @example
   * ```ts
   * new VirtualClock({ flush: () => new Promise((resolve) => process.nextTick(resolve)) });
   * ```
   */
  flush?: () => Promise<void>;
}

/** The clock's count of timers not yet run or cancelled, shared with its timers. */
interface PendingCount {
  value: number;
}

/** A scheduled callback; it is also the {@link Timer} handed out (no closure per timer). */
class Entry implements Timer {
  cancelled = false;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly callback: () => void,
    readonly pending: PendingCount,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.pending.value--;
  }
}

/** The default start of a {@link VirtualClock}: 2026-01-01T00:00:00Z. */
export const DEFAULT_VIRTUAL_START_MS = Date.UTC(2026, 0, 1);

/**
 * A clock whose time only moves when you advance it. Timers due at the same time run in the
 * order they were scheduled; `advance()` lets promise callbacks run between timers, so code that
 * `await`s on the clock behaves as it would on wall time, only instantly and deterministically.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const fired: number[] = [];
 * clock.schedule(1000, () => fired.push(clock.now()));
 * await clock.advance(1000);
 * expect(fired).toEqual([clock.startMs + 1000]);
 * expect(clock.pending).toBe(0);
 * ```
 */
export class VirtualClock implements Clock {
  /** The time the clock started at. */
  readonly startMs: number;
  readonly #loopLimit: number;
  readonly #flush: () => Promise<void>;
  #now: number;
  #seq = 0;
  readonly #pending: PendingCount = { value: 0 };
  #heap: Entry[] = [];
  #running = false;

  constructor(options: VirtualClockOptions = {}) {
    this.startMs = expectInteger('startMs', options.startMs ?? DEFAULT_VIRTUAL_START_MS, 0, 8.64e15);
    this.#loopLimit = expectInteger('loopLimit', options.loopLimit ?? 100_000, 1, 1e9);
    if (options.flush !== undefined && typeof options.flush !== 'function') {
      throw new InvalidOptionError('flush', options.flush, 'a function returning a promise that settles once queued promise callbacks have run');
    }
    this.#flush = options.flush ?? flushMicrotasks;
    this.#now = this.startMs;
  }

  /** The current virtual time in ms since the Unix epoch. */
  now(): number {
    return this.#now;
  }

  /** Milliseconds since {@link startMs}. */
  get elapsedMs(): number {
    return this.#now - this.startMs;
  }

  /** How many timers are scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.#pending.value;
  }

  /** The time of the next timer due, or `undefined` when none is pending. */
  get nextAt(): number | undefined {
    this.#dropCancelledTop();
    return this.#heap[0]?.at;
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const entry = new Entry(this.#now + delay, this.#seq++, callback, this.#pending);
    this.#push(entry);
    this.#pending.value++;
    return entry;
  }

  /**
   * Moves time forward by `ms`, running every timer due on the way, in order, and letting promise
   * callbacks run between timers.
   */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.#now + expectDelta(ms));
  }

  /** Moves time forward to `timeMs` (absolute), like {@link advance}. */
  async advanceTo(timeMs: number): Promise<void> {
    this.#enter();
    try {
      await this.#flush();
      let sameInstant = 0;
      let instant = this.#now;
      for (;;) {
        const entry = this.#popDue(timeMs);
        if (!entry) break;
        if (entry.at === instant) {
          if (++sameInstant > this.#loopLimit) throw this.#loopError();
        } else {
          instant = entry.at;
          sameInstant = 1;
        }
        this.#now = entry.at;
        entry.callback();
        await this.#flush();
      }
      if (timeMs > this.#now) this.#now = timeMs;
    } finally {
      this.#running = false;
    }
  }

  /**
   * Like {@link advance} without yielding to promise callbacks between timers: for purely
   * synchronous simulations, where it is several times faster.
   */
  advanceSync(ms: number): void {
    const target = this.#now + expectDelta(ms);
    this.#enter();
    try {
      let sameInstant = 0;
      let instant = this.#now;
      for (;;) {
        const entry = this.#popDue(target);
        if (!entry) break;
        if (entry.at === instant) {
          if (++sameInstant > this.#loopLimit) throw this.#loopError();
        } else {
          instant = entry.at;
          sameInstant = 1;
        }
        this.#now = entry.at;
        entry.callback();
      }
      if (target > this.#now) this.#now = target;
    } finally {
      this.#running = false;
    }
  }

  /**
   * Runs timers until none is left (time jumps to each one), at most `maxTimers` of them.
   *
   * @param maxTimers - a bound for callbacks that keep rescheduling themselves. @default 1000000
   * @throws EsaError `ESA_ERR_CLOCK_LOOP_LIMIT` when timers are still pending after `maxTimers`.
   */
  async runAll(maxTimers = 1_000_000): Promise<void> {
    for (let count = 0; ; count++) {
      await this.#flush();
      const next = this.nextAt;
      if (next === undefined) return;
      if (count >= maxTimers) {
        throw new EsaError(
          'ESA_ERR_CLOCK_LOOP_LIMIT',
          `VirtualClock.runAll ran ${maxTimers} timers and ${this.#pending.value} are still pending: a timer keeps rescheduling itself`,
        );
      }
      await this.advanceTo(next);
    }
  }

  #enter(): void {
    if (this.#running) {
      throw new EsaError('ESA_ERR_INTERNAL', 'VirtualClock is already advancing: await the previous advance() first');
    }
    this.#running = true;
  }

  #loopError(): EsaError {
    return new EsaError(
      'ESA_ERR_CLOCK_LOOP_LIMIT',
      `VirtualClock ran more than ${this.#loopLimit} timers at ${new Date(this.#now).toISOString()}: a timer keeps rescheduling itself with no delay`,
    );
  }

  #popDue(limit: number): Entry | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > limit) return undefined;
      this.#pop();
      if (top.cancelled) continue;
      top.cancelled = true;
      this.#pending.value--;
      return top;
    }
  }

  #dropCancelledTop(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (before(p, entry)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as Entry, heap[left] as Entry)) child = right;
      if (before(last, heap[child] as Entry)) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function expectDelta(ms: number): number {
  return expectNumber('ms', ms, 0, Number.MAX_SAFE_INTEGER);
}

/** Lets every queued promise callback (and `process.nextTick`) run. */
function flushMicrotasks(): Promise<void> {
  return new Promise<void>(resolveOnImmediate);
}

/** The executor of {@link flushMicrotasks}, made once (not a closure per timer). */
function resolveOnImmediate(resolve: () => void): void {
  setImmediate(resolve);
}
