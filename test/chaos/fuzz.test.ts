/**
 * Fuzzing at scale (10,000 cases each under `npm run test:chaos`, `ESA_PROPERTY_RUNS`): the
 * frame decoders (LF and octet counting, and `auto`) and the syslog parser never throw and never
 * hold more than their limit on arbitrary bytes, any chunking of a stream gives the same
 * messages, what the formatter writes parses back to the record, and a scenario document built
 * from random JSON is either valid or rejected with the JSON path of the bad value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, isEsaError } from '../../src/core/errors.js';
import { type DecodedFrame, type DecoderFraming, encodeFrames, FrameDecoder, utf8ByteLength } from '../../src/core/framing.js';
import { resolveSubscriptionOptions } from '../../src/core/subscription-options.js';
import { SyslogFormatter } from '../../src/core/syslog-format.js';
import { parseSyslogLine } from '../../src/core/syslog-parse.js';
import { FACILITIES, FACILITY_CODES, LOG_LEVELS } from '../../src/core/vocabulary.js';
import { BUILT_IN_SCENARIOS, loadScenario } from '../../src/scenarios/load-scenario.js';
import { PROPERTY_RUNS } from '../support/property-runs.js';

const FRAMINGS: readonly DecoderFraming[] = ['lf', 'octet-counting', 'auto'];
const decoder = new TextDecoder();

/** The most a decoder may hold for an incomplete frame: the frame's bytes, an LF, a count. */
const slack = (maxFrameBytes: number): number => maxFrameBytes + 1 + String(maxFrameBytes).length + 1;

interface Decoded {
  readonly frames: { text: string; streamEnd: number; truncated: boolean }[];
  readonly error: string | undefined;
  readonly maxBuffered: number;
}

/** Decodes `input` pushed as the chunks that `cuts` give, then ends the stream. */
function decode(input: Uint8Array, framing: DecoderFraming, maxFrameBytes: number, cuts: readonly number[]): Decoded {
  const frameDecoder = new FrameDecoder({ framing, maxFrameBytes });
  const frames: Decoded['frames'] = [];
  let error: string | undefined;
  let maxBuffered = 0;
  const take = (decoded: readonly DecodedFrame[]): void => {
    for (const frame of decoded) {
      expect(frame.bytes.length).toBeLessThanOrEqual(maxFrameBytes);
      frames.push({ text: decoder.decode(frame.bytes), streamEnd: frame.streamEnd, truncated: frame.action === 'truncated' });
    }
  };
  const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const point of [...points, input.length]) {
    if (point < start) continue;
    const result = frameDecoder.push(input.subarray(start, point));
    take(result.frames);
    error ??= result.error?.code;
    maxBuffered = Math.max(maxBuffered, frameDecoder.bufferedBytes);
    start = point;
  }
  const last = frameDecoder.end();
  take(last.frames);
  error ??= last.error?.code;
  return { frames, error, maxBuffered };
}

describe('FrameDecoder (fuzz)', () => {
  it('never throws nor holds more than its limit on arbitrary bytes, and any chunking gives the same frames', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 600 }).map((text) => new TextEncoder().encode(text))),
        fc.constantFrom(...FRAMINGS),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 30 }),
        (input, framing, maxFrameBytes, cuts) => {
          const whole = decode(input, framing, maxFrameBytes, []);
          const chunked = decode(input, framing, maxFrameBytes, cuts);
          expect(chunked.frames).toEqual(whole.frames);
          expect(chunked.error).toEqual(whole.error);
          expect(chunked.maxBuffered).toBeLessThanOrEqual(slack(maxFrameBytes));
          expect(whole.maxBuffered).toBeLessThanOrEqual(slack(maxFrameBytes));
          // Stream ends only grow and never pass the input.
          let previous = 0;
          for (const frame of whole.frames) {
            expect(frame.streamEnd).toBeGreaterThanOrEqual(previous);
            expect(frame.streamEnd).toBeLessThanOrEqual(input.length);
            previous = frame.streamEnd;
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('gives back the messages of a framed stream whatever its chunks (LF and octet counting)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 120 }), { maxLength: 30 }),
        fc.constantFrom('lf', 'octet-counting') as fc.Arbitrary<'lf' | 'octet-counting'>,
        fc.boolean(),
        fc.array(fc.nat({ max: 5000 }), { maxLength: 40 }),
        (texts, framing, isAuto, cuts) => {
          // LF frames cannot hold an LF (a CR before it is framing too); an octet count cannot be 0.
          const messages = framing === 'lf' ? texts.map((text) => text.replace(/[\r\n]/g, ' ')) : texts.filter((text) => text.length > 0);
          const { bytes } = encodeFrames(messages, framing);
          const maxFrameBytes = 1024;
          // `auto` reads a leading digit 1-9 as an octet count (as rsyslog does): not for such LF streams.
          const canDetect = messages.length > 0 && (framing === 'octet-counting' || !/^[1-9]/.test(messages[0] as string));
          const decoded = decode(bytes, isAuto && canDetect ? 'auto' : framing, maxFrameBytes, cuts);
          expect(decoded.error).toBeUndefined();
          expect(decoded.frames.map((frame) => frame.text)).toEqual(messages.map((message) => (utf8ByteLength(message) <= maxFrameBytes ? message : decoded.frames[messages.indexOf(message)]?.text)));
          expect(decoded.frames.at(-1)?.streamEnd ?? 0).toBe(bytes.length);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('parseSyslogLine (fuzz)', () => {
  it('never throws on arbitrary text or decoded bytes; a failure names an offset inside the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => decoder.decode(bytes)),
          // Near misses: a valid header with random bytes spliced in.
          fc.tuple(fc.nat({ max: 60 }), fc.string({ unit: 'binary', maxLength: 8 })).map(([at, insert]) => {
            const line = '<22>Jun 25 08:50:03 mail.example.com Mail_Log: Info: MID 1 ICID 2';
            return line.slice(0, at) + insert + line.slice(at);
          }),
        ),
        (line) => {
          const result = parseSyslogLine(line);
          if (result.ok) {
            expect(result.record.pri).toBeGreaterThanOrEqual(0);
            expect(result.record.pri).toBeLessThanOrEqual(191);
          } else {
            expect(result.error.code).toBe('ESA_ERR_PARSE');
            expect(result.error.offset).toBeGreaterThanOrEqual(0);
            expect(result.error.offset).toBeLessThanOrEqual(line.length);
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('parses back what the formatter writes: PRI, facility, severity, tag, host, level and text', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
        fc.option(fc.stringMatching(/^[!-9;-~]{1,40}$/), { nil: undefined }),
        fc.constantFrom(...FACILITIES),
        fc.constantFrom(...LOG_LEVELS),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -36, max: 36 }).map((half) => half * 1800),
        fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => text.replace(/[\r\n]/g, ' ')),
        (name, hostname, facility, level, timeMs, utcOffsetSeconds, text) => {
          const subscription = resolveSubscriptionOptions({ name, host: '127.0.0.1', facility, ...(hostname === undefined ? {} : { hostname }) });
          const line = new SyslogFormatter(subscription, { utcOffsetSeconds }).format({ timeMs, level, text });
          const result = parseSyslogLine(line);
          if (!result.ok) throw new Error(`${JSON.stringify(line)} did not parse: ${result.error.reason} at ${result.error.offset}`);
          expect(result.record).toMatchObject({
            facility: FACILITY_CODES[facility],
            facilityName: facility,
            severity: subscription.severityByLevel[level],
            tag: name,
            level,
            text,
          });
          expect(result.record.host).toBe(hostname);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

/**
 * Whether `path` names a place in `document`: it leads to a value, or to a missing field of an
 * object, or into a text the resolver parsed (a policy or `--fault` string: `…policy.retries`).
 * Paths join keys with `.` and indexes with `[i]`; keys may hold those characters themselves, so
 * the path is matched against the document's own keys.
 */
function pathIsIn(document: unknown, path: string): boolean {
  if (path === 'scenario') return true;
  const walk = (value: unknown, rest: string, isRoot: boolean): boolean => {
    if (rest === '') return true;
    if (typeof value === 'string') return !isRoot;
    if (typeof value !== 'object' || value === null) return false;
    if (Array.isArray(value)) {
      const index = /^\[(\d+)\]/.exec(rest);
      return index !== null && Number(index[1]) < value.length && walk(value[Number(index[1])], rest.slice(index[0].length), false);
    }
    for (const [key, child] of Object.entries(value)) {
      const token = isRoot ? key : `.${key}`;
      if (rest.startsWith(token) && walk(child, rest.slice(token.length), false)) return true;
    }
    const missing = isRoot ? rest : rest.slice(1);
    return (isRoot || rest.startsWith('.')) && !Object.hasOwn(value, missing);
  };
  return walk(document, path, true);
}

/** Every path to a value of `document` (for mutations). */
function allPaths(document: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [prefix];
  if (typeof document === 'object' && document !== null) {
    for (const [key, child] of Object.entries(document)) paths.push(...allPaths(child, [...prefix, Array.isArray(document) ? Number(key) : key]));
  }
  return paths;
}

type Mutation = { readonly at: number; readonly kind: 'replace' | 'delete' | 'add'; readonly key: string; readonly value: unknown };

function mutate(document: unknown, mutations: readonly Mutation[]): unknown {
  let root = structuredClone(document);
  for (const mutation of mutations) {
    const paths = allPaths(root);
    const path = paths[mutation.at % paths.length] as (string | number)[];
    if (path.length === 0) {
      if (mutation.kind === 'replace') root = structuredClone(mutation.value);
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (mutation.kind === 'replace') parent[last] = structuredClone(mutation.value);
    else if (mutation.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const target = parent[last];
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[mutation.key] = structuredClone(mutation.value);
    }
  }
  return root;
}

describe('loadScenario (fuzz)', () => {
  const documents = BUILT_IN_SCENARIOS.map((entry) => entry.scenario.input as unknown);
  const json = fc.jsonValue({ maxDepth: 3 });
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('replace', 'delete', 'add') as fc.Arbitrary<Mutation['kind']>,
    key: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,10}$/),
    value: fc.oneof(json, fc.constantFrom('10s', '-1s', '1e400', 'refuse@10s-40s', 'retry:retries=-1', 'tcp', 'udp', 'mail_logs', 514, 0, -1, 65_536, 1.5)),
  });

  it('accepts a document or rejects it with ESA_ERR_INVALID_SCENARIO naming the JSON path of the bad value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 1, arbitrary: json },
          { weight: 6, arbitrary: fc.tuple(fc.nat({ max: documents.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([index, mutations]) => mutate(documents[index], mutations)) },
        ),
        (document) => {
          let error: unknown;
          try {
            loadScenario(document as object);
          } catch (caught) {
            error = caught;
          }
          if (error === undefined) return;
          if (typeof document !== 'object' || document === null) {
            // Not a document at all: the loader asks for a name, a file or an object.
            expect(isEsaError(error), String(error)).toBe(true);
            return;
          }
          expect(error, String(error)).toBeInstanceOf(InvalidOptionError);
          const invalid = error as InvalidOptionError;
          expect(invalid.code, invalid.message).toBe('ESA_ERR_INVALID_SCENARIO');
          expect(pathIsIn(document, invalid.option), `${invalid.option} is no path of ${JSON.stringify(document).slice(0, 400)} (${invalid.message})`).toBe(true);
          expect(invalid.message).toContain(invalid.option);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
