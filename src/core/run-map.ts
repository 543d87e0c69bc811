/**
 * A map from integer ranges to values that stores runs, not elements: assigning a value to
 * [from, to) splits at most two runs, and neighbouring runs with the same value merge. Memory
 * grows with the number of value changes along the line, not with the number of ids.
 *
 * Values are compared by identity: intern them (one object per distinct state) to get merging.
 *
 * @module
 */

/** One run of ids with the same value. */
export interface Run<V> {
  /** First id of the run. */
  readonly from: number;
  /** One past the last id. */
  readonly to: number;
  /** The value of every id in the run. */
  readonly value: V;
}

/**
 * Runs over [0, end) where `end` only grows. Updates near the end (the common case: recent
 * lines) are cheap.
 */
export class RunMap<V> {
  #starts: number[] = [];
  #values: V[] = [];
  #end = 0;

  /** One past the highest id. */
  get end(): number {
    return this.#end;
  }

  /** How many runs are stored. */
  get runCount(): number {
    return this.#starts.length;
  }

  /** Appends ids [end, end + count) with `value`. */
  append(count: number, value: V): void {
    if (count <= 0) return;
    const last = this.#values.length - 1;
    if (last >= 0 && this.#values[last] === value) {
      this.#end += count;
      return;
    }
    this.#starts.push(this.#end);
    this.#values.push(value);
    this.#end += count;
  }

  /** The value at `id`, or `undefined` outside [0, end). */
  get(id: number): V | undefined {
    if (id < 0 || id >= this.#end) return undefined;
    return this.#values[this.#indexOf(id)];
  }

  /**
   * Replaces the value of every id in [from, to) by `update(old)`; `onChange(old, new, count)`
   * runs for each affected run (for counters). Ids outside [0, end) are ignored.
   */
  update(from: number, to: number, update: (old: V) => V, onChange?: (old: V, next: V, count: number) => void): void {
    const start = Math.max(0, from);
    const stop = Math.min(to, this.#end);
    if (start >= stop) return;
    this.#split(start);
    this.#split(stop);
    let i = this.#indexOf(start);
    while (i < this.#starts.length && (this.#starts[i] as number) < stop) {
      const old = this.#values[i] as V;
      const next = update(old);
      if (next !== old) {
        const runEnd = i + 1 < this.#starts.length ? (this.#starts[i + 1] as number) : this.#end;
        onChange?.(old, next, runEnd - (this.#starts[i] as number));
        this.#values[i] = next;
      }
      i++;
    }
    this.#mergeAround(this.#indexOf(start), i);
  }

  /** The runs intersecting [from, to), clipped to it, in order. */
  *runs(from = 0, to = this.#end): Generator<Run<V>> {
    const start = Math.max(0, from);
    const stop = Math.min(to, this.#end);
    if (start >= stop) return;
    for (let i = this.#indexOf(start); i < this.#starts.length; i++) {
      const runFrom = this.#starts[i] as number;
      if (runFrom >= stop) break;
      const runTo = i + 1 < this.#starts.length ? (this.#starts[i + 1] as number) : this.#end;
      yield { from: Math.max(runFrom, start), to: Math.min(runTo, stop), value: this.#values[i] as V };
    }
  }

  /** Index of the run containing `id` (id within [0, end)). */
  #indexOf(id: number): number {
    const starts = this.#starts;
    // Most lookups are near the end.
    const last = starts.length - 1;
    if (last >= 0 && (starts[last] as number) <= id) return last;
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Makes `id` the start of a run (no-op at a boundary or at the end). */
  #split(id: number): void {
    if (id <= 0 || id >= this.#end) return;
    const i = this.#indexOf(id);
    if (this.#starts[i] === id) return;
    this.#starts.splice(i + 1, 0, id);
    this.#values.splice(i + 1, 0, this.#values[i] as V);
  }

  /** Merges equal neighbours among runs [first - 1, last]. */
  #mergeAround(first: number, last: number): void {
    const lo = Math.max(1, first);
    const hi = Math.min(last, this.#starts.length - 1);
    for (let i = hi; i >= lo; i--) {
      if (this.#values[i] === this.#values[i - 1]) {
        this.#starts.splice(i, 1);
        this.#values.splice(i, 1);
      }
    }
  }
}
