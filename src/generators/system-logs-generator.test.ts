import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { createSystemLogsGenerator, resolveSystemLogsOptions } from './system-logs-generator.js';

const START_MS = Date.UTC(2026, 2, 17, 18, 31, 0);

describe('createSystemLogsGenerator', () => {
  it('writes commits and lame referrals at Information, DNS errors at Warning', () => {
    const out: LogRecord[] = [];
    createSystemLogsGenerator({ seed: 1, linesPerSecond: 2 }).generate(START_MS, START_MS + 600_000, out);
    const info = [/^PID \d+: User \w+ commit changes: .+$/, /^lame DNS referral: qname:\S+ ns_name:\S+ zone:\S+ ref_zone:\S+ referrals:\[\(\d+L, 0, 'insecure', '\S+'\)\]$/];
    const warning = [
      /^DNS query network error '\[Errno 51\] Network is unreachable' to '192\.0\.2\.5[34]' looking up \S+$/,
      /^Received an invalid DNS Response: '' to IP 192\.0\.2\.5[34] looking up \S+$/,
      /^Failed to bootstrap the DNS resolver\. Unable to contact root servers\.$/,
    ];
    for (const record of out) {
      const patterns = record.level === 'Warning' ? warning : info;
      expect(record.level === 'Warning' || record.level === 'Information').toBe(true);
      expect(patterns.some((pattern) => pattern.test(record.text)), record.text).toBe(true);
    }
    for (const pattern of [...info, ...warning]) expect(out.some((record) => pattern.test(record.text)), String(pattern)).toBe(true);
  });

  it('defaults to one line every 20 s', () => {
    expect(resolveSystemLogsOptions().linesPerSecond).toBe(0.05);
    expect(() => resolveSystemLogsOptions({ linesPerSecond: 1e8 })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'linesPerSecond' }));
  });
});
