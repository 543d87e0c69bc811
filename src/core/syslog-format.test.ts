import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS } from '../../test/support/property-runs.js';
import { readSeedLines, seedLine } from '../../test/support/seed-lines.js';
import { alertSentText, connectFailedText, logErrorText } from './esa-messages.js';
import type { LogRecord } from './log-record.js';
import { logfileHeaderTexts, resolveLogfileIdentity } from './logfile.js';
import { resolveSubscriptionOptions, type SubscriptionOptions } from './subscription-options.js';
import {
  civilFromDays,
  createSyslogFormatter,
  formatSyslogTimestamp,
  resolveUtcOffsetSeconds,
  syslogPri,
  type SyslogFormatSubscription,
} from './syslog-format.js';
import { LOG_LEVELS } from './vocabulary.js';

const seedTimeMs = Date.UTC(2026, 5, 25, 6, 50, 3);

function setup(options: Partial<SubscriptionOptions> = {}, utcOffsetSeconds = 7200) {
  const subscription = resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1', ...options });
  return createSyslogFormatter(subscription, { utcOffsetSeconds });
}

const [begin, version, offset] = logfileHeaderTexts(resolveLogfileIdentity({ utcOffsetSeconds: 7200 }));

describe('createSyslogFormatter', () => {
  it.for([
    ['begin-logfile', 'Information', begin],
    ['version', 'Information', version],
    ['time-offset', 'Information', offset],
    ['log-error-warning', 'Warning', logErrorText('Mail_Log')],
    ['log-error-info', 'Information', logErrorText('Mail_Log')],
    ['alert-sent-63', 'Information', alertSentText({ hostname: 'esa1.example.com', text: logErrorText('Mail_Log') }, 'admin@example.com', 63)],
    ['critical', 'Critical', connectFailedText('Mail_Log', '192.0.2.30')],
    ['mail-trailing-space', 'Information', 'Message done DCID 7436 MID 64855 to RID [0] '],
  ] as const)('writes the seed line %s byte for byte', ([label, level, text]) => {
    expect(setup().format({ timeMs: seedTimeMs, level, text })).toBe(seedLine(label));
  });

  it('pads the day with a zero by default and with a space as an option', () => {
    // 22:00 UTC on Jul 3 is midnight on Jul 4 at UTC+2.
    const record = { timeMs: Date.UTC(2026, 6, 3, 22, 0, 0), level: 'Information', text: 'Start MID 64855 ICID 3160' } as const;
    expect(setup().format(record)).toBe(seedLine('zero-padded-day'));
    expect(setup({ timestampPadding: 'space' }).format(record)).toBe(seedLine('space-padded-day'));
  });

  it('writes the hostname token before the tag', () => {
    expect(setup({ hostname: 'esa1.example.com' }).format({ timeMs: seedTimeMs, level: 'Information', text: begin })).toBe(
      seedLine('hostname-token'),
    );
  });

  it('writes local time west of UTC', () => {
    const formatter = setup({}, -18_000);
    const text = logfileHeaderTexts(resolveLogfileIdentity({ utcOffsetSeconds: -18_000 }))[2];
    expect(formatter.format({ timeMs: Date.UTC(2027, 0, 1), level: 'Information', text })).toBe(seedLine('west-of-utc'));
  });

  it('writes CEF lines without a level word', () => {
    const formatter = setup({ name: 'consolidated_event', type: 'consolidated_event', facility: 'user' }, 0);
    const line = seedLine('cef');
    const text = line.slice(line.indexOf('CEF:'));
    expect(formatter.format({ timeMs: Date.UTC(2026, 5, 12, 14, 1, 33), level: 'Information', text })).toBe(line);
  });

  it('takes the PRI from the facility and the level', () => {
    const formatter = setup({ facility: 'local7', severityByLevel: { Critical: 1 } });
    expect(LOG_LEVELS.map((level) => formatter.pri(level))).toEqual([185, 188, 190, 191, 191]);
    expect(formatter.header({ timeMs: seedTimeMs, level: 'Critical', text: '' })).toBe('<185>Jun 25 08:50:03 Mail_Log: Critical: ');
    expect(() => formatter.pri('Info' as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'level' }));
  });

  it('returns the header that split repeats', () => {
    expect(setup().header({ timeMs: seedTimeMs, level: 'Warning', text: 'x' })).toBe('<20>Jun 25 08:50:03 Mail_Log: Warning: ');
  });

  it('keeps the cached header right across seconds and levels', () => {
    const formatter = setup();
    const lines = [0, 999, 1000, 1000, 61_000, 61_000].map((deltaMs, i) =>
      formatter.format({ timeMs: seedTimeMs + deltaMs, level: i % 2 ? 'Debug' : 'Information', text: `${i}` }),
    );
    expect(lines).toEqual([
      '<22>Jun 25 08:50:03 Mail_Log: Info: 0',
      '<23>Jun 25 08:50:03 Mail_Log: Debug: 1',
      '<22>Jun 25 08:50:04 Mail_Log: Info: 2',
      '<23>Jun 25 08:50:04 Mail_Log: Debug: 3',
      '<22>Jun 25 08:51:04 Mail_Log: Info: 4',
      '<23>Jun 25 08:51:04 Mail_Log: Debug: 5',
    ]);
  });

  it('equals an uncached reference on any sequence of records (property)', () => {
    const record = fc.record({
      timeMs: fc.integer({ min: seedTimeMs - 5000, max: seedTimeMs + 5000 }),
      level: fc.constantFrom(...LOG_LEVELS),
      text: fc.string({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.constantFrom('zero', 'space') as fc.Arbitrary<'zero' | 'space'>, (records, timestampPadding) => {
        const formatter = setup({ timestampPadding, facility: 'local3' });
        for (const item of records) {
          const stamp = formatSyslogTimestamp(item.timeMs, 7200, timestampPadding);
          const word = { Critical: 'Critical', Warning: 'Warning', Information: 'Info', Debug: 'Debug', Trace: 'Trace' }[item.level];
          const pri = syslogPri('local3', { Critical: 2, Warning: 4, Information: 6, Debug: 7, Trace: 7 }[item.level]);
          expect(formatter.format(item)).toBe(`<${pri}>${stamp} Mail_Log: ${word}: ${item.text}`);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it.for([
    [{ timeMs: Number.NaN, level: 'Information', text: '' }, 'record.timeMs'],
    [{ timeMs: Number.POSITIVE_INFINITY, level: 'Information', text: '' }, 'record.timeMs'],
    [{ timeMs: seedTimeMs, level: 'Info', text: '' }, 'record.level'],
    [{ timeMs: seedTimeMs, level: '__proto__', text: '' }, 'record.level'],
  ] as const)('rejects the record %j naming %s', ([record, option]) => {
    const formatter = setup();
    formatter.format({ timeMs: seedTimeMs, level: 'Information', text: 'warm the cache' });
    expect(() => formatter.format(record as unknown as LogRecord)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });

  const valid: SyslogFormatSubscription = resolveSubscriptionOptions({ name: 'Mail_Log', host: 'h' });
  it.for([
    [{ ...valid, name: 'Mail Log' }, 'subscription.name'],
    [{ ...valid, facility: 'kern' }, 'subscription.facility'],
    [{ ...valid, timestampPadding: 'none' }, 'subscription.timestampPadding'],
    [{ ...valid, hostname: 'a b' }, 'subscription.hostname'],
    [{ ...valid, format: 'json' }, 'subscription.format'],
    [{ ...valid, severityByLevel: { Warning: 9 } }, 'severityByLevel.Warning'],
    [null, 'subscription'],
  ] as const)('rejects an invalid subscription naming %s', ([subscription, option]) => {
    expect(() => createSyslogFormatter(subscription as unknown as SyslogFormatSubscription)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });

  it.for([1.5, 64_801, -64_801, '7200'])('rejects utcOffsetSeconds %j', (utcOffsetSeconds) => {
    expect(() => createSyslogFormatter(valid, { utcOffsetSeconds: utcOffsetSeconds as number })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'utcOffsetSeconds' }),
    );
  });

  it('covers every formatter label of the fixture', () => {
    const labels = [...readSeedLines().keys()].filter((label) => !label.startsWith('parse-only:'));
    const tested = ['begin-logfile', 'version', 'time-offset', 'log-error-warning', 'log-error-info', 'alert-sent-63', 'critical',
      'mail-trailing-space', 'zero-padded-day', 'space-padded-day', 'hostname-token', 'west-of-utc', 'cef'];
    expect(labels.sort()).toEqual(tested.sort());
  });
});

describe('formatSyslogTimestamp', () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');

  it.for([
    [Date.UTC(2028, 1, 29, 23, 59, 59), 0, 'Feb 29 23:59:59'],
    [Date.UTC(2028, 1, 29, 23, 59, 59), 1, 'Mar 01 00:00:00'],
    [Date.UTC(1970, 0, 1), -1, 'Dec 31 23:59:59'],
    [Date.UTC(2000, 1, 29, 12), 0, 'Feb 29 12:00:00'],
    [Date.UTC(2100, 2, 1), -3600, 'Feb 28 23:00:00'],
    [-1, 0, 'Dec 31 23:59:59'],
  ] as const)('formats %i at offset %i as %s', ([timeMs, offsetSeconds, expected]) => {
    expect(formatSyslogTimestamp(timeMs, offsetSeconds)).toBe(expected);
  });

  it('agrees with the Date UTC calendar (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -8.64e15 + 1e11, max: 8.64e15 - 1e11 }),
        fc.integer({ min: -64_800, max: 64_800 }),
        (timeMs, offsetSeconds) => {
          const local = new Date(Math.floor(timeMs / 1000) * 1000 + offsetSeconds * 1000);
          const expected = `${months[local.getUTCMonth()]} ${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
          expect(formatSyslogTimestamp(timeMs, offsetSeconds)).toBe(expected);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('returns year, month and day from civilFromDays', () => {
    expect(civilFromDays(0)).toEqual({ year: 1970, month: 1, day: 1 });
    expect(civilFromDays(-1)).toEqual({ year: 1969, month: 12, day: 31 });
    expect(civilFromDays(Date.UTC(2026, 5, 25) / 86_400_000)).toEqual({ year: 2026, month: 6, day: 25 });
  });
});

describe('syslogPri and resolveUtcOffsetSeconds', () => {
  it('computes facility × 8 + severity', () => {
    expect(syslogPri('mail', 6)).toBe(22);
    expect(syslogPri('user', 6)).toBe(14);
    expect(syslogPri('local7', 7)).toBe(191);
  });

  it('defaults the offset to 0', () => {
    expect(resolveUtcOffsetSeconds(undefined)).toBe(0);
    expect(resolveUtcOffsetSeconds(-18_000)).toBe(-18_000);
  });
});
