/**
 * One chaos run in the virtual world: an `Appliance` on one virtual host pushes to a
 * `SyslogServer` on another over a `VirtualLink`, both with random faults that switch on and off
 * over time, under one of the three policies. Everything runs on a `VirtualClock`: a run of a few
 * simulated minutes takes milliseconds, and the same seed gives the same run.
 */
import { Appliance } from '../../../src/appliance/appliance.js';
import { VirtualClock } from '../../../src/clock/virtual-clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { SyslogServer } from '../../../src/server/syslog-server.js';
import type { Subscription } from '../../../src/appliance/subscription.js';
import type { VirtualLink } from '../../../src/vnet/link.js';
import { VirtualNetwork } from '../../../src/vnet/virtual-network.js';
import { describeTimeline, randomFaultTimeline } from './fault-timeline.js';
import { judge } from './judge.js';
import { collectProcessErrors } from './process-errors.js';
import {
  checkLedger,
  type ChaosPolicy,
  type ChaosRunResult,
  judgedRecords,
  LineRecorder,
  randomPolicy,
  randomRunShape,
} from './world.js';

const ESA = '10.229.24.230';
const SYSLOG = '10.44.167.30';
const START = Date.UTC(2014, 5, 25, 6, 50, 3);

/**
 * How long after every close the clock may run on before no timer may be left: a closed socket
 * on a lossy link retransmits its FIN with back-off up to 60 s for 15 retries (~15 min).
 */
const GRACE_MS = 30 * 60_000;

/**
 * Runs `promise` to its end while moving virtual time from timer to timer (closing a virtual
 * socket waits on the clock). Fails when it cannot settle: no timer left, or `limitMs` passed.
 */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>, what: string, limitMs = 30 * 60_000): Promise<T> {
  let isSettled = false;
  const watched = promise.finally(() => {
    isSettled = true;
  });
  watched.catch(() => {});
  const deadline = clock.now() + limitMs;
  for (let step = 0; step < 1_000_000 && !isSettled; step++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (isSettled) break;
    const next = clock.nextAt;
    if (next === undefined) throw new Error(`${what} never settled, and no timer is left on the clock`);
    if (next > deadline) throw new Error(`${what} did not settle within ${limitMs} virtual ms`);
    await clock.advanceTo(next);
  }
  return watched;
}

/** The objects of a virtual run (for debugging a seed). */
export interface VirtualWorld {
  readonly clock: VirtualClock;
  readonly vnet: VirtualNetwork;
  readonly link: VirtualLink;
  readonly appliance: Appliance;
  readonly server: SyslogServer;
  readonly subscription: Subscription;
}

/** One virtual chaos run. Never throws for a failed check: the result lists the problems. */
export async function runVirtualChaos(seed: number, policy: ChaosPolicy, inspect?: (world: VirtualWorld) => void): Promise<ChaosRunResult> {
  const root = seededRandom(seed);
  const shapeRandom = root.fork('shape');
  const shape = randomRunShape(shapeRandom, {
    durationMs: [15_000, 150_000],
    maxWrites: 40,
    maxLongLineChars: 90_000,
    maxMessagesPerSecond: 3,
  });
  const timeline = randomFaultTimeline(root.fork('timeline'), { durationMs: shape.durationMs });
  const policySpec = randomPolicy(root.fork(`policy:${policy}`), policy);
  const linkRandom = root.fork('link');
  const latencyMs = Math.round(linkRandom.next() * 2000) / 100;
  const jitterMs = linkRandom.chance(0.5) ? 0 : Math.round(linkRandom.next() * 500) / 100;
  const description = [
    `shape: ${JSON.stringify({ ...shape, writes: `${shape.writes.length} scripted writes` })}`,
    `policy: ${JSON.stringify(policySpec)}`,
    `link: latency ${latencyMs} ms, jitter ${jitterMs} ms`,
    describeTimeline(timeline),
  ].join('\n');

  const escaped = collectProcessErrors();
  const problems: string[] = [];
  const clock = new VirtualClock({ startMs: START });
  const vnet = new VirtualNetwork({ clock, seed });
  const esa = vnet.host(ESA);
  const syslog = vnet.host(SYSLOG);
  const link = vnet.link(ESA, SYSLOG, { latencyMs, jitterMs, faults: timeline.link });
  const appliance = new Appliance({ clock, network: esa, evidence: 'receiver', seed, utcOffsetSeconds: shape.utcOffsetSeconds });
  const server = new SyslogServer({
    protocol: shape.protocol,
    network: syslog,
    clock,
    host: SYSLOG,
    port: 514,
    faults: timeline.receiver,
    observers: [appliance.ledger.observer],
    recordLimit: 10_000_000,
    maxMessageBytes: shape.maxMessageBytes,
    seed,
  });
  const finEnded = new Set<number>();
  server.on('connection:closed', (event) => {
    if (event.by === 'peer' && event.reason === 'end') finEnded.add(event.connectionId);
  });
  let simulatedMs = 0;
  let recorder: LineRecorder | undefined;
  try {
    await settle(clock, server.listen(), 'server.listen()');
    const subscription = appliance.addSubscription({
      ...shape.subscription,
      host: SYSLOG,
      port: 514,
      policy: policySpec,
      transportOptions: { ...(shape.protocol === 'tcp' ? shape.transport : {}), longLines: shape.longLines },
    });
    recorder = new LineRecorder(appliance, subscription, shape.longLines);
    inspect?.({ clock, vnet, link, appliance, server, subscription });
    if (shape.messagesPerSecond > 0) appliance.addGenerator('mail_logs', { messagesPerSecond: shape.messagesPerSecond });
    const start = clock.now();
    for (const write of shape.writes) clock.schedule(write.atMs, () => appliance.write('mail_logs', write.level, write.text));
    for (const change of timeline.switches) {
      clock.schedule(change.atMs, () => {
        if (change.side === 'receiver') server.setFaults(change.faults);
        else link.setFaults(change.faults);
      });
    }
    appliance.start();
    await clock.advanceTo(start + shape.durationMs);
    await settle(clock, appliance.close(), 'appliance.close()');
    await settle(clock, server.close(), 'server.close()');
    appliance.ledger.settleDatagrams(Number.POSITIVE_INFINITY);
    // Sockets closed on a lossy link still retransmit their FIN for a while, as a kernel does;
    // anything the closed objects left behind would run forever (or reschedule itself).
    const closedAt = clock.now();
    for (let step = 0; step < 100_000 && clock.nextAt !== undefined && (clock.nextAt as number) <= closedAt + GRACE_MS; step++) {
      await clock.advanceTo(clock.nextAt as number);
    }
    simulatedMs = clock.elapsedMs;
    if (clock.pending !== 0) problems.push(`${clock.pending} timer(s) left on the clock ${GRACE_MS} ms after every close`);
    if (server.stats.connectionsOpen !== 0) problems.push(`the server still has ${server.stats.connectionsOpen} open connection(s) after close()`);
    if (appliance.ledger.trackedConnections !== 0) problems.push(`the ledger still tracks ${appliance.ledger.trackedConnections} connection(s) after every close`);
  } catch (error) {
    problems.push(`the run threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await vnet.close();
  }
  const counts = appliance.ledger.counts();
  const stream = appliance.ledger.streams[0];
  const verdict = judge(recorder?.lines ?? [], stream ? stream.fates() : [], judgedRecords(server.records, finEnded), recorder?.logfileLines ?? [], { isDatagram: shape.protocol === 'udp' });
  problems.push(...checkLedger(counts, verdict, await escaped.stop()));
  return { seed, policy, problems, counts, verdict, description, simulatedMs };
}
