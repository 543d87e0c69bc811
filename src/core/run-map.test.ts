import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunMap } from './run-map.js';

describe('RunMap', () => {
  it('merges equal neighbours and splits on update', () => {
    const map = new RunMap<string>();
    map.append(10, 'a');
    map.append(5, 'a');
    expect(map.runCount).toBe(1);
    map.update(3, 6, () => 'b');
    expect([...map.runs()].map((r) => [r.from, r.to, r.value])).toEqual([
      [0, 3, 'a'],
      [3, 6, 'b'],
      [6, 15, 'a'],
    ]);
    map.update(3, 6, () => 'a');
    expect(map.runCount).toBe(1);
  });

  it('agrees with a plain array for any sequence of updates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(60), fc.nat(60), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }),
        (updates) => {
          const map = new RunMap<number>();
          map.append(50, 0);
          const plain = new Array<number>(50).fill(0);
          for (const [a, b, value] of updates) {
            const from = Math.min(a, b);
            const to = Math.max(a, b);
            map.update(from, to, () => value);
            for (let i = from; i < Math.min(to, 50); i++) plain[i] = value;
          }
          const expanded: number[] = [];
          let previous: number | undefined;
          for (const run of map.runs()) {
            expect(run.value).not.toBe(previous);
            previous = run.value;
            for (let i = run.from; i < run.to; i++) expanded.push(run.value);
          }
          expect(expanded).toEqual(plain);
          for (let i = 0; i < 50; i++) expect(map.get(i)).toBe(plain[i]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
