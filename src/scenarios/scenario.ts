/**
 * The scenario format: a JSON document that describes an appliance, its log subscriptions, the
 * traffic it logs, the receiver and the network between them with their faults on a timeline,
 * the retry policies to compare, and what must come out (expectations). `resolveScenario()`
 * validates a document with the library's own resolvers and reports every problem as an
 * `ESA_ERR_INVALID_SCENARIO` error that names the JSON path (and, for a file, the line and
 * column) of the bad value.
 *
 * Scenario files are data: nothing in them is executed or loaded as code. The format is
 * documented in docs/scenarios.md; `schema/scenario.schema.json` is its JSON Schema.
 *
 * @module
 */

import { type AddSubscriptionOptions, Appliance, type ApplianceOptions } from '../appliance/appliance.js';
import { type PolicySpec, resolvePolicy } from '../appliance/policy.js';
import { resolveSchedulerOptions, SCHEDULER_OPTION_KEYS } from '../appliance/subscription.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { InvalidOptionError } from '../core/errors.js';
import { type Seed } from '../core/random.js';
import { parseLogLevel, resolveSubscriptionOptions, SUBSCRIPTION_OPTION_KEYS } from '../core/subscription-options.js';
import { expectInteger, parseDurationMs, MAX_DURATION_MS, expectNumber } from '../core/units.js';
import { LOG_LEVELS, type LogLevel, logTypeInfo, LOG_TYPE_NAMES } from '../core/vocabulary.js';
import { type FaultInput, resolveFaultInputs } from '../faults/parse-fault.js';
import type { FaultSpec } from '../faults/spec.js';
import { createGenerator, GENERATOR_LOG_TYPES, isGeneratorLogType } from '../generators/create-generator.js';
import { resolveSyslogServerOptions, type ServerProtocol } from '../server/syslog-server.js';
import type { DecoderFraming } from '../core/framing.js';
import { resolveTcpTransportOptions } from '../transports/tcp-transport.js';
import { resolveUdpTransportOptions } from '../transports/udp-transport.js';
import { canonicalAddress, ipFamily } from '../vnet/address.js';
import { resolveVirtualHostOptions, type VirtualHostOptions } from '../vnet/host-options.js';
import { LINK_FAULT_TYPES } from '../vnet/link.js';
import { resolveExpectations, type Expectation, type ExpectationInput } from './expectations.js';
import { childPath, type JsonSource } from './json-source.js';
import { invalidScenario, within } from './scenario-error.js';

/** Where a scenario runs. */
export type ScenarioWorld =
  /** VirtualClock + VirtualNetwork: deterministic, instant, packet trace and pcap. */
  | 'virtual'
  /** Real sockets on 127.0.0.1, driven by a shared VirtualClock step by step. */
  | 'loopback';

/** The worlds, in documentation order. */
export const SCENARIO_WORLDS: readonly ScenarioWorld[] = Object.freeze(['virtual', 'loopback']);

/** The default `start`: the seed capture's time (Jun 25 08:50:03 at UTC+2; the year is assumed). */
export const DEFAULT_SCENARIO_START = '2014-06-25T06:50:03Z';

/** The default `duration`, in ms. */
export const DEFAULT_SCENARIO_DURATION_MS = 60_000;

/** The default address of the appliance on the virtual network (the seed's; a label only). */
export const DEFAULT_APPLIANCE_ADDRESS = '10.229.24.230';

/** The default address of the receiver on the virtual network (the seed's; a label only). */
export const DEFAULT_RECEIVER_ADDRESS = '10.44.167.30';

/** The default receiver port (the seed's). */
export const DEFAULT_RECEIVER_PORT = 514;

/** Scenario names: a letter or digit, then letters, digits, `.`, `_` or `-`, at most 64 in all. */
export const SCENARIO_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The appliance settings of a scenario (the data part of `ApplianceOptions`). */
export interface ScenarioApplianceInput {
  /** @default 'mail.example.com' */
  hostname?: string;
  /** @default '8.0.1-023' */
  version?: string;
  /** @default 'A4BADB4712A9-511AA1E' */
  serialNumber?: string;
  /** @default 0 */
  utcOffsetSeconds?: number;
  /** Alert settings (`recipients`, `duplicates`, `subjectTextChars`). @default {} */
  alerts?: ApplianceOptions['alerts'];
  /** @default 'Critical' */
  logErrorLevel?: LogLevel;
}

/** One virtual host: its address label and its TCP stack options (`mss`, windows, RTOs…). */
export interface ScenarioHostInput extends VirtualHostOptions {
  /** An IPv4 or IPv6 literal; a label only, nothing is ever sent to it. @default '10.229.24.230' (appliance), '10.44.167.30' (receiver) */
  address?: string;
}

/** The virtual network between appliance and receiver (used by the virtual world only). */
export interface ScenarioNetworkInput {
  /**
   * The appliance's host (its address is a label inside the virtual network; nothing is sent to it).
   * @default { address: '10.229.24.230' } (the seed's, a label in the virtual network)
   */
  appliance?: ScenarioHostInput;
  /**
   * The receiver's host (its address is a label inside the virtual network).
   * @default { address: '10.44.167.30' } (the seed's, a label in the virtual network)
   */
  receiver?: ScenarioHostInput;
  /**
   * One-way latency of the link, in ms (fractions allowed) or a duration (`"20ms"`).
   * @default 0.25
   */
  latencyMs?: number | string;
  /**
   * Random extra delay per packet, uniform in [0, jitterMs].
   * @default 0
   */
  jitterMs?: number | string;
  /**
   * Faults of a middlebox on the link (an IPS, a firewall, a lossy path), on a timeline:
   * `drop`, `latency`, `bandwidth`, `reset-after-bytes`, `reset-after-messages`,
   * `reset-on-connect`, `refuse`, `busy`.
   * @default []
   */
  faults?: readonly FaultInput[];
}

/** The syslog receiver (a `SyslogServer`). */
export interface ScenarioReceiverInput {
  /**
   * `tcp` or `udp` (every subscription uses it).
   * @default 'tcp'
   */
  protocol?: ServerProtocol;
  /**
   * The port on the virtual network. On loopback the receiver always listens on a free port.
   * @default 514
   */
  port?: number;
  /**
   * Receiver faults, on a timeline (`"refuse@10s-40s"`, `{ "type": "idle-timeout", "idleMs": "300s" }`).
   * @default []
   */
  faults?: readonly FaultInput[];
  /** @default 'auto' */
  framing?: DecoderFraming;
  /**
   * The largest message the receiver keeps; longer ones are cut (a receiver limited to 1024 bytes).
   * @default 65536
   */
  maxMessageBytes?: number | string;
  /** @default 1000 */
  maxConnections?: number;
  /** @default 5000 */
  closeTimeoutMs?: number | string;
  /** @default 10000 */
  maxQueuedDatagrams?: number;
}

/** Transport settings of a subscription (timeouts and socket options; host and port come from the receiver). */
export interface ScenarioTransportInput {
  /** @default 10000 */
  connectTimeoutMs?: number | string;
  /** @default 30000 */
  writeTimeoutMs?: number | string;
  /** @default 5000 */
  closeTimeoutMs?: number | string;
  /** @default false */
  keepAlive?: false | { initialDelayMs: number | string };
  /** @default true */
  noDelay?: boolean;
  /** UDP only: the largest datagram. @default 65507 */
  maxDatagramBytes?: number | string;
}

/** One log subscription: `logconfig`'s Syslog Push settings, the scheduler and the policy. */
export interface ScenarioSubscriptionInput
  extends Omit<AddSubscriptionOptions, 'host' | 'port' | 'transport' | 'transportOptions' | 'policy' | 'protocol'> {
  /** Must equal `receiver.protocol` when given. @default receiver.protocol */
  protocol?: ServerProtocol;
  /**
   * The retry policy (`"esa"`, `"retry:retries=5"`, `{ "type": "buffer", "maxLines": 1000 }`).
   * @default 'esa'
   */
  policy?: PolicySpec | string;
  /** Transport timeouts and socket options. @default {} */
  transport?: ScenarioTransportInput;
}

/** A generator of realistic log lines. */
export interface ScenarioGeneratorInput {
  /** The log type (`mail_logs`, `system_logs`, `status`, `gui_logs`, `authentication`, `amp`, `consolidated_event`). */
  type: string;
  /** The generator's options (`messagesPerSecond`, `linesPerSecond`, `seed`, `arrival`…). @default {} */
  options?: Record<string, unknown>;
  /**
   * When it starts producing, after the scenario's start (ms or a duration).
   * @default 0
   */
  from?: number | string;
  /**
   * When it stops (exclusive).
   * @default the scenario's duration
   */
  until?: number | string;
}

/** A scripted write: a line the appliance logs at a given time. */
export interface ScenarioWriteInput {
  /** When, after the start (ms or a duration such as `"5s"`). */
  at: number | string;
  /** @default 'mail_logs' */
  logType?: string;
  /** @default 'Information' */
  level?: string;
  /** The text (after the level word); may hold newlines (a multi-line warning). */
  text: string;
  /**
   * How many times to write it.
   * @default 1
   */
  count?: number;
  /**
   * Time between the copies (ms or a duration); 0 writes them all at `at`.
   * @default 0
   */
  intervalMs?: number | string;
}

/** The traffic the appliance logs. */
export interface ScenarioTrafficInput {
  /** @default [] */
  generators?: readonly ScenarioGeneratorInput[];
  /** @default [] */
  writes?: readonly ScenarioWriteInput[];
}

/** A scenario document, as written in JSON. */
export interface ScenarioInput {
  /** The JSON Schema the document follows, for editors (`schema/scenario.schema.json`); ignored. @default undefined */
  $schema?: string;
  /** A short name (letters, digits, `.`, `_`, `-`). */
  name: string;
  /** One line saying what it reproduces. @default '' */
  description?: string;
  /** @default 'virtual' */
  world?: ScenarioWorld;
  /** Seed of every random choice. @default 1 */
  seed?: Seed;
  /**
   * The virtual clock's start: an ISO 8601 time with a zone (`"2014-06-25T06:50:03Z"`) or ms since the epoch.
   * @default '2014-06-25T06:50:03Z' (the seed capture's)
   */
  start?: string | number;
  /**
   * How long the appliance runs (then it closes: one last push, and what still cannot go is dropped).
   * @default '60s'
   */
  duration?: string | number;
  /** The appliance. @default {} (mail.example.com, AsyncOS 8.0.1-023, UTC) */
  appliance?: ScenarioApplianceInput;
  /** The virtual network (virtual world). @default {} (the seed's addresses, 0.25 ms, no faults) */
  network?: ScenarioNetworkInput;
  /** The receiver. @default {} (TCP 514, no faults) */
  receiver?: ScenarioReceiverInput;
  /** @default [{ name: 'Mail_Log', type: 'mail_logs' }] */
  subscriptions?: readonly ScenarioSubscriptionInput[];
  /** What the appliance logs. @default {} (nothing but its own lines) */
  traffic?: ScenarioTrafficInput;
  /** Policies `compare` runs when none are given. @default ['esa'] */
  policies?: readonly (PolicySpec | string)[];
  /** What must come out (see docs/scenarios.md). @default {} */
  expect?: Readonly<Record<string, ExpectationInput>>;
}

/** A validated virtual host. */
export interface ScenarioHost {
  readonly address: string;
  /** The host options as given (validated). */
  readonly options: VirtualHostOptions;
}

/** The validated network part. */
export interface ScenarioNetwork {
  readonly appliance: ScenarioHost;
  readonly receiver: ScenarioHost;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly faults: readonly FaultSpec[];
}

/** The validated receiver part. */
export interface ScenarioReceiver {
  readonly protocol: ServerProtocol;
  readonly port: number;
  readonly faults: readonly FaultSpec[];
  readonly framing: DecoderFraming;
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly closeTimeoutMs: number;
  readonly maxQueuedDatagrams: number;
}

/** A validated subscription. */
export interface ScenarioSubscription {
  readonly name: string;
  /** The settings to give `Appliance.addSubscription()` (host, port and protocol are filled in by the runner). */
  readonly options: Readonly<Omit<AddSubscriptionOptions, 'host' | 'port' | 'protocol' | 'policy' | 'transport' | 'transportOptions'>>;
  /** The policy as written. */
  readonly policy: PolicySpec | string;
  /** Transport options as written. */
  readonly transport: Readonly<ScenarioTransportInput>;
}

/** A validated generator. */
export interface ScenarioGenerator {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Ms after the start. */
  readonly fromMs: number;
  /** Ms after the start (exclusive). */
  readonly untilMs: number;
}

/** A validated scripted write. */
export interface ScenarioWrite {
  /** Ms after the start. */
  readonly atMs: number;
  readonly logType: string;
  readonly level: LogLevel;
  readonly text: string;
  readonly count: number;
  readonly intervalMs: number;
}

/** A policy of the scenario's `policies` list. */
export interface ScenarioPolicy {
  /** How reports name it: the text as written, or the resolved name of a spec object. */
  readonly label: string;
  /** The policy as written. */
  readonly spec: PolicySpec | string;
}

/** A validated scenario: what `loadScenario()` returns and `runScenario()` runs. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly world: ScenarioWorld;
  readonly seed: Seed;
  /** The virtual clock's start, ms since the epoch. */
  readonly startMs: number;
  /** How long the appliance runs, ms. */
  readonly durationMs: number;
  readonly appliance: Readonly<ScenarioApplianceInput>;
  readonly network: ScenarioNetwork;
  readonly receiver: ScenarioReceiver;
  readonly subscriptions: readonly ScenarioSubscription[];
  readonly generators: readonly ScenarioGenerator[];
  readonly writes: readonly ScenarioWrite[];
  readonly policies: readonly ScenarioPolicy[];
  readonly expectations: readonly Expectation[];
  /** The file it was read from, when it was. */
  readonly source: string | undefined;
  /** The document as given (a frozen copy). */
  readonly input: Readonly<ScenarioInput>;
}

/** Options of {@link resolveScenario}. */
export interface ResolveScenarioOptions {
  /** The parsed text, to name line and column in errors. */
  source?: JsonSource;
  /** The file path, kept in `Scenario.source`. */
  path?: string;
}

const TOP_KEYS = ['$schema', 'name', 'description', 'world', 'seed', 'start', 'duration', 'appliance', 'network', 'receiver', 'subscriptions', 'traffic', 'policies', 'expect'];
const APPLIANCE_KEYS = ['hostname', 'version', 'serialNumber', 'utcOffsetSeconds', 'alerts', 'logErrorLevel'];
const NETWORK_KEYS = ['appliance', 'receiver', 'latencyMs', 'jitterMs', 'faults'];
const RECEIVER_KEYS = ['protocol', 'port', 'faults', 'framing', 'maxMessageBytes', 'maxConnections', 'closeTimeoutMs', 'maxQueuedDatagrams'];
const TCP_TRANSPORT_KEYS = ['connectTimeoutMs', 'writeTimeoutMs', 'closeTimeoutMs', 'keepAlive', 'noDelay'];
const UDP_TRANSPORT_KEYS = ['closeTimeoutMs', 'maxDatagramBytes'];
const SUBSCRIPTION_KEYS = [...SUBSCRIPTION_OPTION_KEYS.filter((key) => key !== 'host' && key !== 'port'), ...SCHEDULER_OPTION_KEYS, 'policy', 'transport'];
const GENERATOR_KEYS = ['type', 'options', 'from', 'until'];
const WRITE_KEYS = ['at', 'logType', 'level', 'text', 'count', 'intervalMs'];
const TRAFFIC_KEYS = ['generators', 'writes'];

/** The most subscriptions, generators, writes or policies a scenario may list. */
const MAX_LIST = 1000;
/** The longest scripted text, in characters. */
const MAX_TEXT_CHARS = 1_000_000;

function expectObject(path: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidScenario(path, value, `an object with the fields ${known.join(', ')}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalidScenario(childPath(path, key), (value as Record<string, unknown>)[key], `left out: it is not a field of ${path || 'a scenario'} (known: ${known.join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

function expectArray(path: string, value: unknown, what: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidScenario(path, value, `an array of ${what}`);
  if (value.length > MAX_LIST) throw invalidScenario(path, `${value.length} entries`, `at most ${MAX_LIST} ${what}`);
  return value;
}

function expectText(path: string, value: unknown, maxChars: number): string {
  if (typeof value !== 'string' || value.length > maxChars) throw invalidScenario(path, value, `a string of at most ${maxChars} characters`);
  return value;
}

function duration(path: string, value: unknown): number {
  return within(path, () => parseDurationMs(path, value));
}

/** A time after the start, within [0, durationMs] (or [0, durationMs) when `isStrict`). */
function offset(path: string, value: unknown, durationMs: number, isStrict: boolean): number {
  const ms = duration(path, value);
  if (ms > durationMs || (isStrict && ms === durationMs)) {
    throw invalidScenario(path, value, `a time within the scenario's duration (${isStrict ? 'before' : 'at most'} ${durationMs} ms)`);
  }
  return ms;
}

function resolveSeed(value: unknown): Seed {
  if (value === undefined) return 1;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && value.length >= 1 && value.length <= 100) return value;
  throw invalidScenario('seed', value, 'a whole number ≥ 0 or a string of 1 to 100 characters');
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function resolveStart(value: unknown): number {
  const input = value ?? DEFAULT_SCENARIO_START;
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input <= 8.64e15) return input;
  if (typeof input === 'string' && ISO_TIME.test(input)) {
    const ms = Date.parse(input);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  throw invalidScenario('start', value, 'an ISO 8601 time with a zone such as "2014-06-25T06:50:03Z" (or ms since the epoch, ≥ 0)');
}

function resolveAppliance(value: unknown): ScenarioApplianceInput {
  const input = expectObject('appliance', value, APPLIANCE_KEYS) as ScenarioApplianceInput;
  // The Appliance constructor is the one resolver of these settings; it starts nothing.
  within('appliance', () => new Appliance({ ...input, clock: new VirtualClock() }));
  return input;
}

function resolveHost(path: string, value: unknown, defaultAddress: string): ScenarioHost {
  const { address = defaultAddress, ...options } = expectObject(path, value, ['address', ...HOST_OPTION_KEYS]) as ScenarioHostInput;
  if (typeof address !== 'string' || ipFamily(address) === undefined) {
    throw invalidScenario(`${path}.address`, address, 'an IPv4 or IPv6 address such as 10.44.167.30 or fd00::30 (a label: nothing is sent to it)');
  }
  within(path, () => resolveVirtualHostOptions(options));
  return { address: canonicalAddress(address), options };
}

const HOST_OPTION_KEYS = ['mss', 'receiveBufferBytes', 'sendBufferBytes', 'initialWindowBytes', 'minRtoMs', 'initialRtoMs', 'synRetries', 'maxRetransmissions', 'finTimeoutMs'];

function linkDelay(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return within(path, () => expectNumber(path, value, 0, 3_600_000));
  const ms = duration(path, value);
  if (ms > 3_600_000) throw invalidScenario(path, value, 'a delay of at most 1h');
  return ms;
}

function resolveNetwork(value: unknown): ScenarioNetwork {
  const input = expectObject('network', value, NETWORK_KEYS);
  const appliance = resolveHost('network.appliance', input.appliance, DEFAULT_APPLIANCE_ADDRESS);
  const receiver = resolveHost('network.receiver', input.receiver, DEFAULT_RECEIVER_ADDRESS);
  if (appliance.address === receiver.address) {
    throw invalidScenario('network.receiver.address', receiver.address, `an address other than the appliance's (${appliance.address})`);
  }
  const faults = within('network.faults', () => resolveFaultInputs(input.faults ?? [], 'network.faults'));
  faults.forEach((spec, index) => {
    if (!LINK_FAULT_TYPES.includes(spec.type)) {
      throw invalidScenario(
        `network.faults[${index}].type`,
        spec.type,
        `a fault a link can apply: one of ${LINK_FAULT_TYPES.join(', ')} (receiver behaviours such as ${spec.type} belong in receiver.faults)`,
      );
    }
  });
  return {
    appliance,
    receiver,
    latencyMs: linkDelay('network.latencyMs', input.latencyMs, 0.25),
    jitterMs: linkDelay('network.jitterMs', input.jitterMs, 0),
    faults,
  };
}

function resolveReceiver(value: unknown): ScenarioReceiver {
  const input = expectObject('receiver', value, RECEIVER_KEYS) as ScenarioReceiverInput;
  const port = input.port ?? DEFAULT_RECEIVER_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidScenario('receiver.port', port, 'an integer from 1 to 65535');
  }
  const resolved = within('receiver', () =>
    resolveSyslogServerOptions({
      ...(input as Omit<ScenarioReceiverInput, 'port'>),
      port,
      faults: within('receiver.faults', () => resolveFaultInputs(input.faults ?? [], 'receiver.faults')),
      // The runner reports messages through events and counters: the receiver keeps none.
      recordLimit: 0,
    }),
  );
  return {
    protocol: resolved.protocol,
    port,
    faults: resolved.faults,
    framing: resolved.framing,
    maxMessageBytes: resolved.maxMessageBytes,
    maxConnections: resolved.maxConnections,
    closeTimeoutMs: resolved.closeTimeoutMs,
    maxQueuedDatagrams: resolved.maxQueuedDatagrams,
  };
}

function resolveSubscriptions(value: unknown, receiver: ScenarioReceiver, network: ScenarioNetwork): ScenarioSubscription[] {
  const list = value === undefined ? [{ name: 'Mail_Log', type: 'mail_logs' }] : expectArray('subscriptions', value, 'subscriptions');
  if (list.length === 0) throw invalidScenario('subscriptions', value, 'a list of at least one subscription');
  const names = new Set<string>();
  return list.map((entry, index) => {
    const path = `subscriptions[${index}]`;
    for (const key of ['host', 'port'] as const) {
      if (typeof entry === 'object' && entry !== null && Object.hasOwn(entry, key)) {
        throw invalidScenario(
          `${path}.${key}`,
          (entry as Record<string, unknown>)[key],
          `left out: the subscription pushes to the receiver (set network.receiver.address and receiver.port)`,
        );
      }
    }
    const input = expectObject(path, entry, SUBSCRIPTION_KEYS);
    const { policy = 'esa', transport, protocol, ...rest } = input as ScenarioSubscriptionInput & Record<string, unknown>;
    if (protocol !== undefined && protocol !== receiver.protocol) {
      throw invalidScenario(`${path}.protocol`, protocol, `the receiver's protocol (${receiver.protocol}) or left out`);
    }
    const push = within(path, () =>
      resolveSubscriptionOptions(
        { ...(rest as { name: string }), host: network.receiver.address, port: receiver.port, protocol: receiver.protocol },
        { otherKeys: SCHEDULER_OPTION_KEYS },
      ),
    );
    within(path, () => resolveSchedulerOptions(rest));
    if (names.has(push.name)) {
      throw invalidScenario(`${path}.name`, push.name, `a log name not already in use (Log name '${push.name}' already in use)`);
    }
    names.add(push.name);
    within(`${path}.policy`, () => resolvePolicy(policy as PolicySpec | string, `${path}.policy`));
    const transportKeys = receiver.protocol === 'tcp' ? TCP_TRANSPORT_KEYS : UDP_TRANSPORT_KEYS;
    const transportInput = expectObject(`${path}.transport`, transport, transportKeys);
    within(`${path}.transport`, () =>
      receiver.protocol === 'tcp'
        ? resolveTcpTransportOptions({ host: network.receiver.address, port: receiver.port, ...transportInput })
        : resolveUdpTransportOptions({ host: network.receiver.address, port: receiver.port, ...transportInput }),
    );
    return { name: push.name, options: rest as ScenarioSubscription['options'], policy: policy as PolicySpec | string, transport: transportInput };
  });
}

function resolveTraffic(value: unknown, durationMs: number, startMs: number): { generators: ScenarioGenerator[]; writes: ScenarioWrite[] } {
  const input = expectObject('traffic', value, TRAFFIC_KEYS);
  const generators = expectArray('traffic.generators', input.generators, 'generators').map((entry, index): ScenarioGenerator => {
    const path = `traffic.generators[${index}]`;
    const generator = expectObject(path, entry, GENERATOR_KEYS);
    if (!isGeneratorLogType(generator.type)) {
      throw invalidScenario(`${path}.type`, generator.type, `one of ${GENERATOR_LOG_TYPES.join(', ')}`);
    }
    const options = generator.options ?? {};
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalidScenario(`${path}.options`, options, `an object of ${generator.type} generator options`);
    }
    for (const key of ['random', 'startMs']) {
      if (Object.hasOwn(options, key)) throw invalidScenario(`${path}.options.${key}`, (options as Record<string, unknown>)[key], 'left out (the scenario sets it)');
    }
    within(`${path}.options`, () => createGenerator(generator.type as string, { ...options, startMs }));
    const fromMs = generator.from === undefined ? 0 : offset(`${path}.from`, generator.from, durationMs, true);
    const untilMs = generator.until === undefined ? durationMs : offset(`${path}.until`, generator.until, durationMs, false);
    if (untilMs <= fromMs) throw invalidScenario(`${path}.until`, generator.until, `a time after from (${fromMs} ms)`);
    return { type: generator.type, options: options as Record<string, unknown>, fromMs, untilMs };
  });
  const writes = expectArray('traffic.writes', input.writes, 'writes').map((entry, index): ScenarioWrite => {
    const path = `traffic.writes[${index}]`;
    const write = expectObject(path, entry, WRITE_KEYS);
    if (write.at === undefined) throw invalidScenario(`${path}.at`, undefined, 'a time after the start such as "5s"');
    if (write.text === undefined) throw invalidScenario(`${path}.text`, undefined, 'the text to log');
    const atMs = offset(`${path}.at`, write.at, durationMs, true);
    const logType = write.logType ?? 'mail_logs';
    if (typeof logType !== 'string' || !logTypeInfo(logType)) throw invalidScenario(`${path}.logType`, logType, `one of ${LOG_TYPE_NAMES.join(', ')}`);
    const level = write.level === undefined ? 'Information' : parseLogLevel(write.level);
    if (!level) throw invalidScenario(`${path}.level`, write.level, `one of ${LOG_LEVELS.join(', ')} (or Info; case-insensitive)`);
    const text = expectText(`${path}.text`, write.text, MAX_TEXT_CHARS);
    const count = write.count === undefined ? 1 : within(`${path}.count`, () => expectInteger(`${path}.count`, write.count, 1, 1_000_000));
    const intervalMs = write.intervalMs === undefined ? 0 : duration(`${path}.intervalMs`, write.intervalMs);
    if (atMs + (count - 1) * intervalMs >= durationMs) {
      throw invalidScenario(`${path}.count`, count, `a count whose last write (at ${atMs} + (count − 1) × ${intervalMs} ms) comes before the end (${durationMs} ms)`);
    }
    return { atMs, logType, level, text, count, intervalMs };
  });
  return { generators, writes };
}

function resolvePolicies(value: unknown): ScenarioPolicy[] {
  const list = value === undefined ? ['esa'] : expectArray('policies', value, 'policies');
  if (list.length === 0) throw invalidScenario('policies', value, 'a list of at least one policy');
  return list.map((spec, index) => {
    const path = `policies[${index}]`;
    const resolved = within(path, () => resolvePolicy(spec as PolicySpec | string, path));
    return { label: typeof spec === 'string' ? spec.trim() : resolved.name, spec: spec as PolicySpec | string };
  });
}

/**
 * Validates a scenario document and resolves its defaults.
 *
 * @param input - the parsed document (an object).
 * @throws InvalidOptionError with code `ESA_ERR_INVALID_SCENARIO`, `option` the JSON path of the
 * problem (`subscriptions[0].facility`) and a message that names it, the value and what is
 * allowed, plus the line and column when `options.source` is given:
 * `subscriptions[0].facility must be one of auth, …, user; got "kern" (my.json:12:20)`.
 * @example
 * ```ts
 * const scenario = resolveScenario({ name: 'outage', receiver: { faults: ['refuse@10s-40s'] } });
 * ```
 */
export function resolveScenario(input: unknown, options: ResolveScenarioOptions = {}): Scenario {
  try {
    return resolveDocument(input, options.path);
  } catch (error) {
    if (error instanceof InvalidOptionError && error.code === 'ESA_ERR_INVALID_SCENARIO' && options.source) {
      const where = locate(options.source, error.option);
      if (where) error.message = `${error.message} (${where})`;
    }
    throw error;
  }
}

function resolveDocument(input: unknown, path: string | undefined): Scenario {
  const top = expectObject('', input, TOP_KEYS);
  if (typeof top.name !== 'string' || !SCENARIO_NAME_PATTERN.test(top.name)) {
    throw invalidScenario('name', top.name, 'a scenario name: a letter or digit, then letters, digits, ., _ or - (at most 64)');
  }
  if (top.$schema !== undefined) expectText('$schema', top.$schema, 2000);
  const description = top.description === undefined ? '' : expectText('description', top.description, 1000);
  const world = top.world ?? 'virtual';
  if (!SCENARIO_WORLDS.includes(world as ScenarioWorld)) throw invalidScenario('world', world, `one of ${SCENARIO_WORLDS.join(', ')}`);
  const seed = resolveSeed(top.seed);
  const startMs = resolveStart(top.start);
  const durationMs = top.duration === undefined ? DEFAULT_SCENARIO_DURATION_MS : duration('duration', top.duration);
  if (durationMs < 1 || durationMs > MAX_DURATION_MS) throw invalidScenario('duration', top.duration, 'a duration from 1ms to 365d');
  const appliance = resolveAppliance(top.appliance);
  const network = resolveNetwork(top.network);
  const receiver = resolveReceiver(top.receiver);
  const subscriptions = resolveSubscriptions(top.subscriptions, receiver, network);
  const { generators, writes } = resolveTraffic(top.traffic, durationMs, startMs);
  const policies = resolvePolicies(top.policies);
  const expectations = resolveExpectations(top.expect, 'expect');
  const scenario: Scenario = {
    name: top.name,
    description,
    world: world as ScenarioWorld,
    seed,
    startMs,
    durationMs,
    appliance,
    network,
    receiver,
    subscriptions,
    generators,
    writes,
    policies,
    expectations,
    source: path,
    input: deepFreeze(structuredClone(input)) as ScenarioInput,
  };
  checkWorld(scenario, scenario.world);
  return deepFreeze(scenario);
}

/**
 * Checks that a scenario can run in `world`: on loopback, link faults are applied by the
 * receiver, which cannot lose TCP packets (`drop` on a TCP link loses SYNs and segments: only
 * the virtual network can do that).
 *
 * @throws InvalidOptionError `ESA_ERR_INVALID_SCENARIO` naming the fault.
 */
export function checkWorld(scenario: Scenario, world: ScenarioWorld): void {
  if (!SCENARIO_WORLDS.includes(world)) throw invalidScenario('world', world, `one of ${SCENARIO_WORLDS.join(', ')}`);
  if (world !== 'loopback') return;
  scenario.network.faults.forEach((spec, index) => {
    if (spec.type === 'drop' && scenario.receiver.protocol === 'tcp') {
      throw invalidScenario(
        `network.faults[${index}]`,
        describeFault(spec),
        'a fault the loopback world can apply: a TCP link that drops packets (a firewall dropping SYNs) exists only in the virtual world (run it with world "virtual")',
      );
    }
  });
}

function describeFault(spec: FaultSpec): string {
  return JSON.stringify(spec);
}

/** "file:line:column" of the value at `path` (or of its nearest ancestor that was written). */
function locate(source: JsonSource, path: string): string | undefined {
  let current = path;
  for (let i = 0; i < 100; i++) {
    const position = source.positions.get(current);
    if (position) return `${source.name}:${position.line}:${position.column}`;
    if (current === '' || current === 'scenario') return undefined;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut <= 0 ? '' : current.slice(0, cut);
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
