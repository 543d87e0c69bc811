import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.js';
import { drainTokenBucket, createBandwidthFault } from './bandwidth.js';
import { createBusyFault } from './busy.js';
import { createCloseAfterMessagesFault } from './close-after-messages.js';
import { createDropFault } from './drop.js';
import {
  expectProbability,
  explainWrapper,
  formatCliDuration,
  formatCliSize,
  isInWindow,
  type ConnectContext,
  type DelayContext,
  type MessageContext,
} from './fault.js';
import { createIdleTimeoutFault } from './idle-timeout.js';
import { createLatencyFault } from './latency.js';
import { buildFault } from './parse-fault.js';
import { createRefuseFault } from './refuse.js';
import { createResetAfterBytesFault } from './reset-after-bytes.js';
import { createResetAfterMessagesFault } from './reset-after-messages.js';
import { createResetOnConnectFault } from './reset-on-connect.js';
import { createStallFault } from './stall.js';
import { createTruncateFault } from './truncate.js';

const tcp: ConnectContext = { protocol: 'tcp', active: 0, isPacketLevel: false };
const message = (countedMessages: number, byteLength = 100, protocol: 'tcp' | 'udp' = 'tcp'): MessageContext => ({
  countedMessages,
  byteLength,
  protocol,
});
const delayContext = (overrides: Partial<DelayContext> = {}): DelayContext => ({
  length: 100,
  nowMs: 0,
  random: seededRandom(1),
  bucket: undefined,
  ...overrides,
});

describe('explain()', () => {
  it.for<[string, string]>([
    ['reset-after-bytes=412', 'reset-after-bytes 412: accept, read 412 bytes, then reset the connection (RST)'],
    ['reset-after-messages=1', 'reset-after-messages 1: accept, read 1 syslog message, then reset the connection (RST)'],
    ['reset-after-messages=3', 'reset-after-messages 3: accept, read 3 syslog messages, then reset the connection (RST)'],
    ['reset-on-connect', 'reset-on-connect: accept, then reset the connection (RST) before reading anything'],
    [
      'refuse',
      'refuse: nothing listens: TCP connections are refused (RST to the SYN), UDP datagrams get ICMP port unreachable',
    ],
    ['busy=1', 'busy 1: accept at most 1 concurrent connection, reset (RST) the others'],
    ['close-after-messages=10', 'close-after-messages 10: accept, read 10 syslog messages, then close the connection (FIN)'],
    ['idle-timeout=300s', 'idle-timeout 5m: close the connection (FIN) after 5m without data'],
    ['stall', "stall: accept, never read: the sender's buffers fill"],
    ['latency=200ms', 'latency 200ms: delay every read by 200ms'],
    ['latency=200ms~250ms', 'latency 200ms~250ms: delay every read by 0ms to 450ms (uniform)'],
    ['bandwidth=10k', 'bandwidth 10k: read at most 10240 bytes per second'],
    ['drop=0.1', 'drop 0.1: lose 10% of datagrams (on a virtual link also of TCP packets, SYN included)'],
    ['truncate=1024', 'truncate 1024: keep only the first 1024 bytes of each message'],
    [
      'reset-after-bytes=412@first=1',
      'reset-after-bytes 412: accept, read 412 bytes, then reset the connection (RST); for the first connection only, then healed',
    ],
    [
      'refuse@10s-40s@p=0.5',
      'refuse: nothing listens: TCP connections are refused (RST to the SYN), UDP datagrams get ICMP port unreachable; active from 10s to 40s; with probability 0.5 per connection attempt or datagram',
    ],
    ['stall@1m-@first=3', "stall: accept, never read: the sender's buffers fill; active from 1m on; for the first 3 connections, then healed"],
    ['busy=2@-90s@p=0.25', 'busy 2: accept at most 2 concurrent connections, reset (RST) the others; active until 90s; with probability 0.25 per connection'],
    ['latency=1s@p=0.5', 'latency 1s: delay every read by 1s; with probability 0.5 per read'],
    ['truncate=64@p=0.5', 'truncate 64: keep only the first 64 bytes of each message; with probability 0.5 per message'],
    ['drop=0.25@first=2', 'drop 0.25: lose 25% of datagrams (on a virtual link also of TCP packets, SYN included); for the first 2 connections, then healed'],
  ])('explains %s', ([text, line]) => {
    const fault = buildFault(text);
    expect(fault.explain()).toBe(line);
    expect(fault.explain()).not.toContain('\n');
  });

  it('has a readable toString(): the canonical --fault text', () => {
    expect(String(buildFault('idle-timeout=300s@p=50%'))).toBe('idle-timeout=5m@p=0.5');
    expect(`${buildFault({ type: 'refuse', activeFromMs: 1000 })}`).toBe('refuse@1s-');
  });
});

describe('reset-after-bytes', () => {
  const fault = createResetAfterBytesFault({ type: 'reset-after-bytes', bytes: 412 });

  it.for<[number, number, unknown]>([
    [0, 100, undefined],
    [0, 411, undefined],
    [0, 412, { deliver: 412, after: 'reset' }],
    [0, 1000, { deliver: 412, after: 'reset' }],
    [400, 11, undefined],
    [400, 12, { deliver: 12, after: 'reset' }],
    [400, 50, { deliver: 12, after: 'reset' }],
    [412, 1, { deliver: 0, after: 'reset' }],
  ])('after %i bytes, with %i more readable, decides %j', ([countedBytes, length, expected]) => {
    expect(fault.decideBytes({ countedBytes, length })).toEqual(expected);
  });

  it('resets at the first read with a limit of 0', () => {
    expect(createResetAfterBytesFault({ type: 'reset-after-bytes', bytes: 0 }).decideBytes({ countedBytes: 0, length: 0 })).toEqual({
      deliver: 0,
      after: 'reset',
    });
  });

  it('is a stream-only, connection-level fault', () => {
    expect([fault.isStreamOnly, fault.scope]).toEqual([true, 'connection']);
  });
});

describe('reset-after-messages and close-after-messages', () => {
  const reset = createResetAfterMessagesFault({ type: 'reset-after-messages', messages: 3 });
  const close = createCloseAfterMessagesFault({ type: 'close-after-messages', messages: 3 });

  it.for<[number, unknown]>([
    [0, undefined],
    [1, undefined],
    [2, { deliver: true, after: 'reset' }],
    [3, { deliver: false, after: 'reset' }],
  ])('reset-after-messages 3 with %i seen decides %j', ([counted, expected]) => {
    expect(reset.decideMessage(message(counted))).toEqual(expected);
  });

  it('closes (FIN) instead of resetting for close-after-messages', () => {
    expect(close.decideMessage(message(2))).toEqual({ deliver: true, after: 'close' });
    expect(close.decideMessage(message(1))).toBeUndefined();
  });

  it('ends at the first message, without keeping it, with a limit of 0', () => {
    expect(createResetAfterMessagesFault({ type: 'reset-after-messages', messages: 0 }).decideMessage(message(0))).toEqual({
      deliver: false,
      after: 'reset',
    });
  });
});

describe('reset-on-connect, busy, refuse', () => {
  it('resets every TCP connection after the handshake', () => {
    const fault = createResetOnConnectFault({ type: 'reset-on-connect' });
    expect(fault.decideConnect(tcp)).toBe('reset');
    expect(fault.decideConnect({ ...tcp, protocol: 'udp' })).toBeUndefined();
  });

  it.for<[number, number, unknown]>([
    [1, 0, undefined],
    [1, 1, 'reset'],
    [1, 5, 'reset'],
    [3, 2, undefined],
    [3, 3, 'reset'],
    [0, 0, 'reset'],
  ])('busy=%i with %i already open decides %j', ([maxConnections, active, expected]) => {
    expect(createBusyFault({ type: 'busy', maxConnections }).decideConnect({ ...tcp, active })).toBe(expected);
  });

  it('refuses connections and datagrams; only an unconditional refuse closes the listener', () => {
    const refuse = createRefuseFault({ type: 'refuse' });
    expect(refuse.decideConnect(tcp)).toBe('refuse');
    expect(refuse.decideDatagram()).toBe('refuse');
    expect(refuse.isRefusing).toBe(true);
    expect(createRefuseFault({ type: 'refuse', probability: 0.5 }).isRefusing).toBe(false);
    expect(createRefuseFault({ type: 'refuse', firstConnections: 2 }).isRefusing).toBe(false);
    expect(createRefuseFault({ type: 'refuse', activeFromMs: 10 }).isRefusing).toBe(true);
  });
});

describe('idle-timeout and stall', () => {
  it('gives its idle time', () => {
    expect(createIdleTimeoutFault({ type: 'idle-timeout', idleMs: 300_000 }).idleTimeoutMs).toBe(300_000);
  });

  it('stalls reading and leaves datagrams unread', () => {
    const stall = createStallFault({ type: 'stall' });
    expect(stall.isStalling).toBe(true);
    expect(stall.decideDatagram()).toBe('stall');
    expect(stall.isStreamOnly).toBe(false);
  });
});

describe('latency', () => {
  it('delays by exactly latencyMs without jitter', () => {
    expect(createLatencyFault({ type: 'latency', latencyMs: 200 }).decideDelayMs(delayContext())).toEqual({ delayMs: 200 });
  });

  it('draws whole ms uniformly in [latency − jitter, latency + jitter] and reaches both ends', () => {
    const fault = createLatencyFault({ type: 'latency', latencyMs: 200, jitterMs: 5 });
    const random = seededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(fault.decideDelayMs(delayContext({ random })).delayMs);
    expect([...seen].sort((a, b) => a - b)).toEqual([195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205]);
  });

  it('never goes below 0 when the jitter exceeds the latency', () => {
    const fault = createLatencyFault({ type: 'latency', latencyMs: 2, jitterMs: 10 });
    const random = seededRandom(4);
    const delays = Array.from({ length: 300 }, () => fault.decideDelayMs(delayContext({ random })).delayMs);
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBe(12);
  });

  it('is the same for the same seed', () => {
    const fault = createLatencyFault({ type: 'latency', latencyMs: 100, jitterMs: 50 });
    const run = (seed: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, () => fault.decideDelayMs(delayContext({ random })).delayMs);
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });
});

describe('bandwidth', () => {
  it('makes each read wait until its bytes have crossed the link (no burst)', () => {
    const first = drainTokenBucket(undefined, 1000, 1024, 10_240);
    expect(first).toEqual({ delayMs: 100, bucket: { tokens: -1024, atMs: 1000 } });
    const second = drainTokenBucket(first.bucket, 1000, 1024, 10_240);
    expect(second.delayMs).toBe(200);
    const later = drainTokenBucket(second.bucket, 1150, 512, 10_240);
    expect(later.delayMs).toBe(100);
  });

  it('forgets the backlog once the link has been idle long enough, but never banks credit', () => {
    const busy = drainTokenBucket(undefined, 0, 2048, 1024);
    expect(busy.delayMs).toBe(2000);
    expect(drainTokenBucket(busy.bucket, 60_000, 1024, 1024).delayMs).toBe(1000);
  });

  it('rounds partial milliseconds up', () => {
    expect(drainTokenBucket(undefined, 0, 1, 3).delayMs).toBe(334);
  });

  it('decides through the fault with its bucket', () => {
    const fault = createBandwidthFault({ type: 'bandwidth', bytesPerSecond: 1000 });
    expect(fault.decideDelayMs(delayContext({ length: 250 }))).toEqual({ delayMs: 250, bucket: { tokens: -250, atMs: 0 } });
  });
});

describe('drop and truncate', () => {
  const drop = createDropFault({ type: 'drop', probability: 0.5 });

  it('drops datagrams, UDP-flow messages, and at packet level SYNs and segments', () => {
    expect(drop.decideDatagram()).toBe('drop');
    expect(drop.decideSegment()).toBe('drop');
    expect(drop.decideMessage(message(0, 10, 'udp'))).toEqual({ deliver: false });
    expect(drop.decideMessage(message(0, 10, 'tcp'))).toBeUndefined();
    expect(drop.decideConnect({ ...tcp, isPacketLevel: true })).toBe('drop');
    expect(drop.decideConnect(tcp)).toBeUndefined();
  });

  it.for<[number, unknown]>([
    [1023, undefined],
    [1024, undefined],
    [1025, { deliver: true, truncateTo: 1024 }],
    [70_000, { deliver: true, truncateTo: 1024 }],
  ])('truncate=1024 on a %i-byte message decides %j', ([byteLength, expected]) => {
    expect(createTruncateFault({ type: 'truncate', maxBytes: 1024 }).decideMessage(message(0, byteLength))).toEqual(expected);
  });

  it('truncates datagrams too', () => {
    const truncate = createTruncateFault({ type: 'truncate', maxBytes: 8 });
    expect(truncate.decideDatagram(9)).toEqual({ truncateTo: 8 });
    expect(truncate.decideDatagram(8)).toBeUndefined();
  });
});

describe('wrapper helpers', () => {
  it.for<[number, boolean]>([
    [9_999, false],
    [10_000, true],
    [39_999, true],
    [40_000, false],
  ])('a [10s, 40s) window contains %i ms: %s', ([elapsedMs, expected]) => {
    expect(isInWindow({ activeFromMs: 10_000, activeUntilMs: 40_000 }, elapsedMs)).toBe(expected);
  });

  it('has no window by default', () => {
    expect(isInWindow({}, 0)).toBe(true);
    expect(isInWindow({}, 1e12)).toBe(true);
  });

  it.for<[number, string]>([
    [0, '0ms'],
    [1, '1ms'],
    [1500, '1500ms'],
    [40_000, '40s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [86_401_000, '86401s'],
  ])('formats %i ms as %s', ([ms, text]) => {
    expect(formatCliDuration(ms)).toBe(text);
  });

  it.for<[number, string]>([
    [0, '0'],
    [1500, '1500'],
    [10_240, '10k'],
    [1_048_576, '1m'],
    [3 * 1024 ** 3, '3g'],
  ])('formats %i bytes as %s', ([bytes, text]) => {
    expect(formatCliSize(bytes)).toBe(text);
  });

  it.for<[unknown, number]>([
    ['0.5', 0.5],
    ['50%', 0.5],
    ['.25', 0.25],
    ['1e-7', 1e-7],
    [-0, 0],
    [1, 1],
  ])('reads the probability %j as %d', ([value, expected]) => {
    expect(Object.is(expectProbability('p', value), expected)).toBe(true);
  });

  it('writes no wrapper clause for a plain fault', () => {
    expect(explainWrapper({}, 'per connection')).toBe('');
  });
});
