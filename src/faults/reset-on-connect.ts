/**
 * `reset-on-connect`: complete the handshake, then reset the connection (RST) before reading
 * anything. The sender sees its connect succeed and its first write fail.
 *
 * @module
 */

import { BaseFault, type ConnectContext, type FaultDefinition, type FaultWrapper } from './fault.js';

/** Spec of {@link ResetOnConnectFault}. */
export interface ResetOnConnectSpec extends FaultWrapper {
  readonly type: 'reset-on-connect';
}

/** Resets every connection right after the handshake. */
export class ResetOnConnectFault extends BaseFault<ResetOnConnectSpec> {
  constructor(spec: ResetOnConnectSpec) {
    super(resetOnConnectDefinition, spec, true);
  }

  protected describe(): string {
    return 'accept, then reset the connection (RST) before reading anything';
  }

  decideConnect({ protocol }: ConnectContext): 'reset' | undefined {
    return protocol === 'tcp' ? 'reset' : undefined;
  }
}

/** The definition of `reset-on-connect`. */
export const resetOnConnectDefinition: FaultDefinition<ResetOnConnectSpec> = {
  type: 'reset-on-connect',
  scope: 'connection',
  fields: [],
  cliForm: 'reset-on-connect',
  resolveFields: () => ({}),
  parseValue: () => ({}),
  formatValue: () => undefined,
  create: (spec) => new ResetOnConnectFault(spec),
};

/** Builds a {@link ResetOnConnectFault} from a resolved spec. */
export function createResetOnConnectFault(spec: ResetOnConnectSpec): ResetOnConnectFault {
  return new ResetOnConnectFault(spec);
}
