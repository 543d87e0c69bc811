import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseByteSize, parseDurationMs } from './units.js';

describe('parseDurationMs', () => {
  it.for([
    ['200ms', 200],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['300', 300],
    [0, 0],
    [250, 250],
  ] as const)('reads %s as %d ms', ([input, expected]) => {
    expect(parseDurationMs('duration', input)).toBe(expected);
  });

  it.for(['-1s', 'abc', '10 parsecs', '', 'NaNs', Number.NaN, -5, Number.POSITIVE_INFINITY, '400d', null, {}])(
    'rejects %s naming the option',
    (input) => {
      expect(() => parseDurationMs('--duration', input)).toThrow(
        expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: '--duration' }),
      );
    },
  );

  it('reads bare numbers in seconds when asked', () => {
    expect(parseDurationMs('t', '3', 's')).toBe(3000);
    expect(() => parseDurationMs('t', '3', null)).toThrow(/t must be a duration/);
  });
});

describe('parseByteSize', () => {
  it.for([
    ['1024', 1024],
    ['64k', 65536],
    ['10MB', 10 * 1024 * 1024],
    [512, 512],
  ] as const)('reads %s as %d bytes', ([input, expected]) => {
    expect(parseByteSize('size', input)).toBe(expected);
  });

  it.for(['-1', '1.5', 'ten', '5 parsecs', 2.5])('rejects %s', (input) => {
    expect(() => parseByteSize('--max', input)).toThrow(expect.objectContaining({ option: '--max' }));
  });

  it('enforces bounds', () => {
    expect(() => parseByteSize('maxBytes', 10, { min: 64 })).toThrow(/from 64/);
  });
});

describe('formatDurationMs', () => {
  it.for([
    [850, '850ms'],
    [12_000, '12s'],
    [300_000, '5m'],
    [5_400_000, '1h30m'],
  ] as const)('renders %d as %s', ([ms, text]) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});
