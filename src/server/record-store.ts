/**
 * The bounded store behind `SyslogServer.records`: the last N received messages, kept as bytes in
 * large slabs with their metadata in typed arrays, so that keeping 100,000 messages costs the
 * garbage collector almost nothing (a message object per record would be promoted and traced
 * over and over, and halve the ingest rate). Records are turned back into objects — decoded and
 * parsed again — only when someone reads them. Internal.
 *
 * @module
 */

/** Who sent a record: shared by every record of a connection (or of a UDP peer). */
export interface RecordSource {
  readonly protocol: 'tcp' | 'udp';
  readonly peer: { readonly address: string; readonly port: number };
  readonly key: string;
  readonly connectionId: number;
}

/** What a record holds, as the store gives it back for materializing. */
export interface StoredRecord {
  readonly seq: number;
  readonly at: number;
  readonly source: RecordSource;
  readonly bytes: Uint8Array;
  readonly streamEnd: number | undefined;
  readonly truncated: boolean;
  readonly faultTruncatedTo: number | undefined;
}

/** Bytes per slab; a larger record gets a slab of its own size. */
const SLAB_BYTES = 1 << 20;
const INITIAL_SLOTS = 1024;
/** Metadata numbers per record, interleaved so that a record's metadata shares one cache line. */
const STRIDE = 8;
const SEQ = 0;
const AT = 1;
const STREAM_END = 2;
const SLAB = 3;
const OFFSET = 4;
const LENGTH = 5;
const TRUNCATED_TO = 6;
const FLAGS = 7;

/** See the module description. */
export class RecordStore<T> {
  readonly #limit: number;
  readonly #materialize: (record: StoredRecord) => T;
  #capacity = 0;
  #meta = new Float64Array(0);
  #sources: (RecordSource | undefined)[] = [];
  #cache: (T | undefined)[] = [];
  /** Slot of the oldest record, slot of the next one, and how many are kept. */
  #head = 0;
  #tail = 0;
  #size = 0;
  readonly #slabs = new Map<number, Uint8Array>();
  #slab: Uint8Array | undefined;
  #slabId = 0;
  #slabUsed = 0;
  #oldestSlabId = 1;
  /**
   * The last slab that only evicted records used, kept for the next slab: a long run otherwise
   * allocates (and zero-fills) a slab per MiB received, and that external memory makes the
   * garbage collector run more often.
   */
  #spare: Uint8Array | undefined;
  #snapshot: readonly T[] | undefined;
  /**
   * The array {@link pushRange} copied whole into the current slab (from `#copiedFrom` on, at
   * slab offset `#copiedAt`), until {@link release}: the next records of the same chunk are
   * there already.
   */
  #copied: Uint8Array | undefined;
  #copiedFrom = 0;
  #copiedAt = 0;

  /**
   * @param limit - records kept at most (0 keeps none).
   * @param materialize - builds the object a reader sees from a stored record (its `bytes` are
   * valid during the call only: the slab is reused once its records are evicted).
   */
  constructor(limit: number, materialize: (record: StoredRecord) => T) {
    this.#limit = limit;
    this.#materialize = materialize;
  }

  /** Records kept now. */
  get size(): number {
    return this.#size;
  }

  /** Bytes of the slabs held now (the kept records' bytes, at most a slab and a half of slack, and a spare slab). */
  get retainedBytes(): number {
    let bytes = this.#spare?.length ?? 0;
    for (const slab of this.#slabs.values()) bytes += slab.length;
    return bytes;
  }

  /** Keeps a record (its bytes are copied), evicting the oldest when full. */
  push(
    seq: number,
    at: number,
    source: RecordSource,
    bytes: Uint8Array,
    streamEnd: number | undefined,
    truncated: boolean,
    faultTruncatedTo: number | undefined,
  ): void {
    this.pushRange(seq, at, source, bytes, 0, bytes.length, streamEnd, truncated, faultTruncatedTo);
  }

  /**
   * {@link push} of the record whose bytes are `bytes[start, end)`. The first record of an array
   * copies the array from `start` to its end into the store at once (a receiver's chunk: one copy
   * instead of a view and a copy per frame); later records of the same array, at or after that
   * `start`, point into that copy, until {@link release}. Call `release()` before the array's
   * contents may change (the caller reuses its buffer).
   */
  pushRange(
    seq: number,
    at: number,
    source: RecordSource,
    bytes: Uint8Array,
    start: number,
    end: number,
    streamEnd: number | undefined,
    truncated: boolean,
    faultTruncatedTo: number | undefined,
  ): void {
    if (this.#limit === 0) return;
    this.#snapshot = undefined;
    if (this.#size === this.#capacity && this.#capacity < this.#limit) this.#grow();
    const slot = this.#tail;
    this.#tail = slot + 1 === this.#capacity ? 0 : slot + 1;
    if (this.#size < this.#capacity) this.#size++;
    else this.#head = this.#tail;
    const length = end - start;
    let offset: number;
    if (bytes === this.#copied && start >= this.#copiedFrom) {
      offset = this.#copiedAt + start - this.#copiedFrom;
    } else {
      const copied = bytes.length - start;
      let slab = this.#slab;
      if (slab === undefined || this.#slabUsed + copied > slab.length) {
        const spare = this.#spare;
        this.#spare = undefined;
        // A spare slab's old bytes are never read: a record reads only the bytes copied for it.
        slab = spare !== undefined && copied <= spare.length ? spare : new Uint8Array(Math.max(SLAB_BYTES, copied));
        this.#slab = slab;
        this.#slabs.set(++this.#slabId, slab);
        this.#slabUsed = 0;
      }
      offset = this.#slabUsed;
      slab.set(start === 0 ? bytes : bytes.subarray(start), offset);
      this.#slabUsed = offset + copied;
      this.#copied = bytes;
      this.#copiedFrom = start;
      this.#copiedAt = offset;
    }
    const meta = this.#meta;
    const base = slot * STRIDE;
    meta[base + SEQ] = seq;
    meta[base + AT] = at;
    meta[base + STREAM_END] = streamEnd ?? Number.NaN;
    meta[base + SLAB] = this.#slabId;
    meta[base + OFFSET] = offset;
    meta[base + LENGTH] = length;
    meta[base + TRUNCATED_TO] = faultTruncatedTo ?? -1;
    meta[base + FLAGS] = truncated ? 1 : 0;
    this.#sources[slot] = source;
    this.#cache[slot] = undefined;
    // Drop the slabs that only evicted records used.
    const oldest = meta[this.#head * STRIDE + SLAB] as number;
    while (this.#oldestSlabId < oldest) {
      const id = this.#oldestSlabId++;
      const freed = this.#slabs.get(id);
      this.#slabs.delete(id);
      if (freed !== undefined && freed.length === SLAB_BYTES) this.#spare = freed;
    }
  }

  /** The kept records, oldest first, as objects (cached until the next change). */
  toArray(): readonly T[] {
    if (this.#snapshot !== undefined) return this.#snapshot;
    const out: T[] = new Array<T>(this.#size);
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#head + i) % this.#capacity;
      let value = this.#cache[slot];
      if (value === undefined) {
        value = this.#materialize(this.#recordAt(slot));
        this.#cache[slot] = value;
      }
      out[i] = value;
    }
    this.#snapshot = Object.freeze(out);
    return this.#snapshot;
  }

  /** Forgets the array {@link pushRange} copied last: its next record is copied again. */
  release(): void {
    this.#copied = undefined;
  }

  /** Forgets every record and releases the memory. */
  clear(): void {
    this.#copied = undefined;
    this.#head = 0;
    this.#tail = 0;
    this.#size = 0;
    this.#sources.fill(undefined);
    this.#cache.fill(undefined);
    this.#slabs.clear();
    this.#spare = undefined;
    this.#slab = undefined;
    this.#slabUsed = 0;
    this.#oldestSlabId = this.#slabId + 1;
    this.#snapshot = undefined;
  }

  #recordAt(slot: number): StoredRecord {
    const meta = this.#meta;
    const base = slot * STRIDE;
    const slab = this.#slabs.get(meta[base + SLAB] as number) as Uint8Array;
    const offset = meta[base + OFFSET] as number;
    const streamEnd = meta[base + STREAM_END] as number;
    const truncatedTo = meta[base + TRUNCATED_TO] as number;
    return {
      seq: meta[base + SEQ] as number,
      at: meta[base + AT] as number,
      source: this.#sources[slot] as RecordSource,
      bytes: slab.subarray(offset, offset + (meta[base + LENGTH] as number)),
      streamEnd: Number.isNaN(streamEnd) ? undefined : streamEnd,
      truncated: meta[base + FLAGS] === 1,
      faultTruncatedTo: truncatedTo < 0 ? undefined : truncatedTo,
    };
  }

  /** Makes room for more records (only while the store is not full: the order is head … tail). */
  #grow(): void {
    const capacity = Math.min(this.#limit, Math.max(INITIAL_SLOTS, this.#capacity * 2));
    const meta = new Float64Array(capacity * STRIDE);
    const sources: (RecordSource | undefined)[] = new Array<RecordSource | undefined>(capacity).fill(undefined);
    const cache: (T | undefined)[] = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#head + i) % this.#capacity;
      meta.set(this.#meta.subarray(slot * STRIDE, slot * STRIDE + STRIDE), i * STRIDE);
      sources[i] = this.#sources[slot];
      cache[i] = this.#cache[slot];
    }
    this.#meta = meta;
    this.#sources = sources;
    this.#cache = cache;
    this.#head = 0;
    this.#tail = this.#size === capacity ? 0 : this.#size;
    this.#capacity = capacity;
  }
}
