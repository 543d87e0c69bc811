/**
 * `refuse`: nothing listens. TCP connection attempts are refused (RST in answer to the SYN:
 * `ECONNREFUSED`), UDP datagrams are answered with ICMP port unreachable.
 *
 * Real-socket actors can refuse only by closing their listener, which they do while
 * `FaultEngine.refusing()` is true: for a `refuse` without `probability` or `firstConnections`
 * inside its window. A conditional `refuse` (some attempts only) is decided per attempt, which
 * the virtual network honours exactly; a real listener that already accepted the connection can
 * only reset it.
 *
 * @module
 */

import { BaseFault, type ConnectContext, type DatagramAction, type FaultDefinition, type FaultWrapper } from './fault.js';

/** Spec of {@link RefuseFault}. */
export interface RefuseSpec extends FaultWrapper {
  readonly type: 'refuse';
}

/** Refuses connections and datagrams. */
export class RefuseFault extends BaseFault<RefuseSpec> {
  constructor(spec: RefuseSpec) {
    super(refuseDefinition, spec, false);
  }

  /** Unconditional refusal: the listener itself must be closed while the fault is active. */
  get isRefusing(): boolean {
    return this.spec.probability === undefined && this.spec.firstConnections === undefined;
  }

  protected describe(): string {
    return 'nothing listens: TCP connections are refused (RST to the SYN), UDP datagrams get ICMP port unreachable';
  }

  protected override probabilityUnit(): string {
    return 'per connection attempt or datagram';
  }

  decideConnect(_context: ConnectContext): 'refuse' {
    return 'refuse';
  }

  decideDatagram(): DatagramAction {
    return 'refuse';
  }
}

/** The definition of `refuse`. */
export const refuseDefinition: FaultDefinition<RefuseSpec> = {
  type: 'refuse',
  scope: 'decision',
  fields: [],
  cliForm: 'refuse',
  resolveFields: () => ({}),
  parseValue: () => ({}),
  formatValue: () => undefined,
  create: (spec) => new RefuseFault(spec),
};

/** Builds a {@link RefuseFault} from a resolved spec. */
export function createRefuseFault(spec: RefuseSpec): RefuseFault {
  return new RefuseFault(spec);
}
