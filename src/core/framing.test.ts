import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import {
  encodeFrames,
  FrameDecoder,
  FrameSpans,
  resolveFrameDecoderOptions,
  utf8ByteLength,
  type DecodedFrame,
  type FrameDecoderOptions,
  type FrameDecodeResult,
} from './framing.js';

const utf8 = new TextEncoder();
const text = new TextDecoder();
const bytes = (s: string): Uint8Array => utf8.encode(s);

interface Decoded {
  frames: { text: string; streamEnd: number; action?: string; originalBytes?: number }[];
  oversize: number[];
  errors: string[];
  bufferedMax: number;
}

/** Feeds `input` in chunks of `size` bytes (or the given cut points) and collects everything. */
function decode(input: Uint8Array, options: FrameDecoderOptions, cuts: number | readonly number[]): Decoded {
  const decoder = new FrameDecoder(options);
  const out: Decoded = { frames: [], oversize: [], errors: [], bufferedMax: 0 };
  const collect = (result: FrameDecodeResult): void => {
    for (const frame of result.frames) out.frames.push(view(frame));
    for (const frame of result.oversize) out.oversize.push(frame.streamEnd);
    if (result.error) out.errors.push(result.error.code);
    out.bufferedMax = Math.max(out.bufferedMax, decoder.bufferedBytes);
  };
  const points = typeof cuts === 'number' ? range(cuts, input.length, cuts) : [...cuts].sort((a, b) => a - b);
  let previous = 0;
  for (const point of [...points, input.length]) {
    if (point < previous || point > input.length) continue;
    collect(decoder.push(input.subarray(previous, point)));
    previous = point;
  }
  collect(decoder.end());
  return out;
}

function view(frame: DecodedFrame): Decoded['frames'][number] {
  return {
    text: text.decode(frame.bytes),
    streamEnd: frame.streamEnd,
    ...(frame.action ? { action: frame.action, originalBytes: frame.originalBytes as number } : {}),
  };
}

function range(from: number, to: number, step: number): number[] {
  const points: number[] = [];
  for (let i = from; i < to; i += step) points.push(i);
  return points;
}

const seedLines = [
  '<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile',
  '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
  '<22>Jun 25 08:50:03 Mail_Log: Info: Time offset from UTC: 7200 seconds',
  '<22>Jun 25 08:50:03 Mail_Log: Info: MID 64855 Subject \'Prüfbericht €\'',
];

const chunkSizes = [1, 2, 3, 7, 1 << 20];

describe('encodeFrames', () => {
  /** Each message's UTF-8 bytes, then an LF: what `lf` framing must give. */
  function reference(messages: readonly string[]) {
    const parts = messages.map((message) => utf8.encode(`${message}\n`));
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    const ends: number[] = [];
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
      ends.push(offset);
    }
    return { bytes: out, frameEnds: ends };
  }
  const encoded = (messages: readonly string[]) => {
    const { bytes: out, frameEnds } = encodeFrames(messages, 'lf');
    return { bytes: out, frameEnds: [...frameEnds] };
  };

  it.for([
    ['ASCII', -1],
    ['one non-ASCII line near the end', 1900],
    ['one non-ASCII line first', 0],
  ] as const)('encodes a large LF batch (%s) as each message and an LF, with every frame end', ([, at]) => {
    const messages = Array.from({ length: 2000 }, (_, i) => `<22>Jun 25 08:50:03 Mail_Log: Info: MID ${i} ${'x'.repeat(i % 97)}${i === at ? ' Prüfbericht €' : ''}`);
    expect(encoded(messages)).toEqual(reference(messages));
  });

  it('encodes any LF batch as each message and an LF (property)', () => {
    const long = fc.string({ minLength: 3000, maxLength: 9000, unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '\uD83D') });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 80 }), long), { maxLength: 40 }), (messages) => {
        const actual = encoded(messages);
        const expected = reference(messages);
        // Bytes compared as buffers: a deep equality walks batches of up to ~360 KB element by element.
        expect(Buffer.from(actual.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
        expect(actual.frameEnds).toEqual(expected.frameEnds);
      }),
      // Batches of up to 40 × 9,000 characters: capped so that the chaos run (10,000 cases elsewhere) stays within minutes.
      { numRuns: Math.min(PROPERTY_RUNS, 1000) },
    );
  });
});

describe('FrameDecoder', () => {
  describe('LF framing', () => {
    it.for(chunkSizes)('decodes the same frames in chunks of %i bytes', (size) => {
      const { bytes: input, frameEnds } = encodeFrames(seedLines, 'lf');
      const result = decode(input, { framing: 'lf' }, size);
      expect(result.frames).toEqual(seedLines.map((line, i) => ({ text: line, streamEnd: frameEnds[i] })));
      expect(result.errors).toEqual([]);
    });

    it('strips a CR before the LF, and only there', () => {
      const result = decode(bytes('a\r\nb\rc\r\n\r\n'), { framing: 'lf' }, 1);
      expect(result.frames.map((frame) => frame.text)).toEqual(['a', 'b\rc', '']);
    });

    it('returns empty lines as empty frames', () => {
      expect(decode(bytes('a\n\nb\n'), { framing: 'lf' }, 100).frames).toEqual([
        { text: 'a', streamEnd: 2 },
        { text: '', streamEnd: 3 },
        { text: 'b', streamEnd: 5 },
      ]);
    });

    it('returns a trailing line without LF from end()', () => {
      const decoder = new FrameDecoder({ framing: 'lf' });
      expect(decoder.push(bytes('one\ntw')).frames.map(view)).toEqual([{ text: 'one', streamEnd: 4 }]);
      expect(decoder.bufferedBytes).toBe(2);
      expect(decoder.push(bytes('o')).frames).toEqual([]);
      expect(decoder.end().frames.map(view)).toEqual([{ text: 'two', streamEnd: 7 }]);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('keeps a trailing CR when the stream ends without LF', () => {
      expect(decode(bytes('x\r'), { framing: 'lf' }, 1).frames).toEqual([{ text: 'x\r', streamEnd: 2 }]);
    });

    it('returns views into the chunk for frames inside it', () => {
      const chunk = bytes('abc\ndef\n');
      const { frames } = new FrameDecoder({ framing: 'lf' }).push(chunk);
      expect(frames[0]?.bytes.buffer).toBe(chunk.buffer);
    });

    it('copies a frame that spans chunks, so the caller may reuse its buffer', () => {
      const decoder = new FrameDecoder({ framing: 'lf' });
      const chunk = bytes('ab');
      decoder.push(chunk);
      chunk.fill(0x7a);
      expect(view(decoder.push(bytes('c\n')).frames[0] as DecodedFrame).text).toBe('abc');
    });

    it.for([
      ['lf', 'ab', 'c\n'],
      ['octet-counting', '3 ab', 'c'],
    ] as const)('copies it from a Node Buffer too (whose slice() is a view), with %s framing', ([framing, first, second]) => {
      for (const spans of [undefined, new FrameSpans()]) {
        const decoder = new FrameDecoder({ framing });
        const chunk = Buffer.from(first);
        if (spans) decoder.pushSpans(chunk, spans);
        else decoder.push(chunk);
        chunk.fill(0x7a);
        const frame = spans ? (decoder.pushSpans(Buffer.from(second), spans), spans.copies[0]) : decoder.push(Buffer.from(second)).frames[0]?.bytes;
        expect(text.decode(frame)).toBe('abc');
      }
    });

    it.for(chunkSizes)('cuts a frame over maxFrameBytes and reports it (chunks of %i)', (size) => {
      const input = bytes(`short\n${'y'.repeat(30)}\r\nok\n${'z'.repeat(12)}`);
      const result = decode(input, { framing: 'lf', maxFrameBytes: 10 }, size);
      expect(result.frames).toEqual([
        { text: 'short', streamEnd: 6 },
        { text: 'y'.repeat(10), streamEnd: 38, action: 'truncated', originalBytes: 30 },
        { text: 'ok', streamEnd: 41 },
        { text: 'z'.repeat(10), streamEnd: 53, action: 'truncated', originalBytes: 12 },
      ]);
      expect(result.oversize).toEqual([38, 53]);
      expect(result.bufferedMax).toBeLessThanOrEqual(11);
    });

    it('accepts a frame of exactly maxFrameBytes followed by CR LF', () => {
      const result = decode(bytes(`${'a'.repeat(10)}\r\n`), { framing: 'lf', maxFrameBytes: 10 }, 1);
      expect(result.frames).toEqual([{ text: 'a'.repeat(10), streamEnd: 12 }]);
    });

    it('never buffers more than maxFrameBytes + 1 for an endless line', () => {
      const decoder = new FrameDecoder({ framing: 'lf', maxFrameBytes: 100 });
      const chunk = new Uint8Array(4096).fill(0x41);
      for (let i = 0; i < 256; i++) decoder.push(chunk);
      expect(decoder.bufferedBytes).toBe(101);
      expect(decoder.streamBytes).toBe(4096 * 256);
      const last = decoder.push(bytes('\n')).frames[0];
      expect(last).toMatchObject({ streamEnd: 4096 * 256 + 1, action: 'truncated', originalBytes: 4096 * 256 });
      expect(last?.bytes.length).toBe(100);
    });
  });

  describe('octet counting', () => {
    it.for(chunkSizes)('decodes the same frames in chunks of %i bytes', (size) => {
      const { bytes: input, frameEnds } = encodeFrames([...seedLines, 'with\nnewline', ' '], 'octet-counting');
      const result = decode(input, { framing: 'octet-counting' }, size);
      expect(result.frames).toEqual(
        [...seedLines, 'with\nnewline', ' '].map((line, i) => ({ text: line, streamEnd: frameEnds[i] })),
      );
      expect(result.errors).toEqual([]);
    });

    it.for([
      ['x 12 hello', 'ESA_ERR_FRAMING'],
      ['0 ', 'ESA_ERR_FRAMING'],
      ['05 hello', 'ESA_ERR_FRAMING'],
      [' 5 hello', 'ESA_ERR_FRAMING'],
      ['5x hello', 'ESA_ERR_FRAMING'],
      ['3 abc\n3 abc', 'ESA_ERR_FRAMING'],
      ['101 x', 'ESA_ERR_FRAME_TOO_LARGE'],
      ['99999999999999999999999 x', 'ESA_ERR_FRAME_TOO_LARGE'],
    ] as const)('fails on %j with %s', ([input, code]) => {
      const result = decode(bytes(input), { framing: 'octet-counting', maxFrameBytes: 100 }, 1);
      expect(result.errors).toEqual([code]);
    });

    it('stays failed after a framing error and returns the frames before it', () => {
      const decoder = new FrameDecoder({ framing: 'octet-counting' });
      const first = decoder.push(bytes('3 abc2 dex 1 a'));
      expect(first.frames.map(view)).toEqual([
        { text: 'abc', streamEnd: 5 },
        { text: 'de', streamEnd: 9 },
      ]);
      expect(first.error).toEqual(expect.objectContaining({ code: 'ESA_ERR_FRAMING' }));
      expect(first.error?.message).toContain('stream offset 9');
      expect(decoder.error).toBe(first.error);
      expect(decoder.push(bytes('3 abc'))).toEqual({ frames: [], oversize: [] });
      expect(decoder.end()).toEqual({ frames: [], oversize: [] });
    });

    it.for([
      ['12', 'partial octet count'],
      ['12 abc', 'octet-counted frame (3 of 12 bytes)'],
    ] as const)('reports a stream that ends inside a frame (%j)', ([input, words]) => {
      const decoder = new FrameDecoder({ framing: 'octet-counting' });
      expect(decoder.push(bytes(input)).error).toBeUndefined();
      const end = decoder.end();
      expect(end.error).toEqual(expect.objectContaining({ code: 'ESA_ERR_FRAMING' }));
      expect(end.error?.message).toContain(words);
    });

    it('counts a partly read count in bufferedBytes', () => {
      const decoder = new FrameDecoder({ framing: 'octet-counting' });
      decoder.push(bytes('12'));
      expect(decoder.bufferedBytes).toBe(2);
      decoder.push(bytes(' abcd'));
      expect(decoder.bufferedBytes).toBe(4);
    });
  });

  describe('auto framing', () => {
    it.for([
      ['5 hello3 abc', 'octet-counting', ['hello', 'abc']],
      ['<22>x\n<22>y\n', 'lf', ['<22>x', '<22>y']],
      ['0 x\n', 'lf', ['0 x']],
    ] as const)('decides on the first byte of %j', ([input, framing, frames]) => {
      const decoder = new FrameDecoder();
      expect(decoder.framing).toBeUndefined();
      const result = decoder.push(bytes(input));
      expect(decoder.framing).toBe(framing);
      expect(result.frames.map((frame) => text.decode(frame.bytes))).toEqual(frames);
    });

    it('decides once per stream', () => {
      const decoder = new FrameDecoder({ framing: 'auto' });
      decoder.push(bytes('<22>a\n'));
      expect(decoder.push(bytes('5 hello\n')).frames.map(view)).toEqual([{ text: '5 hello', streamEnd: 14 }]);
    });

    it('ignores empty chunks before deciding', () => {
      const decoder = new FrameDecoder();
      decoder.push(new Uint8Array(0));
      expect(decoder.framing).toBeUndefined();
    });
  });

  it('throws ESA_ERR_CLOSED on push after end(), and end() is idempotent', () => {
    const decoder = new FrameDecoder({ framing: 'lf' });
    decoder.push(bytes('abc'));
    expect(decoder.end().frames).toHaveLength(1);
    expect(decoder.end().frames).toHaveLength(0);
    expect(() => decoder.push(bytes('x'))).toThrow(expect.objectContaining({ code: 'ESA_ERR_CLOSED' }));
  });

  it('is indifferent to chunk boundaries (property)', () => {
    const message = fc.string({ unit: 'grapheme', maxLength: 60 });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 12 }),
        fc.constantFrom('lf', 'octet-counting', 'auto') as fc.Arbitrary<'lf' | 'octet-counting' | 'auto'>,
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 20 }),
        (messages, framing, maxFrameBytes, cuts) => {
          const encoding = framing === 'auto' ? 'octet-counting' : framing;
          const lines = encoding === 'lf' ? messages.map((m) => m.replace(/[\r\n]/g, ' ')) : messages;
          const kept = encoding === 'octet-counting' ? lines.filter((m) => m.length > 0) : lines;
          const { bytes: input } = encodeFrames(kept, encoding);
          const whole = decode(input, { framing, maxFrameBytes }, [input.length]);
          const chunked = decode(input, { framing, maxFrameBytes }, cuts);
          expect(chunked.frames).toEqual(whole.frames);
          expect(chunked.errors).toEqual(whole.errors);
          expect(chunked.oversize).toEqual(whole.oversize);
          expect(chunked.bufferedMax).toBeLessThanOrEqual(maxFrameBytes + 10);
          if (encoding === 'lf' && whole.errors.length === 0) {
            const expected = kept.map((line) => {
              const size = utf8ByteLength(line);
              return size <= maxFrameBytes ? line : undefined;
            });
            whole.frames.forEach((frame, i) => {
              if (expected[i] !== undefined) expect(frame.text).toBe(expected[i]);
              else expect(frame).toMatchObject({ action: 'truncated', originalBytes: utf8ByteLength(kept[i] as string) });
            });
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('lf', 'octet-counting', 'auto') as fc.Arbitrary<'lf' | 'octet-counting' | 'auto'>,
        fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
        (input, framing, cuts) => {
          const whole = decode(input, { framing, maxFrameBytes: 64 }, [input.length]);
          expect(decode(input, { framing, maxFrameBytes: 64 }, cuts)).toEqual({ ...whole, bufferedMax: expect.any(Number) });
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('FrameDecoder.pushSpans', () => {
  /** What push() and pushSpans() give for the same chunks, in one shape. */
  function both(input: Uint8Array, options: FrameDecoderOptions, cuts: readonly number[]) {
    const byPush = new FrameDecoder(options);
    const bySpans = new FrameDecoder(options);
    const spans = new FrameSpans();
    const pushed: unknown[] = [];
    const spanned: unknown[] = [];
    const points = [...cuts].filter((point) => point <= input.length).sort((a, b) => a - b);
    let previous = 0;
    for (const point of [...points, input.length]) {
      const chunk = input.slice(previous, point);
      previous = point;
      const result = byPush.push(chunk);
      pushed.push({
        frames: result.frames.map((frame) => ({ ...view(frame), originalBytes: frame.originalBytes ?? -1, action: undefined })),
        oversize: result.oversize.length > 0,
        error: result.error?.message,
        buffered: byPush.bufferedBytes,
        consumed: byPush.streamBytes,
      });
      bySpans.pushSpans(chunk, spans);
      const frames = [];
      for (let i = 0; i < spans.count; i++) {
        const start = spans.starts[i] as number;
        const frameBytes = start < 0 ? (spans.copies[i] as Uint8Array) : chunk.subarray(start, spans.ends[i]);
        expect(spans.bytesOf(chunk, i)).toEqual(frameBytes);
        frames.push({ text: text.decode(frameBytes), streamEnd: spans.streamEnds[i], originalBytes: spans.originalBytes[i], action: undefined });
      }
      spanned.push({ frames, oversize: spans.hasOversize, error: spans.error?.message, buffered: bySpans.bufferedBytes, consumed: bySpans.streamBytes });
    }
    return { pushed, spanned };
  }

  it('gives the frames push() gives, as offsets into the chunk, or as copies when a frame spanned chunks', () => {
    const decoder = new FrameDecoder({ framing: 'lf' });
    const spans = new FrameSpans();
    decoder.pushSpans(bytes('ab\r\ncd\nef'), spans);
    expect([spans.count, [...spans.starts.subarray(0, 2)], [...spans.ends.subarray(0, 2)], [...spans.streamEnds.subarray(0, 2)]]).toEqual([2, [0, 4], [2, 6], [4, 7]]);
    expect(spans.copies).toEqual([]);
    decoder.pushSpans(bytes('g\nh'), spans);
    expect(spans.count).toBe(1);
    expect(spans.starts[0]).toBe(-1);
    expect(text.decode(spans.copies[0])).toBe('efg');
    expect(spans.streamEnds[0]).toBe(11);
  });

  it('grows past its initial capacity and reports truncated frames with their original size', () => {
    const decoder = new FrameDecoder({ framing: 'lf', maxFrameBytes: 4 });
    const spans = new FrameSpans();
    decoder.pushSpans(bytes(`${'x\n'.repeat(100)}toolong\n`), spans);
    expect(spans.count).toBe(101);
    expect(spans.hasOversize).toBe(true);
    expect([spans.starts[100], spans.ends[100], spans.originalBytes[100], spans.originalBytes[99]]).toEqual([200, 204, 7, -1]);
  });

  it('is push() without objects: same frames, errors and state, whatever the framing and chunks (property)', () => {
    const byte = fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x20, 0x31, 0x35, 0x3c), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 300, size: 'max' }).map((values) => Uint8Array.from(values)),
        fc.constantFrom('lf', 'octet-counting', 'auto') as fc.Arbitrary<'lf' | 'octet-counting' | 'auto'>,
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
        (input, framing, maxFrameBytes, cuts) => {
          const { pushed, spanned } = both(input, { framing, maxFrameBytes }, cuts);
          expect(spanned).toEqual(pushed);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('resolveFrameDecoderOptions', () => {
  it('defaults to auto framing and 65536 bytes', () => {
    expect(resolveFrameDecoderOptions()).toEqual({ framing: 'auto', maxFrameBytes: 65536 });
  });

  it.for([
    [{ framing: 'crlf' }, 'framing'],
    [{ maxFrameBytes: 0 }, 'maxFrameBytes'],
    [{ maxFrameBytes: 1.5 }, 'maxFrameBytes'],
    [{ maxFrameBytes: '64k' }, 'maxFrameBytes'],
    [{ maxFrameBytes: 2 ** 31 }, 'maxFrameBytes'],
    [{ maxBytes: 10 }, 'maxBytes'],
  ] as const)('rejects %j naming %s', ([options, option]) => {
    expect(() => new FrameDecoder(options as FrameDecoderOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });
});
