/**
 * Option checks shared by the transports' `resolveXOptions()` functions. Internal.
 *
 * @module
 */

import type { Clock } from '../clock/clock.js';
import { EsaError, InvalidOptionError } from '../core/errors.js';
import type { Network } from '../core/network.js';
import { parseDurationMs } from '../core/units.js';

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
    throw new InvalidOptionError(option, value, 'a host name or IP address (e.g. 127.0.0.1, ::1, syslog.example.com)');
  }
  return value;
}

/** A port from 1 to 65535. */
export function expectPort(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidOptionError(option, value, 'an integer from 1 to 65535');
  }
  return value;
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

/** Checks the `messages` argument of `send()`: an array of strings. */
export function expectMessages(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(option, value, 'an array of strings');
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') throw new InvalidOptionError(`${option}[${i}]`, value[i], 'a string');
  }
  return value as readonly string[];
}

/** Checks what a `prefix` hook returned: an array of strings. */
export function expectPrefix(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((message) => typeof message !== 'string')) {
    throw new InvalidOptionError('prefix', value, 'a function that returns an array of strings');
  }
  return value as readonly string[];
}

/** The error of a `send()` after `close()` or `destroy()`. */
export function closedError(kind: string, target: string): EsaError {
  return new EsaError('ESA_ERR_CLOSED', `The ${kind} to ${target} is closed: send() cannot be used after close() or destroy()`);
}

