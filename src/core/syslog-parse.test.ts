import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { readSeedLines, seedLine } from '../../test/support/seed-lines.js';
import { resolveSubscriptionOptions } from './subscription-options.js';
import { createSyslogFormatter } from './syslog-format.js';
import { isParsableSyslogLine, parseSyslogLine, type ParsedSyslogLine } from './syslog-parse.js';
import { FACILITIES, FACILITY_CODES, LOG_LEVELS } from './vocabulary.js';

function parsed(line: string): ParsedSyslogLine {
  const result = parseSyslogLine(line);
  if (!result.ok) throw new Error(`did not parse: ${result.error.reason} at ${result.error.offset}`);
  return result.record;
}

describe('parseSyslogLine', () => {
  it('parses the seed line', () => {
    expect(parsed(seedLine('begin-logfile'))).toEqual({
      pri: 22,
      facility: 2,
      facilityName: 'mail',
      severity: 6,
      timestamp: { month: 6, day: 25, hour: 8, minute: 50, second: 3, text: 'Jun 25 08:50:03' },
      tag: 'Mail_Log',
      level: 'Information',
      levelWord: 'Info',
      text: 'Begin Logfile',
    });
  });

  it('parses every golden line', () => {
    for (const [label, line] of readSeedLines()) {
      const result = parseSyslogLine(line);
      expect(result.ok, label).toBe(true);
    }
  });

  it('parses a Warning line at severity 4', () => {
    expect(parsed(seedLine('log-error-warning'))).toMatchObject({
      pri: 20,
      severity: 4,
      level: 'Warning',
      text: 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
    });
  });

  it('keeps a trailing space of the text', () => {
    expect(parsed(seedLine('mail-trailing-space')).text).toBe('Message done DCID 7436 MID 64855 to RID [0] ');
  });

  it('reads the hostname token', () => {
    expect(parsed(seedLine('hostname-token'))).toMatchObject({ host: 'esa1.example.com', tag: 'Mail_Log', level: 'Information' });
  });

  it('reads a space-padded day', () => {
    expect(parsed(seedLine('space-padded-day')).timestamp).toEqual({ month: 7, day: 4, hour: 0, minute: 0, second: 0, text: 'Jul  4 00:00:00' });
  });

  it('reads CEF lines without a level', () => {
    const record = parsed(seedLine('cef'));
    expect(record).toMatchObject({ pri: 14, facilityName: 'user', tag: 'consolidated_event' });
    expect(record.level).toBeUndefined();
    expect(record.text.startsWith('CEF:0|Cisco|')).toBe(true);
  });

  it('reads generic BSD lines', () => {
    expect(parsed(seedLine('parse-only:bsd-rfc3164'))).toMatchObject({
      pri: 34,
      facilityName: 'auth',
      severity: 2,
      host: 'mymachine',
      tag: 'su',
      text: "'su root' failed for lonvick on /dev/pts/8",
    });
    expect(parsed(seedLine('parse-only:bsd-pid'))).toMatchObject({ host: 'mymachine', tag: 'sshd', pid: '4721', timestamp: { day: 5 } });
  });

  it.for([
    ['<0>Jan 01 00:00:00 t: x', { pri: 0, facilityName: 'kern', tag: 't', text: 'x' }],
    ['<191>Dec 31 23:59:60 t: x', { pri: 191, facilityName: 'local7', severity: 7 }],
    ['<13>Oct 11 22:14:15 tag:no space', { tag: 'tag', text: 'no space' }],
    ['<13>Oct 11 22:14:15 tag:', { tag: 'tag', text: '' }],
    ['<13>Oct 11 22:14:15 tag: Info:x', { tag: 'tag', text: 'Info:x' }],
    ['<13>Oct 11 22:14:15 tag: Verbose: x', { tag: 'tag', text: 'Verbose: x' }],
    ['<22>Jun 25 08:50:03 Mail_Log: Trace: ', { level: 'Trace', text: '' }],
    ['<22>Jun 25 08:50:03 Mail_Log: Info: multi\nline', { text: 'multi\nline' }],
    ['<22>Jun 25 08:50:03 Mail_Log: Info: héllo 😀', { text: 'héllo 😀' }],
  ] as const)('parses %j', ([line, expected]) => {
    expect(parsed(line)).toMatchObject(expected);
  });

  it.for([
    ['', 0, 'expected "<" opening the PRI'],
    ['Begin Logfile', 0, 'expected "<" opening the PRI'],
    ['<>Jun 25 08:50:03 t: x', 1, 'expected a PRI of 1 to 3 digits'],
    ['<1234>Jun 25 08:50:03 t: x', 1, 'expected a PRI of 1 to 3 digits'],
    ['<192>Jun 25 08:50:03 t: x', 1, 'expected a PRI from 0 to 191'],
    ['<22 Jun 25 08:50:03 t: x', 3, 'expected ">" closing the PRI'],
    ['<22>Jux 25 08:50:03 t: x', 4, 'expected a month (Jan to Dec)'],
    ['<22>Jun 32 08:50:03 t: x', 8, 'expected a day from 1 to 31 (zero- or space-padded)'],
    ['<22>Jun 00 08:50:03 t: x', 8, 'expected a day from 1 to 31 (zero- or space-padded)'],
    ['<22>Jun 25 24:50:03 t: x', 11, 'expected an hour from 00 to 23'],
    ['<22>Jun 25 08-50:03 t: x', 13, 'expected ":" after the hour'],
    ['<22>Jun 25 08:60:03 t: x', 14, 'expected minutes from 00 to 59'],
    ['<22>Jun 25 08:50:61 t: x', 17, 'expected seconds from 00 to 60'],
    ['<22>Jun 25 08:50:03t: x', 19, 'expected a space after the timestamp'],
    ['<22>Jun 25 08:50:03 ', 20, 'expected a tag ending in ":"'],
    ['<22>Jun 25 08:50:03 no tag here', 20, 'expected a tag ending in ":"'],
    ['<22>Jun 25 08:50:03 : x', 20, 'expected a non-empty tag'],
    ['<22>Jun 25 08:50:03 [12]: x', 20, 'expected a non-empty tag'],
    ['<22>2026-06-25T08:50:03Z host t: x', 4, 'expected a month (Jan to Dec)'],
  ] as const)('rejects %j at offset %i', ([line, offset, reason]) => {
    expect(parseSyslogLine(line)).toEqual({ ok: false, error: { code: 'ESA_ERR_PARSE', reason, offset } });
  });

  it('never throws on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (line) => {
        const result = parseSyslogLine(line);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('never throws on mutations of valid lines (property)', () => {
    const line = seedLine('hostname-token');
    fc.assert(
      fc.property(fc.nat({ max: line.length }), fc.nat({ max: 10 }), fc.string({ unit: 'binary', maxLength: 6 }), (at, cut, insert) => {
        const mutated = line.slice(0, at) + insert + line.slice(at + cut);
        const result = parseSyslogLine(mutated);
        if (!result.ok) {
          expect(result.error.offset).toBeGreaterThanOrEqual(0);
          expect(result.error.offset).toBeLessThanOrEqual(mutated.length);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('round-trips what the formatter writes (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/);
    const hostname = fc.option(fc.stringMatching(/^[^\s:]{1,40}$/), { nil: undefined });
    fc.assert(
      fc.property(
        name,
        hostname,
        fc.constantFrom(...FACILITIES),
        fc.constantFrom('zero', 'space') as fc.Arbitrary<'zero' | 'space'>,
        fc.constantFrom('mail_logs', 'consolidated_event'),
        fc.constantFrom(...LOG_LEVELS),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -64_800, max: 64_800 }),
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        (tag, host, facility, timestampPadding, type, level, timeMs, utcOffsetSeconds, body) => {
          const subscription = resolveSubscriptionOptions({ name: tag, host: '127.0.0.1', hostname: host, facility, timestampPadding, type });
          const formatter = createSyslogFormatter(subscription, { utcOffsetSeconds });
          const text = type === 'consolidated_event' ? `CEF:0|Cisco|${body}` : body;
          const record = parsed(formatter.format({ timeMs, level, text }));
          expect(record.pri).toBe(formatter.pri(level));
          expect(record.facility).toBe(FACILITY_CODES[facility]);
          expect(record.facilityName).toBe(facility);
          expect(record.severity).toBe(subscription.severityByLevel[level]);
          expect(record.tag).toBe(tag);
          expect(record.host).toBe(host);
          expect(record.text).toBe(text);
          expect(record.level).toBe(type === 'consolidated_event' ? undefined : level);
          const local = new Date(Math.floor(timeMs / 1000) * 1000 + utcOffsetSeconds * 1000);
          expect(record.timestamp).toMatchObject({
            month: local.getUTCMonth() + 1,
            day: local.getUTCDate(),
            hour: local.getUTCHours(),
            minute: local.getUTCMinutes(),
            second: local.getUTCSeconds(),
          });
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('isParsableSyslogLine', () => {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // Bytes around a line that would make a cut line parse if they were read (a receiver passes one chunk and a range).
  const before = encoder.encode('<22>Jun 25 08:50:03 t: x\n');
  const afters = [':x: [1]: x\n', ' t: x\n', '2>Jun 25 08:50:03 t: x\n'].map((text) => encoder.encode(text));
  const agrees = (bytes: Uint8Array): void => {
    const expected = parseSyslogLine(decoder.decode(bytes)).ok;
    expect(isParsableSyslogLine(bytes)).toBe(expected);
    for (const after of afters) {
      const chunk = new Uint8Array(before.length + bytes.length + after.length);
      chunk.set(before);
      chunk.set(bytes, before.length);
      chunk.set(after, before.length + bytes.length);
      expect(isParsableSyslogLine(chunk, before.length, before.length + bytes.length)).toBe(expected);
    }
  };

  it('accepts every golden line', () => {
    for (const [label, line] of readSeedLines()) expect(isParsableSyslogLine(encoder.encode(line)), label).toBe(true);
  });

  it.for([
    '',
    '<',
    '<22>',
    '<22>Jun 25 08:50:03',
    '<22>Jun 25 08:50:03 ',
    '<22>Jun 25 08:50:03 : x',
    '<22>Jun 25 08:50:03 [12]: x',
    '<22>Jun 25 08:50:03 t[12]: x',
    '<22>Jun 25 08:50:03 host t[]: x',
    '<22>Jun 25 08:50:03 tag:text',
    '<22>Jun 25 08:50:03 a b c',
    '<22>Jul  4 08:50:03 t: x',
    '<22>Jul 0 08:50:03 t: x',
    '<192>Jun 25 08:50:03 t: x',
    '<1234>Jun 25 08:50:03 t: x',
    '<22>Jün 25 08:50:03 t: x',
    '<22>Jun 25 08:50:03 hôst tag: x',
    '<22>Jun 25 08:50:03 tägs: x',
    '<22>Jun 25 08:50:03 \u{1F600}: x',
    '\uFEFF<22>Jun 25 08:50:03 t: x',
  ])('answers as parseSyslogLine for %j', (line) => {
    agrees(encoder.encode(line));
  });

  it('answers as parseSyslogLine on arbitrary bytes after a valid start (property)', () => {
    const start = fc.constantFrom('', '<22>', '<22>Jun 25 08:50:03 ', '<22>Jun 25 08:50:03 host ', '<22>Jun 25 08:50:03 tag');
    fc.assert(
      fc.property(start, fc.uint8Array({ maxLength: 40 }), (prefix, tail) => {
        const head = encoder.encode(prefix);
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        agrees(bytes);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('answers as parseSyslogLine on mutations of valid lines, Unicode included (property)', () => {
    const line = seedLine('hostname-token');
    const insert = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(' ', ':', '[', ']', ' x:', '[1]', 'é', '\uD800'));
    fc.assert(
      fc.property(fc.nat({ max: line.length }), fc.nat({ max: 10 }), insert, (at, cut, text) => {
        agrees(encoder.encode(line.slice(0, at) + text + line.slice(at + cut)));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
