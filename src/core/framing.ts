/**
 * Syslog over TCP framing, encoder side: LF-terminated frames (what ESA sends) or RFC 6587
 * octet counting (`<length> <message>`). One encoded buffer per batch, with every frame's end
 * offset so the ledger can tell which lines a receiver got.
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';

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
