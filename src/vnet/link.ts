/**
 * A link of the virtual network: the wire between two hosts (latency, jitter) and, when it has
 * faults, a middlebox on it (an IPS, a firewall, a lossy or slow path) that acts at packet level
 * on the answers of a {@link FaultEngine}. The faults decide; the link acts: it drops packets,
 * delays them, cuts a segment at the fault's byte or message limit and forges the RSTs an IPS
 * sends (the one the client sees comes from the server's address, as in the seed capture) or
 * the RST / ICMP port unreachable of a refused connection.
 *
 * @module
 */

import { endpointKey } from '../core/network.js';
import { FrameDecoder } from '../core/framing.js';
import { InvalidOptionError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { expectNumber } from '../core/units.js';
import { FaultEngine, type ConnectionFaults, type FaultEvent } from '../faults/fault-engine.js';
import type { FaultInput } from '../faults/parse-fault.js';
import type { FaultSpec } from '../faults/spec.js';
import type { FaultType } from '../faults/fault.js';
import { Lane, type NetworkCore } from './network-core.js';
import { ACK, FIN, portUnreachable, RST, SYN, tcpPacket, withPayload, type Packet } from './packet.js';

/** Options of a link (see `VirtualNetwork.link()`). */
export interface VirtualLinkOptions {
  /**
   * One-way delay of every packet, in ms (fractions allowed; times are kept to the microsecond).
   * @default the network's `defaultLinkLatencyMs`
   */
  latencyMs?: number;
  /**
   * Random extra delay per packet, uniform in [0, jitterMs] ms, drawn from the link's seeded
   * random stream. Packets never overtake each other in one direction.
   * @default 0
   */
  jitterMs?: number;
  /**
   * Faults of the middlebox on this link, as specs or `--fault` texts. Link faults act at packet
   * level: `drop` (any packet, SYNs included: the client retransmits its SYN at 1 s, 3 s, 7 s… and
   * fails with ETIMEDOUT), `latency` and `bandwidth` (delay of the packets toward the side that
   * accepted the connection, and of datagrams), `reset-after-bytes`, `reset-after-messages` and
   * `reset-on-connect` (an IPS: RST to both sides), `refuse` (RST to the SYN; ICMP port
   * unreachable for datagrams) and `busy` (reset connections beyond N through the link).
   * Receiver behaviours (`stall`, `truncate`, `close-after-messages`, `idle-timeout`) belong to
   * the `SyslogServer` and are rejected here.
   * @default []
   */
  faults?: readonly FaultInput[];
}

/** Fault types a link accepts. */
export const LINK_FAULT_TYPES: readonly FaultType[] = Object.freeze([
  'drop',
  'latency',
  'bandwidth',
  'reset-after-bytes',
  'reset-after-messages',
  'reset-on-connect',
  'refuse',
  'busy',
]);

/** What a link forwards about its faults to the network. */
export interface LinkFaultListener {
  (event: FaultEvent, link: VirtualLink): void;
}

/** The middlebox's view of one TCP connection through the link. */
interface Flow {
  readonly key: string;
  readonly faults: ConnectionFaults;
  /** The side that sent the SYN. */
  readonly initiator: string;
  readonly initiatorPort: number;
  readonly responder: string;
  readonly responderPort: number;
  readonly accept: ConnectionFaults['accept'];
  /** The initiator's next sequence number as far as the middlebox let it through. */
  initiatorNext: number;
  /** The responder's next sequence number seen. */
  responderNext: number;
  isHandshakeDone: boolean;
  isDead: boolean;
  finMask: number;
  /** Frame decoder of the initiator's stream (for `reset-after-messages`). */
  decoder: FrameDecoder | undefined;
  /** Bytes pushed into the decoder so far. */
  decoded: number;
}

const MAX_DEAD_FLOWS = 1024;

/**
 * The link between two hosts. Configure it with `VirtualNetwork.link(a, b, options)`; change its
 * faults at run time with {@link setFaults}.
 */
export class VirtualLink {
  /** One end (the first address given). */
  readonly a: string;
  /** The other end. */
  readonly b: string;
  readonly #core: NetworkCore;
  readonly #random: Random;
  readonly #onFault: LinkFaultListener;
  readonly #toB: Lane;
  readonly #toA: Lane;
  #latencyMs: number;
  #jitterMs: number;
  #engine: FaultEngine | undefined;
  #hasDelays = false;
  #hasMessages = false;
  readonly #flows = new Map<string, Flow>();
  /** Bumped on every change of {@link #flows}: remembered lookups of an older version are stale. */
  #flowsVersion = 0;
  readonly #lookups: FlowLookup[] = [];
  #nextLookup = 0;
  readonly #dead: string[] = [];
  #active = 0;

  /** @internal Made by `VirtualNetwork.link()`. */
  constructor(core: NetworkCore, a: string, b: string, latencyMs: number, random: Random, onFault: LinkFaultListener) {
    this.#core = core;
    this.a = a;
    this.b = b;
    this.#latencyMs = latencyMs;
    this.#jitterMs = 0;
    this.#random = random;
    this.#onFault = onFault;
    this.#toB = new Lane(core);
    this.#toA = new Lane(core);
  }

  /** The one-way latency, in ms. */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** The jitter bound, in ms. */
  get jitterMs(): number {
    return this.#jitterMs;
  }

  /** The middlebox's fault engine (its `stats`, `explain()`), or `undefined` without faults. */
  get engine(): FaultEngine | undefined {
    return this.#engine;
  }

  /** The current faults, resolved. */
  get faults(): readonly FaultSpec[] {
    return this.#engine?.specs ?? [];
  }

  /** TCP connections the middlebox tracks as open (for `busy`). */
  get activeConnections(): number {
    return this.#active;
  }

  /** Packets in flight on the link (both directions). */
  get inFlight(): number {
    return this.#toA.size + this.#toB.size;
  }

  /** `a <-> b`. */
  toString(): string {
    return `${this.a} <-> ${this.b}`;
  }

  /**
   * Applies options (all optional: what is not given stays).
   * @throws InvalidOptionError for a bad value or a fault a link cannot apply.
   */
  configure(options: VirtualLinkOptions): void {
    const resolved = resolveVirtualLinkOptions(options);
    if (resolved.latencyMs !== undefined) this.#latencyMs = resolved.latencyMs;
    if (resolved.jitterMs !== undefined) this.#jitterMs = resolved.jitterMs;
    if (resolved.faults !== undefined) this.setFaults(resolved.faults);
  }

  /**
   * Replaces the link's faults (connections already open keep being tracked; see
   * `FaultEngine.setSpecs` for how open connections see new faults).
   * @throws InvalidOptionError for an invalid spec or a fault a link cannot apply.
   */
  setFaults(faults: readonly FaultInput[]): void {
    if (this.#engine === undefined) {
      if (faults.length === 0) return;
      this.#engine = new FaultEngine(faults, {
        clock: this.#core.clock,
        random: this.#random.fork('faults'),
        isPacketLevel: true,
        onFault: (event) => this.#onFault(event, this),
      });
    } else {
      this.#engine.setSpecs(faults);
    }
    const specs = this.#engine.specs;
    specs.forEach((spec, i) => {
      if (!LINK_FAULT_TYPES.includes(spec.type)) {
        throw new InvalidOptionError(`faults[${i}].type`, spec.type, `a fault a link can apply: one of ${LINK_FAULT_TYPES.join(', ')} (receiver faults belong to the SyslogServer)`);
      }
    });
    this.#hasDelays = specs.some((spec) => spec.type === 'latency' || spec.type === 'bandwidth');
    this.#hasMessages = specs.some((spec) => spec.type === 'reset-after-messages');
  }

  /** @internal Carries a packet sent by one end to the other. */
  send(packet: Packet): void {
    const lane = packet.dst === this.b && (packet.src === this.a || this.a === this.b) ? this.#toB : this.#toA;
    if (this.#engine === undefined || packet.protocol === 'ICMP') {
      this.#put(lane, packet, 0);
      return;
    }
    if (packet.protocol === 'UDP') {
      this.#datagram(lane, packet, this.#engine);
      return;
    }
    this.#segment(lane, packet, this.#engine);
  }

  /** @internal Drops everything in flight. */
  abort(): void {
    this.#toA.abort();
    this.#toB.abort();
  }

  #put(lane: Lane, packet: Packet, extraDelayMs: number): void {
    this.#core.record(packet, false);
    const jitter = this.#jitterMs > 0 ? this.#random.next() * this.#jitterMs : 0;
    lane.enqueue(packet, this.#latencyMs + jitter + extraDelayMs);
  }

  #lose(packet: Packet): void {
    this.#core.record(packet, true);
  }

  #reverse(lane: Lane): Lane {
    return lane === this.#toA ? this.#toB : this.#toA;
  }

  #datagram(lane: Lane, packet: Packet, engine: FaultEngine): void {
    const decision = engine.onDatagram({ peer: endpointKey(packet.src, packet.srcPort), byteLength: packet.payload.byteLength });
    if (decision.refused) {
      this.#lose(packet);
      this.#put(this.#reverse(lane), portUnreachable(packet, packet.dst.includes(':'), true), 0);
      return;
    }
    if (!decision.deliver) {
      this.#lose(packet);
      return;
    }
    const sent = decision.truncateTo === undefined ? packet : withPayload(packet, packet.payload.subarray(0, decision.truncateTo));
    this.#put(lane, sent, decision.delayMs);
  }

  #segment(lane: Lane, packet: Packet, engine: FaultEngine): void {
    let flow: Flow | undefined;
    let isFromInitiator: boolean;
    // Both directions of a busy flow alternate (data, ACK): the last two lookups are remembered
    // while the table is unchanged, which saves building and hashing two keys per segment.
    const slots = this.#lookups;
    let slot: FlowLookup | undefined;
    for (const candidate of slots) {
      if (candidate.version === this.#flowsVersion && candidate.srcPort === packet.srcPort && candidate.dstPort === packet.dstPort && candidate.src === packet.src && candidate.dst === packet.dst) {
        slot = candidate;
        break;
      }
    }
    if (slot !== undefined) {
      flow = slot.flow;
      isFromInitiator = slot.isFromInitiator;
    } else {
      flow = this.#flows.get(flowKey(packet.src, packet.srcPort, packet.dst, packet.dstPort));
      isFromInitiator = true;
      if (flow === undefined) {
        flow = this.#flows.get(flowKey(packet.dst, packet.dstPort, packet.src, packet.srcPort));
        isFromInitiator = false;
      }
      if (flow !== undefined) {
        slots[this.#nextLookup] = { src: packet.src, srcPort: packet.srcPort, dst: packet.dst, dstPort: packet.dstPort, flow, isFromInitiator, version: this.#flowsVersion };
        this.#nextLookup = 1 - this.#nextLookup;
      }
    }
    if (flow === undefined) {
      if ((packet.flags & (SYN | ACK | RST)) === SYN) this.#open(lane, packet, engine);
      else this.#put(lane, packet, 0);
      return;
    }
    if (flow.isDead) {
      this.#lose(packet);
      return;
    }
    if (!flow.faults.onSegment(packet.payload.byteLength).deliver) {
      this.#lose(packet);
      return;
    }
    if (packet.flags & RST) {
      this.#put(lane, packet, 0);
      this.#end(flow);
      return;
    }
    if (!isFromInitiator) {
      flow.responderNext = Math.max(flow.responderNext, packet.seq + packet.payload.byteLength + (packet.flags & (SYN | FIN) ? 1 : 0));
      if (packet.flags & FIN) flow.finMask |= 2;
      this.#put(lane, packet, 0);
      this.#maybeForget(flow);
      return;
    }
    this.#fromInitiator(lane, packet, flow);
  }

  #open(lane: Lane, syn: Packet, engine: FaultEngine): void {
    const faults = engine.openConnection({ protocol: 'tcp', peer: endpointKey(syn.src, syn.srcPort), active: this.#active });
    const accept = faults.accept;
    if (accept === 'refuse') {
      faults.close();
      this.#lose(syn);
      const rst = tcpPacket(syn.dst, syn.dstPort, syn.src, syn.srcPort, RST | ACK, 0, syn.seq + 1, 0, undefined, 0, true);
      this.#put(this.#reverse(lane), rst, 0);
      return;
    }
    const flow: Flow = {
      key: flowKey(syn.src, syn.srcPort, syn.dst, syn.dstPort),
      faults,
      initiator: syn.src,
      initiatorPort: syn.srcPort,
      responder: syn.dst,
      responderPort: syn.dstPort,
      accept,
      initiatorNext: syn.seq + 1,
      responderNext: 0,
      isHandshakeDone: false,
      isDead: false,
      finMask: 0,
      decoder: this.#hasMessages ? new FrameDecoder({ framing: 'auto' }) : undefined,
      decoded: 0,
    };
    this.#flows.set(flow.key, flow);
    this.#flowsVersion++;
    this.#active++;
    if (accept === 'drop') this.#lose(syn);
    else this.#put(lane, syn, this.#hasDelays ? faults.readDelayMs(0) : 0);
  }

  #fromInitiator(lane: Lane, packet: Packet, flow: Flow): void {
    const { faults } = flow;
    const flags = packet.flags;
    if (flags & SYN) {
      // A retransmitted SYN: with `drop` decided at the first SYN, onSegment() drew again above.
      this.#put(lane, packet, this.#hasDelays ? faults.readDelayMs(0) : 0);
      return;
    }
    let sent = packet;
    let after: 'reset' | 'close' | undefined;
    const length = packet.payload.byteLength;
    const end = packet.seq + length;
    if (length > 0 && end > flow.initiatorNext) {
      const skip = Math.max(0, flow.initiatorNext - packet.seq);
      const fresh = length - skip;
      const bytes = faults.onBytes(fresh);
      let deliver = bytes.deliver;
      after = bytes.after;
      if (flow.decoder !== undefined && deliver > 0) {
        const decodedBefore = flow.decoded;
        flow.decoded += deliver;
        for (const frame of flow.decoder.push(packet.payload.subarray(skip, skip + deliver)).frames) {
          const decision = faults.onMessage(frame.bytes.byteLength);
          if (decision.after !== undefined) {
            deliver = Math.min(deliver, frame.streamEnd - decodedBefore);
            after = decision.after;
            break;
          }
        }
      }
      flow.initiatorNext = packet.seq + skip + deliver;
      if (deliver < fresh) sent = withPayload(packet, packet.payload.subarray(0, skip + deliver), packet.flags & ~FIN);
    }
    if (flags & FIN && sent === packet) {
      flow.finMask |= 1;
      flow.initiatorNext = Math.max(flow.initiatorNext, end + 1);
    }
    const delayMs = this.#hasDelays ? faults.readDelayMs(sent.payload.byteLength) : 0;
    if (sent.payload.byteLength > 0 || sent === packet) this.#put(lane, sent, delayMs);
    else this.#lose(packet);
    if (!flow.isHandshakeDone && flags & ACK) {
      flow.isHandshakeDone = true;
      if (flow.accept === 'reset') after = 'reset';
    }
    if (after !== undefined) this.#forgeResets(lane, flow, delayMs);
    else this.#maybeForget(flow);
  }

  /** The IPS resets both sides: each RST carries the sequence number its receiver expects. */
  #forgeResets(lane: Lane, flow: Flow, delayMs: number): void {
    const toResponder = tcpPacket(flow.initiator, flow.initiatorPort, flow.responder, flow.responderPort, RST | ACK, flow.initiatorNext, flow.responderNext, 0, undefined, 0, true);
    const toInitiator = tcpPacket(flow.responder, flow.responderPort, flow.initiator, flow.initiatorPort, RST | ACK, flow.responderNext, flow.initiatorNext, 0, undefined, 0, true);
    this.#put(lane, toResponder, delayMs);
    this.#put(this.#reverse(lane), toInitiator, 0);
    this.#end(flow);
  }

  #end(flow: Flow): void {
    if (flow.isDead) return;
    flow.isDead = true;
    flow.faults.close();
    this.#active--;
    // Keep the flow a while so the middlebox keeps blocking its stragglers.
    this.#dead.push(flow.key);
    if (this.#dead.length > MAX_DEAD_FLOWS) {
      this.#flows.delete(this.#dead.shift() as string);
      this.#flowsVersion++;
    }
  }

  #maybeForget(flow: Flow): void {
    if (flow.finMask !== 3) return;
    flow.faults.close();
    this.#active--;
    this.#flows.delete(flow.key);
    this.#flowsVersion++;
  }
}

/** A remembered flow lookup of {@link VirtualLink}: a packet's endpoints and what they found. */
interface FlowLookup {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly flow: Flow;
  readonly isFromInitiator: boolean;
  readonly version: number;
}

function flowKey(src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${src}|${srcPort}|${dst}|${dstPort}`;
}

/** {@link VirtualLinkOptions} validated. */
export interface ResolvedVirtualLinkOptions {
  readonly latencyMs: number | undefined;
  readonly jitterMs: number | undefined;
  readonly faults: readonly FaultInput[] | undefined;
}

/**
 * Validates {@link VirtualLinkOptions}.
 * @throws InvalidOptionError naming the option.
 */
export function resolveVirtualLinkOptions(options: VirtualLinkOptions = {}): ResolvedVirtualLinkOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object { latencyMs, jitterMs, faults }');
  const known = ['latencyMs', 'jitterMs', 'faults'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `not set (unknown option; known: ${known.join(', ')})`);
  }
  const latencyMs = options.latencyMs === undefined ? undefined : expectNumber('latencyMs', options.latencyMs, 0, 3_600_000);
  const jitterMs = options.jitterMs === undefined ? undefined : expectNumber('jitterMs', options.jitterMs, 0, 3_600_000);
  if (options.faults !== undefined && !Array.isArray(options.faults)) throw new InvalidOptionError('faults', options.faults, 'an array of fault specs or --fault texts');
  return { latencyMs, jitterMs, faults: options.faults };
}
