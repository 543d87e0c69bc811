/**
 * The read side of one accepted TCP connection under a {@link ConnectionFaults}: the actor
 * protocol of docs/faults.md written once for `SyslogServer` and `FaultProxy`. Internal.
 *
 * For every chunk, in order: while the connection is stalled nothing is read (the socket is
 * paused, so the peer's data stays in the kernel and its buffers fill); a read delay pauses the
 * socket and processes the chunk when the delay has passed on the clock; `onBytes` may cut the
 * chunk and end the connection after it; the delivered bytes go through the {@link FrameDecoder}
 * and every frame gets its `onMessage` decision; the first `after` in stream order ends the
 * connection. An idle timer, re-armed on every chunk, asks `onIdle` when it runs out.
 *
 * The owner attaches the socket events (`data` → {@link FaultReader.push}, `end` →
 * {@link FaultReader.peerEnded}) and acts on the hooks (records, forwards, resets, closes).
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import type { Clock, Timer } from '../clock/clock.js';
import type { EsaError } from '../core/errors.js';
import { FrameDecoder, FrameSpans, type DecodedFrame, type DecoderFraming, type OversizeFrame } from '../core/framing.js';
import type { StreamSocket } from '../core/network.js';
import type { ConnectionFaults, ConnectionMessageDecision } from '../faults/fault-engine.js';
import type { EndAction } from '../faults/fault.js';

/** What the owner of a {@link FaultReader} does with what it reads. */
export interface FaultReaderHooks {
  /**
   * A frame was decoded from delivered bytes; `decision` is the engine's (deliver, truncate,
   * end). `isFinal`: the trailing partial LF frame delivered at the peer's FIN (it had no LF).
   * `chunk`: the bytes pushed to the decoder (frames inside one chunk are views into it), until
   * the next `flush`; `undefined` for the final frame.
   */
  frame(frame: DecodedFrame, decision: ConnectionMessageDecision, isFinal: boolean, chunk: Uint8Array | undefined): void;
  /**
   * Optional: when present, every frame goes here instead of to `frame`, as offsets: its bytes
   * are `bytes[start, end)`, where `bytes` is the chunk itself (`bytes === chunk`: no view per
   * frame) or the frame's own bytes (it spanned chunks, was octet-counted, or is the final
   * frame). `chunk` as for `frame`. `isTruncated`: cut at the decoder's limit (it also went to
   * `oversize`).
   */
  span?(
    bytes: Uint8Array,
    start: number,
    end: number,
    streamEnd: number,
    isTruncated: boolean,
    decision: ConnectionMessageDecision,
    chunk: Uint8Array | undefined,
  ): void;
  /** An LF frame was longer than the decoder's limit and cut (it also goes to `frame`). */
  oversize(frame: OversizeFrame): void;
  /** The decoder failed (bad or oversize octet count, stream ended inside a frame). */
  framingError(error: EsaError): void;
  /** Every frame of the chunk just processed has gone to `frame` (the proxy writes now). */
  flush(): void;
  /**
   * The reader ends the connection: a fault decided it after some bytes (`bytes`), after a
   * message (`message`) or after idleness (`idle`), or the framing failed (`framing`, always
   * `close`). Nothing more is read; a partial frame stays in the decoder (see
   * {@link FaultReader.takePartial}).
   */
  end(action: EndAction, reason: FaultReaderEndReason): void;
  /** The peer's FIN has been processed: every chunk read, a trailing partial LF frame delivered. */
  finished(): void;
}

/** Why a {@link FaultReader} ended its connection. */
export type FaultReaderEndReason = 'bytes' | 'message' | 'idle' | 'framing';

/** Options of a {@link FaultReader}. */
export interface FaultReaderOptions {
  readonly socket: StreamSocket;
  readonly faults: ConnectionFaults;
  /** Whether the engine has any fault now (when not, the per-chunk questions are skipped). */
  readonly hasFaults: () => boolean;
  readonly clock: Clock;
  readonly framing: DecoderFraming;
  readonly maxFrameBytes: number;
  readonly hooks: FaultReaderHooks;
}

const DELIVER: ConnectionMessageDecision = Object.freeze({ deliver: true });

interface QueuedChunk {
  readonly bytes: Uint8Array;
  isDelayed: boolean;
}

/** See the module description. */
export class FaultReader {
  readonly decoder: FrameDecoder;
  readonly #socket: StreamSocket;
  readonly #faults: ConnectionFaults;
  readonly #hasFaults: () => boolean;
  readonly #clock: Clock;
  readonly #hooks: FaultReaderHooks;
  readonly #queue: QueuedChunk[] = [];
  /** The frames of the chunk being handled, when the owner takes spans (reused from chunk to chunk). */
  readonly #spans: FrameSpans | undefined;
  #isInSpans = false;
  #state: 'reading' | 'done' = 'reading';
  #isPaused = false;
  #isWaiting = false;
  #isFinPending = false;
  #delayTimer: Timer | undefined;
  #idleTimer: Timer | undefined;
  #lastActivityAt: number;

  constructor(options: FaultReaderOptions) {
    this.#socket = options.socket;
    this.#faults = options.faults;
    this.#hasFaults = options.hasFaults;
    this.#clock = options.clock;
    this.#hooks = options.hooks;
    this.#spans = options.hooks.span === undefined ? undefined : new FrameSpans();
    this.decoder = new FrameDecoder({ framing: options.framing, maxFrameBytes: options.maxFrameBytes });
    this.#lastActivityAt = options.clock.now();
  }

  /** Whether the reader still reads (not ended, not finished, not disposed). */
  get isReading(): boolean {
    return this.#state === 'reading';
  }

  /** Whether the reader paused the socket (stalled or delaying). */
  get isPaused(): boolean {
    return this.#isPaused;
  }

  /** Whether chunks wait (delayed or stalled), so a close must let them be read first. */
  get hasPendingChunks(): boolean {
    return this.#queue.length > 0;
  }

  /** Call once, before the first chunk: pauses a stalled connection, arms the idle timer. */
  start(): void {
    if (this.#hasFaults() && this.#faults.isStalled()) this.#pause();
    this.#armIdle();
  }

  /** A chunk arrived from the socket. */
  push(chunk: Uint8Array): void {
    if (this.#state !== 'reading' || chunk.length === 0) return;
    this.#lastActivityAt = this.#clock.now();
    if (!this.#hasFaults()) {
      if (this.#queue.length === 0 && !this.#isWaiting) {
        this.#process(chunk);
        return;
      }
    } else {
      this.#armIdle();
    }
    this.#queue.push({ bytes: chunk, isDelayed: false });
    this.#pump();
  }

  /** The peer sent FIN: read what is queued, deliver a trailing partial frame, then `finished`. */
  peerEnded(): void {
    if (this.#state !== 'reading') return;
    this.#isFinPending = true;
    this.#pump();
  }

  /** A fault window opened or closed, or the faults changed: re-check stall and idle. */
  resync(): void {
    if (this.#state !== 'reading') return;
    this.#armIdle();
    this.#pump();
  }

  /** The trailing partial LF frame, if any (ends the decoder). */
  takePartial(): readonly DecodedFrame[] {
    return this.decoder.end().frames;
  }

  /** Stops everything: timers cancelled, queued chunks discarded. Idempotent. */
  dispose(): void {
    this.#state = 'done';
    this.#queue.length = 0;
    this.#delayTimer?.cancel();
    this.#delayTimer = undefined;
    this.#idleTimer?.cancel();
    this.#idleTimer = undefined;
  }

  #pump(): void {
    while (this.#state === 'reading' && !this.#isWaiting && this.#queue.length > 0) {
      const hasFaults = this.#hasFaults();
      if (hasFaults && this.#faults.isStalled()) {
        // Read nothing; resync() runs again when a window changes.
        this.#pause();
        return;
      }
      const item = this.#queue[0] as QueuedChunk;
      if (hasFaults && !item.isDelayed) {
        item.isDelayed = true;
        const delayMs = this.#faults.readDelayMs(item.bytes.length);
        if (delayMs > 0) {
          this.#isWaiting = true;
          this.#pause();
          this.#delayTimer = this.#clock.schedule(delayMs, () => {
            this.#delayTimer = undefined;
            this.#isWaiting = false;
            this.#pump();
          });
          return;
        }
      }
      this.#queue.shift();
      this.#process(item.bytes);
    }
    if (this.#state !== 'reading' || this.#isWaiting || this.#queue.length > 0) return;
    if (this.#isPaused) {
      this.#isPaused = false;
      this.#socket.resume();
    }
    if (this.#isFinPending) this.#finish();
  }

  #process(chunk: Uint8Array): void {
    const hasFaults = this.#hasFaults();
    // Spans: a Node Buffer, whose indexOf() (memchr) finds each LF about three times faster than
    // a Uint8Array's. Frames: a plain view, on which the decoder's per-frame subarray() is much
    // cheaper than on a Buffer.
    let bytes: Uint8Array;
    if (this.#spans !== undefined) bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    else bytes = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    let endAfterBytes: EndAction | undefined;
    if (hasFaults) {
      const decision = this.#faults.onBytes(chunk.length);
      if (decision.deliver < chunk.length) bytes = bytes.subarray(0, decision.deliver);
      endAfterBytes = decision.after;
    }
    let error: EsaError | undefined;
    if (this.#spans !== undefined) {
      // A hook that pushes to this reader again (a listener feeding the socket) gets spans of its own.
      const spans = this.#isInSpans ? new FrameSpans() : this.#spans;
      this.decoder.pushSpans(bytes, spans);
      this.#isInSpans = true;
      let isEnded: boolean;
      try {
        isEnded = this.#handleSpans(spans, hasFaults, bytes);
      } finally {
        if (spans === this.#spans) this.#isInSpans = false;
      }
      if (isEnded) return;
      error = spans.error;
    } else {
      const result = this.decoder.push(bytes);
      if (this.#handleFrames(result.frames, result.oversize.length > 0, hasFaults, bytes)) return;
      error = result.error;
    }
    if (error !== undefined) {
      this.#hooks.flush();
      this.#hooks.framingError(error);
      this.#end('close', 'framing');
      return;
    }
    this.#hooks.flush();
    if (endAfterBytes !== undefined) this.#end(endAfterBytes, 'bytes');
  }

  /** {@link #handleFrames} for an owner that takes spans; true when a message decision ended the connection. */
  #handleSpans(spans: FrameSpans, hasFaults: boolean, chunk: Uint8Array): boolean {
    const hooks = this.#hooks;
    const span = hooks.span as NonNullable<FaultReaderHooks['span']>;
    const { count, starts, ends, streamEnds, originalBytes, hasOversize } = spans;
    for (let i = 0; i < count; i++) {
      const start = starts[i] as number;
      const streamEnd = streamEnds[i] as number;
      const original = originalBytes[i] as number;
      if (hasOversize && original >= 0) {
        hooks.oversize({ bytes: spans.bytesOf(chunk, i), streamEnd, action: 'truncated', originalBytes: original });
      }
      const bytes = start < 0 ? (spans.copies[i] as Uint8Array) : chunk;
      const from = start < 0 ? 0 : start;
      const to = start < 0 ? bytes.length : (ends[i] as number);
      const decision = hasFaults ? this.#faults.onMessage(to - from) : DELIVER;
      span(bytes, from, to, streamEnd, original >= 0, decision, chunk);
      if (decision.after !== undefined) {
        hooks.flush();
        this.#end(decision.after, 'message');
        return true;
      }
    }
    return false;
  }

  /** Hands frames to the owner; true when a message decision ended the connection. */
  #handleFrames(frames: readonly DecodedFrame[], hasOversize: boolean, hasFaults: boolean, chunk: Uint8Array | undefined): boolean {
    const span = this.#hooks.span;
    for (const frame of frames) {
      if (hasOversize && frame.action === 'truncated') this.#hooks.oversize(frame as OversizeFrame);
      const decision = hasFaults ? this.#faults.onMessage(frame.bytes.length) : DELIVER;
      if (span === undefined) this.#hooks.frame(frame, decision, chunk === undefined, chunk);
      else span(frame.bytes, 0, frame.bytes.length, frame.streamEnd, frame.action === 'truncated', decision, chunk);
      if (decision.after !== undefined) {
        this.#hooks.flush();
        this.#end(decision.after, 'message');
        return true;
      }
    }
    return false;
  }

  #finish(): void {
    this.#isFinPending = false;
    this.#idleTimer?.cancel();
    this.#idleTimer = undefined;
    const result = this.decoder.end();
    if (this.#handleFrames(result.frames, result.oversize.length > 0, this.#hasFaults(), undefined)) return;
    this.#state = 'done';
    this.#hooks.flush();
    if (result.error !== undefined) this.#hooks.framingError(result.error);
    this.#hooks.finished();
  }

  #end(action: EndAction, reason: FaultReaderEndReason): void {
    this.dispose();
    this.#hooks.end(action, reason);
  }

  #pause(): void {
    if (this.#isPaused) return;
    this.#isPaused = true;
    this.#socket.pause();
  }

  #armIdle(): void {
    this.#idleTimer?.cancel();
    this.#idleTimer = undefined;
    if (this.#state !== 'reading' || !this.#hasFaults()) return;
    const timeoutMs = this.#faults.idleTimeoutMs();
    if (timeoutMs === undefined) return;
    const dueIn = Math.max(0, this.#lastActivityAt + timeoutMs - this.#clock.now());
    this.#idleTimer = this.#clock.schedule(dueIn, () => {
      this.#idleTimer = undefined;
      if (this.#state !== 'reading') return;
      const decision = this.#faults.onIdle(this.#clock.now() - this.#lastActivityAt);
      if (decision.after === 'close') this.#end('close', 'idle');
      else this.#armIdle();
    });
  }
}
