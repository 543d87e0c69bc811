/**
 * Virtual network throughput, tracing off: bulk TCP (1 MiB writes, counted in 150-byte lines and
 * in segments) and the appliance pattern (a 50-line push of 7.5 KB per simulated second), against
 * copying the same bytes once. Runs in the harness (`npm run bench -- vnet`) or standalone
 * (`npx tsx bench/vnet.bench.ts`), which also prints MB/s, segments/s and timers per push.
 */
import { pathToFileURL } from 'node:url';
import type { Clock, Timer } from '../src/clock/clock.js';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { VirtualNetwork } from '../src/vnet/virtual-network.js';
import type { BenchPart } from './index.js';

const LINE_BYTES = 150;
const BULK_BYTES = 1 << 20;
const BULK_LINES = Math.floor(BULK_BYTES / LINE_BYTES);
const PUSH_LINES = 50;
const PUSH_BYTES = PUSH_LINES * LINE_BYTES;
const MSS_BYTES = 1460;

/** A connected virtual pair; the reader counts bytes. Driven with advanceSync (no promises). */
function connectedPair() {
  const clock = new VirtualClock({ startMs: 0, loopLimit: 10_000_000 });
  let timers = 0;
  const counting: Clock = {
    now: () => clock.now(),
    schedule: (delayMs: number, callback: () => void): Timer => {
      timers++;
      return clock.schedule(delayMs, callback);
    },
  };
  const vnet = new VirtualNetwork({ clock: counting, seed: 1, defaultLinkLatencyMs: 0.25 });
  const esa = vnet.host('10.229.24.230');
  const syslog = vnet.host('10.44.167.30');
  let received = 0;
  let isListening = false;
  void syslog.listen({ host: '0.0.0.0', port: 514 }, (socket) => socket.on('data', (chunk) => (received += chunk.byteLength))).then(() => (isListening = true));
  const client = esa.connect({ host: syslog.address, port: 514 });
  client.on('data', () => {});
  clock.advanceSync(10);
  return {
    clock,
    client,
    received: () => received,
    timers: () => timers,
    isReady: () => isListening,
    /** Advances in 1 ms steps until `bytes` more arrived (bounded). */
    deliver(bytes: number): void {
      const target = received + bytes;
      for (let i = 0; i < 1_000_000 && received < target; i++) clock.advanceSync(1);
      if (received < target) throw new Error(`only ${received} of ${target} bytes arrived`);
    },
  };
}

const bulk = connectedPair();
const bulkPayload = new Uint8Array(BULK_BYTES).fill(0x61);
const push = connectedPair();
const pushPayload = new Uint8Array(PUSH_BYTES).fill(0x62);
const copyTarget = new Uint8Array(BULK_BYTES);

const part: BenchPart = {
  name: 'vnet',
  baseline: {
    name: 'copy 1 MiB once (Uint8Array.set)',
    lines: BULK_LINES,
    run: () => {
      copyTarget.set(bulkPayload);
      return copyTarget[BULK_BYTES - 1];
    },
  },
  cases: [
    {
      name: 'virtual TCP bulk, 1 MiB writes (150-byte lines)',
      lines: BULK_LINES,
      run: () => {
        bulk.client.write(bulkPayload);
        bulk.deliver(BULK_BYTES);
        return bulk.received();
      },
    },
    {
      name: 'virtual TCP bulk, 1 MiB writes (segments)',
      lines: Math.ceil(BULK_BYTES / MSS_BYTES),
      run: () => {
        bulk.client.write(bulkPayload);
        bulk.deliver(BULK_BYTES);
        return bulk.received();
      },
    },
    {
      name: 'virtual TCP, one 50-line push per simulated second',
      lines: PUSH_LINES,
      run: () => {
        push.client.write(pushPayload);
        push.clock.advanceSync(1000);
        return push.received();
      },
    },
  ],
};

export default part;

/** Standalone figures: MB/s, segments/s, timers per push. */
function measure(): void {
  const rate = (bytes: number, run: () => void, minMs = 1000): number => {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < minMs && calls < 100_000) {
      run();
      calls++;
    }
    return (calls * bytes) / ((performance.now() - start) / 1000);
  };
  const before = push.timers();
  const pushes = 20_000;
  const start = performance.now();
  for (let i = 0; i < pushes; i++) {
    push.client.write(pushPayload);
    push.clock.advanceSync(1000);
  }
  const pushMs = performance.now() - start;
  const timersPerPush = (push.timers() - before) / pushes;
  const bulkRate = rate(BULK_BYTES, () => {
    bulk.client.write(bulkPayload);
    bulk.deliver(BULK_BYTES);
  });
  console.log(`bulk: ${(bulkRate / 1e6).toFixed(1)} MB/s, ${((bulkRate / LINE_BYTES) / 1e6).toFixed(2)} M lines/s of ${LINE_BYTES} B, ${((bulkRate / MSS_BYTES) / 1e3).toFixed(0)} k segments/s`);
  console.log(`pushes: ${((pushes * PUSH_LINES) / (pushMs / 1000) / 1e6).toFixed(2)} M lines/s, ${timersPerPush.toFixed(1)} timers per push, ${(pushMs / pushes * 1000).toFixed(1)} µs per push`);
  console.log(`24 h of 50 lines/s: ${((86_400 * pushMs) / pushes / 1000).toFixed(2)} s of vnet time (advanceSync; advance() adds ~2.3 µs per timer: ${((86_400 * timersPerPush * 2.3) / 1e6).toFixed(2)} s)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) measure();
