/**
 * Long-line rules: what a sender does with a syslog message longer than a receiver accepts.
 * ESA documents no maximum and sends long lines as is (`send`, the default); `truncate`, `split`
 * and `drop` model receivers with 1024-, 2048- or 8192-byte limits. Whatever a rule does is
 * reported (`action`), never silent.
 *
 * Limits count the UTF-8 bytes of the whole message (header included, framing excluded); cuts
 * fall on UTF-8 character boundaries (a surrogate pair is never split).
 *
 * @module
 */

import { InvalidOptionError } from './errors.js';
import { utf8ByteLength } from './framing.js';
import { parseByteSize } from './units.js';
import { LEVEL_BY_WORD } from './vocabulary.js';

/**
 * What to do with a message over `maxBytes`:
 * - `send`: send it as is (ESA's behaviour; `maxBytes` is ignored),
 * - `truncate`: keep the longest prefix that fits,
 * - `split`: cut it into several messages that fit, each repeating the message's syslog header
 *   (`<22>Jun 25 08:50:03 Mail_Log: Info: `) so every part is a valid syslog line,
 * - `drop`: do not send it.
 */
export type LongLineRule = 'send' | 'truncate' | 'split' | 'drop';

/** The long-line rules, for validation and help texts. */
export const LONG_LINE_RULES: readonly LongLineRule[] = Object.freeze(['send', 'truncate', 'split', 'drop']);

/** What a long-line rule did to one message (`undefined` when it was sent unchanged). */
export type LongLineAction = 'truncated' | 'split' | 'dropped';

/** A resolved long-line policy. */
export interface LongLinePolicy {
  /** The rule applied to messages over {@link maxBytes}. */
  readonly rule: LongLineRule;
  /** The largest message, in UTF-8 bytes (framing excluded), that is sent unchanged. */
  readonly maxBytes: number;
}

/**
 * What users pass: an object, or a string `rule` / `rule:size` (`"truncate:2048"`, `"split:1k"`,
 * `"send"`) as the CLI and scenario files write it.
 */
export type LongLineOptions =
  | {
      /**
       * The rule.
       * @default 'send'
       */
      rule?: LongLineRule;
      /**
       * The limit in UTF-8 bytes: a number or a size string (`2048`, `"2k"`), from
       * {@link MIN_LONG_LINE_BYTES} to {@link MAX_LONG_LINE_BYTES}. Ignored by `send`.
       * @default 65536 (the default `maxFrameBytes` of the frame decoder, so a receiver built
       * with defaults accepts every part)
       */
      maxBytes?: number | string;
    }
  | string;

/** The default limit of a long-line policy, in bytes. */
export const DEFAULT_LONG_LINE_MAX_BYTES = 65_536;

/** The smallest accepted `maxBytes`. */
export const MIN_LONG_LINE_BYTES = 16;

/** The largest accepted `maxBytes` (1 GiB). */
export const MAX_LONG_LINE_BYTES = 2 ** 30;

/** The default policy: send as is (ESA documents no limit). */
export const DEFAULT_LONG_LINE_POLICY: LongLinePolicy = Object.freeze({
  rule: 'send',
  maxBytes: DEFAULT_LONG_LINE_MAX_BYTES,
});

const ruleList = `one of ${LONG_LINE_RULES.join(', ')}`;

/**
 * Validates and defaults a long-line policy.
 *
 * @param input - an object `{ rule, maxBytes }`, a string `rule[:size]`, or `undefined` (the
 * default policy).
 * @param optionName - the option's name for error messages (`longLines`, `--long-lines`).
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming `optionName`, `optionName.rule` or
 * `optionName.maxBytes`.
 * @example
 * ```ts
 * resolveLongLinePolicy('truncate:2k', 'longLines'); // { rule: 'truncate', maxBytes: 2048 }
 * ```
 */
export function resolveLongLinePolicy(input: unknown, optionName = 'longLines'): LongLinePolicy {
  if (input === undefined) return DEFAULT_LONG_LINE_POLICY;
  let rule: unknown;
  let maxBytes: unknown;
  if (typeof input === 'string') {
    const colon = input.indexOf(':');
    rule = colon < 0 ? input.trim() : input.slice(0, colon).trim();
    maxBytes = colon < 0 ? undefined : input.slice(colon + 1).trim();
    if (!LONG_LINE_RULES.includes(rule as LongLineRule)) {
      throw new InvalidOptionError(optionName, input, `${ruleList}, optionally followed by :<size> (e.g. truncate:2048)`);
    }
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    for (const key of Object.keys(input)) {
      if (key !== 'rule' && key !== 'maxBytes') {
        throw new InvalidOptionError(`${optionName}.${key}`, (input as Record<string, unknown>)[key], 'not set (unknown option; known: rule, maxBytes)');
      }
    }
    rule = (input as { rule?: unknown }).rule ?? 'send';
    maxBytes = (input as { maxBytes?: unknown }).maxBytes;
    if (!LONG_LINE_RULES.includes(rule as LongLineRule)) {
      throw new InvalidOptionError(`${optionName}.rule`, rule, ruleList);
    }
  } else {
    throw new InvalidOptionError(optionName, input, `an object { rule, maxBytes } or a string such as "truncate:2048" (rule ${ruleList})`);
  }
  const bytes =
    maxBytes === undefined
      ? DEFAULT_LONG_LINE_MAX_BYTES
      : parseByteSize(`${optionName}.maxBytes`, maxBytes, { min: MIN_LONG_LINE_BYTES, max: MAX_LONG_LINE_BYTES });
  return Object.freeze({ rule: rule as LongLineRule, maxBytes: bytes });
}

/** What {@link applyLongLineRule} decided for one message. */
export interface LongLineResult {
  /** The messages to send instead (one for `send`/`truncate`, several for `split`, none for `drop`). */
  readonly parts: string[];
  /** What was done; `undefined` when the message fitted (or the rule is `send`). */
  readonly action: LongLineAction | undefined;
  /** The message's size in UTF-8 bytes before the rule. */
  readonly originalBytes: number;
}

/**
 * Applies a long-line policy to one formatted syslog message (without framing).
 *
 * @param headerLength - for `split`: how many leading UTF-16 code units of `message` form the
 * header that every part repeats (`<22>Jun 25 08:50:03 Mail_Log: Info: `). When omitted, the
 * header is found with {@link detectSyslogHeaderLength} (0 when the message has none). When the
 * header leaves less than 4 bytes of room in a part, the parts after the first carry no header.
 * @example
 * ```ts
 * applyLongLineRule(line, { rule: 'split', maxBytes: 1024 }).parts; // every part ≤ 1024 bytes
 * ```
 */
export function applyLongLineRule(message: string, policy: LongLinePolicy, headerLength?: number): LongLineResult {
  const originalBytes = utf8ByteLength(message);
  const { maxBytes } = policy;
  if (policy.rule === 'send' || originalBytes <= maxBytes) {
    return { parts: [message], action: undefined, originalBytes };
  }
  switch (policy.rule) {
    case 'drop':
      return { parts: [], action: 'dropped', originalBytes };
    case 'truncate':
      return { parts: [message.slice(0, utf8PrefixEnd(message, 0, maxBytes))], action: 'truncated', originalBytes };
    case 'split':
      return { parts: splitMessage(message, maxBytes, headerLength), action: 'split', originalBytes };
  }
}

/**
 * Whether `policy` would change `message` — a cheap check for hot paths that skips the UTF-8
 * count when the UTF-16 length decides (`send` never changes anything; a message of n UTF-16
 * units has n to 3n UTF-8 bytes). Call {@link applyLongLineRule} only when it returns `true`.
 */
export function exceedsLongLineLimit(message: string, policy: LongLinePolicy): boolean {
  if (policy.rule === 'send') return false;
  const units = message.length;
  if (units > policy.maxBytes) return true;
  if (units * 3 <= policy.maxBytes) return false;
  return utf8ByteLength(message) > policy.maxBytes;
}

function splitMessage(message: string, maxBytes: number, headerLength: number | undefined): string[] {
  let length = headerLength ?? detectSyslogHeaderLength(message);
  if (!Number.isInteger(length) || length < 0) length = 0;
  let header = message.slice(0, Math.min(length, message.length));
  let room = maxBytes - utf8ByteLength(header);
  if (room < 4) {
    header = '';
    room = maxBytes;
  }
  const parts: string[] = [];
  let position = utf8PrefixEnd(message, 0, maxBytes);
  parts.push(message.slice(0, position));
  while (position < message.length) {
    const end = utf8PrefixEnd(message, position, room);
    parts.push(header + message.slice(position, end));
    position = end;
  }
  return parts;
}

/**
 * The end index (UTF-16 units, exclusive) of the longest run of `text` from `start` whose UTF-8
 * encoding fits in `maxBytes`, never splitting a surrogate pair. Lone surrogates count 3 bytes
 * (`TextEncoder` writes U+FFFD for them).
 */
export function utf8PrefixEnd(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let size: number;
    let units = 1;
    if (code < 0x80) size = 1;
    else if (code < 0x800) size = 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        size = 4;
        units = 2;
      } else size = 3;
    } else size = 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += units;
  }
  return i;
}

const levelWords = Object.keys(LEVEL_BY_WORD);

/** Longest `[host ]tag` we look for before giving up on finding the tag. */
const MAX_TAG_SCAN = 320;

/**
 * The length (UTF-16 units) of the BSD/ESA syslog header at the start of `message`:
 * `<PRI>Mmm dd HH:MM:SS [host ]tag: ` plus a level word (`Info: `) when one follows, the part
 * a `split` repeats. A cheap scan, not a parser: when the `<PRI>` and timestamp are there but no
 * tag is found, it returns the length through the timestamp's space; without them, 0.
 *
 * @example
 * ```ts
 * detectSyslogHeaderLength('<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile'); // 36
 * ```
 */
export function detectSyslogHeaderLength(message: string): number {
  if (message.charCodeAt(0) !== 0x3c /* < */) return 0;
  let i = 1;
  while (i < 5 && isDigit(message.charCodeAt(i))) i++;
  if (i === 1 || message.charCodeAt(i) !== 0x3e /* > */) return 0;
  const t = i + 1;
  if (
    message.charCodeAt(t + 3) !== 0x20 ||
    message.charCodeAt(t + 6) !== 0x20 ||
    message.charCodeAt(t + 9) !== 0x3a ||
    message.charCodeAt(t + 12) !== 0x3a ||
    message.charCodeAt(t + 15) !== 0x20 ||
    !isDigit(message.charCodeAt(t + 5)) ||
    !isDigit(message.charCodeAt(t + 14))
  ) {
    return 0;
  }
  const afterTimestamp = t + 16;
  const colon = message.indexOf(': ', afterTimestamp);
  if (colon < 0 || colon - afterTimestamp > MAX_TAG_SCAN || colon === afterTimestamp) return afterTimestamp;
  const firstSpace = message.indexOf(' ', afterTimestamp);
  // `[host ]tag` holds at most one space; more means the colon belongs to the text.
  if (firstSpace < colon && message.indexOf(' ', firstSpace + 1) < colon) return afterTimestamp;
  let end = colon + 2;
  for (const word of levelWords) {
    if (message.startsWith(word, end) && message.startsWith(': ', end + word.length)) {
      end += word.length + 2;
      break;
    }
  }
  return end;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
