import { describe, expect, it } from 'vitest';
import { normalizeSeed, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number | string) => {
      const random = seededRandom(seed);
      return Array.from({ length: 8 }, () => random.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw('ips-reset')).toEqual(draw('ips-reset'));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps values in range and roughly uniform', () => {
    const random = seededRandom(7);
    const buckets = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = random.next();
      if (!(value >= 0 && value < 1)) outOfRange++;
      else buckets[Math.floor(value * 10)]! += 1;
    }
    expect(outOfRange).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(600);
    for (let i = 0; i < 1000; i++) {
      const n = random.int(3, 9);
      expect(n >= 3 && n < 9 && Number.isInteger(n)).toBe(true);
    }
  });

  it('forks independent, reproducible streams', () => {
    const a = seededRandom(1).fork('faults');
    const b = seededRandom(1).fork('faults');
    const c = seededRandom(1).fork('traffic');
    expect(a.next()).toBe(b.next());
    expect(seededRandom(1).fork('faults').next()).not.toBe(c.next());
  });

  it('handles chance() edges and rejects bad seeds', () => {
    const random = seededRandom(3);
    expect(random.chance(0)).toBe(false);
    expect(random.chance(1)).toBe(true);
    expect(random.chance(Number.NaN)).toBe(false);
    expect(() => normalizeSeed(1.5)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'seed' }));
    expect(() => random.pick([])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION' }));
  });
});
