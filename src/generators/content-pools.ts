/**
 * Precomputed content for the generators: documentation addresses (RFC 5737 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 and RFC 3849 2001:db8::/32) and example domains (RFC 2606
 * example.com/.org/.net and *.example) only, so that generated logs never name a real host.
 * Pools are built once at module load; generators pick from them by index (no formatting at
 * generation time).
 *
 * @module
 */

import { civilFromDays, SYSLOG_MONTHS } from '../core/syslog-format.js';

/** Matches every IPv4 or IPv6 literal that is allowed in generated content. */
export const DOCUMENTATION_ADDRESS_PATTERN = /^(?:192\.0\.2\.|198\.51\.100\.|203\.0\.113\.)\d{1,3}$|^2001:db8:/i;

/** Matches every domain name that is allowed in generated content (RFC 2606 names). */
export const EXAMPLE_DOMAIN_PATTERN = /(?:^|\.)(?:example\.(?:com|org|net)|example)$/i;

function range(count: number, map: (index: number) => string): readonly string[] {
  return Object.freeze(Array.from({ length: count }, (_, index) => map(index)));
}

/** The protected (local) domain of the simulated appliance: inbound mail is addressed to it. */
export const LOCAL_DOMAIN = 'example.com';

/** Hosts of the local domain that relay outbound mail through the appliance. */
export const RELAY_HOSTS: readonly { readonly address: string; readonly name: string }[] = Object.freeze(
  Array.from({ length: 6 }, (_, index) => Object.freeze({ address: `192.0.2.${20 + index}`, name: `exch${index + 1}.example.com` })),
);

/** Internal groupware servers that inbound mail is delivered to. */
export const INTERNAL_MAIL_SERVERS: readonly string[] = range(4, (index) => `192.0.2.${30 + index}`);

/** Remote domains: senders of inbound mail and recipients of outbound mail. */
export const REMOTE_DOMAINS: readonly string[] = Object.freeze([
  'example.org',
  'example.net',
  'mail.example.org',
  'news.example.net',
  'shop.example',
  'billing.example',
  'partner.example',
  'travel.example',
  'bank.example',
  'cloud.example',
  'supplier.example',
  'events.example',
  'marketing.example.net',
  'university.example',
  'hospital.example',
  'logistics.example',
]);

/** Local parts of mailbox addresses. */
export const LOCAL_PARTS: readonly string[] = Object.freeze([
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj',
  'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'wendy', 'yasmin', 'zoe',
  'info', 'sales', 'support', 'billing', 'hr', 'noreply', 'newsletter', 'accounts', 'jobs', 'press',
  'it-helpdesk', 'finance', 'legal', 'marketing', 'orders', 'service', 'team', 'office',
]);

/** Subjects without quotes or control characters (ESA quotes the subject with `'`). */
export const SUBJECTS: readonly string[] = Object.freeze([
  'Quarterly report',
  'Invoice 2026-0412',
  'Meeting notes',
  'Re: Project timeline',
  'Fwd: Travel itinerary',
  'Your order has shipped',
  'Weekly newsletter',
  'Password expiry notice',
  'Re: Contract draft',
  'Lunch on Friday?',
  'Budget review',
  'Shipping confirmation',
  'Welcome to the team',
  'Action required: verify your account',
  'Conference registration',
  'Re: Re: Support ticket 48213',
  'Monthly statement',
  'Holiday schedule',
  'Server maintenance window',
  'Purchase order 7781',
  'Fwd: Slides for tomorrow',
  'Customer feedback',
  'Training session reminder',
  'Re: Quick question',
  'Delivery delayed',
  'New login to your account',
  'Payment received',
  'Agenda for the board meeting',
  'Updated price list',
  'Job application',
]);

/** Client addresses of remote mail servers (two documentation /24s and some 2001:db8:: hosts). */
export const REMOTE_ADDRESSES: readonly string[] = Object.freeze([
  ...range(254, (index) => `198.51.100.${index + 1}`),
  ...range(254, (index) => `203.0.113.${index + 1}`),
  ...range(32, (index) => `2001:db8:${(0x100 + index).toString(16)}::25`),
]);

/** Numbers 0..max as strings, so hot paths concatenate instead of converting. */
function numberStrings(max: number): readonly string[] {
  return range(max + 1, (index) => String(index));
}

/** `'0'` … `'1023'`. */
export const SMALL_NUMBERS: readonly string[] = numberStrings(1023);

/** SBRS scores −10.0 … 10.0 in steps of 0.1, index 0 ↔ −10.0 (`'-10.0'`, …, `'0.0'`, …, `'10.0'`). */
export const SBRS_SCORES: readonly string[] = range(201, (index) => ((index - 100) / 10).toFixed(1));

/** The SBRS string for a score index in [0, 200] (see {@link SBRS_SCORES}). */
export function sbrsScore(index: number): string {
  return SBRS_SCORES[index] as string;
}

/** RID lists `[0]`, `[0, 1]`, … for 1…64 recipients (index = count). */
export const RID_LISTS: readonly string[] = range(65, (count) => `[${Array.from({ length: count }, (_, index) => index).join(', ')}]`);

/** Inbound/outbound TLS parameters seen in the field: `protocol <p> cipher <c>`. */
export const TLS_PARAMETERS: readonly string[] = Object.freeze([
  'protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384',
  'protocol TLSv1.2 cipher ECDHE-RSA-AES128-GCM-SHA256',
  'protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384',
  'protocol TLSv1.2 cipher DHE-RSA-AES256-GCM-SHA384',
]);

/** Virus names as Sophos reports them. */
export const VIRUS_NAMES: readonly string[] = Object.freeze(['EICAR-AV-Test', 'Troj/Agent-BCXZ', 'Mal/DrodZp-A', 'Troj/PDFJs-AKQ', 'Mal/Phish-B']);

/** DKIM selectors. */
export const DKIM_SELECTORS: readonly string[] = Object.freeze(['selector1', 'selector2', 's2048', 'mail', 'k1']);

const HEX = '0123456789abcdef';

/** `count` lower-case hex digits drawn from `next` (a [0, 1) source), eight per draw. */
export function randomHex(next: () => number, count: number): string {
  let text = '';
  while (text.length < count) text += ((next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
  return text.length === count ? text : text.slice(0, count);
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `count` letters and digits drawn from `next` (GUI session ids are 20 of them). */
export function randomAlnum(next: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += ALNUM[Math.floor(next() * ALNUM.length)];
  return text;
}

/** Character codes of the digits 0-9, a-z. */
const DIGIT_CODES = Uint8Array.from('0123456789abcdefghijklmnopqrstuvwxyz', (char) => char.charCodeAt(0));
const UPPER_DIGIT_CODES = Uint8Array.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (char) => char.charCodeAt(0));
const digitScratch = new Uint8Array(32);

/** The string of the digits `digitScratch[from..]` (one allocation, no intermediate strings). */
function digitsFrom(from: number): string {
  const d = digitScratch;
  switch (32 - from) {
    case 1:
      return String.fromCharCode(d[31] as number);
    case 2:
      return String.fromCharCode(d[30] as number, d[31] as number);
    case 3:
      return String.fromCharCode(d[29] as number, d[30] as number, d[31] as number);
    case 4:
      return String.fromCharCode(d[28] as number, d[29] as number, d[30] as number, d[31] as number);
    case 5:
      return String.fromCharCode(d[27] as number, d[28] as number, d[29] as number, d[30] as number, d[31] as number);
    case 6:
      return String.fromCharCode(d[26] as number, d[27] as number, d[28] as number, d[29] as number, d[30] as number, d[31] as number);
    case 7:
      return String.fromCharCode(d[25] as number, d[26] as number, d[27] as number, d[28] as number, d[29] as number, d[30] as number, d[31] as number);
    case 8:
      return String.fromCharCode(d[24] as number, d[25] as number, d[26] as number, d[27] as number, d[28] as number, d[29] as number, d[30] as number, d[31] as number);
    default:
      return String.fromCharCode(...d.subarray(from));
  }
}

/**
 * `value.toString(16)` for an unsigned 32-bit integer, without the runtime's radix conversion:
 * the Message-ID and CEF hex words are drawn for every message.
 */
export function hexUint32(value: number): string {
  let n = value >>> 0;
  let at = 32;
  do {
    digitScratch[--at] = DIGIT_CODES[n & 15] as number;
    n >>>= 4;
  } while (n !== 0);
  return digitsFrom(at);
}

/** `value.toString(36).toUpperCase()` for an unsigned 32-bit integer (the Response queue id). */
export function base36UpperUint32(value: number): string {
  let n = value >>> 0;
  let at = 32;
  do {
    const quotient = Math.floor(n / 36);
    digitScratch[--at] = UPPER_DIGIT_CODES[n - quotient * 36] as number;
    n = quotient;
  } while (n !== 0);
  return digitsFrom(at);
}

const WEEKDAYS = ['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'];

function two(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/**
 * Python's `time.ctime()` of `timeMs` in the appliance's local time (`Wed Jun 25 09:20:03 2026`,
 * day of the month space-padded: `Thu Nov  3 14:05:44 2022`), as ESA writes in `pending till` and
 * in CEF `startTime`/`endTime`.
 */
export function formatCtime(timeMs: number, utcOffsetSeconds = 0): string {
  const local = Math.floor(timeMs / 1000) + utcOffsetSeconds;
  const days = Math.floor(local / 86_400);
  const secondOfDay = local - days * 86_400;
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const date = ctimeDate(days);
  return date + two(hour) + ':' + two(minute) + ':' + two(second) + cachedYear;
}

// The date parts of the last day formatted: consecutive times are mostly on the same day.
let cachedDays = Number.NaN;
let cachedDate = '';
let cachedYear = '';

/** `Thu Nov  3 ` for a day count since 1970-01-01 (and sets `cachedYear` to ` 2022`). */
function ctimeDate(days: number): string {
  if (days !== cachedDays) {
    const { year, month, day } = civilFromDays(days);
    const weekday = WEEKDAYS[((days % 7) + 7) % 7] as string;
    cachedDate = `${weekday} ${SYSLOG_MONTHS[month - 1]} ${day < 10 ? ` ${day}` : day} `;
    cachedYear = ` ${year}`;
    cachedDays = days;
  }
  return cachedDate;
}

/** Administrators' workstations (GUI, CLI and authentication logs). */
export const ADMIN_ADDRESSES: readonly string[] = range(20, (index) => `192.0.2.${100 + index}`);

/** The appliance's DNS servers. */
export const DNS_SERVERS: readonly string[] = Object.freeze(['192.0.2.53', '192.0.2.54']);

/** Appliance user accounts. */
export const ADMIN_USERS: readonly string[] = Object.freeze(['admin', 'operator', 'helpdesk', 'auditor', 'netops', 'jsmith', 'mlee']);

/** Browser user agents seen on the GUI. */
export const USER_AGENTS: readonly string[] = Object.freeze([
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
]);

/**
 * Returns `text` flattened. A long line built from dozens of `+` is a tree of pieces until
 * something reads it; reading one character makes V8 copy it into one flat string, so the
 * garbage collector keeps one object per line instead of the whole tree (twice the throughput
 * for CEF lines of 1–2 KB).
 */
export function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}
