/**
 * IP address labels of the virtual network: validation, canonical text, and the bytes the pcap
 * writer puts on the wire. Addresses are labels only: nothing is ever sent to them.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';

/** An IP family: 4 or 6. */
export type IpFamily = 4 | 6;

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether `text` is a dotted-quad IPv4 address (`10.44.167.30`). */
export function isIPv4Address(text: string): boolean {
  return ipv4Pattern.test(text);
}

/** The 16 bytes of an IPv6 address, or `undefined` when `text` is not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45 || !text.includes(':')) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4Address(last)) return undefined;
    tail.push(...last.split('.').map(Number));
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const words: number[] = [];
    for (const group of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
      words.push(Number.parseInt(group, 16));
    }
    return words;
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return undefined;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The family of an IP literal, or `undefined` when `text` is neither IPv4 nor IPv6. */
export function ipFamily(text: string): IpFamily | undefined {
  if (isIPv4Address(text)) return 4;
  return parseIPv6(text) === undefined ? undefined : 6;
}

/** The wire bytes of an IP literal (4 or 16 bytes). @throws InvalidOptionError when it is none. */
export function addressBytes(text: string, option = 'address'): Uint8Array {
  if (isIPv4Address(text)) return Uint8Array.from(text.split('.').map(Number));
  const v6 = parseIPv6(text);
  if (v6 === undefined) throw new InvalidOptionError(option, text, 'an IPv4 or IPv6 address such as 10.44.167.30 or fd00::30');
  return v6;
}

/** The canonical text of an IP literal (RFC 5952 for IPv6: lower case, longest zero run as `::`). */
export function canonicalAddress(text: string, option = 'address'): string {
  if (isIPv4Address(text)) return text;
  const bytes = addressBytes(text, option);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Whether an address means "this host" when a virtual host binds or connects to it. */
export function isLoopbackOrWildcard(text: string): boolean {
  return text === '' || text === '0.0.0.0' || text === '::' || text === 'localhost' || text === '::1' || text.startsWith('127.');
}
