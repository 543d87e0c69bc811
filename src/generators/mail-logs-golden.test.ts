/**
 * Golden output of the mail_logs generator: the exact lines (time, level, text) for fixed seeds
 * and options, written by the generator before its speed work (commit d5f38d2), so any change to
 * its code can prove it writes the same lines for the same seed. Never regenerate the fixture to
 * make a change pass: a difference here is a behaviour change.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { hashString } from '../core/random.js';
import { createMailLogsGenerator, type MailLogsGeneratorOptions } from './mail-logs-generator.js';

const START_MS = Date.UTC(2026, 5, 25, 6, 50, 0);

/** The option sets of the fixture, by name, with how many leading lines it keeps. */
const GOLDEN_SETS: Readonly<Record<string, { readonly options: MailLogsGeneratorOptions; readonly lines: number }>> = {
  'seed 1, defaults': { options: { seed: 1 }, lines: 200 },
  'seed 1, 1000 msg/s': { options: { seed: 1, messagesPerSecond: 1000 }, lines: 200 },
  'seed 1, every variant, status, offsets': {
    options: {
      seed: 1,
      messagesPerSecond: 20,
      mix: {
        delivered: 1,
        rejected: 1,
        relayed: 1,
        multipleRecipients: 1,
        spamQuarantined: 1,
        spamDropped: 1,
        virus: 1,
        softBounce: 1,
        hardBounce: 1,
        policyQuarantine: 1,
      },
      maxRecipients: 8,
      statusIntervalMs: 1000,
      utcOffsetSeconds: 7200,
      messageDoneTrailingSpace: false,
      tlsFailureRatio: 0.3,
      softBounceRetryMs: 500,
      startMid: 64855,
      startIcid: 3160,
    },
    lines: 600,
  },
  'seed 1, uniform, scaled, by lines': { options: { seed: 1, arrival: 'uniform', processingTimeScale: 0.1, linesPerSecond: 5000 }, lines: 200 },
};

/** The first `count` lines, pulled in `stepMs` calls. */
function firstLines(options: MailLogsGeneratorOptions, count: number, stepMs: number): LogRecord[] {
  const generator = createMailLogsGenerator(options);
  const out: LogRecord[] = [];
  for (let fromMs = START_MS; out.length < count && fromMs < START_MS + 3_600_000; fromMs += stepMs) {
    generator.generate(fromMs, fromMs + stepMs, out);
  }
  return out.slice(0, count);
}

/** FNV-1a of every line `timeMs|level|text` (chained) of the first `count` lines. */
function digest(options: MailLogsGeneratorOptions, count: number): { count: number; hash: number } {
  const generator = createMailLogsGenerator(options);
  const out: LogRecord[] = [];
  let hash = 0;
  let seen = 0;
  for (let fromMs = START_MS; seen < count && fromMs < START_MS + 3_600_000; fromMs += 1000) {
    out.length = 0;
    generator.generate(fromMs, fromMs + 1000, out);
    for (const record of out) {
      if (seen === count) break;
      hash = hashString(`${hash}|${record.timeMs}|${record.level}|${record.text}`);
      seen++;
    }
  }
  return { count: seen, hash };
}

interface GoldenFixture {
  readonly sets: Record<string, [number, string, string][]>;
  readonly digest: { readonly options: MailLogsGeneratorOptions; readonly count: number; readonly hash: number };
}

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/mail-logs-golden.json', import.meta.url), 'utf8')) as GoldenFixture;

describe('mail_logs generator golden output', () => {
  it('has every set of the fixture', () => {
    expect(Object.keys(fixture.sets).sort()).toEqual(Object.keys(GOLDEN_SETS).sort());
  });

  it.for(Object.entries(GOLDEN_SETS).flatMap(([name, set]) => [1000, 7].map((stepMs) => [name, set, stepMs] as const)))(
    'writes the golden lines for %s (pulled in %i ms calls)',
    ([name, set, stepMs]) => {
      const lines = firstLines(set.options, set.lines, stepMs).map((record): [number, string, string] => [record.timeMs, record.level, record.text]);
      expect(lines).toEqual(fixture.sets[name]);
    },
  );

  it('writes the golden digest of 200,000 lines at 1000 msg/s', () => {
    expect(digest(fixture.digest.options, fixture.digest.count)).toEqual({ count: fixture.digest.count, hash: fixture.digest.hash });
  });
});

