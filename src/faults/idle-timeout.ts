/**
 * `idle-timeout` T: the receiver closes a connection (FIN) that has sent nothing for T, as
 * rsyslog, syslog-ng and SIEM collectors do.
 *
 * @module
 */

import { BaseFault, expectDurationMs, formatCliDuration, type FaultDefinition, type FaultWrapper } from './fault.js';

/** Spec of {@link IdleTimeoutFault}. */
export interface IdleTimeoutSpec extends FaultWrapper {
  readonly type: 'idle-timeout';
  /** Idle time before the receiver closes the connection, in ms (≥ 1; scenario files may write `"300s"`). */
  readonly idleMs: number;
}

/** Closes connections that stay idle for `idleMs`. */
export class IdleTimeoutFault extends BaseFault<IdleTimeoutSpec> {
  constructor(spec: IdleTimeoutSpec) {
    super(idleTimeoutDefinition, spec, true);
  }

  /** The idle time after which the receiver closes the connection, in ms. */
  get idleTimeoutMs(): number {
    return this.spec.idleMs;
  }

  protected describe(): string {
    return `close the connection (FIN) after ${formatCliDuration(this.spec.idleMs)} without data`;
  }
}

/** The definition of `idle-timeout`. */
export const idleTimeoutDefinition: FaultDefinition<IdleTimeoutSpec> = {
  type: 'idle-timeout',
  scope: 'connection',
  fields: ['idleMs'],
  cliForm: 'idle-timeout=T',
  cliValueHelp: 'T a duration ≥ 1ms with a unit (e.g. idle-timeout=300s)',
  resolveFields: (input, path) => ({ idleMs: expectDurationMs(`${path}.idleMs`, input.idleMs, 1) }),
  parseValue: (value) => ({ idleMs: value }),
  formatValue: (spec) => formatCliDuration(spec.idleMs),
  create: (spec) => new IdleTimeoutFault(spec),
};

/** Builds an {@link IdleTimeoutFault} from a resolved spec. */
export function createIdleTimeoutFault(spec: IdleTimeoutSpec): IdleTimeoutFault {
  return new IdleTimeoutFault(spec);
}
