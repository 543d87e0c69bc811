/**
 * The scenario runner: builds the world a scenario describes — the appliance, its
 * subscriptions and traffic, the receiver, and (virtual world) the network between them with its
 * faults — runs it for the scenario's duration on a `VirtualClock`, closes everything, and
 * reports the ledger's counts, the expectations and (on request) the packet trace.
 *
 * - `virtual`: VirtualClock + VirtualNetwork. The same `Appliance`, `TcpTransport`,
 *   `UdpTransport` and `SyslogServer` classes run on the virtual hosts' `Network`s. Deterministic:
 *   the same scenario and seed give the same summary and the same packets.
 * - `loopback`: real sockets on 127.0.0.1 with the same VirtualClock, driven timer by timer; after
 *   every step the runner waits until the sockets are quiet, so timelines stay consistent.
 *
 * @module
 */

import { type PolicyFunction, type PolicySpec, resolvePolicy } from '../appliance/policy.js';
import { Appliance } from '../appliance/appliance.js';
import type { PushFailedEvent } from '../appliance/subscription.js';
import { abortError, sleep } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { EsaError, InvalidOptionError, type NetworkErrorCode } from '../core/errors.js';
import type { LogRecord } from '../core/log-record.js';
import { seededRandom } from '../core/random.js';
import { expectBoolean, expectInteger, expectOneOf } from '../core/units.js';
import { logTypeInfo } from '../core/vocabulary.js';
import type { FaultEvent } from '../faults/fault-engine.js';
import { createGenerator } from '../generators/create-generator.js';
import type { LogGenerator } from '../generators/log-generator.js';
import { SyslogServer } from '../server/syslog-server.js';
import { createPcapWriter } from '../vnet/pcap-writer.js';
import type { TracePacket } from '../vnet/packet.js';
import { DEFAULT_TRACE_LIMIT, VirtualNetwork, type VirtualTraceOption } from '../vnet/virtual-network.js';
import type { VirtualLink } from '../vnet/link.js';
import type { VirtualHost } from '../vnet/virtual-host.js';
import { checkExpectations } from './expectations.js';
import { formatLogfileLine } from './logfile-line.js';
import {
  type ScenarioEvent,
  type ScenarioEventType,
  type ScenarioFateRun,
  type ScenarioResult,
  type ScenarioSubscriptionSummary,
  type ScenarioSummary,
  SCENARIO_EVENT_TYPES,
} from './result.js';
import { checkWorld, resolveScenario, SCENARIO_WORLDS, type Scenario, type ScenarioWorld } from './scenario.js';

/** Progress of a run. */
export interface ScenarioProgress {
  /** Simulated time run so far, ms. */
  readonly simulatedMs: number;
  /** The scenario's duration, ms. */
  readonly totalMs: number;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /**
   * The retry policy of every subscription, instead of their own (`esa`, `"retry:retries=5"`, a
   * spec object or your function).
   * @default each subscription's own policy
   */
  policy?: PolicySpec | PolicyFunction | string;
  /**
   * Run in this world instead of the scenario's (`loopback` rejects faults only the virtual
   * network has).
   * @default the scenario's `world`
   */
  world?: ScenarioWorld;
  /**
   * Called for every event of the selected types, as it happens (`at` is the clock time it is
   * about). If it throws, the run still finishes and closes everything, then rejects with that error.
   * @default undefined (no events)
   */
  onEvent?: (event: ScenarioEvent) => void;
  /**
   * Which event types `onEvent` receives.
   * @default ['network-error', 'alert', 'fault', 'log'] (`received` is opt-in: one per message)
   */
  events?: readonly ScenarioEventType[];
  /**
   * Record the packets (virtual world): `true` keeps the last 10000, `{ limit }` the last
   * `limit`. Returned as `result.trace`.
   * @default false
   */
  trace?: boolean | { readonly limit?: number };
  /**
   * Receives a pcap file (virtual world), chunk by chunk, as packets cross the wire.
   * @default undefined (no pcap)
   */
  pcap?: (chunk: Uint8Array) => void;
  /**
   * Stops the run: it closes everything and rejects with `ESA_ERR_ABORTED`.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Called as simulated time passes (about 100 times per run, and at the end).
   * @default undefined
   */
  onProgress?: (progress: ScenarioProgress) => void;
  /**
   * Most fate runs reported in `result.fates` (the rest are summarised in `notes`).
   * @default 10000
   */
  fateLimit?: number;
  /**
   * The clock to run on (tests read `clock.pending` afterwards to catch leaked timers).
   * @default new VirtualClock({ startMs: scenario.startMs })
   */
  clock?: VirtualClock;
}

const DEFAULT_EVENTS: readonly ScenarioEventType[] = Object.freeze(['network-error', 'alert', 'fault', 'log']);
const RUN_OPTION_KEYS = ['policy', 'world', 'onEvent', 'events', 'trace', 'pcap', 'signal', 'onProgress', 'fateLimit', 'clock'];
/** UDP datagrams still unmatched this long after they were sent count as lost (the receiver had its chance). */
const UDP_SETTLE_MS = 60_000;
/** Loopback: how long the sockets may stay busy after a step before the run gives up (wall ms). */
const LOOPBACK_QUIET_LIMIT_MS = 10_000;
/** Loopback: how long (wall ms) closing may wait on sockets while no virtual timer is pending. */
const LOOPBACK_CLOSE_LIMIT_MS = 30_000;
/** The most virtual time closing may take after the end (transport close timeouts and the like). */
const CLOSE_LIMIT_MS = 3_600_000;

interface ResolvedRunOptions {
  readonly policy: PolicySpec | PolicyFunction | string | undefined;
  readonly world: ScenarioWorld;
  readonly onEvent: ((event: ScenarioEvent) => void) | undefined;
  readonly events: ReadonlySet<ScenarioEventType>;
  readonly traceLimit: number | undefined;
  readonly pcap: ((chunk: Uint8Array) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: ScenarioProgress) => void) | undefined;
  readonly fateLimit: number;
  readonly clock: VirtualClock | undefined;
}

function resolveRunOptions(scenario: Scenario, options: RunScenarioOptions): ResolvedRunOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, `an object { ${RUN_OPTION_KEYS.join(', ')} }`);
  for (const key of Object.keys(options)) {
    if (!RUN_OPTION_KEYS.includes(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${RUN_OPTION_KEYS.join(', ')})`);
  }
  // An unknown world is a bad option (`ESA_ERR_INVALID_OPTION`), not a bad document.
  const world = options.world === undefined ? scenario.world : expectOneOf('world', options.world, SCENARIO_WORLDS);
  checkWorld(scenario, world);
  if (options.policy !== undefined) resolvePolicy(options.policy, 'policy');
  const events = options.events ?? DEFAULT_EVENTS;
  if (!Array.isArray(events) || events.some((type) => !SCENARIO_EVENT_TYPES.includes(type))) {
    throw new InvalidOptionError('events', events, `an array of event types (${SCENARIO_EVENT_TYPES.join(', ')})`);
  }
  for (const name of ['onEvent', 'pcap', 'onProgress'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new InvalidOptionError(name, options[name], 'a function');
  }
  let traceLimit: number | undefined;
  const trace = options.trace ?? false;
  if (typeof trace === 'boolean') traceLimit = expectBoolean('trace', trace) ? DEFAULT_TRACE_LIMIT : undefined;
  else if (typeof trace === 'object' && trace !== null && !Array.isArray(trace)) {
    traceLimit = expectInteger('trace.limit', trace.limit ?? DEFAULT_TRACE_LIMIT, 1, 100_000_000);
  } else throw new InvalidOptionError('trace', trace, 'true, false or { limit: N }');
  if (world !== 'virtual' && (traceLimit !== undefined || options.pcap !== undefined)) {
    throw new InvalidOptionError(options.pcap ? 'pcap' : 'trace', options.pcap ? 'a pcap sink' : trace, 'used in the virtual world only (real sockets on loopback have no packet trace here: capture them with tshark -i lo)');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', options.signal, 'an AbortSignal');
  if (options.clock !== undefined && !(options.clock instanceof VirtualClock)) throw new InvalidOptionError('clock', options.clock, 'a VirtualClock');
  return {
    policy: options.policy,
    world,
    onEvent: options.onEvent,
    events: new Set(options.onEvent ? events : []),
    traceLimit,
    pcap: options.pcap,
    signal: options.signal,
    onProgress: options.onProgress,
    fateLimit: expectInteger('fateLimit', options.fateLimit ?? 10_000, 0, 100_000_000),
    clock: options.clock,
  };
}

/** A generator that produces only within [fromMs, untilMs). */
function windowed(inner: LogGenerator, fromMs: number, untilMs: number): LogGenerator {
  return {
    get logType() {
      return inner.logType;
    },
    get linesGenerated() {
      return inner.linesGenerated;
    },
    generate(from: number, to: number, out: LogRecord[]): number {
      const a = Math.max(from, fromMs);
      const b = Math.min(to, untilMs);
      return b > a ? inner.generate(a, b, out) : 0;
    },
  };
}

/** A fixed-size ring of the last packets. */
class PacketRing {
  readonly #items: TracePacket[] = [];
  readonly #limit: number;
  #start = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(packet: TracePacket): void {
    if (this.#items.length < this.#limit) this.#items.push(packet);
    else {
      this.#items[this.#start] = packet;
      this.#start = (this.#start + 1) % this.#limit;
    }
  }

  toArray(): TracePacket[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }
}

function policyLabel(policy: PolicySpec | PolicyFunction | string): string {
  if (typeof policy === 'string') return policy.trim();
  return resolvePolicy(policy).name;
}

/**
 * Runs a scenario and reports what happened to every line.
 *
 * @param scenario - a scenario from `loadScenario()` (a plain document is validated first).
 * @throws InvalidOptionError `ESA_ERR_INVALID_SCENARIO` for an invalid document or a world it
 * cannot run in; `ESA_ERR_INVALID_OPTION` for a bad option; EsaError `ESA_ERR_ABORTED` when
 * `signal` aborts (after closing everything), `ESA_ERR_INTERNAL` if the world wedges; the error
 * an `onEvent` listener threw.
 * @example
 * ```ts
 * const result = await runScenario(loadScenario('ips-reset'), { trace: true });
 * console.log(result.summary.networkErrors, result.summary.lostInFlight, result.passed);
 * console.log(renderTrace(result.trace ?? []));
 * ```
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const resolved = isResolved(scenario) ? scenario : resolveScenario(scenario);
  const run = resolveRunOptions(resolved, options);
  if (run.signal?.aborted) throw abortError(run.signal);
  return new ScenarioRun(resolved, run).run();
}

function isResolved(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && typeof (value as Scenario).startMs === 'number' && Array.isArray((value as Scenario).expectations);
}

/** One run: owns every object it creates and closes them all. */
class ScenarioRun {
  readonly #scenario: Scenario;
  readonly #options: ResolvedRunOptions;
  readonly #clock: VirtualClock;
  readonly #endMs: number;
  readonly #notes: string[] = [];
  readonly #causes: Partial<Record<NetworkErrorCode, number>> = {};
  #reconnectLogfiles = 0;
  #listenerError: { readonly error: unknown } | undefined;
  #connections = 0;
  #vnet: VirtualNetwork | undefined;
  #link: VirtualLink | undefined;
  #ring: PacketRing | undefined;
  #server!: SyslogServer;
  #appliance!: Appliance;

  constructor(scenario: Scenario, options: ResolvedRunOptions) {
    this.#scenario = scenario;
    this.#options = options;
    this.#clock = options.clock ?? new VirtualClock({ startMs: scenario.startMs, loopLimit: 10_000_000 });
    this.#endMs = this.#clock.now() + scenario.durationMs;
  }

  async run(): Promise<ScenarioResult> {
    const scenario = this.#scenario;
    const isVirtual = this.#options.world === 'virtual';
    const random = seededRandom(scenario.seed);
    const clock = this.#clock;
    try {
      let host: string;
      let port: number;
      if (isVirtual) {
        const vnet = new VirtualNetwork({ clock, random: random.fork('network'), trace: this.#traceOption(), defaultLinkLatencyMs: scenario.network.latencyMs });
        this.#vnet = vnet;
        const esa = vnet.host(scenario.network.appliance.address, scenario.network.appliance.options);
        const rx = vnet.host(scenario.network.receiver.address, scenario.network.receiver.options);
        this.#link = vnet.link(esa.address, rx.address, { latencyMs: scenario.network.latencyMs, jitterMs: scenario.network.jitterMs, faults: scenario.network.faults });
        host = rx.address;
        port = scenario.receiver.port;
        this.#build(random, esa, host, port, scenario.receiver.faults, rx);
      } else {
        host = '127.0.0.1';
        port = 0;
        this.#loopbackNotes();
        this.#build(random, undefined, host, port, [...scenario.receiver.faults, ...scenario.network.faults], undefined);
      }
      port = await this.#server.listen();
      this.#addSubscriptions(host, port);
      this.#addTraffic(random);
      this.#appliance.start();
      await this.#runUntilEnd();
      await this.#drive(this.#appliance.close());
      await this.#settleInFlight();
      await this.#drive(this.#server.close());
      this.#appliance.ledger.settleDatagrams(Number.POSITIVE_INFINITY);
      await this.#vnet?.close();
      this.#options.onProgress?.({ simulatedMs: this.#scenario.durationMs, totalMs: this.#scenario.durationMs });
      if (this.#listenerError) throw this.#listenerError.error;
      return this.#result();
    } catch (error) {
      await this.#abandon();
      throw error;
    }
  }

  #traceOption(): VirtualTraceOption {
    const { traceLimit, pcap } = this.#options;
    if (traceLimit === undefined && pcap === undefined) return false;
    if (pcap === undefined) return { limit: traceLimit as number };
    const writer = createPcapWriter(pcap);
    if (traceLimit === undefined) return { sink: (packet) => writer.writePacket(packet) };
    const ring = new PacketRing(traceLimit);
    this.#ring = ring;
    return {
      sink: (packet) => {
        writer.writePacket(packet);
        ring.push(packet);
      },
    };
  }

  #loopbackNotes(): void {
    const { network } = this.#scenario;
    const input = this.#scenario.input.network;
    if (input?.appliance !== undefined || input?.receiver !== undefined || input?.latencyMs !== undefined || input?.jitterMs !== undefined) {
      this.#notes.push('network: host addresses, TCP stack options, latency and jitter describe the virtual wire; loopback uses 127.0.0.1 and the kernel\'s TCP');
    }
    if (network.faults.length > 0) this.#notes.push('network.faults: applied by the receiver on loopback (no middlebox between real sockets)');
    this.#notes.push('receiver.port: the receiver listens on a free port of 127.0.0.1 on loopback');
  }

  #build(
    random: ReturnType<typeof seededRandom>,
    esa: VirtualHost | undefined,
    host: string,
    port: number,
    faults: Scenario['receiver']['faults'],
    rx: VirtualHost | undefined,
  ): void {
    const { scenario } = { scenario: this.#scenario };
    const clock = this.#clock;
    const listener = this.#options.onEvent;
    // A throwing listener must not break the simulation: the run finishes, closes, then rejects with it.
    const emit = listener
      ? (event: ScenarioEvent): void => {
          try {
            listener(event);
          } catch (error) {
            this.#listenerError ??= { error };
          }
        }
      : undefined;
    const events = this.#options.events;
    this.#appliance = new Appliance({
      ...scenario.appliance,
      clock,
      random: random.fork('appliance'),
      evidence: 'receiver',
      ...(esa ? { network: esa } : {}),
    });
    const receiver = scenario.receiver;
    this.#server = new SyslogServer({
      protocol: receiver.protocol,
      host,
      port,
      faults,
      framing: receiver.framing,
      maxMessageBytes: receiver.maxMessageBytes,
      maxConnections: receiver.maxConnections,
      closeTimeoutMs: receiver.closeTimeoutMs,
      maxQueuedDatagrams: receiver.maxQueuedDatagrams,
      // Messages are reported through events and counters: the receiver keeps none in memory.
      recordLimit: 0,
      observers: [this.#appliance.ledger.observer],
      clock,
      random: random.fork('receiver'),
      ...(rx ? { network: rx } : {}),
    });
    const appliance = this.#appliance;
    appliance.on('push:failed', (event: PushFailedEvent) => {
      this.#causes[event.cause.code] = (this.#causes[event.cause.code] ?? 0) + 1;
      if (events.has('network-error')) {
        emit?.({
          type: 'network-error',
          at: event.at,
          subscription: event.subscription,
          message: event.message,
          cause: event.cause.code,
          detail: event.cause.message,
          isIdle: event.isIdle,
          linesAffected: event.linesAffected,
        });
      }
    });
    if (emit && events.has('alert')) {
      appliance.on('alert:sent', (alert) =>
        emit({ type: 'alert', at: alert.at, class: alert.alertClass, severity: alert.severity, subject: alert.subject, recipients: alert.recipients }),
      );
    }
    if (emit && events.has('log')) {
      const offset = appliance.identity.utcOffsetSeconds;
      appliance.on('log:written', (event) =>
        emit({
          type: 'log',
          at: event.at,
          logType: event.logType,
          level: event.record.level,
          line: formatLogfileLine(event.record, offset, logTypeInfo(event.logType)?.format === 'cef'),
        }),
      );
    }
    if (emit && events.has('fault')) {
      this.#server.on('fault:applied', (event) =>
        emit({ type: 'fault', at: event.at, fault: event.type, action: event.action, detail: event.detail, source: 'receiver', ...(event.peer ? { connection: event.peer } : {}) }),
      );
      this.#vnet?.on('fault:applied', (event: FaultEvent) =>
        emit({ type: 'fault', at: event.at, fault: event.fault, action: event.action, detail: event.detail, source: 'link', ...(event.connection ? { connection: event.connection } : {}) }),
      );
    }
    if (emit && events.has('received')) {
      this.#server.on('message:received', ({ at, message }) => {
        const parsed = message.parsed;
        emit({
          type: 'received',
          at,
          facility: parsed ? parsed.facilityName : null,
          severity: parsed ? parsed.severity : null,
          tag: parsed ? parsed.tag : null,
          level: parsed?.level ?? null,
          text: parsed ? parsed.text : message.raw,
          peer: message.key,
        });
      });
    }
  }

  #addSubscriptions(host: string, port: number): void {
    const { policy } = this.#options;
    for (const subscription of this.#scenario.subscriptions) {
      const sub = this.#appliance.addSubscription({
        ...subscription.options,
        host,
        port,
        protocol: this.#scenario.receiver.protocol,
        policy: policy ?? subscription.policy,
        transportOptions: { ...(subscription.transport as object) },
      });
      let hasStarted = false;
      sub.on('logfile:started', (event) => {
        // A header sent again: on a new connection, or because the first one never got through.
        if (event.reason === 'connection' || (event.reason === 'start' && hasStarted)) this.#reconnectLogfiles++;
        if (event.reason === 'start') hasStarted = true;
      });
      sub.transport.on('connection:opened', () => {
        this.#connections++;
      });
    }
  }

  #addTraffic(random: ReturnType<typeof seededRandom>): void {
    const scenario = this.#scenario;
    const clock = this.#clock;
    const startMs = clock.now();
    const utcOffsetSeconds = this.#appliance.identity.utcOffsetSeconds;
    scenario.generators.forEach((spec, index) => {
      const options = spec.options;
      const hasSeed = Object.hasOwn(options, 'seed');
      const generator = createGenerator(spec.type, {
        utcOffsetSeconds,
        ...(hasSeed ? {} : { random: random.fork(`generator:${index}`) }),
        ...options,
        startMs: startMs + spec.fromMs,
      });
      this.#appliance.addGenerator(windowed(generator, startMs + spec.fromMs, startMs + spec.untilMs));
    });
    for (const write of scenario.writes) {
      let done = 0;
      const fire = (): void => {
        const copies = write.intervalMs === 0 ? write.count : 1;
        for (let i = 0; i < copies; i++) this.#appliance.write(write.logType, write.level, write.text);
        done += copies;
        if (done < write.count) clock.schedule(write.intervalMs, fire);
      };
      clock.schedule(write.atMs, fire);
    }
  }

  async #runUntilEnd(): Promise<void> {
    const clock = this.#clock;
    const total = this.#scenario.durationMs;
    const isVirtual = this.#options.world === 'virtual';
    const stepMs = Math.max(1000, Math.ceil(total / 100));
    const isUdp = this.#scenario.receiver.protocol === 'udp';
    let nextSettle = clock.now() + UDP_SETTLE_MS;
    let nextProgress = clock.now() + stepMs;
    while (clock.now() < this.#endMs) {
      this.#checkAbort();
      if (isVirtual) {
        await clock.advanceTo(Math.min(this.#endMs, clock.now() + stepMs));
      } else {
        await this.#quiet();
        const next = clock.nextAt;
        await clock.advanceTo(Math.min(this.#endMs, next ?? this.#endMs));
      }
      const now = clock.now();
      if (isUdp && now >= nextSettle) {
        this.#appliance.ledger.settleDatagrams(now - UDP_SETTLE_MS);
        nextSettle = now + UDP_SETTLE_MS;
      }
      if (now >= nextProgress || now >= this.#endMs) {
        nextProgress = now + stepMs;
        this.#options.onProgress?.({ simulatedMs: Math.min(total, now - (this.#endMs - total)), totalMs: total });
      }
    }
  }

  /**
   * Lets what is still on its way arrive before the receiver closes (UDP datagrams have no close
   * handshake): virtual time moves on by twice the longest delay the path may add, at least 1 s.
   */
  async #settleInFlight(): Promise<void> {
    const { network, receiver } = this.#scenario;
    let delayMs = network.latencyMs + network.jitterMs;
    for (const spec of [...network.faults, ...receiver.faults]) {
      if (spec.type === 'latency') delayMs += spec.latencyMs + (spec.jitterMs ?? 0);
    }
    const settleMs = Math.min(CLOSE_LIMIT_MS, Math.max(1000, Math.ceil(2 * delayMs)));
    if (this.#options.world === 'loopback') await this.#quiet();
    const target = this.#clock.now() + settleMs;
    for (let i = 0; i < 10_000_000 && this.#clock.now() < target; i++) {
      const next = this.#clock.nextAt;
      await this.#clock.advanceTo(Math.min(target, next ?? target));
      if (this.#options.world === 'loopback') await this.#quiet();
    }
  }

  /** Moves the clock (and, on loopback, waits for the sockets) until `promise` settles. */
  async #drive<T>(promise: Promise<T>): Promise<T> {
    let isSettled = false;
    const watched = promise.finally(() => {
      isSettled = true;
    });
    watched.catch(() => {});
    const clock = this.#clock;
    const limit = clock.now() + CLOSE_LIMIT_MS;
    let wallDeadline: number | undefined;
    const isVirtual = this.#options.world === 'virtual';
    for (let i = 0; i < 10_000_000; i++) {
      if (isVirtual) await clock.advance(0);
      else await this.#quiet();
      if (isSettled) return watched;
      const next = clock.nextAt;
      if (next === undefined) {
        if (isVirtual) throw new EsaError('ESA_ERR_INTERNAL', 'the scenario stopped making progress while closing: nothing is scheduled on the virtual clock');
        // Loopback: only the sockets can move things on now; give them a bounded while.
        wallDeadline ??= systemClock.now() + LOOPBACK_CLOSE_LIMIT_MS;
        if (systemClock.now() > wallDeadline) break;
        await sleep(systemClock, 1);
        continue;
      }
      if (next > limit) break;
      wallDeadline = undefined;
      await clock.advanceTo(next);
    }
    if (isSettled) return watched;
    throw new EsaError('ESA_ERR_INTERNAL', `the scenario did not finish closing within ${CLOSE_LIMIT_MS / 60_000} minutes of virtual time (or ${LOOPBACK_CLOSE_LIMIT_MS / 1000} s of waiting on loopback sockets)`);
  }

  /** Loopback: waits (wall time) until the sockets and the clock's timer list stop changing. */
  async #quiet(): Promise<void> {
    const deadline = systemClock.now() + LOOPBACK_QUIET_LIMIT_MS;
    let previous = '';
    let stable = 0;
    while (stable < 3) {
      await sleep(systemClock, stable === 0 ? 0 : 1);
      const signature = this.#activity();
      if (signature === previous) stable++;
      else {
        stable = 0;
        previous = signature;
      }
      if (systemClock.now() > deadline) break;
    }
  }

  #activity(): string {
    const stats = this.#server.stats;
    let pushes = 0;
    let errors = 0;
    let bytes = 0;
    for (const sub of this.#appliance.subscriptions) {
      const s = sub.stats;
      pushes += s.pushes;
      errors += s.networkErrors;
      bytes += s.bytes;
    }
    return `${stats.bytes}|${stats.messages}|${stats.connectionsAccepted}|${stats.connectionsClosed}|${stats.datagrams}|${pushes}|${errors}|${bytes}|${this.#connections}|${this.#clock.pending}|${this.#clock.nextAt ?? ''}`;
  }

  #checkAbort(): void {
    const signal = this.#options.signal;
    if (signal?.aborted) throw abortError(signal);
  }

  /** After a failure or an abort: closes what was built, without waiting on virtual time forever. */
  async #abandon(): Promise<void> {
    const appliance = this.#appliance as Appliance | undefined;
    const server = this.#server as SyslogServer | undefined;
    try {
      if (appliance) await this.#drive(appliance.close()).catch(() => {});
      if (server) await this.#drive(server.close()).catch(() => {});
    } finally {
      await this.#vnet?.close();
    }
  }

  #result(): ScenarioResult {
    const scenario = this.#scenario;
    const appliance = this.#appliance;
    const counts = appliance.ledger.counts();
    const delays = appliance.ledger.delays();
    const server = this.#server.stats;
    const subscriptions = appliance.subscriptions;
    let networkErrors = 0;
    let pushes = 0;
    let logfiles = 0;
    const perSubscription: ScenarioSubscriptionSummary[] = subscriptions.map((sub) => {
      const c = sub.ledger.counts();
      const s = sub.stats;
      networkErrors += s.networkErrors;
      pushes += s.pushes;
      logfiles += s.logfiles;
      return {
        name: sub.name,
        generated: c.generated,
        delivered: c.delivered ?? 0,
        dropped: c.dropped,
        lostInFlight: c.lostInFlight ?? 0,
        duplicated: c.duplicated ?? 0,
        pending: c.pending ?? 0,
        networkErrors: s.networkErrors,
        pushes: s.pushes,
        logfiles: s.logfiles,
      };
    });
    const linkFaults = this.#link?.engine?.stats.total ?? 0;
    const summary: ScenarioSummary = {
      generated: counts.generated,
      delivered: counts.delivered ?? 0,
      dropped: counts.dropped,
      droppedByReason: { ...counts.droppedByReason },
      lostInFlight: counts.lostInFlight ?? 0,
      duplicated: counts.duplicated ?? 0,
      pending: counts.pending ?? 0,
      networkErrors,
      networkErrorsByCause: { ...this.#causes },
      alerts: appliance.alertCounts.sent,
      alertsSuppressed: appliance.alertCounts.suppressed,
      logfiles,
      reconnectLogfiles: this.#reconnectLogfiles,
      pushes,
      connections: this.#connections,
      faults: server.faultsApplied + linkFaults,
      delay: { p50Ms: delays.p50Ms, p99Ms: delays.p99Ms, maxMs: delays.maxMs },
      receiver: {
        messages: server.messages,
        bytes: server.bytes,
        connectionsAccepted: server.connectionsAccepted,
        connectionsReset: server.connectionsReset,
        oversize: server.oversize,
        truncated: server.truncated,
        parseErrors: server.parseErrors,
        datagramsDropped: server.datagramsDropped,
      },
    };
    const expectations = checkExpectations(scenario.expectations, summary);
    const fates = this.#fates();
    const policy = this.#options.policy !== undefined ? policyLabel(this.#options.policy) : samePolicy(scenario);
    const trace = this.#options.traceLimit === undefined ? undefined : (this.#ring?.toArray() ?? this.#vnet?.trace ?? []);
    return {
      name: scenario.name,
      world: this.#options.world,
      policy,
      seed: scenario.seed,
      startMs: scenario.startMs,
      durationMs: scenario.durationMs,
      summary,
      subscriptions: perSubscription,
      expectations,
      passed: expectations.every((expectation) => expectation.ok),
      fates,
      ...(trace ? { trace } : {}),
      notes: [...this.#notes],
    };
  }

  #fates(): ScenarioFateRun[] {
    const limit = this.#options.fateLimit;
    const runs: ScenarioFateRun[] = [];
    let skipped = 0;
    for (const sub of this.#appliance.subscriptions) {
      for (const run of sub.ledger.fates()) {
        if (runs.length >= limit) {
          skipped++;
          continue;
        }
        runs.push({
          subscription: sub.name,
          from: run.from,
          to: run.to,
          fate: run.fate,
          ...(run.reason === undefined ? {} : { reason: run.reason }),
          ...(run.deliveries === 2 ? { isDuplicated: true as const } : {}),
        });
      }
    }
    if (skipped > 0) this.#notes.push(`fates: ${skipped} more runs of lines not listed (fateLimit ${limit})`);
    return runs;
  }
}

function samePolicy(scenario: Scenario): string {
  const labels = new Set(scenario.subscriptions.map((sub) => policyLabel(sub.policy)));
  return labels.size === 1 ? ([...labels][0] as string) : 'mixed';
}
