/**
 * One log subscription with Syslog Push: it queues the lines of its log type at or above its
 * level, pushes them as one batch per tick through a {@link Transport}, starts a new logfile on
 * every new TCP connection and on rollover, and handles failed pushes like the appliance does
 * (or as the chosen policy says).
 *
 * @module
 */

import { EventEmitter } from 'eventemitter3';
import { type Clock, type Timer } from '../clock/clock.js';
import { type AttemptedBatch, InvalidOptionError, isEsaError, NetworkError, isNetworkErrorCode } from '../core/errors.js';
import { connectFailedText, logErrorText } from '../core/esa-messages.js';
import type { IdRun, LedgerConnectionRef, LedgerStream } from '../core/ledger.js';
import type { LogRecord } from '../core/log-record.js';
import { logfileHeaderTexts, logfileTrailerTexts, type LogfileIdentity } from '../core/logfile.js';
import type { Random } from '../core/random.js';
import type { ResolvedSubscriptionOptions } from '../core/subscription-options.js';
import { SyslogFormatter } from '../core/syslog-format.js';
import { expectInteger, expectOneOf, parseDurationMs } from '../core/units.js';
import { type LogLevel, levelPasses } from '../core/vocabulary.js';
import { callListeners } from '../core/listeners.js';
import type { ConnectionInfo, SendReceipt, Transport } from '../transports/transport.js';
import { sendWithPolicy } from './retry-loop.js';
import type { PolicyDecision, ResolvedPolicy } from './policy.js';

/** When a connection the receiver closed or reset while the subscription was idle is noticed. */
export type IdleCloseDetection =
  /** As soon as the transport notices (it reads the socket): the error is logged at once. */
  | 'immediately'
  /** At the next push, whose write fails (the batch then goes through the policy). */
  | 'on-next-push';

/** The idle-close detection modes. */
export const IDLE_CLOSE_DETECTIONS: readonly IdleCloseDetection[] = Object.freeze(['immediately', 'on-next-push']);

/** Scheduler settings of a subscription (besides the Syslog Push settings). */
export interface SchedulerOptions {
  /**
   * Time between pushes, in ms or as a duration (`"1s"`). **Assumed**: the appliance pushes the
   * lines written since the last push about once a second.
   * @default 1000
   */
  pushIntervalMs?: number | string;
  /**
   * Most lines in one push; the rest wait for the next tick.
   * @default 10000
   */
  maxBatchLines?: number;
  /**
   * Roll the logfile over when it reaches this many bytes (formatted lines); 0 disables.
   * @default 10485760
   */
  rolloverBytes?: number;
  /**
   * Roll the logfile over after this time, in ms or as a duration; 0 disables.
   * @default 3600000
   */
  rolloverIntervalMs?: number | string;
  /**
   * When an idle connection closed or reset by the receiver is noticed (**assumed**:
   * `immediately`; the appliance's real timing is not documented).
   * @default 'immediately'
   */
  idleCloseDetection?: IdleCloseDetection;
}

/** Resolved {@link SchedulerOptions}. */
export interface ResolvedSchedulerOptions {
  readonly pushIntervalMs: number;
  readonly maxBatchLines: number;
  readonly rolloverBytes: number;
  readonly rolloverIntervalMs: number;
  readonly idleCloseDetection: IdleCloseDetection;
}

/** The keys of {@link SchedulerOptions}. */
export const SCHEDULER_OPTION_KEYS: readonly string[] = Object.freeze([
  'pushIntervalMs',
  'maxBatchLines',
  'rolloverBytes',
  'rolloverIntervalMs',
  'idleCloseDetection',
]);

/**
 * Validates and defaults {@link SchedulerOptions}.
 *
 * @throws InvalidOptionError naming the option.
 */
export function resolveSchedulerOptions(input: SchedulerOptions): ResolvedSchedulerOptions {
  const pushIntervalMs = parseDurationMs('pushIntervalMs', input.pushIntervalMs ?? 1000);
  if (pushIntervalMs < 1) throw new InvalidOptionError('pushIntervalMs', input.pushIntervalMs, 'a duration of at least 1 ms');
  return Object.freeze({
    pushIntervalMs,
    maxBatchLines: expectInteger('maxBatchLines', input.maxBatchLines ?? 10_000, 1, 10_000_000),
    rolloverBytes: expectInteger('rolloverBytes', input.rolloverBytes ?? 10_485_760, 0, 2 ** 40),
    rolloverIntervalMs: parseDurationMs('rolloverIntervalMs', input.rolloverIntervalMs ?? 3_600_000),
    idleCloseDetection: expectOneOf('idleCloseDetection', input.idleCloseDetection ?? 'immediately', IDLE_CLOSE_DETECTIONS),
  });
}

/** Payload of `push:sent`. */
export interface PushSentEvent {
  readonly at: number;
  readonly subscription: string;
  /** Log lines in the batch. */
  readonly lines: number;
  /** Logfile lines (header, trailer) in the batch, the new-connection header included. */
  readonly logfileLines: number;
  /** Bytes written. */
  readonly bytes: number;
  /** The connection. */
  readonly connection: ConnectionInfo;
  /** Whether the push opened that connection. */
  readonly isNewConnection: boolean;
  /** Which attempt of this batch succeeded (1 = the first). */
  readonly attempt: number;
}

/** Payload of `push:failed`: what the appliance logs as a Log Error. */
export interface PushFailedEvent {
  readonly at: number;
  readonly subscription: string;
  /** ESA's text: `Log Error: Subscription <name>: Network error while sending log data to syslog server`. */
  readonly message: string;
  /** The classified failure (`code`: `ESA_ERR_CONNECTION_RESET`, …). */
  readonly cause: NetworkError;
  /** Log lines of the failed batch (0 when the failure was noticed on an idle connection). */
  readonly linesAffected: number;
  /** Which attempt of the batch failed (1 = the first; 0 when idle). */
  readonly attempt: number;
  /** True when noticed while no push was in progress (an idle connection was reset or closed). */
  readonly isIdle: boolean;
  /** What the policy decided (`retry`, `keep`, `drop`); `undefined` when idle. */
  readonly decision: PolicyDecision['action'] | undefined;
}

/** Payload of `logfile:started`. */
export interface LogfileStartedEvent {
  readonly at: number;
  readonly subscription: string;
  /** Why: the first push, a new connection, or a rollover. */
  readonly reason: 'start' | 'connection' | 'rollover';
  /** The header lines as sent (formatted). */
  readonly lines: readonly string[];
}

/** Payload of `lines:dropped`. */
export interface LinesDroppedEvent {
  readonly at: number;
  readonly subscription: string;
  readonly count: number;
  readonly reason: 'network-error' | 'buffer-overflow' | 'oversize' | 'closed';
}

/** Events of a {@link Subscription}. */
export interface SubscriptionEvents {
  'push:sent': (event: PushSentEvent) => void;
  'push:failed': (event: PushFailedEvent) => void;
  'logfile:started': (event: LogfileStartedEvent) => void;
  'lines:dropped': (event: LinesDroppedEvent) => void;
}

/** Counters of a subscription. */
export interface SubscriptionStats {
  /** Lines queued for forwarding. */
  readonly linesQueued: number;
  /** Pushes that succeeded. */
  readonly pushes: number;
  /** Network errors (Log Errors). */
  readonly networkErrors: number;
  /** Logfiles started (headers sent). */
  readonly logfiles: number;
  /** Bytes written. */
  readonly bytes: number;
  /** Lines waiting in the queue now. */
  readonly queuedNow: number;
}

/** What the appliance gives a subscription. @internal */
export interface SubscriptionHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly identity: LogfileIdentity;
  /** Pulls attached generators up to now (idempotent for one instant). */
  pull(now: number): void;
  /** Called after the subscription emitted `push:failed`. */
  onNetworkError(event: PushFailedEvent): void;
}

/** In the queue's id column: a logfile line (trailer) to format when sent; not a ledger line. */
const LOGFILE_LINE = -1;
/** In the queue's id column: a logfile line formatted ahead (a rollover header): its record's text is the wire line. */
const FORMATTED_LOGFILE_LINE = -2;

/**
 * Lines taken from the queue for one push: per line its record and its ledger id (or a logfile
 * mark), in slots [0, count) of two arrays that a later push reuses once this one is over.
 */
interface Batch {
  readonly records: (LogRecord | undefined)[];
  /** Per record, its ledger id, or {@link LOGFILE_LINE} / {@link FORMATTED_LOGFILE_LINE}. */
  readonly ids: number[];
  count: number;
}

/**
 * A log subscription with Syslog Push. Create it with `Appliance.addSubscription()`.
 */
export class Subscription extends EventEmitter<SubscriptionEvents> {
  /** The Syslog Push settings. */
  readonly options: ResolvedSubscriptionOptions;
  /** The scheduler settings. */
  readonly scheduler: ResolvedSchedulerOptions;
  /** The retry policy. */
  readonly policy: ResolvedPolicy;
  /** The transport it pushes through. */
  readonly transport: Transport;
  /** Its ledger stream (fate of every line). */
  readonly ledger: LedgerStream;

  readonly #host: SubscriptionHost;
  readonly #formatter: SyslogFormatter;
  readonly #ownsTransport: boolean;
  // The queue is two columns, not an object per line (a push of 20,000 lines kept 20,000 entry
  // objects alive): slots [#head, #tail) are queued; the columns' length beyond #tail is capacity
  // kept for the next lines (record slots there are cleared), so a queue that fills and empties
  // every push does not grow its arrays again each time.
  #records: (LogRecord | undefined)[] = [];
  /** Per slot, the ledger id, or a logfile mark ({@link LOGFILE_LINE}, {@link FORMATTED_LOGFILE_LINE}). */
  #ids: number[] = [];
  #head = 0;
  #tail = 0;
  /**
   * The arrays of a finished push's batch, for the next one: a batch of 20,000 lines copied into
   * new arrays allocated two large objects per push (about 20 ns a line, more than the copy).
   */
  #spareBatch: Batch | undefined;
  #timer: Timer | undefined;
  #pushing: Promise<void> | undefined;
  #state: 'idle' | 'running' | 'closing' | 'closed' = 'idle';
  #closing: Promise<void> | undefined;
  #headerDue = true;
  #logfileStartedAt = Number.NaN;
  #logfileBytes = 0;
  #idleFailure: NetworkError | undefined;
  /** Connections that ended during the push in progress, told to the ledger after its attempt. */
  readonly #endedDuringPush: LedgerConnectionRef[] = [];
  #stats = { linesQueued: 0, pushes: 0, networkErrors: 0, logfiles: 0, bytes: 0 };
  readonly #onReset: (event: { at: number; connection: ConnectionInfo; error: NetworkError; isIdle: boolean }) => void;
  readonly #onClosed: (event: { at: number; connection: ConnectionInfo; by: 'local' | 'peer'; duringSend: boolean }) => void;

  /** @internal use `Appliance.addSubscription()` */
  constructor(
    host: SubscriptionHost,
    options: ResolvedSubscriptionOptions,
    scheduler: ResolvedSchedulerOptions,
    policy: ResolvedPolicy,
    transport: Transport,
    ownsTransport: boolean,
    ledger: LedgerStream,
  ) {
    super();
    this.#host = host;
    this.options = options;
    this.scheduler = scheduler;
    this.policy = policy;
    this.transport = transport;
    this.#ownsTransport = ownsTransport;
    this.ledger = ledger;
    this.#formatter = new SyslogFormatter(options, { utcOffsetSeconds: host.identity.utcOffsetSeconds });
    this.#onReset = (event) => {
      this.#connectionEnded(event.connection, !event.isIdle);
      if (event.isIdle) this.#idleTrouble(event.error, event.at);
    };
    this.#onClosed = (event) => {
      this.#connectionEnded(event.connection, event.duringSend);
      if (event.by === 'peer' && !event.duringSend) {
        this.#idleTrouble(
          this.#peerClosedError(event.connection),
          event.at,
        );
      }
    };
    transport.on('connection:reset', this.#onReset);
    transport.on('connection:closed', this.#onClosed);
  }

  /** The subscription's name (the syslog tag). */
  get name(): string {
    return this.options.name;
  }

  /** Counters. */
  get stats(): SubscriptionStats {
    return { ...this.#stats, queuedNow: this.#tail - this.#head };
  }

  /** Whether a line of `logType` at `level` goes to this subscription. */
  accepts(logType: string, level: LogLevel): boolean {
    return logType === this.options.type && levelPasses(level, this.options.level);
  }

  /**
   * @internal queues a record of this subscription's log type (the appliance filters). Returns
   * whether listeners ran (the queue's bound dropped lines), i.e. whether user code may have
   * changed anybody's listeners.
   */
  enqueue(record: LogRecord): boolean {
    if (this.#state === 'closed') return false;
    const id = this.ledger.generate(1);
    this.#append(record, id);
    this.#stats.linesQueued++;
    return this.#enforceBound();
  }

  /**
   * @internal whether {@link enqueueAll} of `count` records can take them all without its
   * queue's bound dropping any (then no listener runs while a batch is queued).
   */
  canTakeAll(count: number): boolean {
    return this.#state !== 'closed' && this.#tail - this.#head + count <= this.policy.maxQueuedLines;
  }

  /**
   * @internal queues the records of `logType` this subscription accepts, in order: what
   * {@link enqueue} does for each, with one ledger call for the batch. Call it only when
   * {@link canTakeAll} says the bound drops none.
   */
  enqueueAll(logType: string, records: readonly LogRecord[]): void {
    if (this.#state === 'closed' || logType !== this.options.type) return;
    const minimum = this.options.level;
    this.#reserve(records.length);
    const column = this.#records;
    const ids = this.#ids;
    const before = this.#tail;
    let tail = before;
    let id = this.ledger.generated;
    // Neighbouring lines mostly share a level: its verdict is looked up again only when it changes.
    let level: LogLevel | undefined;
    let passes = false;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as LogRecord;
      if (record.level !== level) {
        level = record.level;
        passes = levelPasses(level, minimum);
      }
      if (passes) {
        column[tail] = record;
        ids[tail] = id++;
        tail++;
      }
    }
    this.#tail = tail;
    const added = tail - before;
    if (added === 0) return;
    this.ledger.generate(added);
    this.#stats.linesQueued += added;
  }

  /** @internal starts the push timer. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#logfileStartedAt = this.#host.clock.now();
    this.#schedule(this.scheduler.pushIntervalMs);
  }

  /**
   * Pushes now what is queued (outside the schedule), waiting for a push in progress first.
   * Resolves when the push is done, whatever its outcome (failures are events, not rejections).
   */
  async flush(): Promise<void> {
    if (this.#pushing) await this.#pushing;
    if (this.#state === 'closed') return;
    await this.#runPush();
  }

  /**
   * Stops the schedule, pushes what is left once (with the policy), gives up whatever still
   * could not be sent (`dropped`, reason `closed`) and closes the transport it created.
   * Idempotent: returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    const wasRunning = this.#state === 'running' || this.#state === 'idle';
    this.#state = 'closing';
    if (this.#pushing) await this.#pushing;
    if (wasRunning) await this.#runPush();
    const left = this.#takeAll();
    if (left.length > 0) {
      const ids = idRuns(left);
      if (ids.length > 0) {
        this.ledger.giveUp(ids, 'closed');
        const count = countLines(left);
        callListeners(() => this.emit('lines:dropped', { at: this.#host.clock.now(), subscription: this.name, count, reason: 'closed' }));
      }
    }
    this.#state = 'closed';
    if (this.#ownsTransport) await this.transport.close();
    this.transport.off('connection:reset', this.#onReset);
    this.transport.off('connection:closed', this.#onClosed);
  }

  #schedule(delayMs: number): void {
    if (this.#state !== 'running') return;
    this.#timer = this.#host.clock.schedule(delayMs, () => {
      this.#timer = undefined;
      const started = this.#host.clock.now();
      void this.#runPush().then(() => {
        const next = started + this.scheduler.pushIntervalMs - this.#host.clock.now();
        this.#schedule(Math.max(0, next));
      });
    });
  }

  /**
   * Tells the ledger a connection ended. During a push, only once the push has reported what it
   * wrote on it (a transport reports a reset before the send rejects): the ledger forgets a
   * connection whose two ends are over, and an attempt reported after that finds no evidence.
   */
  #connectionEnded(connection: ConnectionInfo, isDuringSend: boolean): void {
    if (isDuringSend && this.#pushing !== undefined) this.#endedDuringPush.push(this.#ref(connection));
    else this.ledger.connectionEnded(this.#ref(connection));
  }

  #reportEndedConnections(): void {
    for (const ref of this.#endedDuringPush.splice(0)) this.ledger.connectionEnded(ref);
  }

  #runPush(): Promise<void> {
    const push = this.#push()
      .catch((error: unknown) => {
        // A bug, not a network failure: keep the schedule alive, surface it as an uncaught
        // exception as Node does for a failing I/O callback.
        callListeners(() => {
          throw error;
        });
      })
      .finally(() => this.#reportEndedConnections());
    this.#pushing = push.finally(() => {
      if (this.#pushing === tracked) this.#pushing = undefined;
    });
    const tracked = this.#pushing;
    return tracked;
  }

  async #push(): Promise<void> {
    const clock = this.#host.clock;
    const now = clock.now();
    this.#host.pull(now);
    this.#rolloverByTime(now);
    if (!this.#hasQueued()) return;
    const batch = this.#takeBatch();
    // The batch's arrays go back to the subscription however the push ends. (One async function,
    // not two: another await level would shift when the push settles among other microtasks.)
    try {
      const lines = countLines(batch.ids, 0, batch.count);
      if (this.#idleFailure && this.scheduler.idleCloseDetection === 'on-next-push') {
        // The appliance writes into the dead connection and fails: the batch goes to the policy;
        // a retry of a write that never reached a connection is the next push.
        const error = this.#idleFailure;
        this.#idleFailure = undefined;
        const decision = this.#decide(error, 1, lines);
        this.#reportFailure(error, lines, 1, false, decision.action);
        this.#settleFailure(batch, decision.action === 'retry' ? KEEP : decision);
        return;
      }
      const ids = idRuns(batch.ids, 0, batch.count);
      if (ids.length > 0) this.ledger.sending(ids);
      const header = this.#headerDue ? this.#startLogfile(now, 'start') : NO_LINES;
      const lead = header.length;
      const { records, ids: lineIds, count } = batch;
      // Sized once and filled by index (pushing into a copy of the header grew it step by step).
      const messages = new Array<string>(lead + count);
      for (let i = 0; i < lead; i++) messages[i] = header[i] as string;
      // The lines' times for the ledger are read here, while the formatter has the record at hand
      // (read after the send, 20,000 records were mostly cache misses), once for every attempt.
      const times = numbers(lines);
      const formatter = this.#formatter;
      let line = 0;
      for (let i = 0; i < count; i++) {
        const record = records[i] as LogRecord;
        const id = lineIds[i] as number;
        messages[lead + i] = id === FORMATTED_LOGFILE_LINE ? record.text : formatter.format(record);
        if (id >= 0) times[line++] = record.timeMs;
      }
      const shape: BatchShape = { batch, messages, lead, lines, ids, times };
      const outcome = await sendWithPolicy({
        clock,
        send: () => this.transport.send(messages, { prefix: (connection) => this.#prefix(connection, shape.lead > 0) }),
        onFailed: (error, attempt) => this.#failedAttempt(shape, error, attempt),
      });
      if (outcome.kind === 'sent') {
        this.#sent(shape, outcome.receipt, outcome.attempt);
        return;
      }
      // The header did not surely reach anyone: the next push starts the logfile again.
      if (header.length > 0) this.#headerDue = true;
      this.#settleFailure(batch, outcome.decision);
    } finally {
      this.#recycle(batch);
    }
  }

  /** Records a failed attempt, emits `push:failed`, and asks the policy. */
  #failedAttempt(shape: BatchShape, error: unknown, attempt: number): PolicyDecision {
    if (isEsaError(error, 'ESA_ERR_CLOSED') || isEsaError(error, 'ESA_ERR_ABORTED')) return CLOSED;
    const network = asNetworkError(error);
    this.#recordAttempt(shape, network.attempted, 'failed');
    this.#reportEndedConnections();
    const decision = this.#decide(network, attempt, shape.lines);
    this.#reportFailure(network, shape.lines, attempt, false, decision.action);
    return decision;
  }

  /** Requeues (keep) or gives up (drop) a failed batch's lines. */
  #settleFailure(batch: Batch, decision: PolicyDecision | typeof CLOSED): void {
    const ids = idRuns(batch.ids, 0, batch.count);
    if (decision.action === 'keep') {
      this.ledger.requeue(ids);
      this.#requeue(batch);
      return;
    }
    if (ids.length === 0) return;
    const reason = decision === CLOSED ? 'closed' : 'network-error';
    this.ledger.giveUp(ids, reason);
    const count = countLines(batch.ids, 0, batch.count);
    callListeners(() => this.emit('lines:dropped', { at: this.#host.clock.now(), subscription: this.name, count, reason }));
  }

  #decide(error: NetworkError, attempt: number, lines: number): PolicyDecision {
    return this.policy.decide({
      subscription: this.name,
      error,
      attempt,
      lines,
      queuedLines: this.#tail - this.#head,
      at: this.#host.clock.now(),
      random: this.#host.random,
    });
  }

  #sent(shape: BatchShape, receipt: SendReceipt, attempt: number): void {
    this.#recordAttempt(shape, receipt, 'sent');
    this.#stats.pushes++;
    this.#stats.bytes += receipt.bytesWritten;
    this.#logfileBytes += receipt.bytesWritten;
    const event: PushSentEvent = {
      at: receipt.writtenAt,
      subscription: this.name,
      lines: shape.lines,
      logfileLines: shape.messages.length - shape.lines + receipt.prefixCount,
      bytes: receipt.bytesWritten,
      connection: receipt.connection,
      isNewConnection: receipt.isNewConnection,
      attempt,
    };
    callListeners(() => this.emit('push:sent', event));
    if (this.scheduler.rolloverBytes > 0 && this.#logfileBytes >= this.scheduler.rolloverBytes) this.#rollover(this.#host.clock.now());
  }

  /** Tells the ledger what an attempt wrote (frame ends of the log lines only). */
  #recordAttempt(shape: BatchShape, receipt: AttemptedBatch | undefined, outcome: 'sent' | 'failed'): void {
    // Without a receipt nothing reached a connection (refused, timed out): the lines stay
    // "sending" until the policy decides.
    if (!receipt || shape.lines === 0) return;
    const { batch, messages, lead } = shape;
    const { ids, count } = batch;
    const offset = receipt.prefixCount + lead;
    // A line the long-line rule dropped never reached the wire: it is no part of the attempt (its
    // frame end is the previous line's, which the receiver would "confirm"); once the batch is
    // sent, it is dropped as oversize. Plain index loops, no closures or iterators per push.
    const actions = receipt.longLineActions;
    let oversize = 0;
    if (actions !== undefined) {
      for (let i = 0; i < count; i++) if ((ids[i] as number) >= 0 && actions[offset + i] === 'dropped') oversize++;
    }
    const lines = shape.lines - oversize;
    const frameEnds = numbers(lines);
    // The batch's times, unless oversize lines are left out of this attempt.
    const ownTimes = oversize > 0 ? numbers(lines) : undefined;
    const texts = receipt.connection.protocol === 'udp' || this.ledger.evidence === 'lines' ? new Array<string>(lines) : undefined;
    const receiptEnds = receipt.frameEnds;
    const lastParts = receipt.longLineLastParts;
    const written: number[] = [];
    const dropped: number[] = [];
    let k = 0;
    let line = 0;
    for (let i = 0; i < count; i++) {
      const id = ids[i] as number;
      if (id < 0) continue;
      const lineIndex = line++;
      if (ownTimes !== undefined) {
        if (actions?.[offset + i] === 'dropped') {
          dropped.push(id);
          continue;
        }
        written.push(id);
        ownTimes[k] = shape.times[lineIndex] as number;
      }
      frameEnds[k] = receiptEnds[offset + i] as number;
      // Matched by text (UDP, evidence `lines`): a line is matched to its last datagram or frame,
      // which a cut or split line differs from.
      if (texts !== undefined) texts[k] = lastParts?.[offset + i] ?? (messages[lead + i] as string);
      k++;
    }
    if (lines > 0) {
      this.ledger.attempt({
        connection: this.#ref(receipt.connection),
        ids: ownTimes === undefined ? shape.ids : idRuns(written),
        frameEnds,
        outcome,
        at: this.#host.clock.now(),
        times: ownTimes ?? shape.times,
        ...(texts ? { texts } : {}),
      });
    }
    if (outcome === 'sent' && oversize > 0) {
      this.ledger.giveUp(idRuns(dropped), 'oversize');
      callListeners(() => this.emit('lines:dropped', { at: this.#host.clock.now(), subscription: this.name, count: oversize, reason: 'oversize' }));
    }
  }

  #prefix(connection: ConnectionInfo, batchHasHeader: boolean): readonly string[] {
    if (batchHasHeader) return [];
    if (connection.protocol === 'udp') return [];
    return this.#startLogfile(this.#host.clock.now(), 'connection');
  }

  /** Formats a new header, resets the logfile counters, emits `logfile:started`. */
  #startLogfile(at: number, reason: LogfileStartedEvent['reason']): string[] {
    this.#headerDue = false;
    this.#logfileStartedAt = at;
    this.#logfileBytes = 0;
    this.#stats.logfiles++;
    const lines = logfileHeaderTexts(this.#host.identity).map((text) =>
      this.#formatter.format({ timeMs: at, level: 'Information', text }),
    );
    callListeners(() => this.emit('logfile:started', { at, subscription: this.name, reason, lines }));
    return lines;
  }

  #rolloverByTime(now: number): void {
    const interval = this.scheduler.rolloverIntervalMs;
    if (interval > 0 && !this.#headerDue && now - this.#logfileStartedAt >= interval) this.#rollover(now);
  }

  /** Queues the trailer and the new logfile's header (logfile lines, not ledger lines). */
  #rollover(at: number): void {
    for (const text of logfileTrailerTexts()) this.#append({ timeMs: at, level: 'Information', text }, LOGFILE_LINE);
    const header = this.#startLogfile(at, 'rollover');
    for (const line of header) this.#append({ timeMs: at, level: 'Information', text: line }, FORMATTED_LOGFILE_LINE);
  }

  #hasQueued(): boolean {
    return this.#tail > this.#head;
  }

  /** Queues one line at the tail. */
  #append(record: LogRecord, id: number): void {
    this.#reserve(1);
    const tail = this.#tail;
    this.#records[tail] = record;
    this.#ids[tail] = id;
    this.#tail = tail + 1;
  }

  /**
   * Makes room for `count` more lines at the tail: when the columns are full and at least half
   * of their used part lies before the head, the queued slots move to the front (amortized: a
   * move copies no more slots than it frees); otherwise the columns grow as lines are written.
   */
  #reserve(count: number): void {
    const head = this.#head;
    if (head === 0 || this.#tail + count <= this.#records.length || head * 2 < this.#tail) return;
    const queued = this.#tail - head;
    const records = this.#records;
    const ids = this.#ids;
    for (let i = 0; i < queued; i++) {
      records[i] = records[head + i];
      ids[i] = ids[head + i] as number;
    }
    records.fill(undefined, queued, this.#tail);
    this.#head = 0;
    this.#tail = queued;
  }

  /**
   * Empties slots [from, to) of the record column (their lines left the queue) and, when the
   * queue is empty, starts again at slot 0. Columns far larger than what was just taken (a
   * backlog drained) are let go rather than kept.
   */
  #release(from: number, to: number): void {
    this.#records.fill(undefined, from, to);
    if (this.#head < this.#tail) return;
    this.#head = 0;
    this.#tail = 0;
    if (this.#records.length > RELEASE_SLOTS && this.#records.length > 4 * (to - from)) {
      this.#records = [];
      this.#ids = [];
    }
  }

  /** Takes up to maxBatchLines lines from the queue. */
  #takeBatch(): Batch {
    const head = this.#head;
    const tail = this.#tail;
    const end = Math.min(tail, head + this.scheduler.maxBatchLines);
    const count = end - head;
    // Pushes may overlap (a flush during a scheduled push): a batch in use is never the spare.
    const spare = this.#spareBatch;
    this.#spareBatch = undefined;
    if (head === 0 && end === tail) {
      // The usual push takes the whole queue from slot 0: its columns become the batch and the
      // spare arrays the queue, no copy (a copy writes every record into an old-space array again).
      const batch: Batch = { records: this.#records, ids: this.#ids, count };
      this.#records = spare?.records ?? [];
      this.#ids = spare?.ids ?? [];
      this.#tail = 0;
      return batch;
    }
    const batch = spare ?? { records: [], ids: [], count: 0 };
    const { records, ids } = batch;
    const queuedRecords = this.#records;
    const queuedIds = this.#ids;
    for (let i = 0; i < count; i++) {
      records[i] = queuedRecords[head + i];
      ids[i] = queuedIds[head + i] as number;
    }
    batch.count = count;
    this.#head = end;
    this.#release(head, end);
    return batch;
  }

  /** Keeps a finished push's batch arrays for the next push (emptied; let go when far too large). */
  #recycle(batch: Batch): void {
    const used = batch.count;
    batch.records.fill(undefined, 0, used);
    batch.count = 0;
    if (batch.records.length > RELEASE_SLOTS && batch.records.length > 4 * used) return;
    this.#spareBatch = batch;
  }

  /** Takes every queued line (closing): their ids. */
  #takeAll(): number[] {
    const rest = this.#ids.slice(this.#head, this.#tail);
    this.#records = [];
    this.#ids = [];
    this.#head = 0;
    this.#tail = 0;
    return rest;
  }

  /** Puts a failed batch's ledger lines back at the head of the queue (buffer policies). */
  #requeue(batch: Batch): void {
    const lines = countLines(batch.ids, 0, batch.count);
    if (lines <= this.#head) {
      // Room before the head (the batch came from there): no new columns.
      this.#head -= lines;
      copyLedgerLines(batch, this.#records, this.#ids, this.#head);
    } else {
      const queued = this.#tail - this.#head;
      const newRecords = new Array<LogRecord | undefined>(lines + queued);
      const newIds = new Array<number>(lines + queued);
      let slot = copyLedgerLines(batch, newRecords, newIds, 0);
      for (let i = this.#head; i < this.#tail; i++) {
        newRecords[slot] = this.#records[i];
        newIds[slot] = this.#ids[i] as number;
        slot++;
      }
      this.#records = newRecords;
      this.#ids = newIds;
      this.#head = 0;
      this.#tail = slot;
    }
    this.#enforceBound();
  }

  /** Keeps the queue within the policy's bound, dropping per its overflow rule; returns whether listeners ran. */
  #enforceBound(): boolean {
    const max = this.policy.maxQueuedLines;
    const queued = this.#tail - this.#head;
    if (queued <= max) return false;
    const excess = queued - max;
    let from: number;
    if (this.policy.overflow === 'drop-oldest') {
      from = this.#head;
      this.#head += excess;
    } else {
      from = this.#tail - excess;
      this.#tail = from;
    }
    const to = from + excess;
    const ids = idRuns(this.#ids, from, to);
    const count = countLines(this.#ids, from, to);
    this.#release(from, to);
    if (ids.length === 0) return false;
    this.ledger.giveUp(ids, 'buffer-overflow');
    callListeners(() => this.emit('lines:dropped', { at: this.#host.clock.now(), subscription: this.name, count, reason: 'buffer-overflow' }));
    return true;
  }

  #idleTrouble(error: NetworkError, at: number): void {
    if (this.#state === 'closed') return;
    if (this.scheduler.idleCloseDetection === 'on-next-push') {
      this.#idleFailure ??= error;
      return;
    }
    this.#reportFailure(error, 0, 0, true, undefined, at);
  }

  #reportFailure(
    cause: NetworkError,
    linesAffected: number,
    attempt: number,
    isIdle: boolean,
    decision: PolicyDecision['action'] | undefined,
    at = this.#host.clock.now(),
  ): void {
    this.#stats.networkErrors++;
    const isConnectFailure =
      cause.code === 'ESA_ERR_CONNECTION_REFUSED' || cause.code === 'ESA_ERR_CONNECT_TIMEOUT' || cause.code === 'ESA_ERR_HOST_UNREACHABLE';
    const event: PushFailedEvent = {
      at,
      subscription: this.name,
      message: isConnectFailure ? connectFailedText(this.name, this.options.host) : logErrorText(this.name),
      cause,
      linesAffected,
      attempt,
      isIdle,
      decision,
    };
    callListeners(() => this.emit('push:failed', event));
    this.#host.onNetworkError(event);
  }

  #peerClosedError(connection: ConnectionInfo): NetworkError {
    return new NetworkError(
      'ESA_ERR_CONNECTION_CLOSED',
      `Connection ${connection.id} to ${this.transport.target} was closed by the receiver while idle`,
      { connectionId: connection.id, peer: this.transport.target },
    );
  }

  #ref(connection: AttemptedBatch['connection']): LedgerConnectionRef {
    return { key: connection.key, id: connection.id, protocol: connection.protocol, framing: this.options.framing };
  }
}

const KEEP: PolicyDecision = Object.freeze({ action: 'keep' });
/** The header of a push that starts no logfile (never added to). */
const NO_LINES: readonly string[] = Object.freeze([]);
/** Per-line number arrays for the ledger longer than this are typed (see {@link numbers}). */
const TYPED_NUMBERS = 4096;
/** Queue columns longer than this are let go, not kept, once a much smaller queue empties them. */
const RELEASE_SLOTS = 65_536;
/** The transport was closed under the push: lines are given up as `closed`, no Log Error. */
const CLOSED = Object.freeze({ action: 'drop' as const, closed: true });

interface BatchShape {
  readonly batch: Batch;
  /** Every message sent: `lead` header lines, then one per entry. */
  readonly messages: readonly string[];
  readonly lead: number;
  /** Log lines (ledger lines) in the batch. */
  readonly lines: number;
  /** The ledger id runs of the batch's log lines. */
  readonly ids: readonly IdRun[];
  /** Per log line, when it was written (ms): what every attempt reports unless it drops an oversize line. */
  readonly times: ArrayLike<number>;
}

/** A transport failure as a NetworkError (a user transport may throw anything). */
function asNetworkError(error: unknown): NetworkError {
  if (isEsaError(error) && isNetworkErrorCode(error.code)) return error as NetworkError;
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkError('ESA_ERR_NETWORK', `Send failed: ${message}`, { cause: error });
}

/** The ledger id runs of the lines in slots [from, to) of an id column, in order (logfile marks skipped). */
function idRuns(ids: readonly number[], from = 0, to = ids.length): IdRun[] {
  const runs: IdRun[] = [];
  let first = -1;
  let end = -1;
  for (let i = from; i < to; i++) {
    const id = ids[i] as number;
    if (id < 0) continue;
    if (id === end) {
      end++;
      continue;
    }
    if (first >= 0) runs.push({ from: first, to: end });
    first = id;
    end = id + 1;
  }
  if (first >= 0) runs.push({ from: first, to: end });
  return runs;
}

/**
 * An array of `length` numbers for the ledger (which takes any ArrayLike). A typed array over 64
 * bytes is an off-heap allocation of its own (about a microsecond), dearer than a plain array for
 * the usual small batch; a large batch's plain array lands in large-object space, dearer than a
 * typed backing store.
 */
function numbers(length: number): number[] | Float64Array {
  return length > TYPED_NUMBERS ? new Float64Array(length) : new Array<number>(length);
}

/**
 * Writes a batch's ledger lines (not its logfile lines), in order, into `records`/`ids` from
 * `slot`; returns the slot after the last one written.
 */
function copyLedgerLines(batch: Batch, records: (LogRecord | undefined)[], ids: number[], slot: number): number {
  for (let i = 0; i < batch.count; i++) {
    const id = batch.ids[i] as number;
    if (id < 0) continue;
    records[slot] = batch.records[i];
    ids[slot] = id;
    slot++;
  }
  return slot;
}

/** How many ledger lines (not logfile lines) slots [from, to) of an id column hold. */
function countLines(ids: readonly number[], from = 0, to = ids.length): number {
  let count = 0;
  for (let i = from; i < to; i++) if ((ids[i] as number) >= 0) count++;
  return count;
}
