/**
 * Syslog over TCP framing, encoder side: LF-terminated frames (what ESA sends) or RFC 6587
 * octet counting (`<length> <message>`). One encoded buffer per batch, with every frame's end
 * offset so the ledger can tell which lines a receiver got.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from './errors.js';

/** How TCP frames are delimited. */
export type Framing = 'lf' | 'octet-counting';

/** The framings, for validation and help texts. */
export const FRAMINGS: readonly Framing[] = Object.freeze(['lf', 'octet-counting']);

/** A batch of messages encoded as one buffer. */
export interface EncodedBatch {
  /** The framed bytes of every message, in order. */
  readonly bytes: Uint8Array;
  /** For message i, the offset in `bytes` just past its frame. */
  readonly frameEnds: Uint32Array;
}

const encoder = new TextEncoder();

/** The UTF-8 length of `text` in bytes (lone surrogates count as 3, as `TextEncoder` writes U+FFFD). */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair: 2 UTF-16 units → 4 bytes.
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Encodes `text` as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Encodes `messages` as one buffer of frames.
 *
 * - `lf`: each message followed by `\n` (an embedded `\n` is sent as is: a receiver splits it,
 *   as it does with the appliance's multi-line warnings).
 * - `octet-counting`: each message prefixed by its UTF-8 length and a space (RFC 6587 §3.4.1).
 *
 * @example
 * ```ts
 * const { bytes, frameEnds } = encodeFrames(['<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'], 'lf');
 * ```
 */
export function encodeFrames(messages: readonly string[], framing: Framing): EncodedBatch {
  if (framing !== 'lf' && framing !== 'octet-counting') {
    throw new InvalidOptionError('framing', framing, `one of ${FRAMINGS.join(', ')}`);
  }
  if (framing === 'lf') {
    const fast = encodeAsciiLf(messages);
    if (fast !== undefined) return fast;
  }
  const frameEnds = new Uint32Array(messages.length);
  // Sized for ASCII (the usual case); grown when a message turns out to need more bytes.
  let capacity = 0;
  for (const message of messages) capacity += message.length + 12;
  let buffer = new Uint8Array(capacity);
  let offset = 0;
  const ensure = (needed: number): void => {
    if (offset + needed <= buffer.length) return;
    const grown = new Uint8Array(Math.max(buffer.length * 2, offset + needed));
    grown.set(buffer.subarray(0, offset));
    buffer = grown;
  };
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as string;
    if (framing === 'lf') {
      const result = encoder.encodeInto(message, buffer.subarray(offset));
      if (result.read < message.length) {
        ensure(utf8ByteLength(message) + 1);
        offset += encoder.encodeInto(message, buffer.subarray(offset)).written;
      } else {
        offset += result.written;
        ensure(1);
      }
      buffer[offset++] = 0x0a;
    } else {
      const length = utf8ByteLength(message);
      const prefix = `${length} `;
      ensure(prefix.length + length);
      for (let k = 0; k < prefix.length; k++) buffer[offset++] = prefix.charCodeAt(k);
      offset += encoder.encodeInto(message, buffer.subarray(offset)).written;
    }
    frameEnds[i] = offset;
  }
  if (offset !== buffer.length) buffer = buffer.subarray(0, offset);
  return { bytes: buffer, frameEnds };
}

/**
 * Characters joined into one string at most (about) by {@link encodeAsciiLf}: a larger string
 * lands in V8's large-object space, freshly mapped pages each time. A 20,000-line batch joined
 * and encoded in one piece measured ~240 ns per line against ~70 in pieces of this size (flat
 * 180-character lines), ~220 against ~150 for generator lines (whose join also walks their
 * concatenation trees).
 */
const JOIN_CHARS = 32_768;

/**
 * LF frames of an all-ASCII batch: the messages joined (in pieces of about {@link JOIN_CHARS})
 * and encoded in one call per piece (each message encoded on its own costs a call and a view per
 * line), or `undefined` when a message is not ASCII (UTF-8 then writes more bytes than the text
 * has UTF-16 units, so the count tells).
 */
function encodeAsciiLf(messages: readonly string[]): EncodedBatch | undefined {
  const count = messages.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += (messages[i] as string).length + 1;
  // One allocation for both arrays (each typed array over 64 bytes costs a separate backing
  // store): the bytes, then the frame ends at the next multiple of 4.
  const endsAt = Math.ceil(total / 4) * 4;
  const buffer = new ArrayBuffer(endsAt + count * 4);
  const bytes = new Uint8Array(buffer, 0, total);
  const frameEnds = new Uint32Array(buffer, endsAt, count);
  let from = 0;
  let start = 0;
  let end = 0;
  for (let i = 0; i < count; i++) {
    end += (messages[i] as string).length + 1;
    frameEnds[i] = end;
    if (end - start >= JOIN_CHARS || i === count - 1) {
      // A small batch is one piece: joined as it is, without a copy of the list.
      const piece = from === 0 && i === count - 1 ? messages : messages.slice(from, i + 1);
      if (!encodeAsciiPiece(piece.join('\n'), bytes, start)) return undefined;
      from = i + 1;
      start = end;
    }
  }
  return { bytes, frameEnds };
}

/** Writes `piece` and an LF at `bytes[offset]`; false when `piece` is not ASCII. */
function encodeAsciiPiece(piece: string, bytes: Uint8Array, offset: number): boolean {
  const result = encoder.encodeInto(piece, offset === 0 ? bytes : bytes.subarray(offset));
  if (result.read !== piece.length || result.written !== piece.length) return false;
  bytes[offset + piece.length] = 0x0a;
  return true;
}

/** How a {@link FrameDecoder} delimits frames: a fixed framing, or `auto` (decided per stream). */
export type DecoderFraming = Framing | 'auto';

/** The decoder framings, for validation and help texts. */
export const DECODER_FRAMINGS: readonly DecoderFraming[] = Object.freeze(['lf', 'octet-counting', 'auto']);

/** The default {@link FrameDecoderOptions.maxFrameBytes}. */
export const DEFAULT_MAX_FRAME_BYTES = 65_536;

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * The framing: `lf`, `octet-counting`, or `auto`, decided once per stream on its first byte
   * (a digit 1–9 → octet counting, anything else → LF), as rsyslog's imtcp does.
   * @default 'auto'
   */
  framing?: DecoderFraming;
  /**
   * The largest frame kept, in bytes (LF and a trailing CR excluded; for octet counting, the
   * count). A longer LF frame is cut to this size and reported; a larger octet count is a
   * framing error. It also bounds the memory one stream's decoder holds.
   * @default 65536
   */
  maxFrameBytes?: number;
}

/** Resolved {@link FrameDecoderOptions}. */
export interface ResolvedFrameDecoderOptions {
  readonly framing: DecoderFraming;
  readonly maxFrameBytes: number;
}

/** The largest accepted {@link FrameDecoderOptions.maxFrameBytes} (1 GiB). */
export const MAX_FRAME_BYTES_LIMIT = 2 ** 30;

/**
 * Validates and defaults {@link FrameDecoderOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `framing`, `maxFrameBytes` or an
 * unknown key.
 */
export function resolveFrameDecoderOptions(options: FrameDecoderOptions = {}): ResolvedFrameDecoderOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'framing' && key !== 'maxFrameBytes') {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], 'not set (unknown option; known: framing, maxFrameBytes)');
    }
  }
  const framing = options.framing ?? 'auto';
  if (!DECODER_FRAMINGS.includes(framing)) {
    throw new InvalidOptionError('framing', framing, `one of ${DECODER_FRAMINGS.join(', ')}`);
  }
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (typeof maxFrameBytes !== 'number' || !Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
    throw new InvalidOptionError('maxFrameBytes', maxFrameBytes, `an integer from 1 to ${MAX_FRAME_BYTES_LIMIT}`);
  }
  return Object.freeze({ framing, maxFrameBytes });
}

/** One frame a {@link FrameDecoder} decoded. */
export interface DecodedFrame {
  /**
   * The frame's bytes without the LF (and a CR before it) or the count prefix. Often a view
   * into the chunk passed to `push()`: copy it if that buffer is reused.
   */
  readonly bytes: Uint8Array;
  /** Stream bytes consumed through the end of this frame (its LF included). */
  readonly streamEnd: number;
  /** `truncated` when the frame was longer than `maxFrameBytes` and cut (see {@link OversizeFrame}). */
  readonly action?: 'truncated';
  /** For a truncated frame, its length before the cut, in bytes (LF excluded). */
  readonly originalBytes?: number;
}

/** An LF frame over `maxFrameBytes`: the first `maxFrameBytes` bytes were kept, the rest discarded. */
export interface OversizeFrame extends DecodedFrame {
  readonly action: 'truncated';
  readonly originalBytes: number;
}

/** What one {@link FrameDecoder.push} or {@link FrameDecoder.end} produced. */
export interface FrameDecodeResult {
  /** The complete frames, in stream order (truncated frames included). */
  readonly frames: readonly DecodedFrame[];
  /** The frames of {@link frames} that were cut at `maxFrameBytes` (the same objects). */
  readonly oversize: readonly OversizeFrame[];
  /**
   * A framing error (`ESA_ERR_FRAMING`: an octet count that is not a number, or a stream that
   * ended inside an octet-counted frame; `ESA_ERR_FRAME_TOO_LARGE`: a count over
   * `maxFrameBytes`). The decoder is then failed: later pushes return nothing.
   */
  readonly error?: EsaError;
}

const enum State {
  /** Before the first byte of an `auto` stream. */
  Detect,
  /** LF framing. */
  Lf,
  /** Octet counting, reading the count digits. */
  Count,
  /** Octet counting, reading the frame's payload. */
  Payload,
  Failed,
  Ended,
}

const NO_FRAMES: FrameDecodeResult = Object.freeze({ frames: [], oversize: [] }) as FrameDecodeResult;

/**
 * The frames of one {@link FrameDecoder.pushSpans} call as offsets instead of objects: frame `i`
 * is `chunk[starts[i], ends[i])`, or, when `starts[i]` is -1 (a frame that spanned chunks, or an
 * octet-counted one), `copies[i]`. Reused from push to push by whoever owns it. Internal: the
 * receiver's hot path (a view and an object per frame cost more than the rest of its work).
 *
 * @internal
 */
export class FrameSpans {
  /** Frames in this push. */
  count = 0;
  /** Where each frame's kept bytes start in the chunk (-1: see {@link copies}). */
  starts = new Int32Array(64);
  /** Where each frame's kept bytes end in the chunk (exclusive; the LF, a CR before it, excluded). */
  ends = new Int32Array(64);
  /** Stream bytes consumed through the end of each frame. */
  streamEnds = new Float64Array(64);
  /** For a frame cut at `maxFrameBytes`, its length before the cut in bytes; -1 otherwise. */
  originalBytes = new Float64Array(64);
  /** The bytes of the frames not inside the chunk (`starts[i] === -1`). */
  copies: (Uint8Array | undefined)[] = [];
  /** Whether a frame was cut at `maxFrameBytes`. */
  hasOversize = false;
  /** As {@link FrameDecodeResult.error}. */
  error: EsaError | undefined = undefined;

  /** The bytes of frame `i` as a view (or the copy): for the rare frames that need an object. */
  bytesOf(chunk: Uint8Array, i: number): Uint8Array {
    const start = this.starts[i] as number;
    return start < 0 ? (this.copies[i] as Uint8Array) : chunk.subarray(start, this.ends[i]);
  }

  /** @internal */
  reset(): void {
    this.count = 0;
    this.hasOversize = false;
    this.error = undefined;
    if (this.copies.length > 0) this.copies = [];
  }

  /** @internal Appends a frame; `start` -1 with `copy` for one outside the chunk. */
  add(start: number, end: number, streamEnd: number, originalBytes: number, copy: Uint8Array | undefined): void {
    const i = this.count;
    if (i === this.starts.length) this.#grow();
    this.starts[i] = start;
    this.ends[i] = end;
    this.streamEnds[i] = streamEnd;
    this.originalBytes[i] = originalBytes;
    if (copy !== undefined) this.copies[i] = copy;
    if (originalBytes >= 0) this.hasOversize = true;
    this.count = i + 1;
  }

  #grow(): void {
    const capacity = this.starts.length * 2;
    this.starts = grown(this.starts, new Int32Array(capacity));
    this.ends = grown(this.ends, new Int32Array(capacity));
    this.streamEnds = grown(this.streamEnds, new Float64Array(capacity));
    this.originalBytes = grown(this.originalBytes, new Float64Array(capacity));
  }
}

/** `larger` with `values` copied to its start. */
function grown<T extends Int32Array | Float64Array>(values: T, larger: T): T {
  larger.set(values);
  return larger;
}

/**
 * An incremental syslog-over-TCP frame decoder: push the chunks of one stream as they arrive, in
 * any sizes; the frames come out the same whatever the chunk boundaries. Bytes → string is the
 * caller's job (`new TextDecoder().decode(frame.bytes)`).
 *
 * - LF: a frame ends at `\n`; a `\r` before it is stripped; a frame over `maxFrameBytes` keeps
 *   its first `maxFrameBytes` bytes, the rest is discarded up to the next `\n`, and it is
 *   reported in `oversize`. {@link end} returns a last frame that had no `\n` (rsyslog does the
 *   same when the peer closes). Empty lines are returned as empty frames.
 * - Octet counting (RFC 6587 §3.4.1): `<count> <payload>`; the count is 1–9 followed by digits
 *   (no leading zero). A bad or oversize count fails the decoder for the rest of the stream.
 *
 * Frames that lie inside one chunk are views into it (no copy); only a frame that spans chunks
 * is copied. The decoder never holds more than `maxFrameBytes + 1` bytes (+ a short count).
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ framing: 'lf' });
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk).frames) handle(frame); });
 * socket.on('end', () => { for (const frame of decoder.end().frames) handle(frame); });
 * ```
 */
export class FrameDecoder {
  /** The resolved options. */
  readonly options: ResolvedFrameDecoderOptions;
  readonly #max: number;
  #state: State;
  /** Stream bytes before the current chunk. */
  #consumed = 0;
  /** Pieces of the incomplete frame (LF) or payload (octet counting), at most `#max + 1` bytes. */
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  /** LF: bytes of the current frame seen so far, kept or discarded. */
  #frameBytes = 0;
  /** Octet counting: the count being read, and how many digits it had. */
  #count = 0;
  #countDigits = 0;
  /** LF: the last byte of the current frame seen so far (-1 when none). */
  #lastByte = -1;
  /** `auto`: what the first byte decided. */
  #detected: Framing | undefined;
  #error: EsaError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.options = resolveFrameDecoderOptions(options);
    this.#max = this.options.maxFrameBytes;
    this.#state = this.options.framing === 'auto' ? State.Detect : this.options.framing === 'lf' ? State.Lf : State.Count;
  }

  /** The framing in use: `undefined` while an `auto` decoder has seen no byte. */
  get framing(): Framing | undefined {
    if (this.#state === State.Detect) return undefined;
    if (this.options.framing !== 'auto') return this.options.framing;
    return this.#detected;
  }

  /** Bytes held for an incomplete frame (including a partly read octet count). */
  get bufferedBytes(): number {
    return this.#pieceBytes + this.#countDigits;
  }

  /** Total stream bytes pushed so far. */
  get streamBytes(): number {
    return this.#consumed;
  }

  /** The framing error that failed this decoder, if any. */
  get error(): EsaError | undefined {
    return this.#error;
  }

  /**
   * Decodes the frames that `chunk` completes.
   *
   * @throws EsaError `ESA_ERR_CLOSED` after {@link end}.
   */
  push(chunk: Uint8Array): FrameDecodeResult {
    if (this.#state === State.Ended) throw new EsaError('ESA_ERR_CLOSED', 'FrameDecoder.push() called after end()');
    if (this.#state === State.Failed) {
      this.#consumed += chunk.length;
      return NO_FRAMES;
    }
    if (chunk.length === 0) return NO_FRAMES;
    if (this.#state === State.Detect) {
      const first = chunk[0] as number;
      this.#detected = first >= 0x31 && first <= 0x39 ? 'octet-counting' : 'lf';
      this.#state = this.#detected === 'lf' ? State.Lf : State.Count;
    }
    const frames: DecodedFrame[] = [];
    let oversize: OversizeFrame[] | undefined;
    let error: EsaError | undefined;
    if (this.#state === State.Lf) {
      oversize = this.#pushLf(chunk, frames);
    } else {
      error = this.#pushOctets(chunk, frames);
    }
    this.#consumed += chunk.length;
    if (error) return { frames, oversize: [], error };
    return { frames, oversize: oversize ?? [] };
  }

  /**
   * {@link push} without a view and an object per frame: the frames go into `spans` (cleared
   * first) as offsets into `chunk`. The decoder's state moves exactly as with `push`.
   *
   * @internal
   * @throws EsaError `ESA_ERR_CLOSED` after {@link end}.
   */
  pushSpans(chunk: Uint8Array, spans: FrameSpans): void {
    spans.reset();
    if (this.#state !== State.Lf || chunk.length === 0) {
      // Detection, octet counting, a failed or ended decoder: as push() does, then as copies.
      const result = this.push(chunk);
      const frames = result.frames;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i] as DecodedFrame;
        spans.add(-1, frame.bytes.length, frame.streamEnd, frame.originalBytes ?? -1, frame.bytes);
      }
      spans.error = result.error;
      return;
    }
    const length = chunk.length;
    const max = this.#max;
    const consumed = this.#consumed;
    let start = 0;
    while (start < length) {
      const lf = chunk.indexOf(0x0a, start);
      if (lf < 0) {
        this.#hold(chunk, start, length);
        break;
      }
      if (this.#frameBytes === 0) {
        let end = lf;
        if (end > start && chunk[end - 1] === 0x0d) end--;
        if (end - start <= max) spans.add(start, end, consumed + lf + 1, -1, undefined);
        else spans.add(start, start + max, consumed + lf + 1, end - start, undefined);
      } else {
        this.#hold(chunk, start, lf);
        const frame = this.#takeLfFrame(consumed + lf + 1, true);
        spans.add(-1, frame.bytes.length, frame.streamEnd, frame.originalBytes ?? -1, frame.bytes);
      }
      start = lf + 1;
    }
    this.#consumed = consumed + length;
  }

  /**
   * Ends the stream: returns a last LF frame that had no newline (possibly truncated), or an
   * `ESA_ERR_FRAMING` error when the stream ended inside an octet-counted frame. Idempotent.
   */
  end(): FrameDecodeResult {
    const state = this.#state;
    this.#state = State.Ended;
    if (state === State.Lf && this.#frameBytes > 0) {
      const frame = this.#takeLfFrame(this.#consumed, false);
      return frame.action ? { frames: [frame], oversize: [frame as OversizeFrame] } : { frames: [frame], oversize: [] };
    }
    if ((state === State.Count && this.#countDigits > 0) || state === State.Payload) {
      const what =
        state === State.Count
          ? `a partial octet count (${this.#countDigits} digits)`
          : `an octet-counted frame (${this.#pieceBytes} of ${this.#count} bytes)`;
      this.#pieces = [];
      this.#pieceBytes = 0;
      this.#countDigits = 0;
      this.#error = new EsaError('ESA_ERR_FRAMING', `the stream ended inside ${what} at stream offset ${this.#consumed}`);
      return { frames: [], oversize: [], error: this.#error };
    }
    return NO_FRAMES;
  }

  #pushLf(chunk: Uint8Array, frames: DecodedFrame[]): OversizeFrame[] | undefined {
    let oversize: OversizeFrame[] | undefined;
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const lf = chunk.indexOf(0x0a, start);
      if (lf < 0) {
        this.#hold(chunk, start, length);
        break;
      }
      let frame: DecodedFrame;
      if (this.#frameBytes === 0) {
        // The common case: a whole frame inside this chunk, returned as a view.
        let end = lf;
        if (end > start && chunk[end - 1] === 0x0d) end--;
        if (end - start <= this.#max) {
          frame = { bytes: chunk.subarray(start, end), streamEnd: this.#consumed + lf + 1 };
        } else {
          frame = {
            bytes: chunk.subarray(start, start + this.#max),
            streamEnd: this.#consumed + lf + 1,
            action: 'truncated',
            originalBytes: end - start,
          };
        }
      } else {
        this.#hold(chunk, start, lf);
        frame = this.#takeLfFrame(this.#consumed + lf + 1, true);
      }
      frames.push(frame);
      if (frame.action) (oversize ??= []).push(frame as OversizeFrame);
      start = lf + 1;
    }
    return oversize;
  }

  /** Keeps chunk[from, to) as part of the current LF frame, up to `#max + 1` bytes (room for a CR). */
  #hold(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const keep = Math.min(this.#max + 1 - this.#pieceBytes, to - from);
    if (keep > 0) {
      // A copy: the caller may reuse its chunk after push() returns.
      this.#pieces.push(copyOf(chunk, from, from + keep));
      this.#pieceBytes += keep;
    }
    this.#frameBytes += to - from;
    this.#lastByte = chunk[to - 1] as number;
  }

  /** Builds the LF frame held in pieces; `hadLf` says whether a `\n` ended it (then a CR before it is stripped). */
  #takeLfFrame(streamEnd: number, hadLf: boolean): DecodedFrame {
    const held = concat(this.#pieces, this.#pieceBytes);
    const content = this.#frameBytes - (hadLf && this.#frameBytes > 0 && this.#lastByte === 0x0d ? 1 : 0);
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#frameBytes = 0;
    this.#lastByte = -1;
    if (content <= this.#max) return { bytes: held.subarray(0, content), streamEnd };
    return { bytes: held.subarray(0, this.#max), streamEnd, action: 'truncated', originalBytes: content };
  }

  #pushOctets(chunk: Uint8Array, frames: DecodedFrame[]): EsaError | undefined {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (this.#state === State.Count) {
        const byte = chunk[i] as number;
        if (byte === 0x20 && this.#countDigits > 0) {
          this.#countDigits = 0;
          this.#state = State.Payload;
          i++;
          continue;
        }
        const isLeadingDigit = this.#countDigits === 0 ? byte >= 0x31 && byte <= 0x39 : byte >= 0x30 && byte <= 0x39;
        if (!isLeadingDigit) {
          return this.#fail(
            'ESA_ERR_FRAMING',
            `expected an octet count (a digit 1-9, then digits, then a space) at stream offset ${this.#consumed + i}; got byte 0x${byte.toString(16).padStart(2, '0')}`,
          );
        }
        this.#count = this.#count * 10 + (byte - 0x30);
        this.#countDigits++;
        if (this.#count > this.#max) {
          return this.#fail(
            'ESA_ERR_FRAME_TOO_LARGE',
            `octet count at stream offset ${this.#consumed + i + 1 - this.#countDigits} exceeds maxFrameBytes ${this.#max} (${this.#count}${this.#countDigits > 1 ? '…' : ''})`,
          );
        }
        i++;
        continue;
      }
      // Payload: `#count` bytes, of which `#pieceBytes` are held already.
      const needed = this.#count - this.#pieceBytes;
      const available = length - i;
      if (available < needed) {
        this.#pieces.push(copyOf(chunk, i, length));
        this.#pieceBytes += available;
        break;
      }
      const bytes =
        this.#pieceBytes === 0 ? chunk.subarray(i, i + needed) : concat([...this.#pieces, chunk.subarray(i, i + needed)], this.#count);
      i += needed;
      frames.push({ bytes, streamEnd: this.#consumed + i });
      this.#pieces = [];
      this.#pieceBytes = 0;
      this.#count = 0;
      this.#state = State.Count;
    }
    return undefined;
  }

  #fail(code: 'ESA_ERR_FRAMING' | 'ESA_ERR_FRAME_TOO_LARGE', message: string): EsaError {
    this.#state = State.Failed;
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#countDigits = 0;
    this.#error = new EsaError(code, message);
    return this.#error;
  }
}

/**
 * A copy of `bytes[from, to)`. Not `bytes.slice()`: on a Node `Buffer` (a `Uint8Array` whose
 * `slice` returns a view) that would keep a view into a buffer the caller may reuse.
 */
function copyOf(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const copy = new Uint8Array(to - from);
  copy.set(bytes.subarray(from, to));
  return copy;
}

function concat(pieces: readonly Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
