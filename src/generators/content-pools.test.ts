import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.js';
import {
  base36UpperUint32,
  hexUint32,
  ADMIN_ADDRESSES,
  DNS_SERVERS,
  DOCUMENTATION_ADDRESS_PATTERN,
  EXAMPLE_DOMAIN_PATTERN,
  formatCtime,
  INTERNAL_MAIL_SERVERS,
  LOCAL_DOMAIN,
  randomAlnum,
  randomHex,
  RELAY_HOSTS,
  REMOTE_ADDRESSES,
  REMOTE_DOMAINS,
  RID_LISTS,
  SBRS_SCORES,
} from './content-pools.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

describe('hexUint32 and base36UpperUint32', () => {
  it.for([0, 1, 15, 16, 35, 36, 255, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff])('write %i like toString', (value) => {
    expect(hexUint32(value)).toBe(value.toString(16));
    expect(base36UpperUint32(value)).toBe(value.toString(36).toUpperCase());
  });

  it('write every unsigned 32-bit integer like toString (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(hexUint32(value)).toBe(value.toString(16));
        expect(base36UpperUint32(value)).toBe(value.toString(36).toUpperCase());
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});

describe('formatCtime', () => {
  it.for([
    [Date.UTC(2022, 10, 3, 14, 5, 44), 0, 'Thu Nov  3 14:05:44 2022'],
    [Date.UTC(2020, 7, 10, 7, 56, 56), 7200, 'Mon Aug 10 09:56:56 2020'],
    [Date.UTC(2026, 5, 25, 2, 0, 0), -18_000, 'Wed Jun 24 21:00:00 2026'],
    [Date.UTC(1969, 11, 31, 23, 59, 59), 0, 'Wed Dec 31 23:59:59 1969'],
    [Date.UTC(2024, 1, 29, 0, 0, 0) + 999, 0, 'Thu Feb 29 00:00:00 2024'],
  ] as const)('formats %i at offset %i as %s', ([timeMs, offset, text]) => {
    expect(formatCtime(timeMs, offset)).toBe(text);
  });

  it('agrees with Date for any time and offset (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e12, max: 4e12 }), fc.integer({ min: -64_800, max: 64_800 }), (timeMs, offset) => {
        const local = new Date(Math.floor(timeMs / 1000) * 1000 + offset * 1000);
        const pad = (value: number) => String(value).padStart(2, '0');
        const expected = `${DAYS[local.getUTCDay()]} ${MONTHS[local.getUTCMonth()]} ${String(local.getUTCDate()).padStart(2, ' ')} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${local.getUTCFullYear()}`;
        expect(formatCtime(timeMs, offset)).toBe(expected);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('content pools', () => {
  it('hold documentation addresses only', () => {
    const all = [...REMOTE_ADDRESSES, ...INTERNAL_MAIL_SERVERS, ...ADMIN_ADDRESSES, ...DNS_SERVERS, ...RELAY_HOSTS.map((host) => host.address)];
    expect(all.filter((address) => !DOCUMENTATION_ADDRESS_PATTERN.test(address))).toEqual([]);
    expect(new Set(REMOTE_ADDRESSES).size).toBe(REMOTE_ADDRESSES.length);
  });

  it('hold example domains only', () => {
    const all = [LOCAL_DOMAIN, ...REMOTE_DOMAINS, ...RELAY_HOSTS.map((host) => host.name)];
    expect(all.filter((domain) => !EXAMPLE_DOMAIN_PATTERN.test(domain))).toEqual([]);
  });

  it.for(['10.44.167.30', '192.0.3.1', '198.51.101.5', '8.8.8.8', '2001:db9::1', 'fe80::1'])('does not take %s for a documentation address', (address) => {
    expect(DOCUMENTATION_ADDRESS_PATTERN.test(address)).toBe(false);
  });

  it.for(['example.co', 'notexample.com', 'example.com.evil.net', 'cisco.com'])('does not take %s for an example domain', (domain) => {
    expect(EXAMPLE_DOMAIN_PATTERN.test(domain)).toBe(false);
  });

  it('precomputes SBRS scores and RID lists', () => {
    expect([SBRS_SCORES[0], SBRS_SCORES[70], SBRS_SCORES[100], SBRS_SCORES[155], SBRS_SCORES[200]]).toEqual(['-10.0', '-3.0', '0.0', '5.5', '10.0']);
    expect([RID_LISTS[1], RID_LISTS[3]]).toEqual(['[0]', '[0, 1, 2]']);
  });

  it('draws hex and alphanumeric ids of the length asked', () => {
    const random = seededRandom(1);
    expect(randomHex(() => random.next(), 64)).toMatch(/^[0-9a-f]{64}$/);
    expect(randomAlnum(() => random.next(), 20)).toMatch(/^[A-Za-z0-9]{20}$/);
  });
});
