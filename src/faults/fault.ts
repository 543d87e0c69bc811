/**
 * What every fault shares: the wrapper fields (probability, timeline, first connections), the
 * runtime {@link Fault} interface with its pure decision hooks, the {@link FaultDefinition} each
 * fault file exports, and the field validators that the spec resolver and the `--fault` parser
 * both use (one set of rules, two message shapes).
 *
 * A fault decides; it never acts and never keeps state. The {@link FaultEngine} keeps the
 * per-connection counters and passes them in; the I/O actors act on the answers.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { MAX_DURATION_MS, parseByteSize, parseDurationMs } from '../core/units.js';

/** The fault types, in the order of the fault table (docs/faults.md). */
export const FAULT_TYPES = [
  'reset-after-bytes',
  'reset-after-messages',
  'reset-on-connect',
  'refuse',
  'busy',
  'close-after-messages',
  'idle-timeout',
  'stall',
  'latency',
  'bandwidth',
  'drop',
  'truncate',
] as const;

/** A fault type: the `type` of a {@link FaultSpec}. */
export type FaultType = (typeof FAULT_TYPES)[number];

/**
 * The wrapper fields every fault spec may carry. A fault applies at a decision only when all of
 * them agree: it is inside its time window, the connection is one of its first N, and the
 * probability draw says so.
 */
export interface FaultWrapper {
  /**
   * The chance (0…1) that the fault applies. Connection-level faults draw once per connection
   * (at the first decision the fault takes for it); message-level faults (`refuse`, `latency`,
   * `drop`, `truncate`) draw at every decision: per connection attempt, read, message or
   * datagram. For `drop` this field is the loss rate itself and is required.
   * @default 1
   */
  readonly probability?: number;
  /**
   * Start of the fault's window, in ms after the engine's start (inclusive). Scenario files may
   * write a duration string (`"10s"`).
   * @default 0
   */
  readonly activeFromMs?: number;
  /**
   * End of the fault's window, in ms after the engine's start (exclusive: the window is
   * [activeFromMs, activeUntilMs)). Must be greater than `activeFromMs`.
   * @default undefined (active until the fault is removed)
   */
  readonly activeUntilMs?: number;
  /**
   * Apply the fault only to the first N connections (TCP; for datagrams: distinct peers) that
   * the engine sees while the fault exists and is inside its window, then heal. Connections
   * already open when the fault was installed are never among them.
   * @default undefined (every connection)
   */
  readonly firstConnections?: number;
}

/** The wrapper field names, in canonical order. */
export const WRAPPER_FIELDS = ['probability', 'activeFromMs', 'activeUntilMs', 'firstConnections'] as const;

/**
 * How a fault's {@link FaultWrapper.probability} is drawn: once per `connection`, or at every
 * `decision` (connection attempt, read, message, datagram).
 */
export type FaultScope = 'connection' | 'decision';

/** What a receiver does with a new connection (or connection attempt). */
export type AcceptAction = 'accept' | 'reset' | 'drop' | 'refuse';

/** How a connection ends when a fault ends it: `reset` (RST) or `close` (FIN). */
export type EndAction = 'reset' | 'close';

/** What a fault did, as reported in a fault event. */
export type FaultAction = 'reset' | 'close' | 'drop' | 'truncate' | 'refuse' | 'delay' | 'stall';

/** The fault actions, for counters and help texts. */
export const FAULT_ACTIONS: readonly FaultAction[] = Object.freeze([
  'reset',
  'close',
  'drop',
  'truncate',
  'refuse',
  'delay',
  'stall',
]);

/** Context of {@link Fault.decideConnect}. */
export interface ConnectContext {
  /** The connection's protocol. */
  readonly protocol: 'tcp' | 'udp';
  /** Connections already open at the actor, not counting this one. */
  readonly active: number;
  /** Whether the actor works at packet level (a VirtualNetwork link) and can drop a SYN. */
  readonly isPacketLevel: boolean;
}

/** Context of {@link Fault.decideBytes}. */
export interface BytesContext {
  /** Stream bytes this fault has already let through on this connection (counted while active). */
  readonly countedBytes: number;
  /** The bytes now available to read. */
  readonly length: number;
}

/** A byte-level decision: read `deliver` bytes of the chunk, then end the connection if `after` is set. */
export interface BytesDecision {
  /** How many of the chunk's bytes to read (0 … length). */
  readonly deliver: number;
  /** What to do once those bytes are read. */
  readonly after?: EndAction;
}

/** Context of {@link Fault.decideMessage}. */
export interface MessageContext {
  /** Messages this fault has already seen on this connection (counted while active). */
  readonly countedMessages: number;
  /** The decoded message's length in bytes (framing excluded). */
  readonly byteLength: number;
  /** The connection's protocol (`udp`: a datagram flow). */
  readonly protocol: 'tcp' | 'udp';
}

/** A message-level decision. */
export interface MessageDecision {
  /** Whether the receiver keeps the message. */
  readonly deliver: boolean;
  /** Keep only the first N bytes of the message. */
  readonly truncateTo?: number;
  /** End the connection right after this message. */
  readonly after?: EndAction;
}

/** A bandwidth token bucket: how many tokens (bytes) it held at `atMs`; negative = backlog. */
export interface TokenBucketState {
  readonly tokens: number;
  readonly atMs: number;
}

/** Context of {@link Fault.decideDelayMs}. */
export interface DelayContext {
  /** The bytes about to be read (a chunk or a datagram). */
  readonly length: number;
  /** The current clock time, in ms. */
  readonly nowMs: number;
  /** This fault's random stream (jitter). */
  readonly random: Random;
  /** This fault's bucket for this connection (or for all datagrams), if it keeps one. */
  readonly bucket: TokenBucketState | undefined;
}

/** A delay decision. */
export interface DelayDecision {
  /** How long to wait before the bytes are read, in ms (≥ 0). */
  readonly delayMs: number;
  /** The bucket after this read, for faults that keep one. */
  readonly bucket?: TokenBucketState;
}

/** What a fault decides about one datagram (before delays). */
export type DatagramAction = 'refuse' | 'drop' | 'stall' | { readonly truncateTo: number };

/**
 * A fault at run time: built from its resolved spec, it answers the engine's questions with pure
 * decisions and explains itself in one line. Every hook is optional: a fault answers only the
 * questions it has an opinion on. The engine applies the wrapper (window, first connections,
 * probability) before asking.
 */
export interface Fault<S extends FaultSpecBase = FaultSpecBase> {
  /** The resolved spec (plain data, frozen). */
  readonly spec: S;
  /** The spec's type. */
  readonly type: S['type'];
  /** How the probability is drawn. */
  readonly scope: FaultScope;
  /** Whether the fault only makes sense on a TCP stream (ignored for UDP flows and datagrams). */
  readonly isStreamOnly: boolean;
  /** Whether the fault is inside its window `elapsedMs` after the engine's start. */
  isActiveAt(elapsedMs: number): boolean;
  /** One line for people: what the fault does, with its wrapper. */
  explain(): string;
  /** The canonical `--fault` text (`reset-after-bytes=412@first=1`). */
  toString(): string;
  /** A new connection: turn it away? `undefined` = no opinion (accept). */
  decideConnect?(context: ConnectContext): Exclude<AcceptAction, 'accept'> | undefined;
  /** Stream bytes available: how many to read, then end? */
  decideBytes?(context: BytesContext): BytesDecision | undefined;
  /** A decoded message: keep, cut, end after it? */
  decideMessage?(context: MessageContext): MessageDecision | undefined;
  /** A datagram arrived (no connection). */
  decideDatagram?(byteLength: number): DatagramAction | undefined;
  /** How long to wait before reading `length` bytes. */
  decideDelayMs?(context: DelayContext): DelayDecision | undefined;
  /** A TCP segment on a packet-level link: lose it? */
  decideSegment?(byteLength: number): 'drop' | undefined;
  /** The idle time after which the receiver closes the connection (FIN), in ms. */
  readonly idleTimeoutMs?: number;
  /** Whether the receiver stops reading. */
  readonly isStalling?: boolean;
  /** Whether the receiver refuses connections (its listener is closed while this is active). */
  readonly isRefusing?: boolean;
}

/** The fields every spec has: a type and the wrapper. */
export interface FaultSpecBase extends FaultWrapper {
  readonly type: FaultType;
}

/**
 * What a fault file exports to describe its spec: how to resolve its own fields, how it is
 * written on the command line, and how to build the runtime {@link Fault}.
 */
export interface FaultDefinition<S extends FaultSpecBase = FaultSpecBase> {
  /** The type. */
  readonly type: S['type'];
  /** How the probability is drawn. */
  readonly scope: FaultScope;
  /** The spec's own fields (besides `type` and the wrapper), in canonical order. */
  readonly fields: readonly string[];
  /** The CLI form for help texts and messages (`reset-after-bytes=N`). */
  readonly cliForm: string;
  /** What the CLI value means, for messages (`N a whole number of bytes ≥ 0`). */
  readonly cliValueHelp?: string;
  /** Whether `probability` is the fault's own required field (`drop`) instead of a wrapper. */
  readonly ownsProbability?: boolean;
  /**
   * Validates the own fields of `input` (an object already known to have this type), naming
   * `path.field` in errors.
   * @throws InvalidOptionError
   */
  resolveFields(input: Readonly<Record<string, unknown>>, path: string): Omit<S, 'type' | keyof FaultWrapper>;
  /**
   * Turns the CLI value (the text after `=`, `undefined` when there is none) into raw fields for
   * {@link resolveFields}.
   */
  parseValue(value: string | undefined): Record<string, unknown>;
  /** The CLI value of a resolved spec (`undefined` for value-less faults). */
  formatValue(spec: S): string | undefined;
  /** Builds the runtime fault from a resolved spec. */
  create(spec: S): Fault<S>;
}

/** The probability text of a scope, for explain(). */
const probabilityUnits: Readonly<Record<FaultScope, string>> = {
  connection: 'per connection',
  decision: 'per decision',
};

/**
 * The shared half of every built-in fault: spec, type, window check, explain() and toString().
 * Subclasses add the decision hooks and the base sentence.
 */
export abstract class BaseFault<S extends FaultSpecBase> implements Fault<S> {
  readonly spec: S;
  readonly scope: FaultScope;
  readonly isStreamOnly: boolean;
  readonly #definition: FaultDefinition<S>;

  protected constructor(definition: FaultDefinition<S>, spec: S, isStreamOnly: boolean) {
    this.#definition = definition;
    this.spec = Object.freeze({ ...spec });
    this.scope = definition.scope;
    this.isStreamOnly = isStreamOnly;
  }

  get type(): S['type'] {
    return this.spec.type;
  }

  isActiveAt(elapsedMs: number): boolean {
    return isInWindow(this.spec, elapsedMs);
  }

  /** What the fault does, without the wrapper (`accept, read 412 bytes, then reset…`). */
  protected abstract describe(): string;

  /** How a probability is counted for this fault in explain() (`per connection`). */
  protected probabilityUnit(): string {
    return probabilityUnits[this.scope];
  }

  explain(): string {
    const value = this.#definition.formatValue(this.spec);
    const head = value === undefined ? this.type : `${this.type} ${value}`;
    return `${head}: ${this.describe()}${explainWrapper(this.spec, this.#definition.ownsProbability ? undefined : this.probabilityUnit())}`;
  }

  toString(): string {
    return formatSpecWith(this.#definition, this.spec);
  }
}

/** Whether a spec's window contains `elapsedMs` (ms after the engine's start). */
export function isInWindow(spec: FaultWrapper, elapsedMs: number): boolean {
  return elapsedMs >= (spec.activeFromMs ?? 0) && (spec.activeUntilMs === undefined || elapsedMs < spec.activeUntilMs);
}

/** The wrapper clauses of explain(): `; only from 10s to 40s; for the first 2 connections, then healed`. */
export function explainWrapper(spec: FaultWrapper, probabilityUnit: string | undefined): string {
  let text = '';
  const from = spec.activeFromMs;
  const until = spec.activeUntilMs;
  if (from !== undefined && until !== undefined) text += `; active from ${formatCliDuration(from)} to ${formatCliDuration(until)}`;
  else if (from !== undefined) text += `; active from ${formatCliDuration(from)} on`;
  else if (until !== undefined) text += `; active until ${formatCliDuration(until)}`;
  if (spec.firstConnections !== undefined) {
    text +=
      spec.firstConnections === 1
        ? '; for the first connection only, then healed'
        : `; for the first ${spec.firstConnections} connections, then healed`;
  }
  if (probabilityUnit !== undefined && spec.probability !== undefined) {
    text += `; with probability ${spec.probability} ${probabilityUnit}`;
  }
  return text;
}

/** The canonical CLI text of a resolved spec, using its definition. */
export function formatSpecWith<S extends FaultSpecBase>(definition: FaultDefinition<S>, spec: S): string {
  const value = definition.formatValue(spec);
  let text = value === undefined ? spec.type : `${spec.type}=${value}`;
  if (spec.activeFromMs !== undefined || spec.activeUntilMs !== undefined) {
    const from = spec.activeFromMs === undefined ? '' : formatCliDuration(spec.activeFromMs);
    const until = spec.activeUntilMs === undefined ? '' : formatCliDuration(spec.activeUntilMs);
    text += `@${from}-${until}`;
  }
  if (spec.firstConnections !== undefined) text += `@first=${spec.firstConnections}`;
  if (spec.probability !== undefined && !definition.ownsProbability) text += `@p=${spec.probability}`;
  return text;
}

const cliDurationUnits: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * Renders whole milliseconds in the largest unit that divides them exactly (`40s`, `5m`,
 * `1500ms`), so that the text parses back to the same number.
 */
export function formatCliDuration(ms: number): string {
  if (ms > 0) {
    for (const [unit, size] of cliDurationUnits) if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const cliSizeUnits: readonly (readonly [string, number])[] = [
  ['g', 1024 ** 3],
  ['m', 1024 ** 2],
  ['k', 1024],
];

/** Renders a byte count with the largest binary unit that divides it exactly (`10k`, `1m`, `1500`). */
export function formatCliSize(bytes: number): string {
  if (bytes > 0) {
    for (const [unit, size] of cliSizeUnits) if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

// ---------------------------------------------------------------------------------------------
// Field validators. Each throws InvalidOptionError(option, value, expectation); the `--fault`
// parser catches it and rewords it with the fault's CLI form, reusing `allowed`.

/** The largest count accepted for bytes, messages and connections (2^40). */
export const MAX_FAULT_COUNT = 2 ** 40;

const integerText = /^\d+$/;

/**
 * A whole number ≥ `min` (a number, or a decimal string from the CLI).
 * @throws InvalidOptionError naming `option`.
 */
export function expectWholeNumber(option: string, value: unknown, min: number, what: string): number {
  const expectation = `a whole number of ${what} ≥ ${min}`;
  const number = typeof value === 'string' && integerText.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > MAX_FAULT_COUNT) {
    throw new InvalidOptionError(option, value, expectation);
  }
  return number;
}

/**
 * A byte count ≥ `min`: a number or a size string (`412`, `4k`, `1MB`).
 * @throws InvalidOptionError naming `option`.
 */
export function expectByteCount(option: string, value: unknown, min: number, what = 'bytes'): number {
  const expectation = `a whole number of ${what} ≥ ${min} (e.g. 412 or 4k)`;
  if (typeof value !== 'number' && typeof value !== 'string') throw new InvalidOptionError(option, value, expectation);
  try {
    return parseByteSize(option, value, { min, max: MAX_FAULT_COUNT });
  } catch (error) {
    throw new InvalidOptionError(option, value, expectation, { cause: error });
  }
}

/**
 * A duration in ms: a number (ms) or a string with a unit (`200ms`, `10s`, `5m`), from `minMs`.
 * @throws InvalidOptionError naming `option`.
 */
export function expectDurationMs(option: string, value: unknown, minMs: number): number {
  const expectation = `a duration ≥ ${formatCliDuration(minMs)} such as 200ms, 10s or 5m (a number means ms)`;
  if (typeof value !== 'number' && typeof value !== 'string') throw new InvalidOptionError(option, value, expectation);
  let ms: number;
  try {
    ms = parseDurationMs(option, value, null);
  } catch (error) {
    throw new InvalidOptionError(option, value, expectation, { cause: error });
  }
  if (ms < minMs || ms > MAX_DURATION_MS) throw new InvalidOptionError(option, value, expectation);
  return ms;
}

const probabilityText = /^((?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)(%?)$/i;

/**
 * A probability in [0, 1]: a number, or a string `0.1` / `10%` from the CLI.
 * @throws InvalidOptionError naming `option`.
 */
export function expectProbability(option: string, value: unknown): number {
  const expectation = 'a probability from 0 to 1 (e.g. 0.1 or 10%)';
  let number: unknown = value;
  if (typeof value === 'string') {
    const match = probabilityText.exec(value.trim());
    number = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number.NaN;
  }
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new InvalidOptionError(option, value, expectation);
  }
  return number === 0 ? 0 : number;
}

/**
 * Validates the wrapper fields of a spec object and returns them normalised: defaults are left
 * out (`probability` 1, `activeFromMs` 0), so a resolved spec is the shortest equivalent one.
 *
 * @param ownsProbability - `drop`: `probability` is the fault's own required field.
 * @throws InvalidOptionError naming `path.field`.
 */
export function resolveWrapper(
  input: Readonly<Record<string, unknown>>,
  path: string,
  ownsProbability = false,
): FaultWrapper {
  const wrapper: { -readonly [K in keyof FaultWrapper]: FaultWrapper[K] } = {};
  if (ownsProbability) {
    wrapper.probability = expectProbability(`${path}.probability`, input.probability);
  } else if (input.probability !== undefined) {
    const probability = expectProbability(`${path}.probability`, input.probability);
    if (probability !== 1) wrapper.probability = probability;
  }
  if (input.activeFromMs !== undefined) {
    const from = expectDurationMs(`${path}.activeFromMs`, input.activeFromMs, 0);
    if (from !== 0) wrapper.activeFromMs = from;
  }
  if (input.activeUntilMs !== undefined) {
    const until = expectDurationMs(`${path}.activeUntilMs`, input.activeUntilMs, 1);
    const from = wrapper.activeFromMs ?? 0;
    if (until <= from) {
      throw new InvalidOptionError(
        `${path}.activeUntilMs`,
        input.activeUntilMs,
        `a time after activeFromMs (${formatCliDuration(from)}): the window is [activeFromMs, activeUntilMs)`,
      );
    }
    wrapper.activeUntilMs = until;
  }
  if (input.firstConnections !== undefined) {
    wrapper.firstConnections = expectWholeNumber(`${path}.firstConnections`, input.firstConnections, 1, 'connections');
  }
  return wrapper;
}
