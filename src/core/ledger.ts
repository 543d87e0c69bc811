/**
 * The ledger: the fate of every log line a subscription was asked to forward.
 *
 * Each line gets an id (per stream, from 0, in the order lines were queued). The sender side
 * (the appliance) reports what it did with each batch; the receiver side (a `SyslogServer`, via
 * the {@link DeliveryObserver} interface) reports what arrived. From both the ledger derives
 * each line's fate:
 *
 * - `delivered`: the receiver got it (at least once); `duplicated` counts the lines it got more
 *   than once (a subset of delivered: a retry re-sent what had already arrived);
 * - `dropped`: never delivered, and the sender knew and gave up (`network-error`,
 *   `buffer-overflow`, `oversize`, `closed`, `policy`);
 * - `lostInFlight`: never delivered although the sender saw its write succeed (the reset came
 *   after the data was handed to the network; a UDP datagram vanished);
 * - `pending`: not decided yet (queued, being sent, or in flight without final evidence).
 *
 * Invariant: generated = delivered + dropped + lostInFlight + pending.
 *
 * Memory grows with the number of state changes along the id line and with what is in flight,
 * not with the number of lines: ids are stored as runs, batches as id runs plus frame offsets
 * that are released once resolved.
 *
 * How a line is matched to the receiver's evidence: a TCP connection is identified on both
 * sides by the sender's local endpoint key; a line is delivered when the receiver reports a
 * frame ending at (LF framing: at or after its last content byte) the line's end offset in that
 * connection's byte stream. A UDP datagram is matched to the earliest outstanding datagram of
 * the same socket whose first {@link UDP_MATCH_CHARS} characters are equal.
 *
 * Without a live receiver (rsyslog, a SIEM), evidence `lines` keeps the text of every line sent
 * and {@link Ledger.reconcileLines} matches the receiver's output file against it afterwards,
 * the same way as a datagram: each received line to the earliest outstanding sent line with the
 * same text.
 *
 * @module
 */

import { EsaError } from './errors.js';
import type { Framing } from './framing.js';
import { hashString } from './random.js';
import { RunMap, type Run } from './run-map.js';

/** Why the sender gave a line up. */
export type DropReason = 'network-error' | 'buffer-overflow' | 'oversize' | 'closed' | 'policy';

/** All drop reasons, in report order. */
export const DROP_REASONS: readonly DropReason[] = Object.freeze([
  'network-error',
  'buffer-overflow',
  'oversize',
  'closed',
  'policy',
]);

/** The fate of one line. */
export type LineFate = 'pending' | 'delivered' | 'dropped' | 'lost-in-flight';

/**
 * What the ledger learns delivery from: a receiver's live reports (`receiver`), a list of the
 * lines a receiver wrote, given after the run to {@link Ledger.reconcileLines} (`lines`), or
 * nothing (`none`: delivery unknown).
 */
export type LedgerEvidence = 'receiver' | 'lines' | 'none';

/** All evidence kinds. */
export const LEDGER_EVIDENCE: readonly LedgerEvidence[] = Object.freeze(['receiver', 'lines', 'none']);

/** What {@link Ledger.reconcileLines} found. */
export interface ReconcileReport {
  /** Non-empty lines read. */
  readonly received: number;
  /** Lines matched to a line the appliance sent (a line received twice counts twice). */
  readonly matched: number;
  /**
   * Lines that match nothing sent: logfile headers and trailers (not ledger lines), other
   * senders' lines, or lines the receiver changed (a template that rewrote them).
   */
  readonly unmatched: number;
}

/** Options of {@link Ledger.reconcileLines}. */
export interface ReconcileOptions {
  /**
   * Turns one line of the receiver's output into the syslog message as sent (`<PRI>Mmm dd …`);
   * return `undefined` to skip the line. The default takes the line as is (rsyslog's
   * `%rawmsg%` template), without a trailing `\r`.
   * @default the line itself
   */
  readonly extract?: (line: string) => string | undefined;
}

/** Characters of a UDP datagram compared when matching it to what was sent. */
export const UDP_MATCH_CHARS = 512;

/** The receiver side of the ledger: what a receiver reports as messages arrive. */
export interface DeliveryObserver {
  /** A message was decoded from the wire (before any receiver-side fault altered it). */
  messageReceived(event: MessageReceivedEvidence): void;
  /**
   * Optional, TCP only: a run of `count` consecutive messages of one connection arrived at the
   * same time; `event` is the evidence of the run's last message (its `streamEnd`). A receiver
   * that finds this method calls it once per run instead of
   * {@link DeliveryObserver.messageReceived} for each message (the ledger only needs the
   * furthest stream offset); one that does not find it calls `messageReceived` per message.
   */
  messagesReceived?(event: MessageReceivedEvidence, count: number): void;
  /** The receiver's side of a TCP connection ended; it will report nothing more for it. */
  connectionEnded(event: ConnectionEndedEvidence): void;
  /** The receiver started listening (optional; see {@link DeliveryObserver.receiverClosed}). */
  receiverListening?(event: ReceiverEvidence): void;
  /**
   * The receiver closed: it will report nothing more, for any connection or datagram (optional).
   * When the last receiver that reported listening has closed, the ledger resolves as not
   * delivered what only a receiver could still have confirmed: the lines of TCP connections it
   * never reported (reset or lost before it accepted them) and UDP datagrams it never matched.
   */
  receiverClosed?(event: ReceiverEvidence): void;
}

/** Evidence of a receiver's lifecycle. */
export interface ReceiverEvidence {
  /** Receiver clock time (ms). */
  readonly at: number;
}

/** Evidence of one received message. */
export interface MessageReceivedEvidence {
  /** Receiver clock time (ms). */
  readonly at: number;
  /** `tcp` or `udp`. */
  readonly protocol: 'tcp' | 'udp';
  /** The peer's endpoint key (`endpointKey(address, port)`): the sender's local endpoint. */
  readonly key: string;
  /** The receiver's id for the TCP connection (any number for UDP). */
  readonly connectionId: number;
  /** TCP: stream bytes consumed through the end of this frame. */
  readonly streamEnd?: number;
  /** UDP: the datagram's text. */
  readonly text?: string;
}

/** Evidence that a receiver's connection ended. */
export interface ConnectionEndedEvidence {
  /** Receiver clock time (ms). */
  readonly at: number;
  /** The peer's endpoint key. */
  readonly key: string;
  /** The receiver's id for the connection. */
  readonly connectionId: number;
}

/** A run of consecutive line ids [from, to). */
export interface IdRun {
  readonly from: number;
  readonly to: number;
}

/** A sender connection as the ledger knows it. */
export interface LedgerConnectionRef {
  /** The sender's local endpoint key (`ConnectionInfo.key`). */
  readonly key: string;
  /** The sender's connection id (`ConnectionInfo.id`). */
  readonly id: number;
  /** `tcp` or `udp`. */
  readonly protocol: 'tcp' | 'udp';
  /** TCP framing. @default 'lf' */
  readonly framing?: Framing;
}

/** One send attempt of a batch of ledger lines, as the sender reports it. */
export interface AttemptReport {
  /** The connection the batch was written to. */
  readonly connection: LedgerConnectionRef;
  /** The ids of the batch's lines, in the order they were framed. */
  readonly ids: readonly IdRun[];
  /**
   * Per line, its frame's end: the stream offset just past the frame (TCP) or the datagram
   * index + 1 (UDP). Only ledger lines (a logfile header sent first is not one).
   */
  readonly frameEnds: ArrayLike<number>;
  /** Whether the sender saw the write succeed. */
  readonly outcome: 'sent' | 'failed';
  /** Sender clock time of the attempt (ms). */
  readonly at: number;
  /** Per line, when it was written to the log (ms), for delivery-delay statistics. */
  readonly times?: ArrayLike<number>;
  /**
   * Per line, the message text as sent (only its first {@link UDP_MATCH_CHARS} chars are kept).
   * Required for UDP and with evidence `lines`.
   */
  readonly texts?: readonly string[];
}

/** Counts of the ledger (summed over streams, or for one stream). */
export interface LedgerCounts {
  /** Lines queued for forwarding. */
  readonly generated: number;
  /**
   * Lines the receiver got at least once; `null` when delivery is unknown. (With evidence
   * `lines`, sent lines stay pending until {@link Ledger.reconcileLines}.)
   */
  readonly delivered: number | null;
  /** Lines the receiver got more than once (included in `delivered`); `null` when unknown. */
  readonly duplicated: number | null;
  /** Lines the sender gave up on (never delivered, when known). */
  readonly dropped: number;
  /** `dropped` by reason. */
  readonly droppedByReason: Readonly<Record<DropReason, number>>;
  /** Lines written successfully and never received; `null` when unknown. */
  readonly lostInFlight: number | null;
  /** Lines not decided yet; `null` when delivery is unknown. */
  readonly pending: number | null;
  /** Lines whose last write succeeded (whatever the receiver did). */
  readonly sent: number;
  /** Lines waiting to be sent (queued or held in a buffer). */
  readonly queued: number;
  /** What delivery is known from. */
  readonly evidence: LedgerEvidence;
}

/** Delivery-delay statistics (time from being logged to being received). */
export interface DelayStats {
  /** Lines measured. */
  readonly count: number;
  /** Median, ms (upper bound of its histogram bucket, ≤ 19 % above the true value). */
  readonly p50Ms: number | null;
  /** 99th percentile, ms (same precision). */
  readonly p99Ms: number | null;
  /** Largest delay seen, ms (exact). */
  readonly maxMs: number | null;
}

/** One run of lines with the same fate, for reports. */
export interface FateRun {
  /** First id. */
  readonly from: number;
  /** One past the last id. */
  readonly to: number;
  /** The fate. */
  readonly fate: LineFate;
  /** For `dropped`: why. */
  readonly reason?: DropReason;
  /** How many times the receiver got each line (0, 1, or 2 for "more than once"). */
  readonly deliveries: 0 | 1 | 2;
}

type Status = 'queued' | 'sending' | 'failed' | 'sent' | 'given-up';

interface LineState {
  readonly status: Status;
  readonly reason: DropReason | undefined;
  /** 0, 1, or 2 for "more than once". */
  readonly delivered: 0 | 1 | 2;
  /** Attempts of this line still waiting for receiver evidence. */
  readonly open: number;
}

const stateCache = new Map<string, LineState>();

function state(status: Status, reason: DropReason | undefined, delivered: 0 | 1 | 2, open: number): LineState {
  const key = `${status}|${reason ?? ''}|${delivered}|${open}`;
  let value = stateCache.get(key);
  if (!value) {
    value = Object.freeze({ status, reason, delivered, open });
    stateCache.set(key, value);
  }
  return value;
}

const QUEUED = state('queued', undefined, 0, 0);

function fateOf(s: LineState, evidence: LedgerEvidence): LineFate {
  if (s.status === 'queued' || s.status === 'sending' || s.status === 'failed') return 'pending';
  if (evidence === 'none') return s.status === 'given-up' ? 'dropped' : 'pending';
  if (s.open > 0) return 'pending';
  if (s.delivered > 0) return 'delivered';
  return s.status === 'given-up' ? 'dropped' : 'lost-in-flight';
}

/** Delay histogram: bucket k holds delays in (B^(k-1), B^k] ms, B = 2^(1/4). */
class DelayHistogram {
  static readonly #base = 2 ** 0.25;
  readonly #buckets = new Float64Array(160);
  #count = 0;
  #max = 0;
  /** The last delay added and its bucket: the lines of a batch arrive together and were mostly written in the same ms. */
  #lastDelay = 0;
  #lastBucket = 0;

  add(delayMs: number): void {
    const d = delayMs > 0 ? delayMs : 0;
    let k = this.#lastBucket;
    if (d !== this.#lastDelay) {
      k = d <= 1 ? 0 : Math.min(159, Math.ceil(Math.log2(d) * 4));
      this.#lastDelay = d;
      this.#lastBucket = k;
    }
    this.#buckets[k] = (this.#buckets[k] as number) + 1;
    this.#count++;
    if (d > this.#max) this.#max = d;
  }

  stats(): DelayStats {
    if (this.#count === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
    return { count: this.#count, p50Ms: this.#quantile(0.5), p99Ms: this.#quantile(0.99), maxMs: this.#max };
  }

  #quantile(q: number): number {
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let k = 0; k < this.#buckets.length; k++) {
      seen += this.#buckets[k] as number;
      if (seen >= rank) return Math.min(this.#max, k === 0 ? 1 : Math.round(DelayHistogram.#base ** k));
    }
    return this.#max;
  }
}

interface Attempt {
  readonly stream: LedgerStream;
  readonly ids: readonly IdRun[];
  readonly frameEnds: ArrayLike<number>;
  readonly times: ArrayLike<number> | undefined;
  /** TCP: leading lines confirmed. */
  confirmed: number;
  /** TCP: leading lines already recorded as delivered. */
  resolved: number;
  /** UDP: per line, 1 when matched. */
  readonly matched: Uint8Array | undefined;
  /** UDP: lines not matched or expired yet. */
  outstanding: number;
  readonly at: number;
}

interface UdpEntry {
  readonly attempt: Attempt;
  readonly index: number;
  readonly hash: number;
  readonly prefix: string;
  readonly sentAt: number;
  done: boolean;
}

interface ConnectionRecord {
  readonly key: string;
  protocol: 'tcp' | 'udp';
  lfAdjust: number;
  senderId: number | undefined;
  receiverId: number | undefined;
  senderEnded: boolean;
  receiverEnded: boolean;
  receivedEnd: number;
  lastReceivedAt: number;
  readonly attempts: Attempt[];
  readonly udp: UdpEntry[];
  udpHead: number;
  /** Outstanding datagrams by the hash of their prefix, oldest first. */
  readonly udpByHash: Map<number, UdpEntry[]>;
  /** UDP datagrams that arrived before the sender registered them (or that match nothing). */
  readonly unmatched: { readonly hash: number; readonly prefix: string; readonly at: number }[];
}

/** How many unmatched datagrams a UDP record remembers. */
const UDP_UNMATCHED_LIMIT = 1024;


/** Options of {@link Ledger}. */
export interface LedgerOptions {
  /**
   * Where delivery is known from. `receiver`: a receiver reports every message through
   * {@link Ledger.observer} (exact). `lines`: the ledger keeps the text of every line sent and
   * learns delivery from the receiver's output, given to {@link Ledger.reconcileLines} after the
   * run (memory grows with the lines sent until then). `none`: delivery is unknown; the ledger
   * counts what the sender knows (sent, dropped) and reports `delivered`, `lostInFlight` and
   * `pending` as `null`.
   * @default 'none'
   */
  evidence?: LedgerEvidence;
}

/**
 * The fate of every line of every subscription. Create one per appliance (it does so itself),
 * give its {@link observer} to the receiver, read {@link counts}.
 *
 * @example
 * ```ts
 * const ledger = new Ledger({ evidence: 'receiver' });
 * const server = new SyslogServer({ protocol: 'tcp', observers: [ledger.observer] });
 * // … run …
 * const { generated, delivered, dropped, lostInFlight, pending } = ledger.counts();
 * ```
 */
export class Ledger {
  /** Where delivery is known from. */
  readonly evidence: LedgerEvidence;
  readonly #streams = new Map<string, LedgerStream>();
  readonly #connections = new Map<string, ConnectionRecord[]>();
  readonly #histogram = new DelayHistogram();
  /** Receivers listening now, as reported through the observer. */
  #receivers = 0;
  /** Evidence `lines`: the one record of every line sent, until {@link reconcileLines}. */
  #linesRecord: ConnectionRecord | undefined;

  /** The receiver side: pass it to a `SyslogServer` (its `observers` option). */
  readonly observer: DeliveryObserver;

  constructor(options: LedgerOptions = {}) {
    const evidence = options.evidence ?? 'none';
    if (!LEDGER_EVIDENCE.includes(evidence)) {
      throw new EsaError('ESA_ERR_INVALID_OPTION', `evidence must be one of ${LEDGER_EVIDENCE.join(', ')}; got ${JSON.stringify(evidence)}`);
    }
    this.evidence = evidence;
    this.observer = Object.freeze({
      messageReceived: (event: MessageReceivedEvidence) => this.#messageReceived(event),
      // The ledger needs only the furthest offset of a run of TCP messages.
      messagesReceived: (event: MessageReceivedEvidence) => this.#messageReceived(event),
      connectionEnded: (event: ConnectionEndedEvidence) => this.#receiverEnded(event),
      receiverListening: () => {
        this.#receivers++;
      },
      receiverClosed: () => this.#receiverClosed(),
    });
  }

  /** The stream for one subscription (created on first use). */
  stream(name: string): LedgerStream {
    let stream = this.#streams.get(name);
    if (!stream) {
      stream = new LedgerStream(this, name);
      this.#streams.set(name, stream);
    }
    return stream;
  }

  /** All streams, in creation order. */
  get streams(): readonly LedgerStream[] {
    return [...this.#streams.values()];
  }

  /** The counts summed over every stream. */
  counts(): LedgerCounts {
    this.flush();
    return sumCounts([...this.#streams.values()].map((stream) => stream.counts()), this.evidence);
  }

  /** Delivery delay statistics over every delivered line. */
  delays(): DelayStats {
    return this.#histogram.stats();
  }

  /**
   * Resolves outstanding UDP datagrams sent before `beforeMs` as not delivered (a receiver on
   * the same machine has had its chance). The appliance calls it on every push tick.
   */
  settleDatagrams(beforeMs: number): void {
    if (this.evidence === 'lines') return; // the receiver's output decides, later
    for (const records of this.#connections.values()) {
      for (const record of records) {
        if (record.protocol !== 'udp') continue;
        for (let i = record.udpHead; i < record.udp.length; i++) {
          const entry = record.udp[i] as UdpEntry;
          if (entry.sentAt >= beforeMs) break;
          if (!entry.done) this.#finishUdpEntry(record, entry, false, 0);
        }
        this.#compactUdp(record);
      }
    }
    this.#collect();
  }

  /**
   * Records as delivered the lines that open TCP attempts already have confirmed (they are
   * otherwise recorded in bulk when the attempt completes or its connection ends). Called by
   * {@link counts} and the stream's queries.
   */
  flush(): void {
    for (const records of this.#connections.values()) {
      for (const record of records) {
        for (const attempt of record.attempts) {
          if (attempt.confirmed > attempt.resolved) {
            attempt.stream.resolveAttempt(attempt.ids, attempt.resolved, attempt.confirmed, true);
            attempt.resolved = attempt.confirmed;
          }
        }
      }
    }
  }

  /**
   * Evidence `lines`: decides the fate of every line sent so far from what a receiver wrote (an
   * rsyslog output file with the `%rawmsg%` template, a SIEM export): each received line is
   * matched to the earliest line sent with the same text that is not matched yet (a line received
   * twice after a retry is `duplicated`); sent lines left unmatched are `lostInFlight` (the
   * sender saw the write succeed) or `dropped` (the sender gave them up). Call it once the
   * appliance has closed: a line sent later stays `pending`.
   *
   * Text matching cannot tell apart two lines with the same text (same time, same content):
   * which of them arrived is decided in sending order.
   *
   * @param lines - the receiver's lines (an array, or any iterable such as a file split on `\n`).
   * @throws EsaError `ESA_ERR_INVALID_OPTION` when the ledger's evidence is not `lines`.
   * @example
   * ```ts
   * const appliance = new Appliance({ evidence: 'lines' });
   * // … push to rsyslog, close the appliance …
   * const report = appliance.ledger.reconcileLines(readFileSync('out.log', 'utf8').split('\n'));
   * const { delivered, lostInFlight } = appliance.ledger.counts();
   * ```
   */
  reconcileLines(lines: Iterable<string>, options: ReconcileOptions = {}): ReconcileReport {
    if (this.evidence !== 'lines') {
      throw new EsaError('ESA_ERR_INVALID_OPTION', `reconcileLines needs a ledger with evidence 'lines'; this one has evidence '${this.evidence}'`);
    }
    const extract = options.extract ?? ((line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    if (typeof extract !== 'function') throw new EsaError('ESA_ERR_INVALID_OPTION', `extract must be a function; got ${typeof extract}`);
    let received = 0;
    let matched = 0;
    const record = this.#linesRecord;
    for (const line of lines) {
      if (typeof line !== 'string') throw new EsaError('ESA_ERR_INVALID_OPTION', `lines must be strings; got ${typeof line} at line ${received + 1}`);
      const text = line === '' ? undefined : extract(line);
      if (text === undefined || text === '') continue;
      received++;
      if (record && this.#matchSent(record, text.slice(0, UDP_MATCH_CHARS))) matched++;
    }
    if (record) {
      for (let i = record.udpHead; i < record.udp.length; i++) {
        const entry = record.udp[i] as UdpEntry;
        if (!entry.done) this.#finishUdpEntry(record, entry, false, Number.NaN);
      }
      this.#linesRecord = undefined;
      this.#connections.delete(record.key);
    }
    return { received, matched, unmatched: received - matched };
  }

  /** Evidence `lines`: matches a received text to the earliest unmatched sent line (false: none). */
  #matchSent(record: ConnectionRecord, prefix: string): boolean {
    const same = record.udpByHash.get(hashString(prefix));
    if (same === undefined) return false;
    for (const entry of same) {
      if (entry.prefix !== prefix) continue;
      this.#finishUdpEntry(record, entry, true, Number.NaN);
      return true;
    }
    return false;
  }

  /** How many sender connections the ledger is tracking (for leak checks). */
  get trackedConnections(): number {
    let count = 0;
    for (const records of this.#connections.values()) count += records.length;
    return count;
  }

  /** @internal */
  registerAttempt(stream: LedgerStream, report: AttemptReport): void {
    if (this.evidence === 'none') return;
    // Evidence `lines`: every sent line waits in one record, matched by text like a datagram.
    const record = this.evidence === 'lines' ? (this.#linesRecord ??= this.#newRecord('lines', 'udp')) : this.#senderRecord(report.connection);
    const count = report.frameEnds.length;
    const attempt: Attempt = {
      stream,
      ids: report.ids,
      frameEnds: report.frameEnds,
      times: report.times,
      confirmed: 0,
      resolved: 0,
      matched: record.protocol === 'udp' ? new Uint8Array(count) : undefined,
      outstanding: count,
      at: report.at,
    };
    if (count === 0) return;
    if (record.protocol === 'udp') {
      const texts = report.texts as readonly string[];
      for (let i = 0; i < count; i++) {
        const prefix = (texts[i] as string).slice(0, UDP_MATCH_CHARS);
        const entry: UdpEntry = { attempt, index: i, hash: hashString(prefix), prefix, sentAt: report.at, done: false };
        record.udp.push(entry);
        const same = record.udpByHash.get(entry.hash);
        if (same === undefined) record.udpByHash.set(entry.hash, [entry]);
        else same.push(entry);
      }
      if (record.unmatched.length > 0) {
        const early = record.unmatched.splice(0);
        for (const datagram of early) this.#matchDatagram(record, datagram.hash, datagram.prefix, datagram.at);
      }
      return;
    }
    record.attempts.push(attempt);
    this.#advanceTcp(record, record.lastReceivedAt);
    if (record.receiverEnded) this.#endTcpAttempts(record);
  }

  /** @internal */
  senderConnectionEnded(connection: LedgerConnectionRef): void {
    if (this.evidence !== 'receiver') return;
    // Kept even when no attempt was reported on it yet: one may still come (a failed write is
    // reported after the transport's reset event), and without the end its record stays forever.
    const record = this.#senderRecord(connection);
    record.senderEnded = true;
    this.#collect(record);
  }

  #senderRecord(connection: LedgerConnectionRef): ConnectionRecord {
    const bound = this.#findRecord(connection.key, (r) => r.senderId === connection.id);
    if (bound) return bound;
    const unbound = this.#findRecord(connection.key, (r) => r.senderId === undefined);
    const record = unbound ?? this.#newRecord(connection.key, connection.protocol);
    record.senderId = connection.id;
    record.protocol = connection.protocol;
    record.lfAdjust = connection.protocol === 'tcp' && (connection.framing ?? 'lf') === 'lf' ? 1 : 0;
    return record;
  }

  #receiverRecord(key: string, receiverId: number, protocol: 'tcp' | 'udp'): ConnectionRecord {
    if (protocol === 'udp') {
      // A UDP "connection" is the sender's socket: the newest record for the key.
      const records = this.#connections.get(key);
      const newest = records?.[records.length - 1];
      return newest ?? this.#newRecord(key, 'udp');
    }
    // Once per received message: plain loops, no predicate closures.
    const records = this.#connections.get(key);
    let unbound: ConnectionRecord | undefined;
    if (records) {
      for (const r of records) if (r.receiverId === receiverId) return r;
      for (const r of records) {
        if (r.receiverId === undefined && !r.receiverEnded) {
          unbound = r;
          break;
        }
      }
    }
    const record = unbound ?? this.#newRecord(key, protocol);
    record.receiverId = receiverId;
    return record;
  }

  #findRecord(key: string, predicate: (record: ConnectionRecord) => boolean): ConnectionRecord | undefined {
    const records = this.#connections.get(key);
    if (!records) return undefined;
    for (const record of records) if (predicate(record)) return record;
    return undefined;
  }

  #newRecord(key: string, protocol: 'tcp' | 'udp'): ConnectionRecord {
    const record: ConnectionRecord = {
      key,
      protocol,
      lfAdjust: protocol === 'tcp' ? 1 : 0,
      senderId: undefined,
      receiverId: undefined,
      senderEnded: false,
      receiverEnded: false,
      receivedEnd: 0,
      lastReceivedAt: 0,
      attempts: [],
      udp: [],
      udpHead: 0,
      udpByHash: new Map(),
      unmatched: [],
    };
    let records = this.#connections.get(key);
    if (!records) {
      records = [];
      this.#connections.set(key, records);
    }
    records.push(record);
    return record;
  }

  #messageReceived(event: MessageReceivedEvidence): void {
    if (this.evidence !== 'receiver') return;
    if (event.protocol === 'udp') {
      this.#datagramReceived(event);
      return;
    }
    const record = this.#receiverRecord(event.key, event.connectionId, 'tcp');
    const end = event.streamEnd ?? 0;
    if (end > record.receivedEnd) record.receivedEnd = end;
    record.lastReceivedAt = event.at;
    this.#advanceTcp(record, event.at);
  }

  #advanceTcp(record: ConnectionRecord, at: number): void {
    const attempts = record.attempts;
    let removed = 0;
    for (const attempt of attempts) {
      const ends = attempt.frameEnds;
      let confirmed = attempt.confirmed;
      const limit = record.receivedEnd + record.lfAdjust;
      while (confirmed < ends.length && (ends[confirmed] as number) <= limit) {
        if (attempt.times) this.#histogram.add(at - (attempt.times[confirmed] as number));
        confirmed++;
      }
      attempt.confirmed = confirmed;
      if (confirmed < ends.length) break;
      attempt.stream.resolveAttempt(attempt.ids, attempt.resolved, ends.length, true);
      attempt.resolved = ends.length;
      removed++;
    }
    if (removed > 0) attempts.splice(0, removed);
  }

  #receiverEnded(event: ConnectionEndedEvidence): void {
    if (this.evidence !== 'receiver') return;
    const record = this.#receiverRecord(event.key, event.connectionId, 'tcp');
    record.receiverEnded = true;
    this.#endTcpAttempts(record);
    this.#collect(record);
  }

  /** No receiver is left to report anything: what none reported was not delivered. */
  #receiverClosed(): void {
    if (this.evidence !== 'receiver') return;
    if (this.#receivers > 0) this.#receivers--;
    if (this.#receivers > 0) return;
    for (const records of this.#connections.values()) {
      for (const record of records) {
        if (record.protocol === 'udp') {
          for (let i = record.udpHead; i < record.udp.length; i++) {
            const entry = record.udp[i] as UdpEntry;
            if (!entry.done) this.#finishUdpEntry(record, entry, false, 0);
          }
          this.#compactUdp(record);
          continue;
        }
        // Also settles attempts reported on it later: no receiver will ever see this connection.
        record.receiverEnded = true;
        this.#endTcpAttempts(record);
      }
    }
    this.#collect();
  }

  #endTcpAttempts(record: ConnectionRecord): void {
    for (const attempt of record.attempts) {
      const n = attempt.frameEnds.length;
      if (attempt.confirmed > attempt.resolved) attempt.stream.resolveAttempt(attempt.ids, attempt.resolved, attempt.confirmed, true);
      if (attempt.confirmed < n) attempt.stream.resolveAttempt(attempt.ids, attempt.confirmed, n, false);
      attempt.resolved = n;
    }
    record.attempts.length = 0;
  }

  #datagramReceived(event: MessageReceivedEvidence): void {
    const record = this.#receiverRecord(event.key, event.connectionId, 'udp');
    const prefix = (event.text ?? '').slice(0, UDP_MATCH_CHARS);
    this.#matchDatagram(record, hashString(prefix), prefix, event.at);
  }

  #matchDatagram(record: ConnectionRecord, hash: number, prefix: string, at: number): void {
    // The earliest outstanding datagram with this text, however many lost ones were sent before
    // it (a bounded scan from the oldest outstanding one missed matches behind 4096 losses).
    const same = record.udpByHash.get(hash);
    if (same !== undefined) {
      for (const entry of same) {
        if (entry.prefix !== prefix) continue;
        this.#finishUdpEntry(record, entry, true, at);
        this.#compactUdp(record);
        return;
      }
    }
    record.unmatched.push({ hash, prefix, at });
    if (record.unmatched.length > UDP_UNMATCHED_LIMIT) record.unmatched.shift();
  }

  #finishUdpEntry(record: ConnectionRecord, entry: UdpEntry, delivered: boolean, at: number): void {
    entry.done = true;
    const same = record.udpByHash.get(entry.hash);
    if (same !== undefined) {
      const index = same.indexOf(entry);
      if (index >= 0) same.splice(index, 1);
      if (same.length === 0) record.udpByHash.delete(entry.hash);
    }
    const attempt = entry.attempt;
    if (delivered) {
      (attempt.matched as Uint8Array)[entry.index] = 1;
      // A line of a receiver's output file carries no arrival time: no delay is measured.
      if (attempt.times && !Number.isNaN(at)) this.#histogram.add(at - (attempt.times[entry.index] as number));
    }
    attempt.outstanding--;
    if (attempt.outstanding > 0) return;
    // Resolve the whole attempt as runs of matched / unmatched lines.
    const matched = attempt.matched as Uint8Array;
    let runStart = 0;
    for (let i = 1; i <= matched.length; i++) {
      if (i === matched.length || matched[i] !== matched[runStart]) {
        attempt.stream.resolveAttempt(attempt.ids, runStart, i, matched[runStart] === 1);
        runStart = i;
      }
    }
  }

  #compactUdp(record: ConnectionRecord): void {
    while (record.udpHead < record.udp.length && (record.udp[record.udpHead] as UdpEntry).done) record.udpHead++;
    if (record.udpHead > 1024 && record.udpHead * 2 > record.udp.length) {
      record.udp.splice(0, record.udpHead);
      record.udpHead = 0;
    }
  }

  /** Drops records that can learn nothing more. */
  #collect(only?: ConnectionRecord): void {
    const keys = only ? [only.key] : [...this.#connections.keys()];
    for (const key of keys) {
      const records = this.#connections.get(key);
      if (!records) continue;
      const kept = records.filter((record) => {
        if (record.protocol === 'udp') return !(record.senderEnded && record.udpHead >= record.udp.length);
        return !(record.senderEnded && record.receiverEnded && record.attempts.length === 0);
      });
      if (kept.length === 0) this.#connections.delete(key);
      else if (kept.length !== records.length) this.#connections.set(key, kept);
    }
  }
}

/**
 * The ledger of one subscription: line ids from 0 in the order lines were queued.
 */
export class LedgerStream {
  /** The subscription's name. */
  readonly name: string;
  readonly #ledger: Ledger;
  readonly #lines = new RunMap<LineState>();
  readonly #perState = new Map<LineState, number>();

  /** @internal use {@link Ledger.stream} */
  constructor(ledger: Ledger, name: string) {
    this.#ledger = ledger;
    this.name = name;
  }

  /** Where the stream's ledger learns delivery from. */
  get evidence(): LedgerEvidence {
    return this.#ledger.evidence;
  }

  /** How many lines have been queued (the next id). */
  get generated(): number {
    return this.#lines.end;
  }

  /** How many runs the stream stores (memory grows with this, not with lines). */
  get runCount(): number {
    return this.#lines.runCount;
  }

  /** Queues `count` new lines; returns the first id. */
  generate(count: number): number {
    const first = this.#lines.end;
    if (count <= 0) return first;
    this.#lines.append(count, QUEUED);
    this.#perState.set(QUEUED, (this.#perState.get(QUEUED) ?? 0) + count);
    return first;
  }

  /** Marks lines as being sent (taken from the queue into a batch). */
  sending(ids: readonly IdRun[]): void {
    this.#apply(ids, (s) => state('sending', undefined, s.delivered, s.open));
  }

  /**
   * Records a send attempt: the lines were written (`outcome: 'sent'`) or the write failed
   * (`'failed'`; call {@link requeue} or {@link giveUp} for them next).
   */
  attempt(report: AttemptReport): void {
    const count = countIds(report.ids);
    if (count !== report.frameEnds.length) {
      throw new EsaError('ESA_ERR_INTERNAL', `an attempt reports ${count} ids but ${report.frameEnds.length} frame ends`);
    }
    if ((report.connection.protocol === 'udp' || this.#ledger.evidence === 'lines') && report.texts?.length !== count) {
      throw new EsaError('ESA_ERR_INTERNAL', 'a UDP attempt, or any attempt with evidence lines, must report the text of every line');
    }
    const open = this.#ledger.evidence !== 'none' && count > 0 ? 1 : 0;
    const status: Status = report.outcome === 'sent' ? 'sent' : 'failed';
    this.#apply(report.ids, (s) => state(status, undefined, s.delivered, s.open + open));
    this.#ledger.registerAttempt(this, report);
  }

  /** Puts lines back in the queue (a buffer policy keeps them for the next push). */
  requeue(ids: readonly IdRun[]): void {
    this.#apply(ids, (s) => state('queued', undefined, s.delivered, s.open));
  }

  /** The sender gives the lines up: their fate is `dropped` unless the receiver got them. */
  giveUp(ids: readonly IdRun[], reason: DropReason): void {
    this.#apply(ids, (s) => state('given-up', reason, s.delivered, s.open));
  }

  /** The sender's side of a connection ended (closed, reset, replaced). */
  connectionEnded(connection: LedgerConnectionRef): void {
    this.#ledger.senderConnectionEnded(connection);
  }

  /** @internal receiver evidence for lines [fromIndex, toIndex) of an attempt */
  resolveAttempt(ids: readonly IdRun[], fromIndex: number, toIndex: number, delivered: boolean): void {
    const runs = sliceRuns(ids, fromIndex, toIndex);
    this.#apply(runs, (s) => state(s.status, s.reason, delivered ? (s.delivered >= 1 ? 2 : 1) : s.delivered, Math.max(0, s.open - 1)));
  }

  /** The fate of line `id`, or `undefined` for an unknown id. */
  fateOf(id: number): LineFate | undefined {
    this.#ledger.flush();
    const s = this.#lines.get(id);
    return s && fateOf(s, this.#ledger.evidence);
  }

  /** Runs of lines with the same fate, in id order (neighbouring runs with equal fate merged). */
  *fates(from = 0, to = this.#lines.end): Generator<FateRun> {
    this.#ledger.flush();
    let pending: FateRun | undefined;
    for (const run of this.#lines.runs(from, to) as Generator<Run<LineState>>) {
      const fate = fateOf(run.value, this.#ledger.evidence);
      const reason = fate === 'dropped' ? run.value.reason : undefined;
      const deliveries = run.value.delivered;
      if (pending && pending.fate === fate && pending.reason === reason && pending.deliveries === deliveries && pending.to === run.from) {
        pending = { ...pending, to: run.to };
        continue;
      }
      if (pending) yield pending;
      pending = { from: run.from, to: run.to, fate, deliveries, ...(reason === undefined ? {} : { reason }) };
    }
    if (pending) yield pending;
  }

  /** This stream's counts. */
  counts(): LedgerCounts {
    this.#ledger.flush();
    const evidence = this.#ledger.evidence;
    let generated = 0;
    let delivered = 0;
    let duplicated = 0;
    let lost = 0;
    let pending = 0;
    let sent = 0;
    let queued = 0;
    const byReason = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
    for (const [s, count] of this.#perState) {
      if (count === 0) continue;
      generated += count;
      if (s.status === 'sent') sent += count;
      if (s.status === 'queued') queued += count;
      const fate = fateOf(s, evidence);
      if (fate === 'delivered') {
        delivered += count;
        if (s.delivered >= 2) duplicated += count;
      } else if (fate === 'dropped') byReason[s.reason ?? 'policy'] += count;
      else if (fate === 'lost-in-flight') lost += count;
      else pending += count;
    }
    const dropped = DROP_REASONS.reduce((sum, reason) => sum + byReason[reason], 0);
    const known = evidence !== 'none';
    return {
      generated,
      delivered: known ? delivered : null,
      duplicated: known ? duplicated : null,
      dropped,
      droppedByReason: byReason,
      lostInFlight: known ? lost : null,
      pending: known ? pending : null,
      sent,
      queued,
      evidence,
    };
  }

  #apply(ids: readonly IdRun[], update: (s: LineState) => LineState): void {
    const perState = this.#perState;
    const onChange = (old: LineState, next: LineState, count: number): void => {
      perState.set(old, (perState.get(old) ?? 0) - count);
      perState.set(next, (perState.get(next) ?? 0) + count);
    };
    for (const run of ids) this.#lines.update(run.from, run.to, update, onChange);
  }
}

/** The id runs covering positions [fromIndex, toIndex) of a batch whose ids are `ids`. */
export function sliceRuns(ids: readonly IdRun[], fromIndex: number, toIndex: number): IdRun[] {
  const out: IdRun[] = [];
  let position = 0;
  for (const run of ids) {
    const length = run.to - run.from;
    const start = Math.max(fromIndex, position);
    const stop = Math.min(toIndex, position + length);
    if (start < stop) out.push({ from: run.from + (start - position), to: run.from + (stop - position) });
    position += length;
    if (position >= toIndex) break;
  }
  return out;
}

/** The number of ids in `runs`. */
export function countIds(runs: readonly IdRun[]): number {
  let count = 0;
  for (const run of runs) count += run.to - run.from;
  return count;
}

function sumCounts(all: readonly LedgerCounts[], evidence: LedgerEvidence): LedgerCounts {
  const known = evidence !== 'none';
  const byReason = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
  let generated = 0;
  let delivered = 0;
  let duplicated = 0;
  let dropped = 0;
  let lost = 0;
  let pending = 0;
  let sent = 0;
  let queued = 0;
  for (const c of all) {
    generated += c.generated;
    delivered += c.delivered ?? 0;
    duplicated += c.duplicated ?? 0;
    dropped += c.dropped;
    lost += c.lostInFlight ?? 0;
    pending += c.pending ?? 0;
    sent += c.sent;
    queued += c.queued;
    for (const reason of DROP_REASONS) byReason[reason] += c.droppedByReason[reason];
  }
  return {
    generated,
    delivered: known ? delivered : null,
    duplicated: known ? duplicated : null,
    dropped,
    droppedByReason: byReason,
    lostInFlight: known ? lost : null,
    pending: known ? pending : null,
    sent,
    queued,
    evidence,
  };
}
