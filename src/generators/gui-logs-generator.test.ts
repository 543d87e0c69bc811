import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { createGuiLogsGenerator, resolveGuiLogsOptions } from './gui-logs-generator.js';

const START_MS = Date.UTC(2026, 2, 17, 18, 31, 0);

describe('createGuiLogsGenerator', () => {
  it('writes the HTTP log lines of administrators’ sessions', () => {
    const out: LogRecord[] = [];
    createGuiLogsGenerator({ seed: 1, linesPerSecond: 5 }).generate(START_MS, START_MS + 600_000, out);
    const patterns = [
      /^req:192\.0\.2\.\d+ user:\w+ id:[A-Za-z0-9]{20} (200|304) GET \/\S+ HTTP\/1\.1 Mozilla\/5\.0 .+$/,
      /^SourceIP:192\.0\.2\.\d+ Destination:\/login Username:\w+ Privilege:admin session:[A-Za-z0-9]{20} Action: The HTTPS session has been established successfully\.$/,
      /^Session [A-Za-z0-9]{20} user:\w+ expired$/,
      /^Action: User \w+ logged out from session [A-Za-z0-9]{20} beacuse of inactivity timeout$/,
      /^Session [A-Za-z0-9]{20} from 192\.0\.2\.\d+ not found Destination:\/\S+$/,
      /^http service on 192\.0\.2\.12:80 redirecting to https port 443$/,
      /^SSL error with client \S+:\d+ - \(336151574, '.+'\)$/,
      /^Error in https connection from host \S+ port \d+ - \[Errno 54\] Connection reset by peer$/,
      /^PERIODIC REPORTS: PERIODIC_REPORTS\.SYSTEM\.STARTED$/,
    ];
    for (const record of out) expect(patterns.some((pattern) => pattern.test(record.text)), record.text).toBe(true);
    for (const pattern of patterns) expect(out.some((record) => pattern.test(record.text)), String(pattern)).toBe(true);
    expect(out.filter((record) => record.level === 'Warning').every((record) => record.text.startsWith('SSL error with client '))).toBe(true);
  });

  it('keeps a session id across requests until the session ends', () => {
    const out: LogRecord[] = [];
    createGuiLogsGenerator({ seed: 2, linesPerSecond: 5 }).generate(START_MS, START_MS + 120_000, out);
    const ids = out.flatMap((record) => /^req:\S+ user:\w+ id:(\w+) /.exec(record.text)?.[1] ?? []);
    expect(new Set(ids).size).toBeLessThan(ids.length / 3);
  });

  it('rejects a bad interfaceAddress', () => {
    expect(() => resolveGuiLogsOptions({ interfaceAddress: 'a b' })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'interfaceAddress' }));
  });
});
