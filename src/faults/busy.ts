/**
 * `busy` max: a receiver that serves at most `maxConnections` connections at once and resets
 * (RST) the others right after the handshake.
 *
 * @module
 */

import { BaseFault, expectWholeNumber, type ConnectContext, type FaultDefinition, type FaultWrapper } from './fault.js';
import { plural } from './reset-after-messages.js';

/** Spec of {@link BusyFault}. */
export interface BusySpec extends FaultWrapper {
  readonly type: 'busy';
  /** Connections served at once (≥ 0; 0 resets every connection). */
  readonly maxConnections: number;
}

/** Resets a new connection when `maxConnections` are already open. */
export class BusyFault extends BaseFault<BusySpec> {
  constructor(spec: BusySpec) {
    super(busyDefinition, spec, true);
  }

  protected describe(): string {
    const max = this.spec.maxConnections;
    return `accept at most ${max} concurrent ${plural(max, 'connection')}, reset (RST) the others`;
  }

  /** `active` counts the connections already open at the actor, not this one. */
  decideConnect({ protocol, active }: ConnectContext): 'reset' | undefined {
    return protocol === 'tcp' && active >= this.spec.maxConnections ? 'reset' : undefined;
  }
}

/** The definition of `busy`. */
export const busyDefinition: FaultDefinition<BusySpec> = {
  type: 'busy',
  scope: 'connection',
  fields: ['maxConnections'],
  cliForm: 'busy=N',
  cliValueHelp: 'N a whole number of connections ≥ 0 (e.g. busy=1)',
  resolveFields: (input, path) => ({
    maxConnections: expectWholeNumber(`${path}.maxConnections`, input.maxConnections, 0, 'connections'),
  }),
  parseValue: (value) => ({ maxConnections: value }),
  formatValue: (spec) => String(spec.maxConnections),
  create: (spec) => new BusyFault(spec),
};

/** Builds a {@link BusyFault} from a resolved spec. */
export function createBusyFault(spec: BusySpec): BusyFault {
  return new BusyFault(spec);
}
