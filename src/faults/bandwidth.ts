/**
 * `bandwidth` B: the receiver reads at most B bytes per second: a token bucket on the clock,
 * filled at B bytes/s, with no burst allowance. Each read waits until the bucket has paid for
 * its bytes, i.e. until its last byte would have crossed a B bytes/s link; a link idle long
 * enough has no backlog. TCP connections each have their own bucket; all datagrams share one.
 *
 * @module
 */

import {
  BaseFault,
  expectByteCount,
  formatCliSize,
  type DelayContext,
  type DelayDecision,
  type FaultDefinition,
  type FaultWrapper,
  type TokenBucketState,
} from './fault.js';

/** Spec of {@link BandwidthFault}. */
export interface BandwidthSpec extends FaultWrapper {
  readonly type: 'bandwidth';
  /** The rate, in bytes per second (≥ 1; `10k` = 10240 on the CLI and in scenario files). */
  readonly bytesPerSecond: number;
}

/**
 * One read through a zero-burst token bucket: refills the bucket for the time since its last
 * read (never above 0 tokens), takes `length` tokens, and returns how long the read must wait for
 * the backlog to drain, rounded up to whole ms.
 *
 * @param bucket - the state after the previous read (`undefined`: an empty, idle link).
 */
export function drainTokenBucket(
  bucket: TokenBucketState | undefined,
  nowMs: number,
  length: number,
  bytesPerSecond: number,
): { readonly delayMs: number; readonly bucket: TokenBucketState } {
  const refilled = bucket === undefined ? 0 : Math.min(0, bucket.tokens + ((nowMs - bucket.atMs) * bytesPerSecond) / 1000);
  const tokens = refilled - length;
  return { delayMs: tokens < 0 ? Math.ceil((-tokens * 1000) / bytesPerSecond) : 0, bucket: { tokens, atMs: nowMs } };
}

/** Limits the read rate. */
export class BandwidthFault extends BaseFault<BandwidthSpec> {
  constructor(spec: BandwidthSpec) {
    super(bandwidthDefinition, spec, false);
  }

  protected describe(): string {
    return `read at most ${this.spec.bytesPerSecond} bytes per second`;
  }

  decideDelayMs({ bucket, nowMs, length }: DelayContext): DelayDecision {
    return drainTokenBucket(bucket, nowMs, length, this.spec.bytesPerSecond);
  }
}

/** The definition of `bandwidth`. */
export const bandwidthDefinition: FaultDefinition<BandwidthSpec> = {
  type: 'bandwidth',
  scope: 'connection',
  fields: ['bytesPerSecond'],
  cliForm: 'bandwidth=B',
  cliValueHelp: 'B a rate in bytes per second ≥ 1 (e.g. bandwidth=10k or bandwidth=1500/s)',
  resolveFields: (input, path) => ({
    bytesPerSecond: expectByteCount(`${path}.bytesPerSecond`, input.bytesPerSecond, 1, 'bytes per second'),
  }),
  parseValue: (value) => ({ bytesPerSecond: value?.replace(/\/s$/i, '') }),
  formatValue: (spec) => formatCliSize(spec.bytesPerSecond),
  create: (spec) => new BandwidthFault(spec),
};

/** Builds a {@link BandwidthFault} from a resolved spec. */
export function createBandwidthFault(spec: BandwidthSpec): BandwidthFault {
  return new BandwidthFault(spec);
}
