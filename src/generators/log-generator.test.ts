import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { seededRandom } from '../core/random.js';
import {
  Actor,
  cumulativeWeights,
  expectOptionsObject,
  pickWeighted,
  resolveGeneratorBaseOptions,
  resolveWeights,
  ScheduledGenerator,
} from './log-generator.js';

class ScriptActor extends Actor {
  index = 0;
  constructor(
    readonly name: string,
    readonly offsetsMs: readonly number[],
    readonly startMs: number,
  ) {
    super();
    this.t = startMs + (offsetsMs[0] as number);
  }
}

/** Each event writes `<name>:<i>` at the given offsets from its arrival. */
class ScriptGenerator extends ScheduledGenerator<ScriptActor> {
  readonly logType = 'test';
  #events = 0;

  constructor(
    readonly offsetsMs: readonly number[],
    eventsPerSecond: number,
  ) {
    super(resolveGeneratorBaseOptions({ seed: 1, arrival: 'uniform' }), eventsPerSecond);
  }

  protected spawn(timeMs: number): ScriptActor {
    return new ScriptActor(`e${this.#events++}`, this.offsetsMs, timeMs);
  }

  protected step(actor: ScriptActor, out: LogRecord[]): boolean {
    this.emit(out, actor.t, 'Information', `${actor.name}:${actor.index}`);
    actor.index++;
    if (actor.index >= actor.offsetsMs.length) return false;
    actor.t = actor.startMs + (actor.offsetsMs[actor.index] as number);
    return true;
  }
}

describe('ScheduledGenerator', () => {
  it('interleaves actors by time and keeps equal times in scheduling order', () => {
    const out: LogRecord[] = [];
    // Events every 10 ms whose lines are at +0, +0, +10 and +25 ms; a line rescheduled earlier
    // goes before an event arriving at the same time.
    new ScriptGenerator([0, 0, 10, 25], 100).generate(0, 40, out);
    expect(out.map((record) => `${record.timeMs} ${record.text}`)).toEqual([
      '0 e0:0', '0 e0:1',
      '10 e0:2', '10 e1:0', '10 e1:1',
      '20 e1:2', '20 e2:0', '20 e2:1',
      '25 e0:3',
      '30 e2:2', '30 e3:0', '30 e3:1',
      '35 e1:3',
    ]);
  });

  it('floors fractional times and puts a line in the call its floored time falls in', () => {
    const generator = new ScriptGenerator([0.5, 9.99], 1);
    const first: LogRecord[] = [];
    const second: LogRecord[] = [];
    generator.generate(0, 9, first);
    generator.generate(9, 10, second);
    expect(first.map((record) => [record.timeMs, record.text])).toEqual([[0, 'e0:0']]);
    expect(second.map((record) => [record.timeMs, record.text])).toEqual([[9, 'e0:1']]);
  });

  it('holds many actors in flight and releases them in order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 400 }), (offsets, rate) => {
        const sorted = [...offsets].sort((a, b) => a - b);
        const generator = new ScriptGenerator(sorted, rate);
        const out: LogRecord[] = [];
        generator.generate(0, 1000, out);
        expect(out.every((record, i) => i === 0 || record.timeMs >= (out[i - 1] as LogRecord).timeMs)).toBe(true);
        const perEvent = new Map<string, number[]>();
        for (const record of out) {
          const [name, index] = record.text.split(':') as [string, string];
          perEvent.set(name, [...(perEvent.get(name) ?? []), Number(index)]);
        }
        for (const indexes of perEvent.values()) expect(indexes).toEqual(indexes.map((_, i) => i));
      }),
      { numRuns: 60, seed: 3 },
    );
  });
});

interface ReferenceItem {
  t: number;
  seq: number;
  readonly name: string;
  readonly arrivalMs: number;
  index: number;
}

function isBefore(a: ReferenceItem, b: ReferenceItem): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

/**
 * The engine's order, computed the plain way: a textbook binary heap on (time, scheduling
 * order) running the engine's loop (uniform arrivals from 0, `offsetsMs` after each arrival).
 */
function referenceLines(offsetsMs: readonly number[], eventsPerSecond: number, toMs: number): string[] {
  const limit = Math.ceil(toMs);
  const gapMs = 1000 / eventsPerSecond;
  const heap: ReferenceItem[] = [];
  const push = (item: ReferenceItem): void => {
    heap.push(item);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!isBefore(heap[i] as ReferenceItem, heap[parent] as ReferenceItem)) break;
      [heap[i], heap[parent]] = [heap[parent] as ReferenceItem, heap[i] as ReferenceItem];
      i = parent;
    }
  };
  const pop = (): ReferenceItem => {
    const top = heap[0] as ReferenceItem;
    const last = heap.pop() as ReferenceItem;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        let least = i;
        for (const child of [2 * i + 1, 2 * i + 2]) if (child < heap.length && isBefore(heap[child] as ReferenceItem, heap[least] as ReferenceItem)) least = child;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as ReferenceItem, heap[i] as ReferenceItem];
        i = least;
      }
    }
    return top;
  };
  const lines: string[] = [];
  let seq = 0;
  let events = 0;
  let nextArrivalMs = 0;
  for (let guard = 0; guard < 10_000_000; guard++) {
    const topT = heap.length === 0 ? Infinity : (heap[0] as ReferenceItem).t;
    if (nextArrivalMs <= topT) {
      if (!(nextArrivalMs < limit)) break;
      push({ t: nextArrivalMs + (offsetsMs[0] as number), seq: seq++, name: `e${events++}`, arrivalMs: nextArrivalMs, index: 0 });
      nextArrivalMs += gapMs;
      continue;
    }
    if (!(topT < limit)) break;
    const item = pop();
    lines.push(`${Math.floor(item.t)} ${item.name}:${item.index}`);
    item.index++;
    if (item.index < offsetsMs.length) {
      item.t = item.arrivalMs + (offsetsMs[item.index] as number);
      item.seq = seq++;
      push(item);
    }
  }
  return lines;
}

describe('ScheduledGenerator order', () => {
  it('writes lines in (time, scheduling) order like a plain scan, near and far beyond its calendar ring, however the time is cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 9000, noNaN: true })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 5000 }),
        (offsets, rate, sliceMs) => {
          const sorted = [...offsets].sort((a, b) => a - b);
          const toMs = 12_000;
          const generator = new ScriptGenerator(sorted, rate);
          const out: LogRecord[] = [];
          for (let fromMs = 0; fromMs < toMs; fromMs += sliceMs) generator.generate(fromMs, Math.min(toMs, fromMs + sliceMs), out);
          expect(out.map((record) => `${record.timeMs} ${record.text}`)).toEqual(referenceLines(sorted, rate, toMs));
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('keeps hundreds of actors due within one millisecond in order', () => {
    const out: LogRecord[] = [];
    const offsets = [0, 0, 0.001, 3, 3, 2000.5, 6000];
    new ScriptGenerator(offsets, 200_000).generate(0, 300, out);
    expect(out.length).toBeGreaterThan(290_000);
    expect(out.map((record) => `${record.timeMs} ${record.text}`)).toEqual(referenceLines(offsets, 200_000, 300));
  });
});

describe('resolveWeights', () => {
  const keys = ['a', 'b', 'c'] as const;

  it('orders the weights by key and fills left-out keys with 0', () => {
    expect(resolveWeights('mix', { c: 2, a: 1 }, keys)).toEqual([1, 0, 2]);
  });

  it.for([
    [{ a: -1 }, 'mix.a'],
    [{ a: Number.POSITIVE_INFINITY }, 'mix.a'],
    [{ a: '1' }, 'mix.a'],
    [{ d: 1 }, 'mix.d'],
    [{ a: 0, b: 0 }, 'mix'],
    [[1, 2], 'mix'],
    [null, 'mix'],
  ] as const)('rejects %j naming %s', ([value, option]) => {
    expect(() => resolveWeights('mix', value, keys)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});

describe('pickWeighted', () => {
  it('never picks a zero weight and follows the weights (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 6 }).filter((weights) => weights.some((w) => w > 0)), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (weights, u) => {
        const index = pickWeighted(cumulativeWeights(weights), u);
        expect(weights[index]).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 5 },
    );
    const cumulative = cumulativeWeights([1, 3]);
    const random = seededRandom(9);
    let second = 0;
    for (let i = 0; i < 10_000; i++) second += pickWeighted(cumulative, random.next());
    expect(second / 10_000).toBeCloseTo(0.75, 1);
  });
});

describe('expectOptionsObject', () => {
  it('accepts undefined and known keys, and rejects the rest', () => {
    expect(expectOptionsObject(undefined, 'x', ['a'])).toEqual({});
    expect(expectOptionsObject({ a: 1 }, 'x', ['a'])).toEqual({ a: 1 });
    expect(() => expectOptionsObject({ b: 1 }, 'x', ['a'])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'b' }));
    expect(() => expectOptionsObject(5, 'x', ['a'])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'x' }));
  });
});
