import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { InvalidOptionError } from '../core/errors.js';
import { MAX_DURATION_MS } from '../core/units.js';
import { FAULT_TYPES, MAX_FAULT_COUNT } from './fault.js';
import {
  buildFault,
  FAULT_CLI_FORMS,
  formatFault,
  parseFault,
  resolveFaultInput,
  resolveFaultInputs,
} from './parse-fault.js';
import { resolveFaultSpec, type FaultSpec } from './spec.js';

const typeList =
  'one of reset-after-bytes=N, reset-after-messages=N, reset-on-connect, refuse, busy=N, close-after-messages=N, ' +
  'idle-timeout=T, stall, latency=T[~J], bandwidth=B, drop=P, truncate=N, optionally followed by @FROM-UNTIL ' +
  '(e.g. @10s-40s, @10s-, @-40s), @first=N, @p=P';
const windowHelp =
  'a fault followed by @FROM-UNTIL with durations that have a unit and FROM before UNTIL (e.g. refuse@10s-40s, refuse@10s-, refuse@-40s)';
const firstHelp = 'a fault followed by @first=N with N a whole number of connections ≥ 1 (e.g. refuse@first=3)';
const pHelp = 'a fault followed by @p=P with P a probability from 0 to 1 (e.g. reset-on-connect@p=0.5 or @p=50%)';
const wrappers = '@FROM-UNTIL (e.g. @10s-40s, @10s-, @-40s), @first=N, @p=P';

describe('parseFault', () => {
  it.for<[string, FaultSpec]>([
    ['reset-after-bytes=412', { type: 'reset-after-bytes', bytes: 412 }],
    ['reset-after-bytes=0', { type: 'reset-after-bytes', bytes: 0 }],
    ['reset-after-bytes=4k', { type: 'reset-after-bytes', bytes: 4096 }],
    ['reset-after-messages=3', { type: 'reset-after-messages', messages: 3 }],
    ['reset-on-connect', { type: 'reset-on-connect' }],
    ['refuse', { type: 'refuse' }],
    ['busy=1', { type: 'busy', maxConnections: 1 }],
    ['busy=0', { type: 'busy', maxConnections: 0 }],
    ['close-after-messages=10', { type: 'close-after-messages', messages: 10 }],
    ['idle-timeout=300s', { type: 'idle-timeout', idleMs: 300_000 }],
    ['idle-timeout=5m', { type: 'idle-timeout', idleMs: 300_000 }],
    ['stall', { type: 'stall' }],
    ['latency=200ms', { type: 'latency', latencyMs: 200 }],
    ['latency=200ms~50ms', { type: 'latency', latencyMs: 200, jitterMs: 50 }],
    ['latency=1.5s~0ms', { type: 'latency', latencyMs: 1500 }],
    ['bandwidth=10k', { type: 'bandwidth', bytesPerSecond: 10_240 }],
    ['bandwidth=1500/s', { type: 'bandwidth', bytesPerSecond: 1500 }],
    ['bandwidth=1MB', { type: 'bandwidth', bytesPerSecond: 1_048_576 }],
    ['drop=0.1', { type: 'drop', probability: 0.1 }],
    ['drop=10%', { type: 'drop', probability: 0.1 }],
    ['drop=1', { type: 'drop', probability: 1 }],
    ['truncate=1024', { type: 'truncate', maxBytes: 1024 }],
    ['truncate=1k', { type: 'truncate', maxBytes: 1024 }],
    ['reset-after-bytes=412@first=1', { type: 'reset-after-bytes', bytes: 412, firstConnections: 1 }],
    ['refuse@10s-40s', { type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }],
    ['refuse@10s-', { type: 'refuse', activeFromMs: 10_000 }],
    ['refuse@-40s', { type: 'refuse', activeUntilMs: 40_000 }],
    ['refuse@0ms-40s', { type: 'refuse', activeUntilMs: 40_000 }],
    ['reset-on-connect@p=0.5', { type: 'reset-on-connect', probability: 0.5 }],
    ['reset-on-connect@p=50%', { type: 'reset-on-connect', probability: 0.5 }],
    ['stall@p=1', { type: 'stall' }],
    ['drop=0.5@first=2@1m-2m', { type: 'drop', probability: 0.5, firstConnections: 2, activeFromMs: 60_000, activeUntilMs: 120_000 }],
    [
      'latency=200ms~50ms@p=0.25@first=3@500ms-1h',
      { type: 'latency', latencyMs: 200, jitterMs: 50, probability: 0.25, firstConnections: 3, activeFromMs: 500, activeUntilMs: 3_600_000 },
    ],
    ['  Reset-On-Connect @ first=2 ', { type: 'reset-on-connect', firstConnections: 2 }],
  ])('parses %s', ([text, expected]) => {
    expect(parseFault(text)).toEqual(expected);
  });

  it.for<[string, string]>([
    ['reset-after=3', typeList],
    ['', typeList],
    ['@first=1', typeList],
    ['resetafterbytes=3', typeList],
    ['reset-after-bytes=abc', 'reset-after-bytes=N with N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)'],
    ['reset-after-bytes=-1', 'reset-after-bytes=N with N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)'],
    ['reset-after-bytes=1.5', 'reset-after-bytes=N with N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)'],
    ['reset-after-bytes', 'reset-after-bytes=N with N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)'],
    ['reset-after-bytes=', 'reset-after-bytes=N with N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)'],
    ['reset-after-messages=x', 'reset-after-messages=N with N a whole number of messages ≥ 0 (e.g. reset-after-messages=3)'],
    ['reset-after-messages=2k', 'reset-after-messages=N with N a whole number of messages ≥ 0 (e.g. reset-after-messages=3)'],
    ['reset-on-connect=1', `reset-on-connect (it takes no value), optionally followed by ${wrappers}`],
    ['refuse=yes', `refuse (it takes no value), optionally followed by ${wrappers}`],
    ['stall=10s', `stall (it takes no value), optionally followed by ${wrappers}`],
    ['busy', 'busy=N with N a whole number of connections ≥ 0 (e.g. busy=1)'],
    ['busy=-2', 'busy=N with N a whole number of connections ≥ 0 (e.g. busy=1)'],
    ['close-after-messages=ten', 'close-after-messages=N with N a whole number of messages ≥ 0 (e.g. close-after-messages=10)'],
    ['idle-timeout=300', 'idle-timeout=T with T a duration ≥ 1ms with a unit (e.g. idle-timeout=300s)'],
    ['idle-timeout=0s', 'idle-timeout=T with T a duration ≥ 1ms with a unit (e.g. idle-timeout=300s)'],
    ['idle-timeout=400d', 'idle-timeout=T with T a duration ≥ 1ms with a unit (e.g. idle-timeout=300s)'],
    ['latency=200', 'latency=T[~J] with T and the optional jitter J durations with a unit (e.g. latency=200ms or latency=200ms~50ms)'],
    ['latency=200ms~', 'latency=T[~J] with T and the optional jitter J durations with a unit (e.g. latency=200ms or latency=200ms~50ms)'],
    ['latency=fast', 'latency=T[~J] with T and the optional jitter J durations with a unit (e.g. latency=200ms or latency=200ms~50ms)'],
    ['bandwidth=0', 'bandwidth=B with B a rate in bytes per second ≥ 1 (e.g. bandwidth=10k or bandwidth=1500/s)'],
    ['bandwidth=fast', 'bandwidth=B with B a rate in bytes per second ≥ 1 (e.g. bandwidth=10k or bandwidth=1500/s)'],
    ['drop', 'drop=P with P a probability from 0 to 1 (e.g. drop=0.1 or drop=10%); drop takes no @p= (its value is the rate)'],
    ['drop=1.5', 'drop=P with P a probability from 0 to 1 (e.g. drop=0.1 or drop=10%); drop takes no @p= (its value is the rate)'],
    ['drop=150%', 'drop=P with P a probability from 0 to 1 (e.g. drop=0.1 or drop=10%); drop takes no @p= (its value is the rate)'],
    ['drop=0.5@p=0.5', 'drop=P with P a probability from 0 to 1 (e.g. drop=0.1 or drop=10%); drop takes no @p= (its value is the rate)'],
    ['truncate=0', 'truncate=N with N a whole number of bytes ≥ 1 (e.g. truncate=1024 or truncate=1k)'],
    ['truncate=big', 'truncate=N with N a whole number of bytes ≥ 1 (e.g. truncate=1024 or truncate=1k)'],
    ['refuse@10-40', windowHelp],
    ['refuse@40s-10s', windowHelp],
    ['refuse@10s-10s', windowHelp],
    ['refuse@-', typeList.replace(/^one of .*optionally followed by /, 'a fault optionally followed by ').concat(' (unknown wrapper "@-")')],
    ['refuse@10s-20s@30s-40s', `${windowHelp}, each wrapper at most once`],
    ['refuse@soon-later', windowHelp],
    ['stall@first=0', firstHelp],
    ['stall@first=two', firstHelp],
    ['stall@first=1@first=2', `${firstHelp}, each wrapper at most once`],
    ['reset-on-connect@p=2', pHelp],
    ['reset-on-connect@p=half', pHelp],
    ['reset-on-connect@probability=0.5', `a fault optionally followed by ${wrappers} (unknown wrapper "@probability=0.5")`],
    ['refuse@tomorrow', `a fault optionally followed by ${wrappers} (unknown wrapper "@tomorrow")`],
  ])('rejects %j', ([text, expectation]) => {
    expect(() => parseFault(text)).toThrow(`--fault must be ${expectation}; got ${JSON.stringify(text)}`);
  });

  it('throws an InvalidOptionError naming --fault, with the text as value', () => {
    expect(() => parseFault('reset-after-bytes=abc')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: '--fault', value: 'reset-after-bytes=abc' }),
    );
  });

  it('names another option when asked to', () => {
    expect(() => parseFault('busy', 'faults[3]')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults[3]' }),
    );
  });

  it('lists every fault type in its unknown-type message', () => {
    expect(FAULT_CLI_FORMS).toHaveLength(FAULT_TYPES.length);
    for (const type of FAULT_TYPES) expect(typeList).toContain(type);
  });

  it('throws only InvalidOptionError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseFault(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionError);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

/** Arbitrary resolved specs: canonical, so resolving them is the identity. */
const durationMs = (min: number): fc.Arbitrary<number> => fc.integer({ min, max: MAX_DURATION_MS });
const probability = fc.double({ min: 0, max: 1, noNaN: true }).map((p) => (p === 0 ? 0 : p));
const ownFields: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('reset-after-bytes'), bytes: fc.integer({ min: 0, max: MAX_FAULT_COUNT }) }),
  fc.record({ type: fc.constant('reset-after-messages'), messages: fc.integer({ min: 0, max: 1e9 }) }),
  fc.record({ type: fc.constant('reset-on-connect') }),
  fc.record({ type: fc.constant('refuse') }),
  fc.record({ type: fc.constant('busy'), maxConnections: fc.integer({ min: 0, max: 1e6 }) }),
  fc.record({ type: fc.constant('close-after-messages'), messages: fc.integer({ min: 0, max: 1e9 }) }),
  fc.record({ type: fc.constant('idle-timeout'), idleMs: durationMs(1) }),
  fc.record({ type: fc.constant('stall') }),
  fc.record({ type: fc.constant('latency'), latencyMs: durationMs(0), jitterMs: durationMs(1) }, { requiredKeys: ['type', 'latencyMs'] }),
  fc.record({ type: fc.constant('bandwidth'), bytesPerSecond: fc.integer({ min: 1, max: MAX_FAULT_COUNT }) }),
  fc.record({ type: fc.constant('drop'), probability }),
  fc.record({ type: fc.constant('truncate'), maxBytes: fc.integer({ min: 1, max: MAX_FAULT_COUNT }) }),
);
const wrapper = fc
  .record(
    {
      probability: probability.filter((p) => p !== 1),
      activeFromMs: fc.integer({ min: 1, max: MAX_DURATION_MS - 1 }),
      untilOffset: fc.integer({ min: 1, max: MAX_DURATION_MS }),
      firstConnections: fc.integer({ min: 1, max: 1e6 }),
    },
    { requiredKeys: [] },
  )
  .map(({ untilOffset, ...rest }) => {
    const result: Record<string, unknown> = { ...rest };
    if (untilOffset !== undefined) result.activeUntilMs = Math.min(MAX_DURATION_MS, (rest.activeFromMs ?? 0) + untilOffset);
    return result;
  });
const resolvedSpecs: fc.Arbitrary<FaultSpec> = fc
  .tuple(ownFields, wrapper)
  .map(([own, wrap]) => {
    const merged = own.type === 'drop' ? { ...wrap, ...own } : { ...own, ...wrap };
    return merged as unknown as FaultSpec;
  })
  .filter((spec) => spec.activeUntilMs === undefined || spec.activeUntilMs > (spec.activeFromMs ?? 0));

describe('formatFault', () => {
  it.for<[FaultSpec, string]>([
    [{ type: 'reset-after-bytes', bytes: 412, firstConnections: 1 }, 'reset-after-bytes=412@first=1'],
    [{ type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }, 'refuse@10s-40s'],
    [{ type: 'refuse', activeUntilMs: 1500 }, 'refuse@-1500ms'],
    [{ type: 'stall', activeFromMs: 90_000 }, 'stall@90s-'],
    [{ type: 'latency', latencyMs: 200, jitterMs: 50, probability: 0.5 }, 'latency=200ms~50ms@p=0.5'],
    [{ type: 'latency', latencyMs: 0 }, 'latency=0ms'],
    [{ type: 'bandwidth', bytesPerSecond: 10_240 }, 'bandwidth=10k'],
    [{ type: 'bandwidth', bytesPerSecond: 1500 }, 'bandwidth=1500'],
    [{ type: 'idle-timeout', idleMs: 3_600_000 }, 'idle-timeout=1h'],
    [{ type: 'drop', probability: 0.1, firstConnections: 2 }, 'drop=0.1@first=2'],
    [{ type: 'busy', maxConnections: 1, probability: 1 }, 'busy=1'],
  ])('formats %j as %s', ([spec, text]) => {
    expect(formatFault(spec)).toBe(text);
    expect(buildFault(spec).toString()).toBe(text);
  });

  it('round-trips every valid spec: parseFault(formatFault(spec)) equals spec', () => {
    fc.assert(
      fc.property(resolvedSpecs, (spec) => {
        expect(resolveFaultSpec(spec)).toEqual(spec);
        expect(parseFault(formatFault(spec))).toEqual(spec);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('rejects an invalid spec', () => {
    expect(() => formatFault({ type: 'busy', maxConnections: -1 })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'fault.maxConnections' }),
    );
  });
});

describe('resolveFaultInput', () => {
  it('takes a spec object or its --fault text', () => {
    expect(resolveFaultInput('busy=2', 'faults[0]')).toEqual({ type: 'busy', maxConnections: 2 });
    expect(resolveFaultInput({ type: 'busy', maxConnections: '2' }, 'faults[0]')).toEqual({ type: 'busy', maxConnections: 2 });
  });

  it('names the list index in errors, for texts and objects alike', () => {
    expect(() => resolveFaultInputs(['refuse', 'busy=x'])).toThrow(
      expect.objectContaining({ option: 'faults[1]', message: expect.stringMatching(/^faults\[1\] must be busy=N/) }),
    );
    expect(() => resolveFaultInputs(['refuse', { type: 'busy' }])).toThrow(
      expect.objectContaining({ option: 'faults[1].maxConnections' }),
    );
  });

  it('rejects a list that is not an array', () => {
    expect(() => resolveFaultInputs('refuse')).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults' }));
  });
});
