import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonSource, positionOf } from './json-source.js';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { formatLogfileLine } from './logfile-line.js';

describe('parseJsonSource', () => {
  it('reads what JSON.stringify writes, with any indentation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJsonSource(text).value).toEqual(JSON.parse(text));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('never throws anything but an ESA_ERR_INVALID_SCENARIO error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseJsonSource(text);
        } catch (error) {
          expect(error).toMatchObject({ code: 'ESA_ERR_INVALID_SCENARIO' });
          expect((error as Error).message).toMatch(/^scenario:\d+:\d+: invalid JSON: /);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('rejects what JSON.parse rejects', () => {
    for (const text of ['', '{', '{"a":}', '[1,]', '{"a":1,}', "{'a':1}", '01', '1e', '"\\x"', 'nul', '{"a" 1}', '"a\nb"', '1 2', 'NaN']) {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => parseJsonSource(text)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO' }));
    }
  });

  it('records where each value starts, by JSON path', () => {
    const source = parseJsonSource('{\n  "name": "x",\n  "subscriptions": [\n    { "facility": "kern" }\n  ]\n}', 'my.json');
    expect(source.positions.get('')).toEqual({ line: 1, column: 1 });
    expect(source.positions.get('name')).toEqual({ line: 2, column: 11 });
    expect(source.positions.get('subscriptions[0]')).toEqual({ line: 4, column: 5 });
    expect(source.positions.get('subscriptions[0].facility')).toEqual({ line: 4, column: 19 });
  });

  it('names the position of a syntax error and of a duplicate key', () => {
    expect(() => parseJsonSource('{\n  "a": 1\n  "b": 2\n}', 'f.json')).toThrow("f.json:3:3: invalid JSON: expected ',' or '}' after a property value; found \"\\\"b\\\": 2\\n}\"");
    expect(() => parseJsonSource('{"a": 1, "a": 2}')).toThrow('scenario:1:10: invalid JSON: duplicate key "a" in the document');
  });

  it('accepts a byte order mark and keeps "__proto__" an own key', () => {
    const { value } = parseJsonSource('\uFEFF{"__proto__": {"polluted": true}}');
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('limits nesting', () => {
    expect(() => parseJsonSource('['.repeat(100) + ']'.repeat(100))).toThrow(/levels of nesting/);
  });

  it('computes 1-based positions', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('formatLogfileLine', () => {
  it.for([
    [Date.UTC(2014, 5, 25, 6, 50, 4), 7200, 'Critical', 'Wed Jun 25 08:50:04 2014 Critical: Log Error'],
    [Date.UTC(2014, 10, 9, 23, 16, 46), 0, 'Information', 'Sun Nov  9 23:16:46 2014 Info: Log Error'],
    [Date.UTC(2014, 11, 31, 23, 0, 0), 3600, 'Warning', 'Thu Jan  1 00:00:00 2015 Warning: Log Error'],
    [Date.UTC(2024, 1, 29, 12, 0, 0), -5 * 3600, 'Debug', 'Thu Feb 29 07:00:00 2024 Debug: Log Error'],
  ] as const)('%i at %i s → %s', ([timeMs, offset, level, line]) => {
    expect(formatLogfileLine({ timeMs, level, text: 'Log Error' }, offset)).toBe(line);
  });

  it('writes CEF records without a level word', () => {
    expect(formatLogfileLine({ timeMs: 0, level: 'Information', text: 'CEF:0|Cisco|…' }, 0, true)).toBe('Thu Jan  1 00:00:00 1970 CEF:0|Cisco|…');
  });
});
