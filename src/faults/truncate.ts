/**
 * `truncate` N: the receiver keeps only the first N bytes of each message (a receiver with a
 * message size limit, e.g. 1024 bytes for RFC 3164 receivers). The cut counts bytes of the message
 * itself, framing excluded; where to cut inside a UTF-8 character is the actor's choice.
 *
 * @module
 */

import {
  BaseFault,
  expectByteCount,
  type DatagramAction,
  type FaultDefinition,
  type FaultWrapper,
  type MessageContext,
  type MessageDecision,
} from './fault.js';

/** Spec of {@link TruncateFault}. */
export interface TruncateSpec extends FaultWrapper {
  readonly type: 'truncate';
  /** The bytes kept of each message (≥ 1; scenario files may write `"1k"`). */
  readonly maxBytes: number;
}

/** Cuts long messages. */
export class TruncateFault extends BaseFault<TruncateSpec> {
  constructor(spec: TruncateSpec) {
    super(truncateDefinition, spec, false);
  }

  protected describe(): string {
    return `keep only the first ${this.spec.maxBytes} bytes of each message`;
  }

  protected override probabilityUnit(): string {
    return 'per message';
  }

  decideMessage({ byteLength }: MessageContext): MessageDecision | undefined {
    return byteLength > this.spec.maxBytes ? { deliver: true, truncateTo: this.spec.maxBytes } : undefined;
  }

  decideDatagram(byteLength: number): DatagramAction | undefined {
    return byteLength > this.spec.maxBytes ? { truncateTo: this.spec.maxBytes } : undefined;
  }
}

/** The definition of `truncate`. */
export const truncateDefinition: FaultDefinition<TruncateSpec> = {
  type: 'truncate',
  scope: 'decision',
  fields: ['maxBytes'],
  cliForm: 'truncate=N',
  cliValueHelp: 'N a whole number of bytes ≥ 1 (e.g. truncate=1024 or truncate=1k)',
  resolveFields: (input, path) => ({ maxBytes: expectByteCount(`${path}.maxBytes`, input.maxBytes, 1) }),
  parseValue: (value) => ({ maxBytes: value }),
  formatValue: (spec) => String(spec.maxBytes),
  create: (spec) => new TruncateFault(spec),
};

/** Builds a {@link TruncateFault} from a resolved spec. */
export function createTruncateFault(spec: TruncateSpec): TruncateFault {
  return new TruncateFault(spec);
}
