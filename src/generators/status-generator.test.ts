import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { seededRandom } from '../core/random.js';
import { createStatusCounters, createStatusGenerator, formatStatusText, resolveStatusGeneratorOptions, STATUS_QUEUE_KB } from './status-generator.js';

const START_MS = Date.UTC(2026, 5, 25, 0, 0, 0);

const FIELDS = [
  'CPULd', 'DskIO', 'RAMUtil', 'QKUsd', 'QKFre', 'CrtMID', 'CrtICID', 'CrtDCID', 'InjMsg', 'InjRcp', 'GenBncRcp', 'RejRcp', 'DrpMsg',
  'SftBncEvnt', 'CmpRcp', 'HrdBncRcp', 'DnsHrdBnc', '5XXHrdBnc', 'FltrHrdBnc', 'ExpHrdBnc', 'OtrHrdBnc', 'DlvRcp', 'DelRcp', 'GlbUnsbHt',
  'ActvRcp', 'UnatmptRcp', 'AtmptRcp', 'CrtCncIn', 'CrtCncOut', 'DnsReq', 'NetReq', 'CchHit', 'CchMis', 'CchEct', 'CchExp', 'CPUTTm',
  'CPUETm', 'MaxIO', 'RAMUsd', 'MMLen', 'DstInMem', 'ResCon', 'WorkQ', 'QuarMsgs', 'QuarQKUsd', 'LogUsd', 'SophLd', 'BMLd', 'CASELd',
  'TotalLd', 'LogAvail', 'EuQ', 'EuqRls', 'CmrkLd', 'McafLd', 'SwIn', 'SwOut', 'SwPgIn', 'SwPgOut', 'SwapUsage', 'RptLd', 'QtnLd',
  'EncrQ', 'InjBytes',
];

function field(text: string, name: string): number {
  return Number(new RegExp(`(?:^Status:| ) ?${name} (\\d+)`).exec(text)?.[1]);
}

describe('formatStatusText', () => {
  it('writes every AsyncOS status field, in order, with the counters given', () => {
    const counters = { ...createStatusCounters({ mid: 100, icid: 200, dcid: 300 }), injMsg: 7, injBytes: 123_456, actvRcp: 3 };
    const text = formatStatusText(counters, seededRandom(1), 3600);
    expect(text.startsWith('Status: CPULd ')).toBe(true);
    const names = text.slice('Status: '.length).split(' ').filter((_, index) => index % 2 === 0);
    expect(names).toEqual(FIELDS);
    expect(field(text, 'CrtMID')).toBe(99);
    expect(field(text, 'CrtICID')).toBe(199);
    expect(field(text, 'CrtDCID')).toBe(299);
    expect(field(text, 'InjMsg')).toBe(7);
    expect(field(text, 'InjBytes')).toBe(123_456);
    expect(field(text, 'CPUETm')).toBe(3600);
    expect(field(text, 'QKUsd') + field(text, 'QKFre')).toBe(STATUS_QUEUE_KB);
  });
});

describe('createStatusGenerator', () => {
  it('writes one Information line per interval, the first one interval after the start', () => {
    const out: LogRecord[] = [];
    createStatusGenerator({ seed: 1, intervalMs: 30_000 }).generate(START_MS, START_MS + 300_000, out);
    expect(out.map((record) => record.timeMs - START_MS)).toEqual([30_000, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000, 270_000]);
    expect(out.every((record) => record.level === 'Information' && record.text.startsWith('Status: CPULd '))).toBe(true);
  });

  it('grows the counters with the traffic asked for, never backwards', () => {
    const out: LogRecord[] = [];
    createStatusGenerator({ seed: 2, messagesPerSecond: 10, startMid: 1000 }).generate(START_MS, START_MS + 3_600_001, out);
    expect(out).toHaveLength(60);
    const mids = out.map((record) => field(record.text, 'CrtMID'));
    const injected = out.map((record) => field(record.text, 'InjMsg'));
    for (let i = 1; i < out.length; i++) {
      expect(mids[i]).toBeGreaterThanOrEqual(mids[i - 1] as number);
      expect(injected[i]).toBeGreaterThanOrEqual(injected[i - 1] as number);
    }
    // 10 messages/s for an hour, ±20 % per interval: close to 36,000 in all.
    expect(Math.abs((injected.at(-1) as number) - 36_000) / 36_000).toBeLessThan(0.05);
    expect(mids.at(-1)).toBe(999 + (injected.at(-1) as number));
  });

  it.for([
    [{ intervalMs: 0 }, 'intervalMs'],
    [{ intervalMs: 999 }, 'intervalMs'],
    [{ intervalMs: 86_400_001 }, 'intervalMs'],
    [{ messagesPerSecond: -1 }, 'messagesPerSecond'],
    [{ startMid: 0 }, 'startMid'],
    [{ startIcid: 2 ** 41 }, 'startIcid'],
    [{ startDcid: 'one' }, 'startDcid'],
    [{ linesPerSecond: 1 }, 'linesPerSecond'],
  ] as const)('rejects %j naming %s', ([options, option]) => {
    expect(() => resolveStatusGeneratorOptions(options as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});
