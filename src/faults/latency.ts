/**
 * `latency` T (jitter J): every read waits T ± J before the receiver sees the bytes: a slow
 * path or a slow receiver. On a TCP connection the engine keeps reads in order, so a chunk never
 * overtakes the one before it; datagrams may be reordered, as on a real network.
 *
 * @module
 */

import {
  BaseFault,
  expectDurationMs,
  formatCliDuration,
  type DelayContext,
  type DelayDecision,
  type FaultDefinition,
  type FaultWrapper,
} from './fault.js';

/** Spec of {@link LatencyFault}. */
export interface LatencySpec extends FaultWrapper {
  readonly type: 'latency';
  /** The delay of every read, in ms (≥ 0; scenario files may write `"200ms"`). */
  readonly latencyMs: number;
  /**
   * Jitter, in ms: each delay is drawn uniformly from the whole milliseconds in
   * [max(0, latencyMs − jitterMs), latencyMs + jitterMs].
   * @default 0
   */
  readonly jitterMs?: number;
}

/** Delays every read. */
export class LatencyFault extends BaseFault<LatencySpec> {
  constructor(spec: LatencySpec) {
    super(latencyDefinition, spec, false);
  }

  protected describe(): string {
    const { latencyMs, jitterMs = 0 } = this.spec;
    if (jitterMs === 0) return `delay every read by ${formatCliDuration(latencyMs)}`;
    const low = Math.max(0, latencyMs - jitterMs);
    return `delay every read by ${formatCliDuration(low)} to ${formatCliDuration(latencyMs + jitterMs)} (uniform)`;
  }

  protected override probabilityUnit(): string {
    return 'per read';
  }

  decideDelayMs({ random }: DelayContext): DelayDecision {
    const { latencyMs, jitterMs = 0 } = this.spec;
    if (jitterMs === 0) return { delayMs: latencyMs };
    return { delayMs: random.int(Math.max(0, latencyMs - jitterMs), latencyMs + jitterMs + 1) };
  }
}

/** The definition of `latency`. */
export const latencyDefinition: FaultDefinition<LatencySpec> = {
  type: 'latency',
  scope: 'decision',
  fields: ['latencyMs', 'jitterMs'],
  cliForm: 'latency=T[~J]',
  cliValueHelp: 'T and the optional jitter J durations with a unit (e.g. latency=200ms or latency=200ms~50ms)',
  resolveFields: (input, path) => {
    const latencyMs = expectDurationMs(`${path}.latencyMs`, input.latencyMs, 0);
    const jitterMs = input.jitterMs === undefined ? 0 : expectDurationMs(`${path}.jitterMs`, input.jitterMs, 0);
    return jitterMs === 0 ? { latencyMs } : { latencyMs, jitterMs };
  },
  parseValue: (value) => {
    const tilde = value?.indexOf('~') ?? -1;
    if (value === undefined || tilde < 0) return { latencyMs: value };
    return { latencyMs: value.slice(0, tilde), jitterMs: value.slice(tilde + 1) };
  },
  formatValue: (spec) =>
    spec.jitterMs === undefined || spec.jitterMs === 0
      ? formatCliDuration(spec.latencyMs)
      : `${formatCliDuration(spec.latencyMs)}~${formatCliDuration(spec.jitterMs)}`,
  create: (spec) => new LatencyFault(spec),
};

/** Builds a {@link LatencyFault} from a resolved spec. */
export function createLatencyFault(spec: LatencySpec): LatencyFault {
  return new LatencyFault(spec);
}
