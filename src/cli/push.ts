/**
 * `esa-logsim push`: a simulated appliance pushing one log subscription to a real receiver (a
 * SIEM, rsyslog, `esa-logsim serve`) in real time, at a rate or as fast as the receiver takes it.
 *
 * @module
 */

import { Appliance } from '../appliance/appliance.js';
import { parsePolicy } from '../appliance/policy.js';
import type { Subscription } from '../appliance/subscription.js';
import { systemClock } from '../clock/system-clock.js';
import { InvalidOptionError } from '../core/errors.js';
import { formatDurationMs } from '../core/units.js';
import type { LogRecord } from '../core/log-record.js';
import { createGenerator } from '../generators/create-generator.js';
import type { LogGenerator } from '../generators/log-generator.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { usageError } from './args.js';
import { pause, watchAppliance } from './appliance-output.js';
import { asFlags, optional, parseDurationFlag, parseInteger, parsePort, parseSeed, parseUtcOffset, required } from './flags.js';
import type { CliIo, ExitCode } from './io.js';
import { Output } from './output.js';

/** The flags of `push`. */
export const PUSH_FLAGS: readonly FlagSpec[] = [
  { name: 'host', kind: 'string' },
  { name: 'port', kind: 'string' },
  { name: 'protocol', kind: 'string' },
  { name: 'name', kind: 'string' },
  { name: 'type', kind: 'string' },
  { name: 'facility', kind: 'string' },
  { name: 'level', kind: 'string' },
  { name: 'framing', kind: 'string' },
  { name: 'hostname', kind: 'string' },
  { name: 'version', kind: 'string' },
  { name: 'serial', kind: 'string' },
  { name: 'utc-offset', kind: 'string' },
  { name: 'rate', kind: 'string' },
  { name: 'count', kind: 'string' },
  { name: 'duration', kind: 'string' },
  { name: 'policy', kind: 'string' },
  { name: 'seed', kind: 'string' },
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** The default `--rate`, in lines per second. */
export const DEFAULT_PUSH_RATE = 50;

/** The highest numeric `--rate` (use `max` beyond it). */
export const MAX_PUSH_RATE = 1_000_000;

/** Lines written per batch with `--rate max`. */
const MAX_RATE_BATCH_LINES = 10_000;

/** How often a rated push writes the lines that are due, in ms. */
const RATE_TICK_MS = 100;

/** How long push waits after its last push before closing, to notice a reset of that push, in ms. */
const LINGER_MS = 100;

/** How often the TTY progress line is redrawn, in ms. */
const PROGRESS_EVERY_MS = 250;

/** Validated `push` settings. */
interface PushSettings {
  readonly rate: number | 'max';
  readonly count: number | undefined;
  readonly durationMs: number | undefined;
}

/** Runs `esa-logsim push`. */
export async function runPush(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const protocol = required(args, 'push', 'protocol', 'tcp or udp');
  const host = required(args, 'push', 'host', 'the receiver\'s host name or address, e.g. 127.0.0.1');
  const port = parsePort(required(args, 'push', 'port', 'the receiver\'s port, 1-65535'), false);
  const settings = pushSettings(args);
  const seed = args.strings.has('seed') ? parseSeed(args.strings.get('seed') as string) : 1;
  const policyText = optional(args, 'policy');
  const policy = policyText === undefined ? undefined : parsePolicy(policyText, '--policy');
  const clock = io.clock ?? systemClock;
  const utcOffset = optional(args, 'utc-offset');
  const appliance = asFlags({ hostname: 'hostname', version: 'version', serialNumber: 'serial', utcOffsetSeconds: 'utc-offset', seed: 'seed' }, () => {
    const hostname = optional(args, 'hostname');
    const version = optional(args, 'version');
    const serialNumber = optional(args, 'serial');
    return new Appliance({
      clock,
      seed,
      evidence: 'none',
      ...(hostname === undefined ? {} : { hostname }),
      ...(version === undefined ? {} : { version }),
      ...(serialNumber === undefined ? {} : { serialNumber }),
      ...(utcOffset === undefined ? {} : { utcOffsetSeconds: parseUtcOffset(utcOffset) }),
    });
  });
  const flagNames = { name: 'name', type: 'type', level: 'level', host: 'host', protocol: 'protocol', facility: 'facility', framing: 'framing', logType: 'type' };
  const subscription = asFlags(flagNames, () => {
    const level = optional(args, 'level');
    const facility = optional(args, 'facility');
    const framing = optional(args, 'framing');
    return appliance.addSubscription({
      name: optional(args, 'name') ?? 'Mail_Log',
      type: optional(args, 'type') ?? 'mail_logs',
      host,
      port,
      protocol: protocol as 'tcp',
      ...(level === undefined ? {} : { level }),
      ...(facility === undefined ? {} : { facility: facility as 'mail' }),
      ...(framing === undefined ? {} : { framing: framing as 'lf' }),
      ...(policy === undefined ? {} : { policy }),
    });
  });
  const generator = asFlags(flagNames, () =>
    createGenerator(subscription.options.type, { seed, startMs: clock.now(), utcOffsetSeconds: appliance.identity.utcOffsetSeconds }),
  );
  const source = new LineSource(generator, subscription, clock.now());

  const out = new Output(io, args.booleans.has('json'));
  const watch = watchAppliance(appliance, out);
  const { options } = subscription;
  const limit = settings.count !== undefined ? `${settings.count} lines` : settings.durationMs !== undefined ? `for ${formatDurationMs(settings.durationMs)}` : 'until interrupted';
  out.line(
    `esa-logsim push: ${options.name} (${options.type}, ${options.level} and above, facility ${options.facility}) → ${options.protocol} ${options.host}:${options.port}, ` +
      `${settings.rate === 'max' ? 'as fast as the receiver takes it' : `${settings.rate} lines/s`}, ${limit}. Ctrl-C stops.`,
  );
  out.line(`Delivery is not known to a pushing sender: the summary counts what was generated, sent and dropped.`);

  const startedAt = clock.now();
  let written = 0;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const write = (lines: number): void => {
    watch.quietly(() => {
      for (let i = 0; i < lines; i++) {
        const record = source.next();
        appliance.write(options.type, record.level, record.text);
      }
    });
    written += lines;
  };
  const progress = (): void => {
    const now = clock.now();
    if (now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const of = settings.count === undefined ? '' : `/${settings.count}`;
    out.progress(`pushing: ${written}${of} lines written, ${subscription.stats.pushes} pushes, ${watch.networkErrors} network errors, ${formatDurationMs(now - startedAt)}`);
  };
  const isDone = (): boolean =>
    io.signal?.aborted === true ||
    (settings.count !== undefined && written >= settings.count) ||
    (settings.durationMs !== undefined && clock.now() - startedAt >= settings.durationMs);

  try {
    if (settings.rate === 'max') {
      // No schedule: each batch is pushed as soon as the previous one was handed to the network.
      while (!isDone()) {
        const errorsBefore = watch.networkErrors;
        write(Math.min(MAX_RATE_BATCH_LINES, (settings.count ?? Number.POSITIVE_INFINITY) - written));
        await subscription.flush();
        progress();
        // A failing receiver: wait one push interval, as the appliance's schedule would.
        if (watch.networkErrors > errorsBefore && (await pause(clock, subscription.scheduler.pushIntervalMs, io.signal))) break;
        if (watch.networkErrors === errorsBefore && (await pause(clock, 0, io.signal))) break;
      }
    } else {
      appliance.start();
      const rate = settings.rate;
      for (;;) {
        // Lines due by now (by the end, when --duration has passed): --duration 10s at 5/s is 50.
        const elapsedMs = Math.min(clock.now() - startedAt, settings.durationMs ?? Number.POSITIVE_INFINITY);
        const due = Math.floor((elapsedMs * rate) / 1000);
        const target = settings.count === undefined ? due : Math.min(settings.count, due);
        if (target > written) write(target - written);
        progress();
        if (isDone()) break;
        if (await pause(clock, RATE_TICK_MS, io.signal)) break;
      }
      // Let the schedule push what is queued, as the appliance would, before closing.
      const deadline = clock.now() + 3 * subscription.scheduler.pushIntervalMs;
      const errorsBefore = watch.networkErrors;
      while (subscription.stats.queuedNow > 0 && clock.now() < deadline && watch.networkErrors === errorsBefore) {
        if (await pause(clock, RATE_TICK_MS, io.signal)) break;
      }
    }
    // A receiver that resets or closes right after the last push: notice it before closing.
    await pause(clock, LINGER_MS, io.signal);
  } finally {
    out.clearProgress();
    await appliance.close();
  }
  const counts = appliance.ledger.counts();
  out.summary(watch.summary(), { sent: counts.sent, droppedByReason: counts.droppedByReason, bytes: subscription.stats.bytes, interrupted: io.signal?.aborted === true }, 'unknown (foreign receiver)');
  return 0;
}

function pushSettings(args: ParsedArgs): PushSettings {
  const rateText = optional(args, 'rate');
  let rate: number | 'max' = DEFAULT_PUSH_RATE;
  if (rateText !== undefined) {
    const value = Number(rateText);
    if (rateText.trim().toLowerCase() === 'max') rate = 'max';
    else if (rateText.trim() !== '' && Number.isFinite(value) && value > 0 && value <= MAX_PUSH_RATE) rate = value;
    else throw new InvalidOptionError('--rate', rateText, `a number of lines per second above 0 and up to ${MAX_PUSH_RATE}, or max`);
  }
  const countText = optional(args, 'count');
  const durationText = optional(args, 'duration');
  if (countText !== undefined && durationText !== undefined) {
    throw usageError('esa-logsim push: --count and --duration exclude each other; give one (or neither, to push until Ctrl-C)');
  }
  return {
    rate,
    count: countText === undefined ? undefined : parseInteger('count', countText, 1, 1_000_000_000, 'a whole number of lines'),
    durationMs: durationText === undefined ? undefined : parseDurationFlag('duration', durationText),
  };
}

/** How many empty generator windows {@link LineSource} tolerates before giving up. */
const MAX_EMPTY_WINDOWS = 10_000;

/**
 * Content lines from a generator, one at a time, skipping those the subscription's level filters
 * out. The generator runs on its own time line in 1-second windows; the appliance stamps each
 * line with the time it writes it.
 */
class LineSource {
  readonly #generator: LogGenerator;
  readonly #subscription: Subscription;
  readonly #buffer: LogRecord[] = [];
  #index = 0;
  #windowMs: number;

  constructor(generator: LogGenerator, subscription: Subscription, startMs: number) {
    this.#generator = generator;
    this.#subscription = subscription;
    this.#windowMs = startMs;
  }

  /**
   * The next line the subscription forwards.
   *
   * @throws InvalidOptionError naming `--level` when the generator writes nothing at that level.
   */
  next(): LogRecord {
    for (let empty = 0; empty < MAX_EMPTY_WINDOWS; ) {
      while (this.#index < this.#buffer.length) {
        const record = this.#buffer[this.#index++] as LogRecord;
        if (this.#subscription.accepts(this.#generator.logType, record.level)) return record;
      }
      this.#buffer.length = 0;
      this.#index = 0;
      this.#generator.generate(this.#windowMs, this.#windowMs + 1000, this.#buffer);
      this.#windowMs += 1000;
      if (!this.#buffer.some((record) => this.#subscription.accepts(this.#generator.logType, record.level))) empty++;
    }
    const { type, level } = this.#subscription.options;
    throw new InvalidOptionError('--level', level, `a level at which the ${type} generator writes lines (it wrote none at ${level} or above in ${MAX_EMPTY_WINDOWS} simulated seconds)`);
  }
}
