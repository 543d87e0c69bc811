/**
 * A BSD syslog (RFC 3164) line parser for what ESA sends and what other senders write:
 * `<PRI>Mmm dd HH:MM:SS [host ]tag[pid]: [Level: ]text`. A hand-written scanner that never
 * throws: a line that does not parse gives `{ ok: false, error }` with the offset where it failed.
 *
 * @module
 */

import { LEVEL_BY_WORD, SYSLOG_FACILITY_NAMES, type LogLevel } from './vocabulary.js';

/** The timestamp of a BSD syslog line (no year, no zone). */
export interface SyslogTimestamp {
  /** 1–12. */
  readonly month: number;
  /** 1–31. */
  readonly day: number;
  /** 0–23. */
  readonly hour: number;
  /** 0–59. */
  readonly minute: number;
  /** 0–60 (a leap second is allowed). */
  readonly second: number;
  /** The 15 characters as written (`Jun 25 08:50:03`, `Jul  4 08:50:03`). */
  readonly text: string;
}

/** A parsed syslog line. */
export interface ParsedSyslogLine {
  /** The PRI value, 0–191. */
  readonly pri: number;
  /** The facility code (PRI >> 3). */
  readonly facility: number;
  /** The facility's name (`mail`, `local7`, `kern`…). */
  readonly facilityName: string;
  /** The severity (PRI & 7). */
  readonly severity: number;
  /** The timestamp. */
  readonly timestamp: SyslogTimestamp;
  /** The hostname token, when the line has one. */
  readonly host?: string;
  /** The tag (ESA: the subscription name), without `[pid]` and `:`. */
  readonly tag: string;
  /** The `[pid]` of the tag, when present (ESA writes none). */
  readonly pid?: string;
  /** The ESA level, when the text starts with a level word (`Info: `). CEF lines have none. */
  readonly level?: LogLevel;
  /** The level word as written (`Info`). */
  readonly levelWord?: string;
  /** The text after the tag (and after the level word, when there is one). */
  readonly text: string;
}

/** Why a line did not parse. */
export interface SyslogParseError {
  readonly code: 'ESA_ERR_PARSE';
  /** What was expected, in words. */
  readonly reason: string;
  /** The UTF-16 offset in the line where parsing failed. */
  readonly offset: number;
}

/** The result of {@link parseSyslogLine}. */
export type ParseResult = { readonly ok: true; readonly record: ParsedSyslogLine } | { readonly ok: false; readonly error: SyslogParseError };

const MONTH_BY_NAME: Readonly<Record<string, number>> = Object.freeze({
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
});

const levelWords = Object.keys(LEVEL_BY_WORD);

function fail(reason: string, offset: number): ParseResult {
  return { ok: false, error: { code: 'ESA_ERR_PARSE', reason, offset } };
}

function digit(line: string, i: number): number {
  const code = line.charCodeAt(i);
  return code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
}

function twoDigits(line: string, i: number): number {
  const a = digit(line, i);
  const b = digit(line, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Parses one syslog line (without framing). Handles ESA lines (with or without the hostname
 * token), CEF lines (no level word), space-padded days, and generic BSD lines with `tag[pid]:`.
 * Never throws.
 *
 * @example
 * ```ts
 * const result = parseSyslogLine('<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile');
 * if (result.ok) result.record.tag; // 'Mail_Log'
 * ```
 */
export function parseSyslogLine(line: string): ParseResult {
  if (typeof line !== 'string') return fail('expected a string', 0);
  if (line.charCodeAt(0) !== 0x3c /* < */) return fail('expected "<" opening the PRI', 0);
  let pri = 0;
  let i = 1;
  for (; i < 5; i++) {
    const d = digit(line, i);
    if (d < 0) break;
    pri = pri * 10 + d;
  }
  if (i === 1 || i === 5) return fail('expected a PRI of 1 to 3 digits', 1);
  if (line.charCodeAt(i) !== 0x3e /* > */) return fail('expected ">" closing the PRI', i);
  if (pri > 191) return fail('expected a PRI from 0 to 191', 1);
  i++;

  // Timestamp: `Mmm dd HH:MM:SS ` (day zero- or space-padded).
  const t = i;
  // Three characters cannot name an Object.prototype member, so a plain lookup is safe.
  const month = MONTH_BY_NAME[line.slice(t, t + 3)];
  if (month === undefined) return fail('expected a month (Jan to Dec)', t);
  if (line.charCodeAt(t + 3) !== 0x20) return fail('expected a space after the month', t + 3);
  const day = line.charCodeAt(t + 4) === 0x20 ? digit(line, t + 5) : twoDigits(line, t + 4);
  if (day < 1 || day > 31) return fail('expected a day from 1 to 31 (zero- or space-padded)', t + 4);
  if (line.charCodeAt(t + 6) !== 0x20) return fail('expected a space after the day', t + 6);
  const hour = twoDigits(line, t + 7);
  if (hour < 0 || hour > 23) return fail('expected an hour from 00 to 23', t + 7);
  if (line.charCodeAt(t + 9) !== 0x3a) return fail('expected ":" after the hour', t + 9);
  const minute = twoDigits(line, t + 10);
  if (minute < 0 || minute > 59) return fail('expected minutes from 00 to 59', t + 10);
  if (line.charCodeAt(t + 12) !== 0x3a) return fail('expected ":" after the minutes', t + 12);
  const second = twoDigits(line, t + 13);
  if (second < 0 || second > 60) return fail('expected seconds from 00 to 60', t + 13);
  if (line.charCodeAt(t + 15) !== 0x20) return fail('expected a space after the timestamp', t + 15);
  const timestamp: SyslogTimestamp = { month, day, hour, minute, second, text: line.slice(t, t + 15) };
  i = t + 16;

  // `[host ]tag[pid]:` — the tag token is the first one ending in ":".
  let host: string | undefined;
  let tagEnd: number; // index of the ':' that ends the tag token
  let tagStart = i;
  const space1 = line.indexOf(' ', i);
  const token1End = space1 < 0 ? line.length : space1;
  if (token1End > i && line.charCodeAt(token1End - 1) === 0x3a) {
    tagEnd = token1End - 1;
  } else {
    const space2 = space1 < 0 ? -1 : line.indexOf(' ', space1 + 1);
    const token2End = space1 < 0 ? -1 : space2 < 0 ? line.length : space2;
    if (token2End > space1 + 1 && token1End > i && line.charCodeAt(token2End - 1) === 0x3a) {
      host = line.slice(i, token1End);
      tagStart = space1 + 1;
      tagEnd = token2End - 1;
    } else {
      // `tag:text` with no space after the colon.
      const colon = line.indexOf(':', i);
      if (colon <= i || colon > token1End) return fail('expected a tag ending in ":"', i);
      tagEnd = colon;
    }
  }
  let tag = line.slice(tagStart, tagEnd);
  let pid: string | undefined;
  if (tag.endsWith(']')) {
    const open = tag.indexOf('[');
    if (open >= 0) {
      pid = tag.slice(open + 1, -1);
      tag = tag.slice(0, open);
    }
  }
  if (tag.length === 0) return fail('expected a non-empty tag', tagStart);
  i = tagEnd + 1;
  if (line.charCodeAt(i) === 0x20) i++;

  let level: LogLevel | undefined;
  let levelWord: string | undefined;
  for (const word of levelWords) {
    if (line.startsWith(word, i) && line.charCodeAt(i + word.length) === 0x3a && line.charCodeAt(i + word.length + 1) === 0x20) {
      levelWord = word;
      level = LEVEL_BY_WORD[word];
      i += word.length + 2;
      break;
    }
  }

  const facility = pri >> 3;
  const record: ParsedSyslogLine = {
    pri,
    facility,
    facilityName: SYSLOG_FACILITY_NAMES[facility] as string,
    severity: pri & 7,
    timestamp,
    ...(host === undefined ? {} : { host }),
    tag,
    ...(pid === undefined ? {} : { pid }),
    ...(level === undefined ? {} : { level, levelWord }),
    text: line.slice(i),
  };
  return { ok: true, record };
}

/** The month abbreviations as three-byte codes (`J`·65536 + `a`·256 + `n`). */
const MONTH_CODES = Int32Array.from(Object.keys(MONTH_BY_NAME), (name) => (name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2));

/** Whether `code` is a month's three-byte code (twelve compares: cheaper than a hash lookup). */
function isMonthCode(code: number): boolean {
  for (let k = 0; k < MONTH_CODES.length; k++) if (MONTH_CODES[k] === code) return true;
  return false;
}

/** The value of a digit byte (or character code), or -1. */
function digitOf(code: number): number {
  return code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
}

/** The value of two digit bytes, or -1. */
function twoDigitsOf(a: number, b: number): number {
  const high = digitOf(a);
  const low = digitOf(b);
  return high < 0 || low < 0 ? -1 : high * 10 + low;
}

/** The digit at `bytes[i]` (before `end`), or -1. */
function digitByte(bytes: Uint8Array, i: number, end: number): number {
  return i < end ? digitOf(bytes[i] as number) : -1;
}

/** The byte at `bytes[i]` (before `end`), or -1. */
function byteAt(bytes: Uint8Array, i: number, end: number): number {
  return i < end ? (bytes[i] as number) : -1;
}

/** The first `byte` in `bytes[from, end)`, or -1 (a loop: the tokens searched are short, and `indexOf` is a call into the runtime). */
function indexOfByte(bytes: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === byte) return i;
  return -1;
}

/**
 * Whether the UTF-8 line in `bytes` (or in `bytes[start, end)`) parses: the same answer as
 * `parseSyslogLine(new TextDecoder().decode(bytes)).ok`, without decoding the bytes or building
 * the record (a receiver that only counts parse errors needs no more). Every character the
 * parser checks before the text is ASCII, and UTF-8 (valid or not) never puts an ASCII byte
 * inside a multi-byte sequence, so the checks read the same on bytes as on the decoded text.
 *
 * @param bytes - the line, or a chunk that holds it.
 * @param start - where the line starts in `bytes`.
 * @param end - where the line ends in `bytes` (exclusive); nothing at or after it is read.
 * @example
 * ```ts
 * isParsableSyslogLine(new TextEncoder().encode('<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile')); // true
 * ```
 */
export function isParsableSyslogLine(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  if (end <= start || bytes[start] !== 0x3c) return false;
  let pri = 0;
  let i = start + 1;
  for (; i < start + 5; i++) {
    const d = digitByte(bytes, i, end);
    if (d < 0) break;
    pri = pri * 10 + d;
  }
  if (i === start + 1 || i === start + 5 || byteAt(bytes, i, end) !== 0x3e || pri > 191) return false;
  const t = i + 1;
  // "Mmm dd HH:MM:SS " has a fixed width: one bounds check for all of it, then plain reads.
  if (t + 16 > end || !isMonthCode(((bytes[t] as number) << 16) | ((bytes[t + 1] as number) << 8) | (bytes[t + 2] as number))) return false;
  if (bytes[t + 3] !== 0x20 || bytes[t + 6] !== 0x20 || bytes[t + 9] !== 0x3a || bytes[t + 12] !== 0x3a || bytes[t + 15] !== 0x20) return false;
  const day = bytes[t + 4] === 0x20 ? digitOf(bytes[t + 5] as number) : twoDigitsOf(bytes[t + 4] as number, bytes[t + 5] as number);
  if (day < 1 || day > 31) return false;
  const hour = twoDigitsOf(bytes[t + 7] as number, bytes[t + 8] as number);
  if (hour < 0 || hour > 23) return false;
  const minute = twoDigitsOf(bytes[t + 10] as number, bytes[t + 11] as number);
  if (minute < 0 || minute > 59) return false;
  const second = twoDigitsOf(bytes[t + 13] as number, bytes[t + 14] as number);
  if (second < 0 || second > 60) return false;
  i = t + 16;

  // The tag token, found as parseSyslogLine finds it.
  let tagStart = i;
  let tagEnd: number;
  const space1 = indexOfByte(bytes, 0x20, i, end);
  const token1End = space1 < 0 ? end : space1;
  if (token1End > i && bytes[token1End - 1] === 0x3a) {
    tagEnd = token1End - 1;
  } else {
    const space2 = space1 < 0 ? -1 : indexOfByte(bytes, 0x20, space1 + 1, end);
    const token2End = space1 < 0 ? -1 : space2 < 0 ? end : space2;
    if (token2End > space1 + 1 && token1End > i && bytes[token2End - 1] === 0x3a) {
      tagStart = space1 + 1;
      tagEnd = token2End - 1;
    } else {
      const colon = indexOfByte(bytes, 0x3a, i, end);
      if (colon <= i || colon > token1End) return false;
      tagEnd = colon;
    }
  }
  let tagLength = tagEnd - tagStart;
  if (tagLength > 0 && bytes[tagEnd - 1] === 0x5d) {
    const open = indexOfByte(bytes, 0x5b, tagStart, end);
    if (open >= 0 && open < tagEnd) tagLength = open - tagStart;
  }
  return tagLength > 0;
}
