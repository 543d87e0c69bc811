/**
 * `stall`: accept and never read. The sender's socket buffers fill, its writes stop completing
 * and it eventually times out. Datagrams sent to a stalled receiver are never read (lost).
 *
 * @module
 */

import { BaseFault, type DatagramAction, type FaultDefinition, type FaultWrapper } from './fault.js';

/** Spec of {@link StallFault}. */
export interface StallSpec extends FaultWrapper {
  readonly type: 'stall';
}

/** Stops reading. */
export class StallFault extends BaseFault<StallSpec> {
  constructor(spec: StallSpec) {
    super(stallDefinition, spec, false);
  }

  /** Always: the receiver does not read while this fault is active. */
  get isStalling(): boolean {
    return true;
  }

  protected describe(): string {
    return "accept, never read: the sender's buffers fill";
  }

  decideDatagram(): DatagramAction {
    return 'stall';
  }
}

/** The definition of `stall`. */
export const stallDefinition: FaultDefinition<StallSpec> = {
  type: 'stall',
  scope: 'connection',
  fields: [],
  cliForm: 'stall',
  resolveFields: () => ({}),
  parseValue: () => ({}),
  formatValue: () => undefined,
  create: (spec) => new StallFault(spec),
};

/** Builds a {@link StallFault} from a resolved spec. */
export function createStallFault(spec: StallSpec): StallFault {
  return new StallFault(spec);
}
