/**
 * Seeded randomness. Every random choice in esa-logsim goes through a {@link Random}, so a run is
 * reproduced exactly from its seed; `Math.random` is never used.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';

/**
 * A source of random numbers. Implement it to drive the simulator from your own generator.
 */
export interface Random {
  /** The seed this generator was made from (for replay commands and bug reports). */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max) — `max` is exclusive. */
  int(min: number, max: number): number;
  /** `true` with probability `p` (0 → never, 1 → always). */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /**
   * An independent generator derived from this one's seed and `label`, so that adding draws in
   * one part of a simulation does not shift the numbers another part sees.
   */
  fork(label: string | number): Random;
}

/** Seeds accepted by {@link seededRandom}: an integer, or any string (hashed). */
export type Seed = number | string;

/**
 * A fast, seeded {@link Random} (sfc32 seeded by splitmix32). The same seed always gives the same
 * sequence on every platform.
 *
 * @param seed - an integer (0 … 2^32 − 1 after truncation) or any string.
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random.int(0, 10); // always the same first value for seed 42
 * ```
 */
export function seededRandom(seed: Seed = 1): Random {
  return new Sfc32Random(normalizeSeed(seed));
}

/** Turns a {@link Seed} into an unsigned 32-bit integer, validating it. */
export function normalizeSeed(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new InvalidOptionError('seed', seed, 'an integer or a string');
  }
  return seed >>> 0;
}

/** A 32-bit FNV-1a hash of a string, used to derive seeds from labels. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32Random implements Random {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.seed = seed;
    const mix = splitmix32(seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  #nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#nextUint32() / 4294967296;
  }

  int(min: number, max: number): number {
    if (!(max > min)) return min;
    return min + Math.floor(this.next() * (max - min));
  }

  chance(p: number): boolean {
    if (p >= 1) return true;
    if (p <= 0 || Number.isNaN(p)) return false;
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidOptionError('items', items, 'a non-empty array');
    return items[this.int(0, items.length)] as T;
  }

  fork(label: string | number): Random {
    const labelHash = typeof label === 'number' ? label >>> 0 : hashString(label);
    return new Sfc32Random((Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ labelHash) >>> 0);
  }
}
