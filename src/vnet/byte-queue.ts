/**
 * A FIFO of byte chunks (internal): the kernel send buffer of a virtual TCP connection. Slicing
 * a segment out of it is a view (no copy) unless the segment spans two chunks.
 *
 * @module
 */

/** A queue of bytes made of chunks, addressed by offset from its front. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  /** Offset of the front within the first chunk. */
  #frontSkip = 0;
  #length = 0;
  /** Lookup cache: chunk index and the queue offset where that chunk's live part starts. */
  #cacheIndex = 0;
  #cacheOffset = 0;

  /** Bytes in the queue. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (kept by reference). */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }

  /** Removes `count` bytes from the front. */
  drop(count: number): void {
    let left = Math.min(count, this.#length);
    this.#length -= left;
    while (left > 0) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const live = chunk.byteLength - this.#frontSkip;
      if (left < live) {
        this.#frontSkip += left;
        break;
      }
      left -= live;
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      this.#frontSkip = 0;
    }
    if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#cacheIndex = this.#head;
    this.#cacheOffset = 0;
  }

  /** `length` bytes from `offset` (a view when they lie in one chunk, else a copy). */
  slice(offset: number, length: number): Uint8Array {
    if (offset < this.#cacheOffset || this.#cacheIndex < this.#head) {
      this.#cacheIndex = this.#head;
      this.#cacheOffset = 0;
    }
    let index = this.#cacheIndex;
    let start = this.#cacheOffset;
    for (;;) {
      const size = this.#liveSize(index);
      if (offset < start + size) break;
      start += size;
      index++;
    }
    this.#cacheIndex = index;
    this.#cacheOffset = start;
    const chunk = this.#chunks[index] as Uint8Array;
    const skip = index === this.#head ? this.#frontSkip : 0;
    const from = skip + offset - start;
    if (from + length <= chunk.byteLength) return chunk.subarray(from, from + length);
    const out = new Uint8Array(length);
    let written = 0;
    let at = from;
    while (written < length) {
      const piece = (this.#chunks[index] as Uint8Array).subarray(at, at + length - written);
      out.set(piece, written);
      written += piece.byteLength;
      index++;
      at = 0;
    }
    return out;
  }

  /** Empties the queue. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#frontSkip = 0;
    this.#length = 0;
    this.#cacheIndex = 0;
    this.#cacheOffset = 0;
  }

  #liveSize(index: number): number {
    const chunk = this.#chunks[index] as Uint8Array;
    return index === this.#head ? chunk.byteLength - this.#frontSkip : chunk.byteLength;
  }
}

const EMPTY = new Uint8Array(0);
