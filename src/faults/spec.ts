/**
 * `FaultSpec`: the plain, JSON-able description of a fault, shared by `SyslogServer`,
 * `FaultProxy`, `VirtualNetwork` links, scenario files and the `--fault` flag, and its one
 * resolver. A spec is data; {@link createFault} turns it into the runtime {@link Fault}.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { bandwidthDefinition, type BandwidthSpec } from './bandwidth.js';
import { busyDefinition, type BusySpec } from './busy.js';
import { closeAfterMessagesDefinition, type CloseAfterMessagesSpec } from './close-after-messages.js';
import { dropDefinition, type DropSpec } from './drop.js';
import { FAULT_TYPES, resolveWrapper, WRAPPER_FIELDS, type Fault, type FaultDefinition, type FaultType } from './fault.js';
import { idleTimeoutDefinition, type IdleTimeoutSpec } from './idle-timeout.js';
import { latencyDefinition, type LatencySpec } from './latency.js';
import { refuseDefinition, type RefuseSpec } from './refuse.js';
import { resetAfterBytesDefinition, type ResetAfterBytesSpec } from './reset-after-bytes.js';
import { resetAfterMessagesDefinition, type ResetAfterMessagesSpec } from './reset-after-messages.js';
import { resetOnConnectDefinition, type ResetOnConnectSpec } from './reset-on-connect.js';
import { stallDefinition, type StallSpec } from './stall.js';
import { truncateDefinition, type TruncateSpec } from './truncate.js';

/**
 * A fault, as plain data: a discriminated union on `type`, each with its own fields plus the
 * shared wrapper (`probability`, `activeFromMs`, `activeUntilMs`, `firstConnections`).
 *
 * @example
 * ```ts
 * const ips: FaultSpec = { type: 'reset-after-bytes', bytes: 412, firstConnections: 1 };
 * ```
 */
export type FaultSpec =
  | ResetAfterBytesSpec
  | ResetAfterMessagesSpec
  | ResetOnConnectSpec
  | RefuseSpec
  | BusySpec
  | CloseAfterMessagesSpec
  | IdleTimeoutSpec
  | StallSpec
  | LatencySpec
  | BandwidthSpec
  | DropSpec
  | TruncateSpec;

/** The spec of one fault type. */
export type FaultSpecOf<T extends FaultType> = Extract<FaultSpec, { readonly type: T }>;

/** Every fault's definition, by type. */
export const FAULT_DEFINITIONS: { readonly [T in FaultType]: FaultDefinition<FaultSpecOf<T>> } = Object.freeze({
  'reset-after-bytes': resetAfterBytesDefinition,
  'reset-after-messages': resetAfterMessagesDefinition,
  'reset-on-connect': resetOnConnectDefinition,
  refuse: refuseDefinition,
  busy: busyDefinition,
  'close-after-messages': closeAfterMessagesDefinition,
  'idle-timeout': idleTimeoutDefinition,
  stall: stallDefinition,
  latency: latencyDefinition,
  bandwidth: bandwidthDefinition,
  drop: dropDefinition,
  truncate: truncateDefinition,
});

/** The definition of a type (widened for generic code). */
export function faultDefinition(type: FaultType): FaultDefinition<FaultSpec> {
  return FAULT_DEFINITIONS[type] as unknown as FaultDefinition<FaultSpec>;
}

/** Whether `value` is a fault type. */
export function isFaultType(value: unknown): value is FaultType {
  return typeof value === 'string' && (FAULT_TYPES as readonly string[]).includes(value);
}

/**
 * Validates and normalises one fault spec object. The result is a new, frozen spec with defaults
 * left out (`probability` 1, `activeFromMs` 0, `jitterMs` 0), durations and sizes as numbers
 * (`"10s"` → 10000, `"4k"` → 4096). To accept the `--fault` text as well, use
 * `resolveFaultInput` (parse-fault.ts).
 *
 * @param input - a spec object (anything else is rejected with a message).
 * @param path - how the fault is named in error messages (`faults[2]`). @default 'fault'
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the field path (`faults[2].bytes`),
 * the bad value and what is allowed; an unknown `type` lists the valid ones, an unknown field the
 * known ones.
 * @example
 * ```ts
 * resolveFaultSpec({ type: 'latency', latencyMs: '200ms' }, 'faults[0]'); // { type: 'latency', latencyMs: 200 }
 * ```
 */
export function resolveFaultSpec(input: unknown, path = 'fault'): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError(
      path,
      input,
      'a fault spec object such as { "type": "reset-after-bytes", "bytes": 412 }',
    );
  }
  const record = input as Readonly<Record<string, unknown>>;
  if (!isFaultType(record.type)) {
    throw new InvalidOptionError(`${path}.type`, record.type, `one of ${FAULT_TYPES.join(', ')}`);
  }
  const definition = faultDefinition(record.type);
  const known = new Set<string>(['type', ...definition.fields, ...WRAPPER_FIELDS]);
  for (const key of Object.keys(record)) {
    if (!known.has(key)) {
      throw new InvalidOptionError(
        `${path}.${key}`,
        record[key],
        `not set (unknown field; ${record.type} takes ${[...known].join(', ')})`,
      );
    }
  }
  const fields = definition.resolveFields(record, path);
  const wrapper = resolveWrapper(record, path, definition.ownsProbability === true);
  return Object.freeze({ type: record.type, ...fields, ...wrapper }) as FaultSpec;
}

/**
 * Builds the runtime {@link Fault} of a resolved spec.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid spec (it is resolved first).
 */
export function createFault(spec: FaultSpec, path = 'fault'): Fault<FaultSpec> {
  const resolved = resolveFaultSpec(spec, path);
  return faultDefinition(resolved.type).create(resolved);
}
