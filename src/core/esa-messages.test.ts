import { describe, expect, it } from 'vitest';
import {
  alertSentText,
  alertSubject,
  connectFailedText,
  DEFAULT_DUPLICATE_ALERT_OPTIONS,
  duplicateAlertWaitsMs,
  logErrorText,
  nextDuplicateAlertWaitMs,
  resolveDuplicateAlertOptions,
  type DuplicateAlertOptions,
} from './esa-messages.js';

const text = logErrorText('Mail_Log');

describe('ESA failure texts', () => {
  it('writes the exact Log Error line', () => {
    expect(text).toBe('Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
  });

  it('writes the assumed connect-failure line', () => {
    expect(connectFailedText('Mail_Log', 'siem.example.com')).toBe('Log Error: Subscription Mail_Log: Failed to connect to siem.example.com');
  });

  it('writes the alert subject', () => {
    expect(alertSubject({ hostname: 'esa1.example.com', text })).toBe(`Critical <System> esa1.example.com: ${text}`);
    expect(alertSubject({ hostname: 'esa1', text: 'x', severity: 'Warning', alertClass: 'Hardware' })).toBe('Warning <Hardware> esa1: x');
  });

  it('cuts the alert text at 60 characters by default', () => {
    expect(alertSentText({ hostname: 'esa1.example.com', text }, 'admin@example.com')).toBe(
      'A System/Critical alert was sent to admin@example.com with subject "Critical <System> esa1.example.com: Log Error: Subscription Mail_Log: Network error while sendin...".',
    );
  });

  it('reproduces a seed-like line with 63 characters', () => {
    expect(alertSentText({ hostname: 'esa1.example.com', text }, 'admin@example.com', 63)).toBe(
      'A System/Critical alert was sent to admin@example.com with subject "Critical <System> esa1.example.com: Log Error: Subscription Mail_Log: Network error while sending l...".',
    );
  });

  it('leaves a short alert text whole, and never splits a surrogate pair', () => {
    expect(alertSentText({ hostname: 'h', text: 'short' }, 'a@example.com')).toBe(
      'A System/Critical alert was sent to a@example.com with subject "Critical <System> h: short".',
    );
    expect(alertSentText({ hostname: 'h', text: 'ab😀cd' }, 'a@example.com', 3)).toContain('h: ab..."');
  });

  it.for([0, -1, 2.5, Number.NaN])('rejects textChars %s', (chars) => {
    expect(() => alertSentText({ hostname: 'h', text }, 'a@example.com', chars)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'textChars' }),
    );
  });
});

describe('duplicate alert back-off', () => {
  const take = (iterator: Iterator<number>, count: number): number[] =>
    Array.from({ length: count }, () => iterator.next().value as number);

  it('grows as initial + 2 × previous: 5, 15, 35, 75 s', () => {
    const options = resolveDuplicateAlertOptions({ initialWaitMs: '5s', maxWaitMs: '1h' });
    expect(take(duplicateAlertWaitsMs(options), 6)).toEqual([5000, 15_000, 35_000, 75_000, 155_000, 315_000]);
  });

  it('caps the wait at the maximum', () => {
    const options = resolveDuplicateAlertOptions();
    expect(options).toEqual(DEFAULT_DUPLICATE_ALERT_OPTIONS);
    expect(take(duplicateAlertWaitsMs(options), 5)).toEqual([300_000, 900_000, 2_100_000, 3_600_000, 3_600_000]);
    expect(nextDuplicateAlertWaitMs(3_600_000, options)).toBe(3_600_000);
  });

  it('sends every duplicate with an initial wait of 0', () => {
    const options = resolveDuplicateAlertOptions({ initialWaitMs: 0 });
    expect(take(duplicateAlertWaitsMs(options), 3)).toEqual([0, 0, 0]);
    expect(options.maxWaitMs).toBe(3_600_000);
  });

  it('raises the default maximum to a larger initial wait', () => {
    expect(resolveDuplicateAlertOptions({ initialWaitMs: '2h' })).toEqual({ initialWaitMs: 7_200_000, maxWaitMs: 7_200_000 });
  });

  it.for([
    [{ initialWaitMs: -1 }, 'alerts.initialWaitMs'],
    [{ initialWaitMs: 'soon' }, 'alerts.initialWaitMs'],
    [{ maxWaitMs: '1s', initialWaitMs: '5s' }, 'alerts.maxWaitMs'],
    [{ maxWait: 10 }, 'alerts.maxWait'],
  ] as const)('rejects %j naming %s', ([input, option]) => {
    expect(() => resolveDuplicateAlertOptions(input as DuplicateAlertOptions, 'alerts')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });
});
