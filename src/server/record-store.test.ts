import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordStore, type RecordSource, type StoredRecord } from './record-store.js';

const source: RecordSource = Object.freeze({ protocol: 'tcp', peer: { address: '192.0.2.5', port: 40_000 }, key: '192.0.2.5:40000', connectionId: 1 });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A store whose records read back as { seq, text, … }. */
function textStore(limit: number) {
  const store = new RecordStore(limit, (record: StoredRecord) => ({ ...record, bytes: undefined, text: decoder.decode(record.bytes) }));
  let seq = 0;
  const push = (text: string, extra: { streamEnd?: number; truncated?: boolean; faultTruncatedTo?: number } = {}): void =>
    store.push(++seq, 1000 + seq, source, encoder.encode(text), extra.streamEnd, extra.truncated ?? false, extra.faultTruncatedTo);
  return { store, push };
}

describe('RecordStore', () => {
  it('gives back what was pushed, with its metadata, oldest first', () => {
    const { store, push } = textStore(10);
    push('first', { streamEnd: 6 });
    push('second', { truncated: true, faultTruncatedTo: 3 });
    expect(store.toArray()).toEqual([
      { seq: 1, at: 1001, source, bytes: undefined, text: 'first', streamEnd: 6, truncated: false, faultTruncatedTo: undefined },
      { seq: 2, at: 1002, source, bytes: undefined, text: 'second', streamEnd: undefined, truncated: true, faultTruncatedTo: 3 },
    ]);
    expect(Object.isFrozen(store.toArray())).toBe(true);
    expect(store.toArray()).toBe(store.toArray());
  });

  it('evicts the oldest beyond its limit, across growth and wrap-around', () => {
    const { store, push } = textStore(3000);
    for (let i = 0; i < 7500; i++) push(`line ${i}`);
    const kept = store.toArray();
    expect(kept).toHaveLength(3000);
    expect(kept[0]).toMatchObject({ seq: 4501, text: 'line 4500' });
    expect(kept.at(-1)).toMatchObject({ seq: 7500, text: 'line 7499' });
  });

  it('releases the slabs of evicted records: memory stays bounded by what is kept', () => {
    const { store, push } = textStore(1000);
    const line = 'y'.repeat(999);
    for (let i = 0; i < 20_000; i++) push(`${line}${i % 10}`);
    // 1000 records of 1000 bytes, in slabs of 1 MiB: at most two slabs.
    expect(store.retainedBytes).toBeLessThanOrEqual(2 << 20);
    expect(store.toArray()).toHaveLength(1000);
  });

  it('keeps records larger than a slab, and keeps nothing with limit 0', () => {
    const { store, push } = textStore(2);
    const big = 'x'.repeat(3 << 20);
    push('small');
    push(big);
    push('after');
    expect(store.toArray().map((record) => record.text.length)).toEqual([big.length, 5]);
    const none = textStore(0);
    none.push('dropped');
    expect(none.store.toArray()).toEqual([]);
  });

  it('clear() forgets everything and the store keeps working', () => {
    const { store, push } = textStore(5);
    for (let i = 0; i < 8; i++) push(`a${i}`);
    store.clear();
    expect(store.toArray()).toEqual([]);
    expect(store.size).toBe(0);
    push('b');
    expect(store.toArray().map((record) => record.text)).toEqual(['b']);
  });

  it('always holds exactly the last min(limit, n) texts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.string({ maxLength: 300 }), { maxLength: 120 }), (limit, texts) => {
        const { store, push } = textStore(limit);
        texts.forEach((text, i) => {
          push(text);
          // Read in between sometimes: cached objects must not go stale after eviction.
          if (i % 7 === 0) store.toArray();
        });
        const expected = texts.slice(Math.max(0, texts.length - limit)).map((text) => decoder.decode(encoder.encode(text)));
        expect(store.toArray().map((record) => record.text)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('pushRange keeps bytes[start, end); records of one chunk share one copy until release()', () => {
    const store = new RecordStore(10, (record: StoredRecord) => decoder.decode(record.bytes));
    const chunk = encoder.encode('one\ntwo\nthree\n');
    store.pushRange(1, 1, source, chunk, 0, 3, 4, false, undefined);
    store.pushRange(2, 1, source, chunk, 4, 7, 8, false, undefined);
    const before = store.retainedBytes;
    store.pushRange(3, 1, source, chunk, 8, 10, 14, false, 2);
    expect(store.retainedBytes).toBe(before);
    store.release();
    // The caller reuses its buffer: the records keep what was copied; the next record is copied anew.
    chunk.set(encoder.encode('FOUR\n'));
    store.pushRange(4, 1, source, chunk, 0, 4, 19, false, undefined);
    expect(store.toArray()).toEqual(['one', 'two', 'th', 'FOUR']);
  });

  it('reuses the slab of evicted records without mixing their bytes into the kept ones', () => {
    // About 1.2 MiB kept: the records span two or three slabs of 1 MiB.
    const store = new RecordStore(1500, (record: StoredRecord) => decoder.decode(record.bytes));
    const text = (i: number): string => `${String(i).padStart(6, '0')}${'z'.repeat(i % 1601)}`;
    for (let i = 0; i < 20_000; i++) {
      const chunk = encoder.encode(`${text(i)}\n`);
      store.pushRange(i + 1, i, source, chunk, 0, chunk.length - 1, undefined, false, undefined);
      store.release();
    }
    expect(store.toArray()).toEqual(Array.from({ length: 1500 }, (_, k) => text(18_500 + k)));
    // The kept records' bytes, at most a slab and a half of slack, and one spare slab.
    expect(store.retainedBytes).toBeLessThanOrEqual(4 << 20);
  });

  it('holds exactly the last records pushed as ranges of chunks, read or not in between (property)', () => {
    const frames = fc.array(fc.string({ maxLength: 40 }).map((t) => t.replace(/\n/g, ' ')), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(frames, { maxLength: 30 }), fc.nat({ max: 5 }), (limit, chunks, readEvery) => {
        const store = new RecordStore(limit, (record: StoredRecord) => decoder.decode(record.bytes));
        const expected: string[] = [];
        chunks.forEach((texts, c) => {
          const chunk = encoder.encode(`${texts.join('\n')}\n`);
          let start = 0;
          texts.forEach((frame, f) => {
            const end = start + encoder.encode(frame).length;
            // Every other chunk skips its first frame (a fault discarded it).
            if (c % 2 === 0 || f > 0) {
              store.pushRange(expected.length + 1, 0, source, chunk, start, end, undefined, false, undefined);
              expected.push(decoder.decode(chunk.subarray(start, end)));
            }
            start = end + 1;
          });
          store.release();
          chunk.fill(0x21);
          if (readEvery > 0 && c % readEvery === 0) store.toArray();
        });
        expect(store.toArray()).toEqual(expected.slice(Math.max(0, expected.length - limit)));
      }),
      { numRuns: 200 },
    );
  });
});
