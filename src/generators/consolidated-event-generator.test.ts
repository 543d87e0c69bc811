import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { formatCtime } from './content-pools.js';
import { createConsolidatedEventGenerator, resolveConsolidatedEventOptions, type ConsolidatedEventGeneratorOptions } from './consolidated-event-generator.js';

const START_MS = Date.UTC(2026, 5, 12, 14, 1, 0);

function run(options: ConsolidatedEventGeneratorOptions, durationMs: number): LogRecord[] {
  const out: LogRecord[] = [];
  createConsolidatedEventGenerator(options).generate(START_MS, START_MS + durationMs, out);
  return out;
}

function extension(text: string): Map<string, string> {
  const body = text.split('|').slice(7).join('|');
  const fields = new Map<string, string>();
  const keys = [...body.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)];
  keys.forEach((match, index) => {
    const valueStart = (match.index ?? 0) + match[0].length;
    const valueEnd = index + 1 < keys.length ? (keys[index + 1]?.index as number) : body.length;
    fields.set(match[1] as string, body.slice(valueStart, valueEnd));
  });
  return fields;
}

describe('createConsolidatedEventGenerator', () => {
  it('writes one CEF line per message with the ESA header', () => {
    const out = run({ seed: 1, messagesPerSecond: 2 }, 60_000);
    expect(out.length).toBeGreaterThan(60);
    for (const { text, level } of out) {
      expect(level).toBe('Information');
      expect(text.startsWith('CEF:0|Cisco|C100V Email Security Virtual Appliance|14.0.0-657|ESA_CONSOLIDATED_LOG_EVENT|Consolidated Log Event|5|deviceExternalId=420D4FEA709365BFB3E3-0AF2EE5E700E ESAMID=')).toBe(true);
      expect(text.split('|')).toHaveLength(8);
    }
  });

  it('numbers MIDs and ICIDs consecutively from their start values, DCIDs for delivered mail only', () => {
    const out = run({ seed: 2, messagesPerSecond: 5, startMid: 5181473, startIcid: 17267358, startDcid: 3036000 }, 120_000);
    const fields = out.map((record) => extension(record.text));
    expect(fields.map((f) => Number(f.get('ESAMID')))).toEqual(fields.map((_, index) => 5181473 + index));
    expect(fields.map((f) => Number(f.get('ESAICID')))).toEqual(fields.map((_, index) => 17267358 + index));
    const delivered = fields.filter((f) => f.get('act') === 'DELIVERED');
    expect(delivered.map((f) => Number(f.get('ESADCID')))).toEqual(delivered.map((_, index) => 3036000 + index));
    expect(fields.filter((f) => f.get('act') !== 'DELIVERED').every((f) => !f.has('ESADCID'))).toBe(true);
  });

  it('writes the actions, directions and local times of real consolidated events', () => {
    const out = run({ seed: 3, messagesPerSecond: 20, utcOffsetSeconds: 7200 }, 60_000);
    const fields = out.map((record) => extension(record.text));
    const actions = new Set(fields.map((f) => f.get('act')?.split(' ')[0]));
    expect(actions).toEqual(new Set(['DELIVERED', 'QUARANTINED', 'ABORTED', 'DQ']));
    out.forEach((record, index) => {
      const f = fields[index] as Map<string, string>;
      expect(f.get('endTime')).toBe(formatCtime(record.timeMs, 7200));
      expect(f.get('startTime')).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/);
      expect(['0', '1']).toContain(f.get('deviceDirection'));
      if (f.get('deviceDirection') === '1') expect(f.get('ESAMailFlowPolicy')).toBe('RELAY');
      expect(f.get('msg')).toMatch(/^'[^']*'$/);
    });
  });

  it('uses the identity given', () => {
    const [first] = run({ seed: 1, version: '14.3.0-032', serialNumber: 'A4BADB4712A9-511AA1E', productName: 'C300V Email Security Virtual Appliance', interfaceAddress: '192.0.2.99' }, 10_000);
    expect(first?.text).toMatch(/^CEF:0\|Cisco\|C300V Email Security Virtual Appliance\|14\.3\.0-032\|ESA_CONSOLIDATED_LOG_EVENT\|Consolidated Log Event\|5\|deviceExternalId=A4BADB4712A9-511AA1E /);
    expect(first?.text).toContain(' dvc=192.0.2.99 ');
  });

  it.for([
    [{ messagesPerSecond: -1 }, 'messagesPerSecond'],
    [{ messagesPerSecond: 1, linesPerSecond: 1 }, 'linesPerSecond'],
    [{ version: '14' }, 'version'],
    [{ serialNumber: 'abc' }, 'serialNumber'],
    [{ productName: 'a|b' }, 'productName'],
    [{ interfaceAddress: '' }, 'interfaceAddress'],
    [{ startMid: -1 }, 'startMid'],
    [{ startIcid: 0.5 }, 'startIcid'],
    [{ startDcid: 0 }, 'startDcid'],
    [{ hostname: 'x' }, 'hostname'],
  ] as const)('rejects %j naming %s', ([options, option]) => {
    expect(() => resolveConsolidatedEventOptions(options as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });

  it('takes messagesPerSecond as its line rate', () => {
    expect(resolveConsolidatedEventOptions({ messagesPerSecond: 7 }).linesPerSecond).toBe(7);
    expect(resolveConsolidatedEventOptions().linesPerSecond).toBe(5);
  });
});
