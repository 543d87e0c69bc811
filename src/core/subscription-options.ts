/**
 * The Syslog Push part of a log subscription, as `logconfig` configures it, and its validation.
 * One resolver serves the library, the CLI and scenario files, so there is one set of rules and
 * one set of messages.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import { FRAMINGS, type Framing } from './framing.js';
import { resolveLongLinePolicy, type LongLineOptions, type LongLinePolicy } from './long-lines.js';
import { expectOneOf } from './units.js';
import {
  DEFAULT_SEVERITY_BY_LEVEL,
  FACILITIES,
  FACILITY_CODES,
  LEVEL_WORDS,
  LOG_LEVELS,
  LOG_TYPES,
  type Facility,
  type LineFormat,
  type LogLevel,
  type LogTypeInfo,
} from './vocabulary.js';

/** The transport protocols of Syslog Push. */
export type SyslogProtocol = 'udp' | 'tcp';

/** The protocols, UDP first as the appliance lists them. */
export const SYSLOG_PROTOCOLS: readonly SyslogProtocol[] = Object.freeze(['udp', 'tcp']);

/**
 * How the day of the month is padded in the timestamp: `zero` (`Jul 04`, seen in every real
 * capture) or `space` (`Jul  4`, RFC 3164).
 */
export type TimestampPadding = 'zero' | 'space';

/** The paddings, for validation and help texts. */
export const TIMESTAMP_PADDINGS: readonly TimestampPadding[] = Object.freeze(['zero', 'space']);

/**
 * Log subscription names: a letter, then letters, digits, `_` or `-`, 1 to 64 characters in all.
 * The name is the syslog tag, so it may hold no space or colon. (AsyncOS's exact rule is not
 * documented; this one accepts every name seen in the field, e.g. `mail_logs`, `Mail_Log`.)
 */
export const SUBSCRIPTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * Hostname tokens written before the tag: 1–255 characters without spaces, control characters
 * or colons (a colon would make a receiver read the token as the tag).
 */
export const HOSTNAME_TOKEN_PATTERN = /^[^\s\u0000-\u001f\u007f:]{1,255}$/;

/** The default syslog port. */
export const DEFAULT_SYSLOG_PORT = 514;

/** The Syslog Push settings of one log subscription, as users write them. */
export interface SubscriptionOptions {
  /**
   * The log name, also the syslog tag (see {@link SUBSCRIPTION_NAME_PATTERN}).
   */
  name: string;
  /**
   * The log type, by internal name (`mail_logs`, `system_logs`, `consolidated_event`…; see
   * `LOG_TYPES`). A type without Syslog Push is rejected; a type with a field caveat is accepted
   * and the caveat is kept in {@link ResolvedSubscriptionOptions.syslogPushCaveat}.
   * @default 'mail_logs'
   */
  type?: string;
  /**
   * The log level: one of `LOG_LEVELS` or a wire word (`Info`), case-insensitive.
   * @default the type's default level (Information; Critical for `error_logs`)
   */
  level?: string;
  /** The syslog server's hostname or address (required; no spaces). */
  host: string;
  /**
   * The syslog server's port, 1–65535 (a number or a decimal string). ESA 12–13 show no port
   * prompt: **assumed** 514.
   * @default 514
   */
  port?: number | string;
  /**
   * `udp` or `tcp` (**assumed** default: UDP, listed first by the appliance).
   * @default 'udp'
   */
  protocol?: SyslogProtocol;
  /**
   * One of the 17 ESA facilities (`FACILITIES`).
   * @default 'mail'
   */
  facility?: Facility;
  /**
   * Day padding in the timestamp.
   * @default 'zero'
   */
  timestampPadding?: TimestampPadding;
  /**
   * An optional hostname token written before the tag (`<22>Jun 25 08:50:03 esa1.example.com
   * Mail_Log: …`); off by default, since both forms are seen in the field. 1–255 characters, no
   * spaces, control characters or colons ({@link HOSTNAME_TOKEN_PATTERN}).
   * @default undefined (no hostname token)
   */
  hostname?: string;
  /**
   * TCP framing: `lf` (what ESA sends) or `octet-counting` (RFC 6587). Ignored by UDP.
   * @default 'lf'
   */
  framing?: Framing;
  /**
   * What to do with long messages (`{ rule, maxBytes }` or `"truncate:2048"`); `send` (ESA's
   * behaviour: no documented limit) ignores `maxBytes`.
   * @default { rule: 'send', maxBytes: 65536 }
   */
  longLines?: LongLineOptions;
  /**
   * Syslog severity (0–7) per level, overriding `DEFAULT_SEVERITY_BY_LEVEL` for the levels given
   * (e.g. `{ Critical: 1 }` to map Critical to alert).
   * @default DEFAULT_SEVERITY_BY_LEVEL (Critical 2, Warning 4, Information 6, Debug 7, Trace 7)
   */
  severityByLevel?: Partial<Record<LogLevel, number>>;
}

/** {@link SubscriptionOptions} validated and defaulted. */
export interface ResolvedSubscriptionOptions {
  readonly name: string;
  readonly type: string;
  /** The log type's capabilities. */
  readonly typeInfo: LogTypeInfo;
  /** The line format after the tag (`text` with a level word, or `cef`). */
  readonly format: LineFormat;
  readonly level: LogLevel;
  readonly host: string;
  readonly port: number;
  readonly protocol: SyslogProtocol;
  readonly facility: Facility;
  /** The facility's syslog code (mail → 2). */
  readonly facilityCode: number;
  readonly timestampPadding: TimestampPadding;
  readonly hostname: string | undefined;
  readonly framing: Framing;
  readonly longLines: LongLinePolicy;
  readonly severityByLevel: Readonly<Record<LogLevel, number>>;
  /** The field caveat of the log type, when it has one (Syslog Push reported not to work). */
  readonly syslogPushCaveat: string | undefined;
}

/** The keys of {@link SubscriptionOptions}. */
export const SUBSCRIPTION_OPTION_KEYS: readonly string[] = Object.freeze([
  'name',
  'type',
  'level',
  'host',
  'port',
  'protocol',
  'facility',
  'timestampPadding',
  'hostname',
  'framing',
  'longLines',
  'severityByLevel',
]);

/** Context of {@link resolveSubscriptionOptions}. */
export interface ResolveSubscriptionContext {
  /**
   * The log type table to check `type` against (to correct field knowledge in one place).
   * @default LOG_TYPES
   */
  logTypes?: Readonly<Record<string, LogTypeInfo>>;
  /**
   * Keys that another resolver handles (a scheduler's `pushIntervalMs`, a retry policy…): they
   * are neither checked nor reported as unknown here.
   * @default []
   */
  otherKeys?: readonly string[];
}

const levelLookup: ReadonlyMap<string, LogLevel> = new Map(
  LOG_LEVELS.flatMap((level) => [
    [level.toLowerCase(), level],
    [LEVEL_WORDS[level].toLowerCase(), level],
  ]),
);

/**
 * Parses a log level: a `LOG_LEVELS` name or a wire word, case-insensitive (`info`,
 * `Information`, `WARNING`). Returns `undefined` when it is neither.
 */
export function parseLogLevel(value: unknown): LogLevel | undefined {
  return typeof value === 'string' ? levelLookup.get(value.trim().toLowerCase()) : undefined;
}

/**
 * Validates and defaults the Syslog Push settings of a log subscription.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option, the bad value and
 * what is allowed, e.g. `facility must be one of auth, authpriv, …, user; got "kern"`.
 * @example
 * ```ts
 * const subscription = resolveSubscriptionOptions({ name: 'Mail_Log', host: '127.0.0.1', protocol: 'tcp' });
 * subscription.port; // 514
 * ```
 */
export function resolveSubscriptionOptions(
  input: SubscriptionOptions,
  context: ResolveSubscriptionContext = {},
): ResolvedSubscriptionOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError('subscription', input, 'an object with at least name and host');
  }
  const logTypes = context.logTypes ?? LOG_TYPES;
  const otherKeys = new Set(context.otherKeys ?? []);
  for (const key of Object.keys(input)) {
    if (!SUBSCRIPTION_OPTION_KEYS.includes(key) && !otherKeys.has(key)) {
      throw new InvalidOptionError(
        key,
        (input as unknown as Record<string, unknown>)[key],
        `not set: it is not a subscription option (known: ${SUBSCRIPTION_OPTION_KEYS.join(', ')})`,
      );
    }
  }

  const name = input.name;
  if (typeof name !== 'string' || !SUBSCRIPTION_NAME_PATTERN.test(name)) {
    throw new InvalidOptionError('name', name, 'a log name of 1-64 characters: a letter, then letters, digits, _ or -');
  }

  const type = input.type ?? 'mail_logs';
  const typeInfo = typeof type === 'string' && Object.hasOwn(logTypes, type) ? logTypes[type] : undefined;
  if (!typeInfo) {
    throw new InvalidOptionError('type', type, `one of ${Object.keys(logTypes).join(', ')}`);
  }
  if (!typeInfo.hasSyslogPush) {
    const pushable = Object.values(logTypes).filter((info) => info.hasSyslogPush).map((info) => info.name);
    throw new InvalidOptionError('type', type, `a log type that offers Syslog Push (${pushable.join(', ')})`);
  }

  let level: LogLevel = typeInfo.defaultLevel;
  if (input.level !== undefined) {
    const parsed = parseLogLevel(input.level);
    if (!parsed) {
      throw new InvalidOptionError('level', input.level, `one of ${LOG_LEVELS.join(', ')} (or Info; case-insensitive)`);
    }
    level = parsed;
  }

  const host = input.host;
  if (typeof host !== 'string' || host.length === 0 || host.length > 255 || /[\s\u0000-\u001f\u007f]/.test(host)) {
    throw new InvalidOptionError('host', host, 'a hostname or address (1-255 characters, no spaces)');
  }

  const port = resolvePort(input.port);
  const protocol = input.protocol === undefined ? 'udp' : expectOneOf('protocol', input.protocol, SYSLOG_PROTOCOLS);
  const facility = input.facility === undefined ? 'mail' : expectOneOf('facility', input.facility, FACILITIES);
  const timestampPadding =
    input.timestampPadding === undefined ? 'zero' : expectOneOf('timestampPadding', input.timestampPadding, TIMESTAMP_PADDINGS);

  const hostname = input.hostname;
  if (hostname !== undefined && (typeof hostname !== 'string' || !HOSTNAME_TOKEN_PATTERN.test(hostname))) {
    throw new InvalidOptionError('hostname', hostname, 'a hostname token (1-255 characters, no spaces or colons) or undefined');
  }

  const framing = input.framing === undefined ? 'lf' : expectOneOf('framing', input.framing, FRAMINGS);
  const longLines = resolveLongLinePolicy(input.longLines, 'longLines');
  const severityByLevel = resolveSeverityByLevel(input.severityByLevel);

  return Object.freeze({
    name,
    type,
    typeInfo,
    format: typeInfo.format,
    level,
    host,
    port,
    protocol,
    facility,
    facilityCode: FACILITY_CODES[facility],
    timestampPadding,
    hostname,
    framing,
    longLines,
    severityByLevel,
    syslogPushCaveat: typeInfo.syslogPushCaveat,
  });
}

function resolvePort(value: unknown): number {
  if (value === undefined) return DEFAULT_SYSLOG_PORT;
  const port = typeof value === 'string' && /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError('port', value, 'an integer from 1 to 65535');
  }
  return port;
}

/**
 * Validates a severity override and merges it over `DEFAULT_SEVERITY_BY_LEVEL`.
 *
 * @throws InvalidOptionError naming `severityByLevel` or `severityByLevel.<Level>`.
 */
export function resolveSeverityByLevel(value: unknown): Readonly<Record<LogLevel, number>> {
  if (value === undefined) return DEFAULT_SEVERITY_BY_LEVEL;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError('severityByLevel', value, `an object mapping levels (${LOG_LEVELS.join(', ')}) to severities 0-7`);
  }
  const merged: Record<LogLevel, number> = { ...DEFAULT_SEVERITY_BY_LEVEL };
  for (const [key, severity] of Object.entries(value)) {
    if (!(LOG_LEVELS as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`severityByLevel.${key}`, severity, `not set: the levels are ${LOG_LEVELS.join(', ')}`);
    }
    if (typeof severity !== 'number' || !Number.isInteger(severity) || severity < 0 || severity > 7) {
      throw new InvalidOptionError(`severityByLevel.${key}`, severity, 'a syslog severity, an integer from 0 to 7');
    }
    merged[key as LogLevel] = severity;
  }
  return Object.freeze(merged);
}
