import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { createAmpGenerator, resolveAmpOptions } from './amp-generator.js';

const START_MS = Date.UTC(2026, 2, 17, 18, 24, 0);

describe('createAmpGenerator', () => {
  it('answers every reputation query after it, for the same file and MID', () => {
    const out: LogRecord[] = [];
    createAmpGenerator({ seed: 1, linesPerSecond: 10, startMid: 51395379 }).generate(START_MS, START_MS + 600_000, out);
    const queries = out.filter((record) => record.text.startsWith('File reputation query initiating. '));
    expect(queries.length).toBeGreaterThan(1000);
    const mids = queries.map((record) => Number(/, MID = (\d+), /.exec(record.text)?.[1]));
    expect(mids).toEqual(mids.map((_, index) => 51395379 + index));
    const answersByFile = new Map<string, LogRecord[]>();
    for (const record of out) {
      const name = /^Response received for file reputation query from \w+\. (File Name = '[^']+', MID = \d+),/.exec(record.text)?.[1];
      if (name !== undefined) answersByFile.set(name, [...(answersByFile.get(name) ?? []), record]);
    }
    for (const query of queries) {
      expect(query.text).toMatch(/^File reputation query initiating\. File Name = '[^']+', MID = \d+, File Size = \d+ bytes, File Type = [a-z]+\/[\w.+-]+$/);
      if (query.timeMs > START_MS + 598_000) continue;
      const answers = answersByFile.get(/File Name = '[^']+', MID = \d+/.exec(query.text)?.[0] as string) ?? [];
      expect(answers).toHaveLength(1);
      const answer = answers[0] as LogRecord;
      expect(answer.timeMs).toBeGreaterThanOrEqual(query.timeMs);
      expect(out.indexOf(answer, out.indexOf(query))).toBeGreaterThan(0);
      expect(answer.text).toMatch(/^Response received for file reputation query from (Cloud|Cache)\. File Name = '[^']+', MID = \d+, Disposition = (FILE UNKNOWN|MALICIOUS), Malware = \S+, (Analysis|Reputation) Score = \d+, sha256 = [0-9a-f]{64}, upload_action = .+$/);
    }
    expect(out.some((record) => /^Retrospective verdict received\. SHA256: [0-9a-f]{64}, Timestamp: \d+\.\d, Verdict: MALICIOUS, Reputation Score: 0, Spyname: W32\.[0-9A-F]{10}-100\.SBX\.TG$/.test(record.text))).toBe(true);
    expect(out.some((record) => record.text.startsWith('File not uploaded for analysis. MID = '))).toBe(true);
    expect(out.some((record) => record.text.startsWith('File uploaded for analysis. SHA256: '))).toBe(true);
  });

  it.for([
    [{ startMid: 0 }, 'startMid'],
    [{ linesPerSecond: Number.NaN }, 'linesPerSecond'],
    [{ messagesPerSecond: 1 }, 'messagesPerSecond'],
  ] as const)('rejects %j naming %s', ([options, option]) => {
    expect(() => resolveAmpOptions(options as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});
