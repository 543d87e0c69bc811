/**
 * `reset-after-bytes` N: accept, read N bytes, then reset the connection (RST). The seed case's
 * IPS, which lets the first bytes of a TCP syslog stream through and then kills the connection.
 *
 * @module
 */

import { BaseFault, expectByteCount, type BytesContext, type BytesDecision, type FaultDefinition, type FaultWrapper } from './fault.js';

/** Spec of {@link ResetAfterBytesFault}. */
export interface ResetAfterBytesSpec extends FaultWrapper {
  readonly type: 'reset-after-bytes';
  /**
   * Stream bytes the receiver reads before it resets the connection (≥ 0; scenario files may
   * write a size such as `"4k"`). Counted from the first read at which the fault is active.
   */
  readonly bytes: number;
}

/** Reads `bytes` bytes of each connection, then resets it. */
export class ResetAfterBytesFault extends BaseFault<ResetAfterBytesSpec> {
  constructor(spec: ResetAfterBytesSpec) {
    super(resetAfterBytesDefinition, spec, true);
  }

  protected describe(): string {
    return `accept, read ${this.spec.bytes} bytes, then reset the connection (RST)`;
  }

  /** Reads up to the limit; at the limit, ends with a reset (a limit of 0 resets at the first read). */
  decideBytes({ countedBytes, length }: BytesContext): BytesDecision | undefined {
    const remaining = Math.max(0, this.spec.bytes - countedBytes);
    return length >= remaining ? { deliver: remaining, after: 'reset' } : undefined;
  }
}

/** The definition of `reset-after-bytes`. */
export const resetAfterBytesDefinition: FaultDefinition<ResetAfterBytesSpec> = {
  type: 'reset-after-bytes',
  scope: 'connection',
  fields: ['bytes'],
  cliForm: 'reset-after-bytes=N',
  cliValueHelp: 'N a whole number of bytes ≥ 0 (e.g. reset-after-bytes=412)',
  resolveFields: (input, path) => ({ bytes: expectByteCount(`${path}.bytes`, input.bytes, 0) }),
  parseValue: (value) => ({ bytes: value }),
  formatValue: (spec) => String(spec.bytes),
  create: (spec) => new ResetAfterBytesFault(spec),
};

/** Builds a {@link ResetAfterBytesFault} from a resolved spec. */
export function createResetAfterBytesFault(spec: ResetAfterBytesSpec): ResetAfterBytesFault {
  return new ResetAfterBytesFault(spec);
}
