import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { createAuthenticationGenerator, resolveAuthenticationOptions } from './authentication-generator.js';

const START_MS = Date.UTC(2026, 7, 10, 10, 11, 0);

describe('createAuthenticationGenerator', () => {
  it('writes logons, authentications, failures and logouts at Information', () => {
    const out: LogRecord[] = [];
    createAuthenticationGenerator({ seed: 1, linesPerSecond: 2 }).generate(START_MS, START_MS + 600_000, out);
    const patterns = [
      /^The user \w+ successfully logged on from 192\.0\.2\.\d+ using an HTTPS connection\.$/,
      /^User \w+ from 192\.0\.2\.\d+ was authenticated successfully\.$/,
      /^An authentication attempt by the user \w+ from \S+ failed$/,
      /^User \w+ from \S+ failed authentication\.$/,
      /^logout:192\.0\.2\.\d+ user:\w+ session:[A-Za-z0-9]{20}$/,
    ];
    expect(out.length).toBeGreaterThan(1000);
    for (const record of out) {
      expect(record.level).toBe('Information');
      expect(patterns.some((pattern) => pattern.test(record.text)), record.text).toBe(true);
    }
    for (const pattern of patterns) expect(out.some((record) => pattern.test(record.text)), String(pattern)).toBe(true);
  });

  it('defaults to one line every 20 s and rejects unknown options', () => {
    expect(resolveAuthenticationOptions().linesPerSecond).toBe(0.05);
    expect(() => resolveAuthenticationOptions({ level: 'Debug' } as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'level' }));
  });
});
