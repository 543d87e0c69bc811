/**
 * The simulated Email Security Appliance: its logs, its log subscriptions with Syslog Push, its
 * own Log Error lines and System/Critical alerts, and the ledger of every line.
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import { type Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { InvalidOptionError } from '../core/errors.js';
import { Ledger, type LedgerEvidence } from '../core/ledger.js';
import type { LogRecord } from '../core/log-record.js';
import { type LogfileIdentity, resolveLogfileIdentity } from '../core/logfile.js';
import type { Network } from '../core/network.js';
import { type Random, type Seed, seededRandom } from '../core/random.js';
import { resolveSubscriptionOptions, type SubscriptionOptions, parseLogLevel } from '../core/subscription-options.js';
import { expectOneOf } from '../core/units.js';
import { LOG_LEVELS, type LogLevel, logTypeInfo } from '../core/vocabulary.js';
import { createGenerator } from '../generators/create-generator.js';
import type { LogGenerator } from '../generators/log-generator.js';
import { callListeners } from '../core/listeners.js';
import { TcpTransport, type TcpTransportOptions } from '../transports/tcp-transport.js';
import type { Transport } from '../transports/transport.js';
import { UdpTransport, type UdpTransportOptions } from '../transports/udp-transport.js';
import { AlertEngine, type AlertOptions, type ResolvedAlertOptions, resolveAlertOptions, type SentAlert } from './alert-engine.js';
import { type PolicyFunction, type PolicySpec, resolvePolicy } from './policy.js';
import {
  type PushFailedEvent,
  resolveSchedulerOptions,
  SCHEDULER_OPTION_KEYS,
  type SchedulerOptions,
  Subscription,
} from './subscription.js';

/** Options of {@link Appliance}. */
export interface ApplianceOptions {
  /**
   * The appliance's hostname (in alert subjects).
   * @default 'mail.example.com'
   */
  hostname?: string;
  /**
   * The AsyncOS version written in logfile headers, `major.minor.patch-build`.
   * @default '8.0.1-023' (the seed's)
   */
  version?: string;
  /**
   * The serial number written in logfile headers.
   * @default 'A4BADB4712A9-511AA1E' (the seed's)
   */
  serialNumber?: string;
  /**
   * Local time − UTC, in seconds (timestamps on the wire are local time).
   * @default 0
   */
  utcOffsetSeconds?: number;
  /** Alert settings. */
  alerts?: AlertOptions;
  /**
   * The level at which the appliance logs `Log Error: …` in its mail log (**assumed**: Critical,
   * matching the System/Critical alert it raises; ESA documents no level).
   * @default 'Critical'
   */
  logErrorLevel?: LogLevel;
  /**
   * The clock every timer runs on.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Seed of every random choice (retry jitter, generators without their own seed).
   * @default 1
   */
  seed?: Seed;
  /** A random source instead of `seededRandom(seed)`. */
  random?: Random;
  /**
   * The network the subscriptions' default transports use.
   * @default nodeNetwork (real sockets)
   */
  network?: Network;
  /**
   * What the ledger learns delivery from: `receiver` when you pass `appliance.ledger.observer`
   * to a `SyslogServer` (exact fates); `lines` for any other receiver (rsyslog, a SIEM): give
   * its output to `appliance.ledger.reconcileLines()` after the run; `none` otherwise (delivery
   * unknown: `null` counts).
   * @default 'none'
   */
  evidence?: LedgerEvidence;
}

/** The settings of one subscription: Syslog Push, scheduler, policy and transport. */
export interface AddSubscriptionOptions extends SubscriptionOptions, SchedulerOptions {
  /**
   * What to do with a failed push: `esa` (default: drop the batch), `retry`, `buffer` (specs or
   * CLI text such as `"retry:retries=5"`), or your own function.
   * @default 'esa'
   */
  policy?: PolicySpec | PolicyFunction | string;
  /**
   * The transport to push through. By default one is created from `host`, `port`, `protocol`
   * (and closed with the subscription); a transport you pass is yours to close.
   */
  transport?: Transport;
  /** Extra options for the default transport (timeouts, keepalive…). */
  transportOptions?: Partial<TcpTransportOptions> & Partial<UdpTransportOptions>;
}

/** Payload of `log:written`: a line written to one of the appliance's logs. */
export interface LogWrittenEvent {
  readonly at: number;
  readonly logType: string;
  readonly record: LogRecord;
}

/** Payload of `alert:sent`. */
export type AlertSentEvent = SentAlert;

/** Payload of `alert:suppressed`. */
export interface AlertSuppressedEvent {
  readonly at: number;
  readonly text: string;
  /** When the next duplicate may be sent. */
  readonly nextAllowedAt: number;
}

/** Events of an {@link Appliance}. */
export interface ApplianceEvents {
  /** A line was written to a log (generated, yours, or the appliance's own). */
  'log:written': (event: LogWrittenEvent) => void;
  /** A push of any subscription failed (also emitted on the subscription). */
  'push:failed': (event: PushFailedEvent) => void;
  /** A System/Critical alert was sent. */
  'alert:sent': (event: AlertSentEvent) => void;
  /** A duplicate alert was held back. */
  'alert:suppressed': (event: AlertSuppressedEvent) => void;
}

interface AttachedGenerator {
  readonly generator: LogGenerator;
  readonly buffer: LogRecord[];
}

const APPLIANCE_OPTION_KEYS = [
  'hostname',
  'version',
  'serialNumber',
  'utcOffsetSeconds',
  'alerts',
  'logErrorLevel',
  'clock',
  'seed',
  'random',
  'network',
  'evidence',
];

const HOSTNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/**
 * A simulated Cisco Email Security Appliance.
 *
 * @example
 * ```ts
 * const appliance = new Appliance({ hostname: 'mail.example.com', utcOffsetSeconds: 7200, evidence: 'receiver' });
 * const server = new SyslogServer({ protocol: 'tcp', faults: ['reset-after-bytes=412'], observers: [appliance.ledger.observer] });
 * const port = await server.listen();
 * appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', host: '127.0.0.1', port, protocol: 'tcp' });
 * appliance.addGenerator('mail_logs', { messagesPerSecond: 5 });
 * appliance.on('push:failed', (event) => console.log(event.message));
 * appliance.start();
 * // … later
 * await appliance.close();
 * await server.close();
 * console.log(appliance.ledger.counts());
 * ```
 */
export class Appliance extends EventEmitter<ApplianceEvents> {
  /** The hostname. */
  readonly hostname: string;
  /** Version, serial and UTC offset (what logfile headers say). */
  readonly identity: LogfileIdentity;
  /** Alert settings. */
  readonly alertOptions: ResolvedAlertOptions;
  /** The level of `Log Error` lines. */
  readonly logErrorLevel: LogLevel;
  /** The clock. */
  readonly clock: Clock;
  /** The random source. */
  readonly random: Random;
  /** The fate of every line of every subscription. */
  readonly ledger: Ledger;

  readonly #network: Network | undefined;
  readonly #alerts: AlertEngine;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #generators: AttachedGenerator[] = [];
  #pulledUntil: number;
  #state: 'idle' | 'running' | 'closing' | 'closed' = 'idle';
  #closing: Promise<void> | undefined;

  /** @throws InvalidOptionError naming the option. */
  constructor(options: ApplianceOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
    for (const key of Object.keys(options)) {
      if (!APPLIANCE_OPTION_KEYS.includes(key)) {
        throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${APPLIANCE_OPTION_KEYS.join(', ')})`);
      }
    }
    const hostname = options.hostname ?? 'mail.example.com';
    if (typeof hostname !== 'string' || !HOSTNAME_PATTERN.test(hostname)) {
      throw new InvalidOptionError('hostname', hostname, 'a host name such as mail.example.com');
    }
    this.hostname = hostname;
    this.identity = resolveLogfileIdentity({
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.serialNumber === undefined ? {} : { serialNumber: options.serialNumber }),
      ...(options.utcOffsetSeconds === undefined ? {} : { utcOffsetSeconds: options.utcOffsetSeconds }),
    });
    this.alertOptions = resolveAlertOptions(options.alerts ?? {});
    this.logErrorLevel = expectOneOf('logErrorLevel', options.logErrorLevel ?? 'Critical', LOG_LEVELS);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? seededRandom(options.seed ?? 1);
    this.#network = options.network;
    this.ledger = new Ledger({ evidence: options.evidence ?? 'none' });
    this.#alerts = new AlertEngine(hostname, this.alertOptions);
    this.#pulledUntil = this.clock.now();
  }

  /** The subscriptions, in the order they were added. */
  get subscriptions(): readonly Subscription[] {
    return [...this.#subscriptions.values()];
  }

  /** Alerts sent and duplicates held back so far. */
  get alertCounts(): { readonly sent: number; readonly suppressed: number } {
    return { sent: this.#alerts.sentCount, suppressed: this.#alerts.suppressedCount };
  }

  /** The subscription named `name`, or `undefined`. */
  subscription(name: string): Subscription | undefined {
    return this.#subscriptions.get(name);
  }

  /**
   * Adds a log subscription with Syslog Push, validated like `logconfig` does. When the
   * appliance is running, its pushes start at once.
   *
   * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid setting,
   * `ESA_ERR_NAME_IN_USE` (`Log name '<name>' already in use`) for a taken name.
   */
  addSubscription(options: AddSubscriptionOptions): Subscription {
    if (this.#state === 'closing' || this.#state === 'closed') {
      throw new InvalidOptionError('subscription', options?.name, 'added before close()', { code: 'ESA_ERR_CLOSED' });
    }
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('subscription', options, 'an object');
    const { policy, transport, transportOptions, ...rest } = options;
    const push = resolveSubscriptionOptions(rest, { otherKeys: SCHEDULER_OPTION_KEYS });
    if (this.#subscriptions.has(push.name)) {
      const error = new InvalidOptionError('name', push.name, 'a log name not already in use', { code: 'ESA_ERR_NAME_IN_USE' });
      error.message = `Log name '${push.name}' already in use`;
      throw error;
    }
    const scheduler = resolveSchedulerOptions(rest);
    const resolvedPolicy = resolvePolicy(policy);
    const owned = transport === undefined;
    const network = this.#network;
    // The subscription's long-line rule is its default transport's (as given: a UDP transport
    // reads `send`, or a rule without a size, against its datagram limit).
    const longLines = rest.longLines === undefined ? {} : { longLines: rest.longLines };
    const base = { host: push.host, port: push.port, clock: this.clock, ...(network ? { network } : {}), ...longLines, ...transportOptions };
    const chosen: Transport =
      transport ??
      (push.protocol === 'tcp'
        ? new TcpTransport({ ...base, framing: push.framing })
        : new UdpTransport(base));
    if (transport !== undefined && transport.protocol !== push.protocol) {
      throw new InvalidOptionError('transport', transport.protocol, `a ${push.protocol} transport (protocol is ${push.protocol})`);
    }
    const subscription = new Subscription(
      {
        clock: this.clock,
        random: this.random.fork(`subscription:${push.name}`),
        identity: this.identity,
        pull: (now) => this.#pull(now),
        onNetworkError: (event) => this.#onNetworkError(event),
      },
      push,
      scheduler,
      resolvedPolicy,
      chosen,
      owned,
      this.ledger.stream(push.name),
    );
    this.#subscriptions.set(push.name, subscription);
    if (this.#state === 'running') subscription.start();
    return subscription;
  }

  /**
   * Attaches a generator: its lines are written to the appliance's log of its type as time
   * passes (pulled before every push). Give a `LogGenerator` or a log type and its options.
   *
   * @throws InvalidOptionError for an unknown log type or bad options.
   */
  addGenerator(generator: LogGenerator | string, options?: Record<string, unknown>): LogGenerator {
    const resolved =
      typeof generator === 'string'
        ? createGenerator(generator, { startMs: this.clock.now(), random: this.random.fork(`generator:${generator}:${this.#generators.length}`), utcOffsetSeconds: this.identity.utcOffsetSeconds, ...options })
        : generator;
    if (typeof resolved?.generate !== 'function') throw new InvalidOptionError('generator', generator, 'a LogGenerator or a log type name');
    this.#generators.push({ generator: resolved, buffer: [] });
    return resolved;
  }

  /**
   * Writes a line to the appliance's log of `logType`, now, and queues it for every subscription
   * of that type whose level it passes.
   *
   * @throws InvalidOptionError for an unknown log type or level.
   */
  write(logType: string, level: LogLevel | string, text: string): void {
    if (!logTypeInfo(logType)) throw new InvalidOptionError('logType', logType, 'a log type such as mail_logs, system_logs (see LOG_TYPES)');
    const parsed = parseLogLevel(level);
    if (!parsed) throw new InvalidOptionError('level', level, `one of ${LOG_LEVELS.join(', ')}`);
    if (typeof text !== 'string') throw new InvalidOptionError('text', text, 'a string');
    const now = this.clock.now();
    this.#pull(now);
    this.#dispatch(logType, { timeMs: now, level: parsed, text });
  }

  /** Starts every subscription's push schedule. Idempotent. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#pulledUntil = this.clock.now();
    for (const subscription of this.#subscriptions.values()) subscription.start();
  }

  /**
   * Stops generating, pushes what is left once per subscription, drops what still cannot be sent
   * (reason `closed`) and closes the transports it created. Idempotent: same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#pull(this.clock.now());
      this.#state = 'closing';
      await Promise.all([...this.#subscriptions.values()].map((subscription) => subscription.close()));
      this.#state = 'closed';
    })();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Pulls every generator up to `now` and dispatches its lines. */
  #pull(now: number): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    if (now <= this.#pulledUntil) return;
    const from = this.#pulledUntil;
    this.#pulledUntil = now;
    for (const attached of this.#generators) {
      const buffer = attached.buffer;
      buffer.length = 0;
      attached.generator.generate(from, now, buffer);
      const logType = attached.generator.logType;
      if (buffer.length > 0) this.#dispatchAll(logType, buffer);
      buffer.length = 0;
    }
  }

  /** {@link #dispatch} for many records of one log type (the generators' lines): same order, same calls. */
  #dispatchAll(logType: string, records: readonly LogRecord[]): void {
    // Subscriptions are only ever appended (a listener may add one): the list is taken again then,
    // which visits them as iterating the map would.
    const all = this.#subscriptions;
    let subscriptions = [...all.values()];
    // Listeners only change while listeners run: the count is taken again after those, not per line.
    let isWrittenListened = this.listenerCount('log:written') > 0;
    // The usual case: nobody listens to lines and no queue overflows, so no user code runs while
    // the batch is queued; each subscription takes its lines in one call (same ids, same order).
    if (!isWrittenListened && subscriptions.every((subscription) => subscription.canTakeAll(records.length))) {
      for (const subscription of subscriptions) subscription.enqueueAll(logType, records);
      return;
    }
    for (const record of records) {
      for (let i = 0; i < subscriptions.length; i++) {
        const subscription = subscriptions[i] as Subscription;
        if (subscription.accepts(logType, record.level) && subscription.enqueue(record)) isWrittenListened = this.listenerCount('log:written') > 0;
        if (all.size !== subscriptions.length) subscriptions = [...all.values()];
      }
      if (isWrittenListened) {
        callListeners(() => this.emit('log:written', { at: record.timeMs, logType, record }));
        isWrittenListened = this.listenerCount('log:written') > 0;
        if (all.size !== subscriptions.length) subscriptions = [...all.values()];
      }
    }
  }

  #dispatch(logType: string, record: LogRecord): void {
    for (const subscription of this.#subscriptions.values()) {
      if (subscription.accepts(logType, record.level)) subscription.enqueue(record);
    }
    if (this.listenerCount('log:written') > 0) {
      callListeners(() => this.emit('log:written', { at: record.timeMs, logType, record }));
    }
  }

  /** ESA behaviour on a failed push: log the Log Error line, raise the System/Critical alert. */
  #onNetworkError(event: PushFailedEvent): void {
    callListeners(() => this.emit('push:failed', event));
    const now = this.clock.now();
    this.#dispatch('mail_logs', { timeMs: now, level: this.logErrorLevel, text: event.message });
    const outcome = this.#alerts.raise(event.message, now);
    if (outcome.kind === 'suppressed') {
      callListeners(() => this.emit('alert:suppressed', { at: now, text: outcome.text, nextAllowedAt: outcome.nextAllowedAt }));
      return;
    }
    callListeners(() => this.emit('alert:sent', outcome.alert));
    for (const line of outcome.alert.loggedLines) this.#dispatch('mail_logs', { timeMs: now, level: 'Information', text: line });
  }
}
