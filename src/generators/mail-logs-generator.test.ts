import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../core/log-record.js';
import { seededRandom } from '../core/random.js';
import { DOCUMENTATION_ADDRESS_PATTERN, EXAMPLE_DOMAIN_PATTERN, formatCtime } from './content-pools.js';
import {
  createMailLogsGenerator,
  DEFAULT_MAIL_MIX,
  expectedMailLinesPerMessage,
  MAIL_VARIANTS,
  resolveMailLogsOptions,
  type MailLogsGeneratorOptions,
  type MailVariant,
} from './mail-logs-generator.js';

const START_MS = Date.UTC(2026, 5, 25, 6, 50, 0);

function generate(options: MailLogsGeneratorOptions, durationMs: number, fromMs = START_MS): LogRecord[] {
  const out: LogRecord[] = [];
  createMailLogsGenerator(options).generate(fromMs, fromMs + durationMs, out);
  return out;
}

function only(variant: MailVariant): Partial<Record<MailVariant, number>> {
  return { [variant]: 1 };
}

/** Every line mentioning a MID, grouped by MID, in output order. */
function linesByMid(records: readonly LogRecord[]): Map<number, LogRecord[]> {
  const byMid = new Map<number, LogRecord[]>();
  for (const record of records) {
    const match = /\bMID (\d+)\b/.exec(record.text) ?? /^Message (\d+) to RID/.exec(record.text);
    if (!match) continue;
    const mid = Number(match[1]);
    const list = byMid.get(mid) ?? [];
    list.push(record);
    byMid.set(mid, list);
  }
  return byMid;
}

function idsOf(records: readonly LogRecord[], pattern: RegExp): number[] {
  return records.flatMap((record) => {
    const match = pattern.exec(record.text);
    return match ? [Number(match[1])] : [];
  });
}

describe('createMailLogsGenerator', () => {
  it('writes the same lines for the same seed and options', () => {
    const options = { seed: 11, messagesPerSecond: 20 };
    expect(generate(options, 60_000)).toEqual(generate(options, 60_000));
  });

  it('writes different lines for a different seed', () => {
    const a = generate({ seed: 11, messagesPerSecond: 20 }, 10_000).map((record) => record.text);
    const b = generate({ seed: 12, messagesPerSecond: 20 }, 10_000).map((record) => record.text);
    expect(a).not.toEqual(b);
  });

  it('gives identical lines for one call over 60 s and for 60 calls of 1 s', () => {
    const whole = generate({ seed: 5, messagesPerSecond: 30 }, 60_000);
    const generator = createMailLogsGenerator({ seed: 5, messagesPerSecond: 30 });
    const pieces: LogRecord[] = [];
    for (let second = 0; second < 60; second++) {
      generator.generate(START_MS + second * 1000, START_MS + (second + 1) * 1000, pieces);
    }
    expect(whole.length).toBeGreaterThan(20_000);
    expect(pieces).toEqual(whole);
  });

  it('gives identical lines however the interval is cut (property)', () => {
    const whole = generate({ seed: 9, messagesPerSecond: 15, statusIntervalMs: 5000 }, 30_000);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 29_999 }), { maxLength: 40 }), (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), 30_000];
        const generator = createMailLogsGenerator({ seed: 9, messagesPerSecond: 15, statusIntervalMs: 5000 });
        const out: LogRecord[] = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          generator.generate(START_MS + (bounds[i] as number), START_MS + (bounds[i + 1] as number), out);
        }
        expect(out).toEqual(whole);
      }),
      { numRuns: 25, seed: 1 },
    );
  });

  it('skips a gap between calls without changing the lines after it', () => {
    const whole = generate({ seed: 3, messagesPerSecond: 10 }, 30_000);
    const generator = createMailLogsGenerator({ seed: 3, messagesPerSecond: 10 });
    const out: LogRecord[] = [];
    generator.generate(START_MS, START_MS + 10_000, out);
    generator.generate(START_MS + 20_000, START_MS + 30_000, out);
    const expected = whole.filter((record) => record.timeMs < START_MS + 10_000 || record.timeMs >= START_MS + 20_000);
    expect(out).toEqual(expected);
    expect(generator.linesGenerated).toBe(expected.length);
  });

  it('names the listener interface it was given, also when generators with other interfaces run alongside', () => {
    const interfaces = [
      { interfaceName: 'Data 2', interfaceAddress: '192.0.2.13' },
      { interfaceName: 'Management', interfaceAddress: '2001:db8::12' },
      { interfaceName: 'Data 2', interfaceAddress: '192.0.2.13' },
    ];
    const generators = interfaces.map((options) => createMailLogsGenerator({ seed: 6, messagesPerSecond: 20, ...options }));
    interfaces.forEach(({ interfaceName, interfaceAddress }, index) => {
      const out: LogRecord[] = [];
      generators[index]?.generate(START_MS, START_MS + 10_000, out);
      const inbound = out.filter((record) => record.text.startsWith('New SMTP ICID ')).map((record) => record.text);
      const outbound = out.filter((record) => record.text.startsWith('New SMTP DCID ')).map((record) => record.text);
      expect(inbound.length).toBeGreaterThan(10);
      expect(outbound.length).toBeGreaterThan(10);
      for (const text of inbound) expect(text).toContain(` interface ${interfaceName} (${interfaceAddress}) address `);
      for (const text of outbound) expect(text).toContain(` interface ${interfaceAddress} address `);
    });
  });

  it('writes lines in time order, inside the interval asked for', () => {
    const out = generate({ seed: 2, messagesPerSecond: 50 }, 20_000);
    for (let i = 1; i < out.length; i++) expect((out[i] as LogRecord).timeMs).toBeGreaterThanOrEqual((out[i - 1] as LogRecord).timeMs);
    expect(out[0]?.timeMs).toBeGreaterThanOrEqual(START_MS);
    expect(out.at(-1)?.timeMs).toBeLessThan(START_MS + 20_000);
    expect(out.every((record) => Number.isInteger(record.timeMs))).toBe(true);
  });

  it('interleaves messages: lines of several messages are in flight at once', () => {
    const out = generate({ seed: 4, messagesPerSecond: 20 }, 10_000);
    const mids = out.map((record) => /\bMID (\d+)\b/.exec(record.text)?.[1]).filter((mid) => mid !== undefined);
    let switches = 0;
    for (let i = 1; i < mids.length; i++) if (mids[i] !== mids[i - 1]) switches++;
    const distinct = new Set(mids).size;
    // Without interleaving a message's lines would be contiguous: switches === distinct − 1.
    expect(switches).toBeGreaterThan(distinct * 2);
  });

  it('keeps each message whole and in order, from Start MID to Message finished', () => {
    const endMs = 600_000;
    const out = generate({ seed: 21, messagesPerSecond: 10 }, endMs + 120_000);
    const byMid = linesByMid(out);
    let checked = 0;
    for (const [mid, lines] of byMid) {
      const first = lines[0] as LogRecord;
      expect(first.text).toMatch(new RegExp(`^Start MID ${mid} ICID \\d+$`));
      if (first.timeMs >= START_MS + endMs) continue;
      checked++;
      const last = (lines.at(-1) as LogRecord).text;
      expect(last).toMatch(new RegExp(`^(Message finished MID ${mid} (done|aborted)|MID ${mid} quarantined to "Policy" \\(.+\\))$`));
      const texts = lines.map((line) => line.text);
      const index = (prefix: string) => texts.findIndex((text) => text.startsWith(prefix));
      expect(index(`MID ${mid} ICID`)).toBe(1);
      expect(index(`MID ${mid} ready`)).toBeGreaterThan(index(`MID ${mid} Subject`));
      expect(index(`MID ${mid} Subject`)).toBeGreaterThan(index(`MID ${mid} Message-ID`));
      if (index(`MID ${mid} queued for delivery`) >= 0) {
        expect(index(`MID ${mid} queued for delivery`)).toBeGreaterThan(index(`MID ${mid} ready`));
      }
    }
    expect(checked).toBeGreaterThan(4000);
  });

  it('lists in Delivery start, Message done and Response exactly the RIDs of the To: lines', () => {
    const out = generate({ seed: 8, messagesPerSecond: 10, mix: { delivered: 1, multipleRecipients: 3 }, maxRecipients: 6 }, 300_000);
    const rcptCounts = new Map<number, number[]>();
    for (const record of out) {
      const match = /^MID (\d+) ICID \d+ RID (\d+) To: <[^>]+>$/.exec(record.text);
      if (!match) continue;
      const list = rcptCounts.get(Number(match[1])) ?? [];
      list.push(Number(match[2]));
      rcptCounts.set(Number(match[1]), list);
    }
    const sizes = new Set<number>();
    let checked = 0;
    for (const record of out) {
      const match = /^(?:Delivery start DCID \d+ MID (\d+) to RID|Message done DCID \d+ MID (\d+) to RID|MID (\d+) RID) (\[[\d, ]+\])/.exec(record.text);
      if (!match) continue;
      const mid = Number(match[1] ?? match[2] ?? match[3]);
      const rids = rcptCounts.get(mid) as number[];
      expect(rids).toEqual(rids.map((_, index) => index));
      expect(match[4]).toBe(`[${rids.join(', ')}]`);
      sizes.add(rids.length);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('opens, uses and closes each DCID and ICID in order, each DCID for one message', () => {
    const out = generate({ seed: 13, messagesPerSecond: 10 }, 600_000);
    const dcids = new Map<number, string[]>();
    const icids = new Map<number, string[]>();
    for (const record of out) {
      const dcid = /\bDCID (\d+)\b/.exec(record.text);
      if (dcid) dcids.set(Number(dcid[1]), [...(dcids.get(Number(dcid[1])) ?? []), record.text]);
      const icid = /\bICID (\d+)\b/.exec(record.text);
      if (icid) icids.set(Number(icid[1]), [...(icids.get(Number(icid[1])) ?? []), record.text]);
    }
    let closedDcids = 0;
    for (const [dcid, texts] of dcids) {
      expect(texts[0]).toMatch(new RegExp(`^New SMTP DCID ${dcid} interface 192\\.0\\.2\\.12 address \\S+ port 25$`));
      const mids = new Set(texts.flatMap((text) => /\bMID (\d+)\b/.exec(text)?.[1] ?? []));
      expect(mids.size).toBeLessThanOrEqual(1);
      const closeAt = texts.indexOf(`DCID ${dcid} close`);
      if (closeAt >= 0) {
        closedDcids++;
        expect(closeAt).toBe(texts.length - 1);
        expect(texts.findIndex((text) => text.startsWith(`Delivery start DCID ${dcid} `))).toBeGreaterThan(0);
      }
    }
    expect(closedDcids).toBeGreaterThan(4000);
    for (const [icid, texts] of icids) {
      expect(texts[0]).toMatch(new RegExp(`^New SMTP ICID ${icid} interface Data 1 \\(192\\.0\\.2\\.12\\) address \\S+ reverse dns host \\S+ verified (yes|no)$`));
      expect(texts[1]).toMatch(new RegExp(`^ICID ${icid} (ACCEPT|REJECT|RELAY) SG [A-Z]+LIST match \\S+ SBRS \\S+ country not enabled$`));
      const closeAt = texts.indexOf(`ICID ${icid} close`);
      if (closeAt >= 0) expect(closeAt).toBe(texts.length - 1);
    }
  });

  it('assigns ICIDs, MIDs, DCIDs and RCIDs consecutively from their start values', () => {
    const out = generate({ seed: 17, messagesPerSecond: 20, startIcid: 3160, startMid: 64855, startDcid: 7436, startRcid: 40 }, 120_000);
    const consecutive = (ids: number[], first: number) => expect(ids).toEqual(ids.map((_, index) => first + index));
    consecutive(idsOf(out, /^New SMTP ICID (\d+) /), 3160);
    consecutive(idsOf(out, /^Start MID (\d+) /), 64855);
    consecutive(idsOf(out, /^New SMTP DCID (\d+) /), 7436);
    consecutive(idsOf(out, /^RPC Delivery start RCID (\d+) /), 40);
    expect(idsOf(out, /^RPC Delivery start RCID (\d+) /).length).toBeGreaterThan(10);
  });

  it('writes only documentation addresses and example domains (long run)', () => {
    const out = generate({ seed: 31, messagesPerSecond: 40 }, 300_000);
    const addresses = new Set<string>();
    const domains = new Set<string>();
    for (const { text } of out) {
      for (const match of text.matchAll(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g)) addresses.add(match[0]);
      for (const match of text.matchAll(/\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b/gi)) addresses.add(match[0]);
      for (const match of text.matchAll(/\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b/g)) domains.add(match[0]);
    }
    expect(out.length).toBeGreaterThan(200_000);
    expect([...addresses].filter((address) => !DOCUMENTATION_ADDRESS_PATTERN.test(address))).toEqual([]);
    expect([...domains].filter((domain) => !EXAMPLE_DOMAIN_PATTERN.test(domain))).toEqual([]);
    expect([...addresses].some((address) => address.startsWith('2001:db8:'))).toBe(true);
  });

  it('keeps the trailing space of Message done lines', () => {
    const done = generate({ seed: 1, messagesPerSecond: 10 }, 30_000).filter((record) => record.text.startsWith('Message done '));
    expect(done.length).toBeGreaterThan(100);
    for (const { text } of done) expect(text).toMatch(/^Message done DCID \d+ MID \d+ to RID \[[\d, ]+\] $/);
    const bare = generate({ seed: 1, messagesPerSecond: 10, messageDoneTrailingSpace: false }, 30_000).filter((record) => record.text.startsWith('Message done '));
    expect(bare.map((record) => record.text)).toEqual(done.map((record) => record.text.slice(0, -1)));
  });

  it.for(MAIL_VARIANTS.filter((variant) => variant !== 'multipleRecipients'))(
    'writes exactly the expected number of lines for each %s event',
    (variant) => {
      const options = {
        mix: only(variant),
        tlsInboundRatio: 1,
        tlsOutboundRatio: 1,
        authenticationRatio: 1,
        tlsFailureRatio: 0,
        statusIntervalMs: 0,
        arrival: 'uniform' as const,
        // One event every 200 s (the first at the start): each lifecycle ends before the next begins.
        messagesPerSecond: 1 / 200,
      };
      const out = generate({ seed: 1, ...options }, 1_000_000);
      const events = idsOf(out, /^New SMTP ICID (\d+) /);
      expect(events).toEqual([1, 2, 3, 4, 5]);
      expect(out.length / 5).toBe(expectedMailLinesPerMessage(resolveMailLogsOptions(options)));
    },
  );

  it.for([
    ['delivered', /^MID \d+ using engine: CASE spam negative$/],
    ['rejected', /^ICID \d+ REJECT SG BLOCKLIST match sbrs\[-10\.0:-3\.0\] SBRS -\d+\.\d country not enabled$/],
    ['relayed', /^MID \d+ matched all recipients for per-recipient policy DEFAULT in the outbound table$/],
    ['multipleRecipients', /^Delivery start DCID \d+ MID \d+ to RID \[0, 1(, \d+)*\]$/],
    ['spamQuarantined', /^RPC Delivery start RCID \d+ MID \d+ to local IronPort Spam Quarantine$/],
    ['spamDropped', /^Message aborted MID \d+ Dropped by CASE$/],
    ['virus', /^MID \d+ antivirus positive '[^']+'$/],
    ['softBounce', /^Delayed: DCID \d+ MID \d+ to RID 0 - 4\.1\.0 - Unknown address error \('466', \['Mailbox temporarily full\.'\]\)\[\]$/],
    ['hardBounce', /^Bounced: DCID \d+ MID \d+ to RID 0 - 5\.1\.0 - Unknown address error \('550', \['5\.1\.1 <[^>]+>\.\.\. User unknown'\]\) \[\]$/],
    ['policyQuarantine', /^MID \d+ quarantined to "Policy" \(content filter:quarantine_attachments\)$/],
  ] as const)('writes the signature line of a %s lifecycle', ([variant, pattern]) => {
    const out = generate({ seed: 6, messagesPerSecond: 5, mix: only(variant) }, 20_000);
    expect(out.some((record) => pattern.test(record.text))).toBe(true);
  });

  it('schedules the retry of a soft bounce at the time its pending line names', () => {
    const out = generate({ seed: 7, messagesPerSecond: 1, mix: only('softBounce'), utcOffsetSeconds: 7200, softBounceRetryMs: 90_000 }, 200_000);
    const pending = out.filter((record) => / pending till /.test(record.text));
    expect(pending.length).toBeGreaterThan(50);
    for (const line of pending) {
      const mid = Number(/^Message (\d+) to RID \[0\] pending till (.+)$/.exec(line.text)?.[1]);
      const retryAtMs = line.timeMs + 90_000;
      expect(line.text.endsWith(formatCtime(retryAtMs, 7200)) || line.text.endsWith(formatCtime(retryAtMs + 1, 7200))).toBe(true);
      const starts = out.filter((record) => record.text.startsWith('Delivery start ') && record.text.includes(` MID ${mid} `));
      if (starts.length === 2) {
        const retry = starts[1] as LogRecord;
        expect(retry.timeMs).toBeGreaterThanOrEqual(retryAtMs);
        expect(retry.timeMs).toBeLessThanOrEqual(retryAtMs + 1000 + 300 + 150 + 60 + 2);
      }
    }
  });

  it('writes a status line once a minute whose counters agree with the mail lines before it', () => {
    const out = generate({ seed: 19, messagesPerSecond: 10, startMid: 500, startIcid: 900 }, 600_000);
    const status = out.filter((record) => record.text.startsWith('Status: '));
    expect(status.map((record) => record.timeMs)).toEqual(Array.from({ length: 9 }, (_, index) => START_MS + 60_000 * (index + 1)));
    for (const line of status) {
      const before = out.slice(0, out.indexOf(line));
      const field = (name: string) => Number(new RegExp(`\\b${name} (\\d+)\\b`).exec(line.text)?.[1]);
      expect(field('CrtMID')).toBe(Math.max(...idsOf(before, /^Start MID (\d+) /)));
      expect(field('CrtICID')).toBe(Math.max(...idsOf(before, /^New SMTP ICID (\d+) /)));
      expect(field('CrtDCID')).toBe(Math.max(...idsOf(before, /^New SMTP DCID (\d+) /)));
      expect(field('InjMsg')).toBe(before.filter((record) => / ready \d+ bytes from /.test(record.text)).length);
      expect(field('QKUsd') + field('QKFre')).toBe(8_388_608);
      expect(line.text).toMatch(/^Status: CPULd \d+ DskIO \d+ RAMUtil \d+ QKUsd \d+ QKFre \d+ CrtMID \d+ CrtICID \d+ CrtDCID \d+ InjMsg \d+ InjRcp \d+ /);
      expect(line.text).toMatch(/ SwapUsage 0% RptLd \d+ QtnLd 0 EncrQ 0 InjBytes \d+$/);
    }
  });

  it('writes no status lines with statusIntervalMs 0', () => {
    expect(generate({ seed: 1, statusIntervalMs: 0 }, 180_000).some((record) => record.text.startsWith('Status:'))).toBe(false);
  });

  it('writes Information lines, and Warning only for failed TLS negotiations', () => {
    const out = generate({ seed: 23, messagesPerSecond: 20, tlsFailureRatio: 0.2 }, 60_000);
    const warnings = out.filter((record) => record.level === 'Warning');
    expect(warnings.length).toBeGreaterThan(10);
    for (const { text } of warnings) expect(text).toMatch(/^(ICID|DCID) \d+ TLS failed: \(\d+, '.+'\)$/);
    expect(out.filter((record) => record.level !== 'Warning').every((record) => record.level === 'Information')).toBe(true);
    const none = generate({ seed: 23, messagesPerSecond: 20, tlsFailureRatio: 0 }, 60_000);
    expect(none.some((record) => record.level === 'Warning')).toBe(false);
  });

  it('keeps every line of a message at its arrival time with processingTimeScale 0', () => {
    const out = generate({ seed: 2, messagesPerSecond: 2, processingTimeScale: 0, arrival: 'uniform', mix: only('delivered'), statusIntervalMs: 0 }, 5_000);
    expect(new Set(out.map((record) => record.timeMs))).toEqual(new Set([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500].map((ms) => START_MS + ms)));
  });

  it('produces messagesPerSecond events per simulated hour, within 2 %', () => {
    // Rejected connections only (three lines each): the arrival process is the same for any mix.
    const out = generate({ seed: 41, messagesPerSecond: 10, statusIntervalMs: 0, mix: only('rejected') }, 3_600_000);
    const events = out.filter((record) => record.text.startsWith('New SMTP ICID ')).length;
    expect(Math.abs(events - 36_000) / 36_000).toBeLessThan(0.02);
  });

  it('produces linesPerSecond lines per simulated hour, within 2 %', () => {
    const out = generate({ seed: 43, linesPerSecond: 50 }, 3_600_000);
    expect(Math.abs(out.length - 180_000) / 180_000).toBeLessThan(0.02);
  });

  it('spaces uniform arrivals exactly 1000 / rate ms apart from startMs', () => {
    const out = generate({ seed: 1, messagesPerSecond: 4, arrival: 'uniform', startMs: START_MS + 100 }, 3_000);
    expect(out.filter((record) => record.text.startsWith('New SMTP ICID ')).map((record) => record.timeMs - START_MS)).toEqual([
      100, 350, 600, 850, 1100, 1350, 1600, 1850, 2100, 2350, 2600, 2850,
    ]);
  });

  it('draws from a given Random instead of the seed', () => {
    const a = generate({ random: seededRandom(77), messagesPerSecond: 5 }, 10_000);
    const b = generate({ seed: 77, messagesPerSecond: 5 }, 10_000);
    expect(a).toEqual(b);
  });

  it('has a default mix that writes about 21 lines per event', () => {
    const resolved = resolveMailLogsOptions();
    expect(resolved.mix).toEqual(DEFAULT_MAIL_MIX);
    expect(expectedMailLinesPerMessage(resolved)).toBeGreaterThan(18);
    expect(expectedMailLinesPerMessage(resolved)).toBeLessThan(24);
  });
});

describe('resolveMailLogsOptions', () => {
  it.for([
    [{ messagesPerSecond: -1 }, 'messagesPerSecond'],
    [{ messagesPerSecond: Number.POSITIVE_INFINITY }, 'messagesPerSecond'],
    [{ messagesPerSecond: Number.NaN }, 'messagesPerSecond'],
    [{ linesPerSecond: -5 }, 'linesPerSecond'],
    [{ linesPerSecond: 10, messagesPerSecond: 1 }, 'linesPerSecond'],
    [{ mix: { delivered: -1 } }, 'mix.delivered'],
    [{ mix: { delivered: 0, rejected: 0 } }, 'mix'],
    [{ mix: {} }, 'mix'],
    [{ mix: { bounced: 1 } }, 'mix.bounced'],
    [{ mix: 'delivered' }, 'mix'],
    [{ maxRecipients: 1 }, 'maxRecipients'],
    [{ maxRecipients: 2.5 }, 'maxRecipients'],
    [{ tlsInboundRatio: 1.5 }, 'tlsInboundRatio'],
    [{ tlsOutboundRatio: -0.1 }, 'tlsOutboundRatio'],
    [{ tlsFailureRatio: '0.1' }, 'tlsFailureRatio'],
    [{ authenticationRatio: 2 }, 'authenticationRatio'],
    [{ statusIntervalMs: 500 }, 'statusIntervalMs'],
    [{ statusIntervalMs: -1 }, 'statusIntervalMs'],
    [{ processingTimeScale: -1 }, 'processingTimeScale'],
    [{ softBounceRetryMs: Number.NaN }, 'softBounceRetryMs'],
    [{ startMid: 0 }, 'startMid'],
    [{ startIcid: 1.5 }, 'startIcid'],
    [{ startDcid: -3 }, 'startDcid'],
    [{ startRcid: '1' }, 'startRcid'],
    [{ interfaceName: '' }, 'interfaceName'],
    [{ interfaceAddress: 'a\nb' }, 'interfaceAddress'],
    [{ arrival: 'bursty' }, 'arrival'],
    [{ seed: 1.5 }, 'seed'],
    [{ random: {} }, 'random'],
    [{ startMs: Number.NaN }, 'startMs'],
    [{ utcOffsetSeconds: 100_000 }, 'utcOffsetSeconds'],
    [{ messageDoneTrailingSpace: 'yes' }, 'messageDoneTrailingSpace'],
    [{ rate: 5 }, 'rate'],
  ] as const)('rejects %j naming %s', ([options, option]) => {
    expect(() => resolveMailLogsOptions(options as unknown as MailLogsGeneratorOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });

  it('rejects options that are not an object', () => {
    expect(() => resolveMailLogsOptions('fast' as unknown as MailLogsGeneratorOptions)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION' }));
  });

  it('converts linesPerSecond into messagesPerSecond with the mix and the status lines', () => {
    const resolved = resolveMailLogsOptions({ linesPerSecond: 100, mix: only('rejected'), statusIntervalMs: 0 });
    expect(resolved.messagesPerSecond).toBeCloseTo(100 / 3, 10);
    expect(resolved.linesPerSecond).toBe(100);
    const withStatus = resolveMailLogsOptions({ linesPerSecond: 3 + 1 / 60, mix: only('rejected') });
    expect(withStatus.messagesPerSecond).toBeCloseTo(1, 10);
  });

  it('defaults to 5 messages per second and the documented defaults', () => {
    expect(resolveMailLogsOptions()).toMatchObject({
      messagesPerSecond: 5,
      maxRecipients: 5,
      tlsInboundRatio: 0.6,
      tlsOutboundRatio: 0.7,
      tlsFailureRatio: 0.02,
      authenticationRatio: 0.8,
      statusIntervalMs: 60_000,
      processingTimeScale: 1,
      softBounceRetryMs: 60_000,
      messageDoneTrailingSpace: true,
      startIcid: 1,
      startMid: 1,
      startDcid: 1,
      startRcid: 1,
      interfaceName: 'Data 1',
      interfaceAddress: '192.0.2.12',
      arrival: 'poisson',
      utcOffsetSeconds: 0,
      startMs: undefined,
    });
  });
});

describe('LogGenerator.generate', () => {
  it.for([
    [Number.NaN, START_MS, 'fromMs'],
    [START_MS, Number.POSITIVE_INFINITY, 'toMs'],
    [START_MS, START_MS - 1, 'toMs'],
  ] as const)('rejects generate(%s, %s) naming %s', ([fromMs, toMs, option]) => {
    expect(() => createMailLogsGenerator().generate(fromMs, toMs, [])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });

  it('refuses to go back before the previous call', () => {
    const generator = createMailLogsGenerator();
    generator.generate(START_MS, START_MS + 1000, []);
    expect(() => generator.generate(START_MS + 999, START_MS + 2000, [])).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'fromMs' }));
  });

  it('rejects an output that is not an array', () => {
    expect(() => createMailLogsGenerator().generate(START_MS, START_MS + 1, null as unknown as LogRecord[])).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'out' }),
    );
  });

  it('returns the number of lines appended and counts them', () => {
    const generator = createMailLogsGenerator({ seed: 1, messagesPerSecond: 10 });
    const out: LogRecord[] = [{ timeMs: 0, level: 'Information', text: 'kept' }];
    const appended = generator.generate(START_MS, START_MS + 10_000, out);
    expect(appended).toBe(out.length - 1);
    expect(generator.linesGenerated).toBe(appended);
    expect(out[0]?.text).toBe('kept');
  });

  it('writes nothing before startMs, then starts there', () => {
    const generator = createMailLogsGenerator({ seed: 1, startMs: START_MS + 5000, messagesPerSecond: 10 });
    expect(generator.generate(START_MS, START_MS + 5000, [])).toBe(0);
    const out: LogRecord[] = [];
    generator.generate(START_MS + 5000, START_MS + 10_000, out);
    expect(out.length).toBeGreaterThan(0);
    expect(out[0]?.timeMs).toBeGreaterThanOrEqual(START_MS + 5000);
  });

  it('writes nothing for an empty interval, and nothing at rate 0 but status lines', () => {
    const generator = createMailLogsGenerator({ seed: 1, messagesPerSecond: 0 });
    expect(generator.generate(START_MS, START_MS, [])).toBe(0);
    const out: LogRecord[] = [];
    generator.generate(START_MS, START_MS + 180_001, out);
    expect(out.map((record) => record.text.slice(0, 7))).toEqual(['Status:', 'Status:', 'Status:']);
  });
});
