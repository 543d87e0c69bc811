/**
 * Option checks and small helpers shared by `SyslogServer` and `FaultProxy`. Internal.
 *
 * @module
 */

import type { Clock } from '../clock/clock.js';
import { InvalidOptionError, NetworkError, type EsaError, type NetworkErrorCode } from '../core/errors.js';
import type { DeliveryObserver } from '../core/ledger.js';
import type { Network, SocketError } from '../core/network.js';
import { seededRandom, type Random, type Seed } from '../core/random.js';
import { parseByteSize, parseDurationMs } from '../core/units.js';

/** Throws for an options value that is not an object, or a key not in `known`. */
export function expectOptionsObject(options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** A host name or address literal: a non-empty string without spaces. */
export function expectHost(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || /\s/.test(value)) {
    throw new InvalidOptionError(option, value, 'a host name or IP address (e.g. 127.0.0.1, ::1)');
  }
  return value;
}

/** A port from `min` to 65535 (0 = any free port). */
export function expectPort(option: string, value: unknown, min: 0 | 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65_535) {
    throw new InvalidOptionError(option, value, min === 0 ? 'an integer from 0 to 65535 (0 = any free port)' : 'an integer from 1 to 65535');
  }
  return value;
}

/** A whole number in [min, max]. */
export function expectCount(option: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `a whole number of ${what} from ${min} to ${max}`);
  }
  return value;
}

/** A byte size (a number or a string such as `64k`) in [min, max]. */
export function expectBytes(option: string, value: unknown, min: number, max: number): number {
  return parseByteSize(option, value, { min, max });
}

/** A duration in ms (a number, or a string such as `10s`), at least `minMs`. */
export function expectDurationMs(option: string, value: unknown, minMs: number): number {
  const ms = parseDurationMs(option, value);
  if (ms < minMs) throw new InvalidOptionError(option, value, `a duration of at least ${minMs} ms`);
  return ms;
}

/** A {@link Network}: an object with `connect`, `listen` and `createDatagramSocket`. */
export function expectNetwork(value: unknown): Network {
  const candidate = value as Partial<Network> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.connect !== 'function' ||
    typeof candidate.listen !== 'function' ||
    typeof candidate.createDatagramSocket !== 'function'
  ) {
    throw new InvalidOptionError('network', value, 'a Network (nodeNetwork, or a VirtualNetwork host)');
  }
  return candidate as Network;
}

/** A {@link Clock}: an object with `now()` and `schedule()`. */
export function expectClock(value: unknown): Clock {
  const candidate = value as Partial<Clock> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.now !== 'function' || typeof candidate.schedule !== 'function') {
    throw new InvalidOptionError('clock', value, 'a Clock (systemClock or a VirtualClock)');
  }
  return candidate as Clock;
}

/** The `random` / `seed` pair: at most one of them; `seededRandom(1)` when neither is given. */
export function resolveRandom(random: unknown, seed: unknown): Random {
  if (random !== undefined && seed !== undefined) {
    throw new InvalidOptionError('seed', seed, 'left out when `random` is given (pass one of them)');
  }
  if (random !== undefined) {
    const candidate = random as Partial<Random> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.chance !== 'function' || typeof candidate.fork !== 'function') {
      throw new InvalidOptionError('random', random, 'a Random (e.g. seededRandom(42))');
    }
    return candidate as Random;
  }
  if (seed === undefined) return seededRandom(1);
  if (typeof seed !== 'string' && typeof seed !== 'number') throw new InvalidOptionError('seed', seed, 'an integer or a string');
  return seededRandom(seed as Seed);
}

/** A list of {@link DeliveryObserver}s. */
export function expectObservers(value: unknown): readonly DeliveryObserver[] {
  if (!Array.isArray(value)) throw new InvalidOptionError('observers', value, 'an array of DeliveryObservers (e.g. [ledger.observer])');
  value.forEach((observer: unknown, index) => {
    const candidate = observer as Partial<DeliveryObserver> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.messageReceived !== 'function' || typeof candidate.connectionEnded !== 'function') {
      throw new InvalidOptionError(`observers[${index}]`, observer, 'a DeliveryObserver ({ messageReceived, connectionEnded })');
    }
  });
  return Object.freeze([...(value as DeliveryObserver[])]);
}

/** An optional callback. */
export function expectOptionalFunction<F>(option: string, value: unknown, shape: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new InvalidOptionError(option, value, `a function ${shape}`);
  return value as F | undefined;
}


const codeBySocketCode: Readonly<Record<string, NetworkErrorCode>> = {
  ECONNRESET: 'ESA_ERR_CONNECTION_RESET',
  ECONNREFUSED: 'ESA_ERR_CONNECTION_REFUSED',
  ETIMEDOUT: 'ESA_ERR_CONNECT_TIMEOUT',
  EPIPE: 'ESA_ERR_BROKEN_PIPE',
  EHOSTUNREACH: 'ESA_ERR_HOST_UNREACHABLE',
  ENETUNREACH: 'ESA_ERR_HOST_UNREACHABLE',
};

/** Wraps a socket error of a proxy's upstream side as a {@link NetworkError}. */
export function upstreamError(error: SocketError | undefined, target: string, phase: string): NetworkError {
  const code = (error?.code !== undefined ? codeBySocketCode[error.code] : undefined) ?? 'ESA_ERR_NETWORK';
  const what = error?.code ?? error?.message ?? 'unknown error';
  return new NetworkError(code, `Upstream ${target} failed while ${phase}: ${what}`, { cause: error, peer: target });
}

/** The announced count of an `ESA_ERR_FRAME_TOO_LARGE` error (its message ends with it, `(70000)`; digits read so far, `(700000…)`). */
export function oversizeCount(error: EsaError): number {
  const match = /\((\d+)…?\)\s*$/.exec(error.message);
  return match ? Number(match[1]) : 0;
}
