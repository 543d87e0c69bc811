/**
 * Errors of esa-logsim: one base class with a stable `code`, and a few subclasses where callers
 * branch on extra data. Users should switch on `code`, never on the message text.
 *
 * @module
 */

import type { LongLineAction } from './long-lines.js';

/**
 * Every error code esa-logsim raises. The README's error table documents each one.
 *
 * - Option and input errors: `ESA_ERR_INVALID_OPTION`, `ESA_ERR_NAME_IN_USE`,
 *   `ESA_ERR_INVALID_SCENARIO`, `ESA_ERR_UNKNOWN_SCENARIO`, `ESA_ERR_USAGE`.
 * - Wire errors: `ESA_ERR_PARSE` (a syslog line that does not parse; returned, not thrown),
 *   `ESA_ERR_FRAMING` (a bad octet count), `ESA_ERR_FRAME_TOO_LARGE` (a frame over the decoder's
 *   limit), `ESA_ERR_MESSAGE_TOO_LARGE` (a message over a receiver's size limit).
 * - Network errors (a push failed): `ESA_ERR_CONNECTION_RESET`, `ESA_ERR_CONNECTION_REFUSED`,
 *   `ESA_ERR_CONNECT_TIMEOUT`, `ESA_ERR_WRITE_TIMEOUT`, `ESA_ERR_BROKEN_PIPE`,
 *   `ESA_ERR_CONNECTION_CLOSED` (the peer closed gracefully), `ESA_ERR_PORT_UNREACHABLE`,
 *   `ESA_ERR_HOST_UNREACHABLE`, `ESA_ERR_NETWORK` (any other socket error).
 * - Lifecycle: `ESA_ERR_CLOSED` (used after `close()`/`destroy()`), `ESA_ERR_ABORTED` (an
 *   `AbortSignal` fired), `ESA_ERR_ADDRESS_IN_USE` (listen failed), `ESA_ERR_CLOCK_LOOP_LIMIT`
 *   (a virtual clock ran more timers than its loop limit), `ESA_ERR_WAIT_TIMEOUT` (a wait such
 *   as `SyslogServer.waitFor()` ran out of time before its condition held).
 * - Results: `ESA_ERR_EXPECTATION_FAILED` (a scenario's expectations did not hold),
 *   `ESA_ERR_INTERNAL` (a bug: please report it).
 * - Files: `ESA_ERR_IO` (a file the CLI was asked to read or write — `--out`, `--pcap` — could
 *   not be opened or written).
 */
export type EsaErrorCode =
  | 'ESA_ERR_INVALID_OPTION'
  | 'ESA_ERR_NAME_IN_USE'
  | 'ESA_ERR_INVALID_SCENARIO'
  | 'ESA_ERR_UNKNOWN_SCENARIO'
  | 'ESA_ERR_USAGE'
  | 'ESA_ERR_PARSE'
  | 'ESA_ERR_FRAMING'
  | 'ESA_ERR_FRAME_TOO_LARGE'
  | 'ESA_ERR_MESSAGE_TOO_LARGE'
  | 'ESA_ERR_CONNECTION_RESET'
  | 'ESA_ERR_CONNECTION_REFUSED'
  | 'ESA_ERR_CONNECT_TIMEOUT'
  | 'ESA_ERR_WRITE_TIMEOUT'
  | 'ESA_ERR_BROKEN_PIPE'
  | 'ESA_ERR_CONNECTION_CLOSED'
  | 'ESA_ERR_PORT_UNREACHABLE'
  | 'ESA_ERR_HOST_UNREACHABLE'
  | 'ESA_ERR_NETWORK'
  | 'ESA_ERR_CLOSED'
  | 'ESA_ERR_ABORTED'
  | 'ESA_ERR_ADDRESS_IN_USE'
  | 'ESA_ERR_CLOCK_LOOP_LIMIT'
  | 'ESA_ERR_WAIT_TIMEOUT'
  | 'ESA_ERR_EXPECTATION_FAILED'
  | 'ESA_ERR_INTERNAL'
  | 'ESA_ERR_IO';

/** The codes that mean "a push failed because of the network" (what ESA logs as a Log Error). */
export const NETWORK_ERROR_CODES = [
  'ESA_ERR_CONNECTION_RESET',
  'ESA_ERR_CONNECTION_REFUSED',
  'ESA_ERR_CONNECT_TIMEOUT',
  'ESA_ERR_WRITE_TIMEOUT',
  'ESA_ERR_BROKEN_PIPE',
  'ESA_ERR_CONNECTION_CLOSED',
  'ESA_ERR_PORT_UNREACHABLE',
  'ESA_ERR_HOST_UNREACHABLE',
  'ESA_ERR_NETWORK',
] as const satisfies readonly EsaErrorCode[];

/** A network error code: one of {@link NETWORK_ERROR_CODES}. */
export type NetworkErrorCode = (typeof NETWORK_ERROR_CODES)[number];

const networkCodes: ReadonlySet<string> = new Set(NETWORK_ERROR_CODES);

/** Options of {@link EsaError}. */
export interface EsaErrorOptions {
  /** The error that caused this one (a socket error, a parse failure…). */
  cause?: unknown;
}

/**
 * The base of every error esa-logsim throws, rejects with or reports.
 *
 * @example
 * ```ts
 * try { resolveSubscriptionOptions({ name: 'Mail_Log', facility: 'kern' }); }
 * catch (error) { if (error instanceof EsaError && error.code === 'ESA_ERR_INVALID_OPTION') … }
 * ```
 */
export class EsaError extends Error {
  /** A stable code to switch on. */
  readonly code: EsaErrorCode;

  constructor(code: EsaErrorCode, message: string, options?: EsaErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Options of {@link InvalidOptionError}. */
export interface InvalidOptionErrorOptions extends EsaErrorOptions {
  /** What would have been accepted, in words (`"one of auth, authpriv, …"`). */
  allowed?: string;
  /** Overrides the default code (e.g. `ESA_ERR_NAME_IN_USE`). */
  code?: EsaErrorCode;
}

/**
 * An option, flag, scenario field or spec value that is not allowed. The message names the
 * option, the value given and what is allowed: `facility must be one of auth, …; got "kern"`.
 */
export class InvalidOptionError extends EsaError {
  /** The option's name as the user wrote it (`facility`, `port`, `--rate`, `faults[2].ms`). */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;
  /** What is allowed, in words, when known. */
  readonly allowed: string | undefined;

  constructor(option: string, value: unknown, expectation: string, options?: InvalidOptionErrorOptions) {
    super(
      options?.code ?? 'ESA_ERR_INVALID_OPTION',
      `${option} must be ${expectation}; got ${describeValue(value)}`,
      options,
    );
    this.option = option;
    this.value = value;
    this.allowed = options?.allowed ?? expectation;
  }
}

/**
 * What a failed send had already handed to a connection: bytes of it may have reached the
 * receiver before the failure, so the ledger still needs to know where each frame ended.
 * A transport's `SendReceipt` is one.
 */
export interface AttemptedBatch {
  /** The connection written to. */
  readonly connection: { readonly id: number; readonly key: string; readonly protocol: 'tcp' | 'udp' };
  /** Messages of the batch that came from the `prefix` hook (first). */
  readonly prefixCount: number;
  /** Per message, the stream offset just past its frame (see `SendReceipt.frameEnds`). */
  readonly frameEnds: ArrayLike<number>;
  /** Per message, what the long-line rule did (see `SendReceipt.longLineActions`); `undefined` when nothing changed. */
  readonly longLineActions?: readonly (LongLineAction | undefined)[] | undefined;
  /** Per message, the text of its last frame when the long-line rule changed it (see `SendReceipt.longLineLastParts`). */
  readonly longLineLastParts?: readonly (string | undefined)[] | undefined;
}

/** Details a network error may carry. */
export interface NetworkErrorDetails extends EsaErrorOptions {
  /** The transport-level connection id, when the failure belongs to one. */
  connectionId?: number;
  /** The peer the error concerns, as `host:port`. */
  peer?: string;
}

/**
 * A failure of the network path: what makes the appliance log
 * `Log Error: Subscription <name>: Network error while sending log data to syslog server`.
 * `cause` holds the socket error (with its `code`, e.g. `ECONNRESET`) when there was one.
 */
export class NetworkError extends EsaError {
  declare readonly code: NetworkErrorCode;
  /** The connection the error belongs to, when known. */
  readonly connectionId: number | undefined;
  /** The peer as `host:port`, when known. */
  readonly peer: string | undefined;
  /**
   * For a send that failed after writing to a connection: what it wrote (set by the transport).
   * `undefined` when nothing reached a connection (refused, timed out before connecting).
   */
  attempted: AttemptedBatch | undefined;

  constructor(code: NetworkErrorCode, message: string, details?: NetworkErrorDetails) {
    super(code, message, details);
    this.connectionId = details?.connectionId;
    this.peer = details?.peer;
    this.attempted = undefined;
  }
}

/** Whether `error` is an {@link EsaError} (with an optional code check). */
export function isEsaError(error: unknown, code?: EsaErrorCode): error is EsaError {
  return error instanceof EsaError && (code === undefined || error.code === code);
}

/** Whether `code` is one of the network error codes. */
export function isNetworkErrorCode(code: unknown): code is NetworkErrorCode {
  return typeof code === 'string' && networkCodes.has(code);
}

/** A short, safe rendering of any value for an error message (strings quoted, long values cut). */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (value === undefined) text = 'undefined';
  else if (value === null) text = 'null';
  else if (typeof value === 'function') text = 'a function';
  else if (value instanceof Uint8Array) text = `${value.byteLength} bytes`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
