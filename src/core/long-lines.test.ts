import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { utf8ByteLength } from './framing.js';
import {
  applyLongLineRule,
  DEFAULT_LONG_LINE_POLICY,
  detectSyslogHeaderLength,
  exceedsLongLineLimit,
  resolveLongLinePolicy,
  utf8PrefixEnd,
  type LongLinePolicy,
} from './long-lines.js';

const header = '<22>Jun 25 08:50:03 Mail_Log: Info: ';

describe('resolveLongLinePolicy', () => {
  it('defaults to sending as is with a 65536-byte limit', () => {
    expect(resolveLongLinePolicy(undefined, 'longLines')).toEqual({ rule: 'send', maxBytes: 65536 });
    expect(DEFAULT_LONG_LINE_POLICY).toEqual({ rule: 'send', maxBytes: 65536 });
  });

  it.for([
    [{ rule: 'truncate', maxBytes: 1024 }, { rule: 'truncate', maxBytes: 1024 }],
    [{ rule: 'split', maxBytes: '2k' }, { rule: 'split', maxBytes: 2048 }],
    [{ rule: 'drop' }, { rule: 'drop', maxBytes: 65536 }],
    [{}, { rule: 'send', maxBytes: 65536 }],
    ['truncate:2048', { rule: 'truncate', maxBytes: 2048 }],
    ['split: 1k', { rule: 'split', maxBytes: 1024 }],
    ['drop', { rule: 'drop', maxBytes: 65536 }],
  ] as const)('resolves %j', ([input, expected]) => {
    expect(resolveLongLinePolicy(input, 'longLines')).toEqual(expected);
  });

  it.for([
    ['cut', 'longLines'],
    ['truncate:abc', 'longLines.maxBytes'],
    ['truncate:8', 'longLines.maxBytes'],
    [{ rule: 'cut' }, 'longLines.rule'],
    [{ rule: 'split', maxBytes: 15 }, 'longLines.maxBytes'],
    [{ rule: 'split', maxBytes: 1.5 }, 'longLines.maxBytes'],
    [{ rule: 'split', maxBytes: 2 ** 31 }, 'longLines.maxBytes'],
    [{ rule: 'split', max: 100 }, 'longLines.max'],
    [42, 'longLines'],
    [null, 'longLines'],
    [['split'], 'longLines'],
  ] as const)('rejects %j naming %s', ([input, option]) => {
    expect(() => resolveLongLinePolicy(input, 'longLines')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });

  it('names the rules in its message', () => {
    expect(() => resolveLongLinePolicy({ rule: 'cut' }, 'longLines')).toThrow(
      'longLines.rule must be one of send, truncate, split, drop; got "cut"',
    );
  });
});

describe('applyLongLineRule', () => {
  const long = `${header}${'x'.repeat(200)}`;
  const policy = (rule: LongLinePolicy['rule'], maxBytes = 100): LongLinePolicy => ({ rule, maxBytes });

  it('sends a line that fits unchanged whatever the rule', () => {
    for (const rule of ['send', 'truncate', 'split', 'drop'] as const) {
      expect(applyLongLineRule(`${header}Begin Logfile`, policy(rule))).toEqual({
        parts: [`${header}Begin Logfile`],
        action: undefined,
        originalBytes: 49,
      });
    }
  });

  it('sends a long line as is under send', () => {
    expect(applyLongLineRule(long, policy('send'))).toEqual({ parts: [long], action: undefined, originalBytes: 236 });
  });

  it('keeps the first maxBytes bytes under truncate', () => {
    const result = applyLongLineRule(long, policy('truncate'));
    expect(result).toEqual({ parts: [long.slice(0, 100)], action: 'truncated', originalBytes: 236 });
  });

  it('returns no parts under drop', () => {
    expect(applyLongLineRule(long, policy('drop'))).toEqual({ parts: [], action: 'dropped', originalBytes: 236 });
  });

  it('splits into parts that each repeat the header', () => {
    const result = applyLongLineRule(long, policy('split'));
    expect(result.action).toBe('split');
    // 200 x: the first part holds the header and 64 of them, each later part header + up to 64.
    expect(result.parts).toEqual([
      long.slice(0, 100),
      header + 'x'.repeat(64),
      header + 'x'.repeat(64),
      header + 'x'.repeat(8),
    ]);
  });

  it('uses an explicit header length', () => {
    const result = applyLongLineRule(long, policy('split'), 4);
    expect(result.parts[1]).toBe(`<22>${'x'.repeat(96)}`);
  });

  it('splits without a header when it leaves no room for a character', () => {
    const result = applyLongLineRule(long, policy('split', 38));
    expect(result.parts[0]).toBe(long.slice(0, 38));
    expect(result.parts[1]).toBe(long.slice(38, 76));
    expect(result.parts.join('')).toBe(long);
  });

  it('cuts at UTF-8 character boundaries', () => {
    // "é" is 2 bytes, "€" 3, "😀" 4 (a surrogate pair).
    const text = `${header}${'é€😀'.repeat(20)}`;
    const truncated = applyLongLineRule(text, policy('truncate', 40));
    expect(truncated.parts[0]).toBe(`${header}é`);
    const split = applyLongLineRule(text, policy('split', 45));
    for (const part of split.parts) {
      expect(utf8ByteLength(part)).toBeLessThanOrEqual(45);
      expect(part).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
    expect(split.parts.map((part, i) => (i === 0 ? part : part.slice(header.length))).join('')).toBe(text);
  });

  it('reassembles every split and bounds every part (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 16, max: 300 }), (body, maxBytes) => {
        const message = header + body;
        const result = applyLongLineRule(message, { rule: 'split', maxBytes });
        const headerKept = utf8ByteLength(header) + 4 <= maxBytes;
        for (const part of result.parts) expect(utf8ByteLength(part)).toBeLessThanOrEqual(maxBytes);
        const rejoined = result.parts.map((part, i) => (i > 0 && headerKept ? part.slice(header.length) : part)).join('');
        expect(rejoined).toBe(message);
        if (headerKept) for (const part of result.parts.slice(1)) expect(part.startsWith(header)).toBe(true);
        expect(result.originalBytes).toBe(utf8ByteLength(message));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('exceedsLongLineLimit', () => {
  it.for([
    ['x'.repeat(101), 'send', false],
    ['x'.repeat(101), 'truncate', true],
    ['x'.repeat(100), 'truncate', false],
    ['€'.repeat(33), 'split', false],
    ['€'.repeat(34), 'split', true],
    ['é'.repeat(50), 'drop', false],
    ['é'.repeat(50) + 'x', 'drop', true],
  ] as const)('%j under %s at 100 bytes → %s', ([message, rule, expected]) => {
    expect(exceedsLongLineLimit(message, { rule, maxBytes: 100 })).toBe(expected);
  });

  it('agrees with applyLongLineRule (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 16, max: 200 }), (message, maxBytes) => {
        const policy: LongLinePolicy = { rule: 'truncate', maxBytes };
        expect(exceedsLongLineLimit(message, policy)).toBe(applyLongLineRule(message, policy).action !== undefined);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('utf8PrefixEnd', () => {
  it.for([
    ['abcdef', 0, 3, 3],
    ['abcdef', 2, 10, 6],
    ['aé', 0, 2, 1],
    ['😀x', 0, 3, 0],
    ['😀x', 0, 4, 2],
    ['\ud800x', 0, 3, 1],
  ] as const)('%j from %i within %i bytes ends at %i', ([text, start, max, end]) => {
    expect(utf8PrefixEnd(text, start, max)).toBe(end);
  });
});

describe('detectSyslogHeaderLength', () => {
  it.for([
    ['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile', header.length],
    ['<20>Jun 25 08:50:03 Mail_Log: Warning: Log Error: x', '<20>Jun 25 08:50:03 Mail_Log: Warning: '.length],
    ['<22>Jul  4 08:50:03 mail.example.com Mail_Log: Info: x', '<22>Jul  4 08:50:03 mail.example.com Mail_Log: Info: '.length],
    ['<14>Jun 12 14:01:33 consolidated_event: CEF:0|Cisco|x', '<14>Jun 12 14:01:33 consolidated_event: '.length],
    ["<13>Oct 11 22:14:15 mymachine su: 'su root' failed", '<13>Oct 11 22:14:15 mymachine su: '.length],
    ['<13>Oct 11 22:14:15 a b c: text', '<13>Oct 11 22:14:15 '.length],
    ['<13>Oct 11 22:14:15 no tag here', '<13>Oct 11 22:14:15 '.length],
    ['Begin Logfile', 0],
    ['<22> Jun 25 08:50:03 x: y', 0],
    ['<>Jun 25 08:50:03 x: y', 0],
    ['', 0],
  ] as const)('%j → %i', ([line, length]) => {
    expect(detectSyslogHeaderLength(line)).toBe(length);
  });

  it('never throws and stays within the line (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (line) => {
        const length = detectSyslogHeaderLength(line);
        expect(length).toBeGreaterThanOrEqual(0);
        expect(length).toBeLessThanOrEqual(line.length);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
