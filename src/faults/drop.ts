/**
 * `drop` p: each datagram is lost with probability p. On a packet-level link (the virtual
 * network) TCP packets are lost too: a dropped SYN is never answered (the sender's connect times
 * out or retries) and a dropped segment must be retransmitted. Over real sockets TCP is reliable
 * and `drop` affects datagrams only.
 *
 * The spec's `probability` is the loss rate itself (required), drawn at every decision.
 *
 * @module
 */

import {
  BaseFault,
  type ConnectContext,
  type DatagramAction,
  type FaultDefinition,
  type FaultWrapper,
  type MessageContext,
  type MessageDecision,
} from './fault.js';

/** Spec of {@link DropFault}. */
export interface DropSpec extends FaultWrapper {
  readonly type: 'drop';
  /** The loss rate, 0…1, drawn per datagram (per packet on a virtual link). Required. */
  readonly probability: number;
}

/** Loses datagrams (and, at packet level, TCP packets). */
export class DropFault extends BaseFault<DropSpec> {
  constructor(spec: DropSpec) {
    super(dropDefinition, spec, false);
  }

  protected describe(): string {
    return `lose ${+(this.spec.probability * 100).toPrecision(12)}% of datagrams (on a virtual link also of TCP packets, SYN included)`;
  }

  decideConnect({ protocol, isPacketLevel }: ConnectContext): 'drop' | undefined {
    return protocol === 'tcp' && isPacketLevel ? 'drop' : undefined;
  }

  /** On a UDP flow, every datagram is a message. */
  decideMessage({ protocol }: MessageContext): MessageDecision | undefined {
    return protocol === 'udp' ? { deliver: false } : undefined;
  }

  decideDatagram(): DatagramAction {
    return 'drop';
  }

  decideSegment(): 'drop' {
    return 'drop';
  }
}

/** The definition of `drop`. */
export const dropDefinition: FaultDefinition<DropSpec> = {
  type: 'drop',
  scope: 'decision',
  fields: ['probability'],
  cliForm: 'drop=P',
  cliValueHelp: 'P a probability from 0 to 1 (e.g. drop=0.1 or drop=10%); drop takes no @p= (its value is the rate)',
  ownsProbability: true,
  resolveFields: () => ({}),
  parseValue: (value) => ({ probability: value }),
  formatValue: (spec) => String(spec.probability),
  create: (spec) => new DropFault(spec),
};

/** Builds a {@link DropFault} from a resolved spec. */
export function createDropFault(spec: DropSpec): DropFault {
  return new DropFault(spec);
}
