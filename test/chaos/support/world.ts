/**
 * What a chaos world shares, virtual or on loopback: the random parameters of a run (traffic,
 * subscription, policy), the scripted writes, the recording of every ledger line and logfile
 * line the subscription produced, and the final checks (ledger invariant, judge, escaped errors).
 */
import type { Appliance, AddSubscriptionOptions } from '../../../src/appliance/appliance.js';
import type { PolicySpec } from '../../../src/appliance/policy.js';
import type { IdleCloseDetection, Subscription } from '../../../src/appliance/subscription.js';
import type { Framing } from '../../../src/core/framing.js';
import type { LedgerCounts } from '../../../src/core/ledger.js';
import { logfileTrailerTexts } from '../../../src/core/logfile.js';
import { applyLongLineRule, exceedsLongLineLimit, type LongLinePolicy, resolveLongLinePolicy } from '../../../src/core/long-lines.js';
import type { Random } from '../../../src/core/random.js';
import { SyslogFormatter } from '../../../src/core/syslog-format.js';
import { FACILITIES, type LogLevel } from '../../../src/core/vocabulary.js';
import type { ReceivedMessage } from '../../../src/server/syslog-server.js';
import { type JudgedLine, type JudgedRecord, type Verdict } from './judge.js';
import { describeEscaped, type EscapedError } from './process-errors.js';

/** The three built-in policies a chaos run exercises. */
export type ChaosPolicy = 'esa' | 'retry' | 'buffer';

/** The chaos policies. */
export const CHAOS_POLICIES: readonly ChaosPolicy[] = ['esa', 'retry', 'buffer'];

/** The random shape of a run (everything but the faults and the policy parameters). */
export interface RunShape {
  readonly protocol: 'tcp' | 'udp';
  readonly framing: Framing;
  readonly durationMs: number;
  readonly utcOffsetSeconds: number;
  readonly subscription: Omit<AddSubscriptionOptions, 'host' | 'port' | 'policy' | 'transport' | 'transportOptions'>;
  readonly longLines: LongLinePolicy;
  readonly transport: { readonly connectTimeoutMs: number; readonly writeTimeoutMs: number };
  /** Generated mail_logs lines per second (0: none). */
  readonly messagesPerSecond: number;
  /** The receiver's `maxMessageBytes`. */
  readonly maxMessageBytes: number;
  readonly writes: readonly ScriptedWrite[];
}

/** A line the test writes itself. */
export interface ScriptedWrite {
  readonly atMs: number;
  readonly level: LogLevel;
  readonly text: string;
}

/** Options of {@link randomRunShape}. */
export interface RunShapeOptions {
  /** Shortest and longest run, ms. */
  readonly durationMs: readonly [number, number];
  /** Most scripted writes. */
  readonly maxWrites: number;
  /** Longest scripted line, characters. */
  readonly maxLongLineChars: number;
  /** Most generated mail messages per second (each makes ~10-15 mail_logs lines). */
  readonly maxMessagesPerSecond: number;
  /** Protocols to choose from. */
  readonly protocols?: readonly ('tcp' | 'udp')[];
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'ümlaut', '日本語', '🎉', 'a', 'bb', 'ccc'];

/** Random words, `chars` characters long at least (no two runs of text alike). */
function words(random: Random, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < chars && i < 1_000_000; i++) {
    const word = `${random.pick(WORDS)}${random.int(0, 100_000)}`;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ');
}

/** A random run shape from `random`. */
export function randomRunShape(random: Random, options: RunShapeOptions): RunShape {
  const protocol = random.pick(options.protocols ?? (['tcp', 'tcp', 'udp'] as const));
  const framing: Framing = protocol === 'tcp' && random.chance(0.3) ? 'octet-counting' : 'lf';
  const durationMs = random.int(options.durationMs[0], options.durationMs[1] + 1);
  const level = random.pick(['Information', 'Information', 'Information', 'Debug', 'Warning'] as const);
  const rule = random.pick(['send', 'send', 'send', 'truncate', 'split', 'drop'] as const);
  const longLines = resolveLongLinePolicy({ rule, maxBytes: random.int(256, 8192) });
  const writes: ScriptedWrite[] = [];
  const writeCount = random.int(0, options.maxWrites + 1);
  for (let n = 0; n < writeCount; n++) {
    const kind = random.int(0, 10);
    let text: string;
    if (kind <= 3) text = `CHAOS ${n} ${words(random, random.int(1, 120))}`;
    else if (kind <= 5) text = `LONG ${n} ${words(random, random.int(300, options.maxLongLineChars))}`;
    else if (kind <= 7) {
      const count = random.int(2, 5);
      text = Array.from({ length: count }, (_, k) => `MULTI ${n}.${k} ${words(random, random.int(1, 80))}`).join('\n');
    } else text = `BURST ${n} ${words(random, 20)}`;
    const atMs = random.int(0, durationMs);
    const level = random.pick(['Critical', 'Warning', 'Information', 'Information', 'Information', 'Debug'] as const);
    writes.push({ atMs, level, text });
    if (kind === 9) {
      // A burst: many lines at one instant (a batch bigger than maxBatchLines, a buffer overflow).
      const burst = random.int(10, 400);
      for (let k = 0; k < burst; k++) writes.push({ atMs, level: 'Information', text: `BURST ${n}.${k} ${words(random, random.int(1, 60))}` });
    }
  }
  writes.sort((a, b) => a.atMs - b.atMs);
  return {
    protocol,
    framing,
    durationMs,
    utcOffsetSeconds: random.int(-24, 29) * 1800,
    subscription: {
      name: 'Mail_Log',
      type: 'mail_logs',
      level,
      protocol,
      facility: random.pick(FACILITIES),
      ...(protocol === 'tcp' ? { framing } : {}),
      ...(random.chance(0.3) ? { hostname: 'mail.example.com' } : {}),
      timestampPadding: random.chance(0.5) ? 'zero' : 'space',
      pushIntervalMs: random.int(400, 3000),
      maxBatchLines: random.pick([1, 5, 50, 500, 10_000]),
      rolloverBytes: random.chance(0.5) ? 0 : random.int(2000, 100_000),
      rolloverIntervalMs: random.chance(0.5) ? 0 : random.int(5000, 60_000),
      idleCloseDetection: random.pick(['immediately', 'on-next-push'] as readonly IdleCloseDetection[]),
    },
    longLines,
    transport: { connectTimeoutMs: random.int(500, 10_000), writeTimeoutMs: random.int(1000, 30_000) },
    // Log-uniform from 1/50 of the maximum to it (each mail message makes ~10-15 mail_logs lines).
    messagesPerSecond: random.chance(0.15) ? 0 : Math.round(options.maxMessagesPerSecond * 50 ** (random.next() - 1) * 1000) / 1000,
    maxMessageBytes: random.chance(0.5) ? 65_536 : random.int(1024, 65_536),
    writes,
  };
}

/** Random parameters within one policy. */
export function randomPolicy(random: Random, policy: ChaosPolicy): PolicySpec {
  const retry = () => ({
    retries: random.int(0, 6),
    factor: random.pick([1, 1.5, 2, 3]),
    minDelayMs: random.int(1, 2000),
    maxDelayMs: random.int(2000, 30_000),
    jitter: Math.round(random.next() * 50) / 100,
  });
  switch (policy) {
    case 'esa':
      return { type: 'esa' };
    case 'retry':
      return { type: 'retry', ...retry() };
    case 'buffer':
      return {
        type: 'buffer',
        maxLines: random.pick([1, 10, 100, 1000, 10_000]),
        overflow: random.chance(0.5) ? 'drop-oldest' : 'drop-newest',
        ...(random.chance(0.5) ? { retry: retry() } : {}),
      };
  }
}

/**
 * Watches a subscription and its appliance: every ledger line's text (by id) and every logfile
 * line, to know afterwards what the receiver should hold.
 */
export class LineRecorder {
  readonly #formatter: SyslogFormatter;
  readonly #longLines: LongLinePolicy;
  readonly #framing: Framing | 'udp';
  readonly lines: JudgedLine[] = [];
  readonly logfileLines = new Set<string>();
  #queued = 0;

  constructor(appliance: Appliance, subscription: Subscription, longLines: LongLinePolicy) {
    // The transport's own policy (UDP turns `send` into a cut at the datagram limit).
    this.#longLines = (subscription.transport as { options?: { longLines?: LongLinePolicy } }).options?.longLines ?? longLines;
    this.#framing = subscription.options.protocol === 'udp' ? 'udp' : subscription.options.framing;
    this.#formatter = new SyslogFormatter(subscription.options, { utcOffsetSeconds: appliance.identity.utcOffsetSeconds });
    const stream = subscription.ledger;
    appliance.on('log:written', (event) => {
      // The subscription gives ids in the order it queues lines; a line it queued got the next id.
      const generated = stream.generated;
      if (generated === this.#queued) return;
      this.#queued = generated;
      this.lines.push({ frames: this.framesOf(this.#formatter.format(event.record)) });
    });
    subscription.on('logfile:started', (event) => {
      for (const line of event.lines) for (const frame of this.framesOf(line)) this.logfileLines.add(frame);
      if (event.reason === 'rollover') {
        for (const text of logfileTrailerTexts()) {
          for (const frame of this.framesOf(this.#formatter.format({ timeMs: event.at, level: 'Information', text }))) this.logfileLines.add(frame);
        }
      }
    });
  }

  /** The frames a receiver records for one formatted message. */
  framesOf(message: string): readonly string[] {
    const parts = exceedsLongLineLimit(message, this.#longLines) ? applyLongLineRule(message, this.#longLines).parts : [message];
    if (this.#framing !== 'lf') return parts;
    return parts.some((part) => part.includes('\n')) ? parts.flatMap((part) => part.split('\n')) : parts;
  }
}

/**
 * The receiver's records as the judge sees them. `finEnded`: the ids of TCP connections the peer
 * ended with FIN (their last record may be a trailing partial frame).
 */
export function judgedRecords(records: readonly ReceivedMessage[], finEnded: ReadonlySet<number>): JudgedRecord[] {
  const last = new Map<number, number>();
  records.forEach((record, index) => {
    if (record.protocol === 'tcp') last.set(record.connectionId, index);
  });
  return records.map((record, index) => ({
    raw: record.raw,
    byteLength: record.byteLength,
    isCut: record.truncated || record.faultTruncatedTo !== undefined,
    isTrailing: record.protocol === 'tcp' && finEnded.has(record.connectionId) && last.get(record.connectionId) === index,
  }));
}

/** The outcome of one chaos run. */
export interface ChaosRunResult {
  readonly seed: number;
  readonly policy: ChaosPolicy;
  /** Empty when every check passed. */
  readonly problems: string[];
  readonly counts: LedgerCounts;
  readonly verdict: Verdict;
  /** The run's parameters and faults, for failure reports. */
  readonly description: string;
  /** Virtual ms simulated. */
  readonly simulatedMs: number;
}

/** The ledger invariant and the judge; problems as text. */
export function checkLedger(counts: LedgerCounts, verdict: Verdict, escaped: readonly EscapedError[]): string[] {
  const problems: string[] = [];
  const delivered = counts.delivered ?? Number.NaN;
  const lost = counts.lostInFlight ?? Number.NaN;
  const pending = counts.pending ?? Number.NaN;
  if (counts.generated !== delivered + counts.dropped + lost + pending) {
    problems.push(`invariant broken: generated ${counts.generated} ≠ delivered ${delivered} + dropped ${counts.dropped} + lost ${lost} + pending ${pending}`);
  }
  if (pending !== 0) problems.push(`${pending} line(s) still pending after every close`);
  problems.push(...verdict.problems);
  problems.push(...describeEscaped(escaped));
  return problems;
}

/** The failure report of a run: seed, the one replay command, parameters and problems. */
export function failureReport(result: ChaosRunResult, replay: string): string {
  return [
    `chaos run failed: seed ${result.seed}, policy ${result.policy}`,
    `replay: ${replay}`,
    result.description,
    `ledger: ${JSON.stringify({ ...result.counts, droppedByReason: undefined })} dropped by reason ${JSON.stringify(result.counts.droppedByReason)}`,
    'problems:',
    ...result.problems.map((problem) => `  - ${problem}`),
  ].join('\n');
}
