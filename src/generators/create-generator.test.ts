import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { LOG_LEVELS } from '../core/vocabulary.js';
import { DOCUMENTATION_ADDRESS_PATTERN, EXAMPLE_DOMAIN_PATTERN } from './content-pools.js';
import { createGenerator, GENERATOR_LOG_TYPES, isGeneratorLogType, type GeneratorLogType } from './create-generator.js';

const START_MS = Date.UTC(2026, 0, 3, 23, 59, 0);

/** Options giving each type about `linesPerSecond` lines per second. */
function optionsFor(logType: GeneratorLogType, seed: number, linesPerSecond: number): Record<string, unknown> {
  if (logType === 'status') return { seed, intervalMs: Math.max(1000, Math.round(1000 / linesPerSecond)) };
  return { seed, linesPerSecond };
}

function run(logType: GeneratorLogType, options: Record<string, unknown>, durationMs: number): LogRecord[] {
  const out: LogRecord[] = [];
  createGenerator(logType, options).generate(START_MS, START_MS + durationMs, out);
  return out;
}

/** Names in texts that look like file names or product tokens rather than domains. */
const NOT_DOMAINS = /\.(png|pdf|docx|xlsx|ics|txt|zip|exe|css|js)$/;

describe('createGenerator', () => {
  it('supports the documented log types', () => {
    expect(GENERATOR_LOG_TYPES).toEqual(['mail_logs', 'system_logs', 'gui_logs', 'authentication', 'amp', 'status', 'consolidated_event']);
    expect(isGeneratorLogType('amp')).toBe(true);
    expect(isGeneratorLogType('antispam')).toBe(false);
    expect(isGeneratorLogType(42)).toBe(false);
  });

  it.for(['nope', 'antispam', '', 'toString'])('rejects the log type %j, listing the supported ones', (logType) => {
    expect(() => createGenerator(logType, {})).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'logType', message: expect.stringContaining('mail_logs, system_logs, gui_logs') }),
    );
  });

  it('passes the options to the generator, which validates them', () => {
    expect(() => createGenerator('gui_logs', { linesPerSecond: -1 })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'linesPerSecond' }));
    expect(() => createGenerator('status', { colour: 'red' })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'colour' }));
  });

  it.for(GENERATOR_LOG_TYPES)('makes a %s generator that names its log type', (logType) => {
    expect(createGenerator(logType).logType).toBe(logType);
  });

  it.for(GENERATOR_LOG_TYPES)('%s: same seed, same lines; other seed, other lines', (logType) => {
    const a = run(logType, optionsFor(logType, 1, 5), 120_000);
    expect(a.length).toBeGreaterThan(50);
    expect(run(logType, optionsFor(logType, 1, 5), 120_000)).toEqual(a);
    expect(run(logType, optionsFor(logType, 2, 5), 120_000).map((record) => record.text)).not.toEqual(a.map((record) => record.text));
  });

  it.for(GENERATOR_LOG_TYPES)('%s: one call or many calls give the same lines', (logType) => {
    const whole = run(logType, optionsFor(logType, 3, 20), 60_000);
    const generator = createGenerator(logType, optionsFor(logType, 3, 20));
    const pieces: LogRecord[] = [];
    const cuts = [0, 1, 999, 1000, 7_321, 7_322, 30_000, 59_999, 60_000];
    for (let i = 0; i + 1 < cuts.length; i++) generator.generate(START_MS + (cuts[i] as number), START_MS + (cuts[i + 1] as number), pieces);
    expect(pieces).toEqual(whole);
  });

  it.for(GENERATOR_LOG_TYPES)('%s: lines are in time order, with valid levels and single-line texts', (logType) => {
    const out = run(logType, optionsFor(logType, 4, 50), 120_000);
    expect(out.every((record, i) => i === 0 || record.timeMs >= (out[i - 1] as LogRecord).timeMs)).toBe(true);
    expect(out.filter((record) => !LOG_LEVELS.includes(record.level))).toEqual([]);
    expect(out.filter((record) => record.text.length === 0 || /[\r\n]/.test(record.text))).toEqual([]);
  });

  it.for(GENERATOR_LOG_TYPES)('%s: writes only documentation addresses and example domains', (logType) => {
    const out = run(logType, optionsFor(logType, 5, 100), 300_000);
    const bad: string[] = [];
    for (const { text } of out) {
      // A dotted quad right after "/" is a version (Chrome/124.0.0.0), not an address.
      for (const match of text.matchAll(/(?<![/\w.])\d{1,3}(?:\.\d{1,3}){3}\b/g)) if (!DOCUMENTATION_ADDRESS_PATTERN.test(match[0])) bad.push(match[0]);
      for (const match of text.matchAll(/\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b/gi)) if (!DOCUMENTATION_ADDRESS_PATTERN.test(match[0])) bad.push(match[0]);
      // A dotted name right after "/" is a MIME subtype or a path, not a domain.
      for (const match of text.matchAll(/(?<![/\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}\b/g)) {
        if (!EXAMPLE_DOMAIN_PATTERN.test(match[0]) && !NOT_DOMAINS.test(match[0])) bad.push(match[0]);
      }
    }
    expect(out.length).toBeGreaterThan(250);
    expect(bad).toEqual([]);
  });

  it.for(GENERATOR_LOG_TYPES.filter((logType) => logType !== 'status'))('%s: writes linesPerSecond lines per simulated hour, within 3 %%', (logType) => {
    const out = run(logType, { seed: 6, linesPerSecond: 10, ...(logType === 'mail_logs' ? { statusIntervalMs: 0 } : {}) }, 3_600_000);
    expect(Math.abs(out.length - 36_000) / 36_000).toBeLessThan(0.03);
  });
});
