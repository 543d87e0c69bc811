import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { encodeFrames } from '../core/framing.js';
import { applyLongLineRule, type LongLinePolicy, LONG_LINE_RULES } from '../core/long-lines.js';
import { applyLongLinesToBatch, messageEnds } from './long-line-batch.js';

const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';
const message = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }).map((text) => header + text),
);
const policy: fc.Arbitrary<LongLinePolicy> = fc.record({
  rule: fc.constantFrom(...LONG_LINE_RULES),
  maxBytes: fc.integer({ min: 16, max: 100 }),
});

describe('applyLongLinesToBatch', () => {
  it('returns the input array itself when nothing is over the limit', () => {
    const messages = ['a', 'b'];
    expect(applyLongLinesToBatch(messages, { rule: 'truncate', maxBytes: 16 })).toEqual({ parts: messages, partCounts: undefined, actions: undefined });
    expect(applyLongLinesToBatch(messages, { rule: 'truncate', maxBytes: 16 }).parts).toBe(messages);
    expect(applyLongLinesToBatch(['x'.repeat(99)], { rule: 'send', maxBytes: 16 }).parts).toEqual(['x'.repeat(99)]);
  });

  it('gives the same parts as applying the rule to each message', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), policy, (messages, resolved) => {
        const batch = applyLongLinesToBatch(messages, resolved);
        const expected = messages.map((text) => applyLongLineRule(text, resolved));
        expect(batch.parts).toEqual(expected.flatMap((result) => result.parts));
        const actions = expected.map((result) => result.action);
        if (actions.every((action) => action === undefined)) {
          expect(batch.actions).toBeUndefined();
          expect(batch.partCounts).toBeUndefined();
        } else {
          expect(batch.actions).toEqual(actions);
          expect([...(batch.partCounts ?? [])]).toEqual(expected.map((result) => result.parts.length));
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('messageEnds', () => {
  it('puts each message end just past its last frame, and a dropped message at the previous end', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), policy, fc.integer({ min: 0, max: 2 ** 40 }), (messages, resolved, offset) => {
        const batch = applyLongLinesToBatch(messages, resolved);
        const encoded = encodeFrames(batch.parts, 'lf');
        const ends = [...messageEnds(encoded.frameEnds, batch.partCounts, offset)];
        expect(ends).toHaveLength(messages.length);
        let previous = offset;
        let bytes = 0;
        messages.forEach((text, i) => {
          for (const part of applyLongLineRule(text, resolved).parts) bytes += Buffer.byteLength(part) + 1;
          expect(ends[i]).toBe(offset + bytes);
          expect(ends[i]).toBeGreaterThanOrEqual(previous);
          previous = ends[i] as number;
        });
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('switches to plain numbers past 2^32 - 1', () => {
    expect(messageEnds(new Uint32Array([5, 9]), undefined, 100)).toBeInstanceOf(Uint32Array);
    const far = messageEnds(new Uint32Array([5, 9]), undefined, 2 ** 32);
    expect(Array.isArray(far)).toBe(true);
    expect(far).toEqual([2 ** 32 + 5, 2 ** 32 + 9]);
  });
});
