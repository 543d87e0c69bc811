/**
 * One chaos run on loopback with real sockets: an `Appliance` pushes through a `FaultProxy` to a
 * `SyslogServer`, both on 127.0.0.1 with random faults that switch during the run. The clock is a
 * `VirtualClock` shared by all three (fault windows, delays, timeouts); the test moves it on in
 * small steps while the real sockets do their work in between, so a run of ~10 simulated seconds
 * takes a second or two. Real timing varies from run to run; the checks must hold whatever it is.
 *
 * The proxy opens its own connection (or relay socket) to the server, so the server sees the
 * proxy's endpoint, not the appliance's: a tracking `Network` under the proxy learns which client
 * each upstream connection (or datagram) belongs to, and the ledger's observer is given the
 * client's endpoint, as it would be without the proxy.
 */
import { Appliance } from '../../../src/appliance/appliance.js';
import { VirtualClock } from '../../../src/clock/virtual-clock.js';
import { MAX_FRAME_BYTES_LIMIT } from '../../../src/core/framing.js';
import type { DeliveryObserver, Ledger, MessageReceivedEvidence } from '../../../src/core/ledger.js';
import { endpointKey, type DatagramAddress, type DatagramSocket, type DatagramSocketEvents, type Network } from '../../../src/core/network.js';
import { seededRandom } from '../../../src/core/random.js';
import { FAULT_TYPES } from '../../../src/faults/fault.js';
import { nodeNetwork } from '../../../src/net/node-network.js';
import { FaultProxy } from '../../../src/server/fault-proxy.js';
import { SyslogServer } from '../../../src/server/syslog-server.js';
import { describeTimeline, randomFaultTimeline } from './fault-timeline.js';
import { judge } from './judge.js';
import { collectProcessErrors } from './process-errors.js';
import { checkLedger, type ChaosPolicy, type ChaosRunResult, judgedRecords, LineRecorder, randomPolicy, randomRunShape } from './world.js';

const START = Date.UTC(2014, 5, 25, 6, 50, 3);
/** Virtual ms per step; real ms waited per step (sockets work in between). */
const STEP_MS = 100;
const REAL_PAUSE_MS = 2;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback chaos run's extra result: what handles were left open. */
export interface LoopbackRunResult extends ChaosRunResult {
  /** `process.getActiveResourcesInfo()` entries that were not there before the run. */
  readonly leakedResources: readonly string[];
}

/** The resources of the process, counted by type. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** What `after` has more of than `before`. */
function extra(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [name, count] of after) {
    const was = before.get(name) ?? 0;
    if (count > was) out.push(`${name} ×${count - was}`);
  }
  return out;
}

/**
 * Runs `promise` to its end while moving the clock on in steps and letting real I/O happen.
 * Bounded by steps; fails when it does not settle.
 */
async function drive<T>(clock: VirtualClock, promise: Promise<T>, what: string, maxSteps = 3000): Promise<T> {
  let isSettled = false;
  const watched = promise.finally(() => {
    isSettled = true;
  });
  watched.catch(() => {});
  for (let step = 0; step < maxSteps && !isSettled; step++) {
    await realSleep(REAL_PAUSE_MS);
    if (!isSettled) await clock.advance(STEP_MS);
  }
  if (!isSettled) throw new Error(`${what} did not settle within ${maxSteps} steps of ${STEP_MS} virtual ms`);
  return watched;
}

/**
 * A `Network` for the proxy that remembers, for each upstream connection it opens, the client
 * connection being served, and for each datagram it relays, the client that sent it.
 */
interface Tracking {
  readonly network: Network;
  /** Calls `use` with the client of the upstream connection `key`, now or once it is known. */
  withClientOfConnection(key: string, use: (client: string | undefined) => void): void;
  /** The client that sent the datagram with this text (the oldest one not yet asked for). */
  clientOfDatagram(text: string): string | undefined;
}

function trackingNetwork(base: Network): Tracking {
  const connections = new Map<string, string>();
  // The server may see an upstream connection (and report on it) before its `connect` event.
  const waiting = new Map<string, ((client: string | undefined) => void)[]>();
  const datagrams = new Map<string, string[]>();
  let serving: string | undefined;
  const decoder = new TextDecoder();
  const network: Network = {
    name: `${base.name}+tracking`,
    connect(options) {
      const socket = base.connect(options);
      const client = serving;
      socket.once('connect', () => {
        const key = endpointKey(socket.localAddress ?? '', socket.localPort ?? 0);
        if (client !== undefined) connections.set(key, client);
        const queued = waiting.get(key) ?? [];
        waiting.delete(key);
        for (const use of queued) use(client);
      });
      return socket;
    },
    listen(options, onConnection) {
      return base.listen(options, (socket) => {
        serving = endpointKey(socket.remoteAddress ?? '', socket.remotePort ?? 0);
        try {
          onConnection(socket);
        } finally {
          serving = undefined;
        }
      });
    },
    createDatagramSocket(family) {
      const socket = base.createDatagramSocket(family);
      const wrapped = new Map<unknown, unknown>();
      const relay: DatagramSocket = {
        bind: (address, port) => socket.bind(address, port),
        connect: (address, port) => socket.connect(address, port),
        send: (data, callback, to) => socket.send(data, callback, to),
        localAddress: () => socket.localAddress(),
        close: () => socket.close(),
        on(event, listener) {
          if (event !== 'message') return socket.on(event, listener);
          const inner = listener as DatagramSocketEvents['message'];
          const outer = (data: Uint8Array, from: DatagramAddress): void => {
            let text = decoder.decode(data);
            if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
            const queue = datagrams.get(text);
            const client = endpointKey(from.address, from.port);
            if (queue === undefined) datagrams.set(text, [client]);
            else queue.push(client);
            inner(data, from);
          };
          wrapped.set(listener, outer);
          return socket.on('message', outer);
        },
        off(event, listener) {
          return socket.off(event, (wrapped.get(listener) ?? listener) as never);
        },
      };
      return relay;
    },
  };
  return {
    network,
    withClientOfConnection(key, use) {
      const client = connections.get(key);
      if (client !== undefined) {
        use(client);
        return;
      }
      const queued = waiting.get(key);
      if (queued === undefined) waiting.set(key, [use]);
      else queued.push(use);
    },
    clientOfDatagram(text) {
      const queue = datagrams.get(text);
      const client = queue?.shift();
      if (queue !== undefined && queue.length === 0) datagrams.delete(text);
      return client;
    },
  };
}

/** The ledger's observer, told the client's endpoint instead of the proxy's. */
function translatingObserver(ledger: Ledger, tracking: Tracking): DeliveryObserver {
  const inner = ledger.observer;
  return {
    messageReceived(event: MessageReceivedEvidence) {
      if (event.protocol === 'udp') {
        const client = tracking.clientOfDatagram(event.text ?? '');
        inner.messageReceived(client === undefined ? event : { ...event, key: client });
        return;
      }
      tracking.withClientOfConnection(event.key, (client) => inner.messageReceived(client === undefined ? event : { ...event, key: client }));
    },
    connectionEnded(event) {
      tracking.withClientOfConnection(event.key, (client) => inner.connectionEnded(client === undefined ? event : { ...event, key: client }));
    },
    receiverListening: (event) => inner.receiverListening?.(event),
    receiverClosed: (event) => inner.receiverClosed?.(event),
  };
}

/** One loopback chaos run. Never throws for a failed check: the result lists the problems. */
export async function runLoopbackChaos(seed: number, policy: ChaosPolicy): Promise<LoopbackRunResult> {
  const before = resources();
  const root = seededRandom(seed);
  const shape = randomRunShape(root.fork('shape'), {
    durationMs: [8000, 30_000],
    maxWrites: 15,
    maxLongLineChars: 20_000,
    maxMessagesPerSecond: 3,
  });
  // The proxy re-frames what it forwards: a `truncate` there would shift the stream offsets the
  // ledger correlates on (it belongs to the receiver, which reports before cutting).
  const timeline = randomFaultTimeline(root.fork('timeline'), {
    durationMs: shape.durationMs,
    linkTypes: FAULT_TYPES.filter((type) => type !== 'truncate'),
    maxDelayMs: 4000,
    maxSwitches: 3,
  });
  const policySpec = randomPolicy(root.fork(`policy:${policy}`), policy);
  const description = [
    `shape: ${JSON.stringify({ ...shape, writes: `${shape.writes.length} scripted writes` })}`,
    `policy: ${JSON.stringify(policySpec)}`,
    describeTimeline(timeline).replace(/^link:/m, 'proxy:').replaceAll(' link:', ' proxy:'),
  ].join('\n');

  const escaped = collectProcessErrors();
  const problems: string[] = [];
  const clock = new VirtualClock({ startMs: START });
  const appliance = new Appliance({ clock, evidence: 'receiver', seed, utcOffsetSeconds: shape.utcOffsetSeconds });
  const tracking = trackingNetwork(nodeNetwork);
  const server = new SyslogServer({
    protocol: shape.protocol,
    clock,
    faults: timeline.receiver,
    observers: [translatingObserver(appliance.ledger, tracking)],
    recordLimit: 10_000_000,
    maxMessageBytes: shape.maxMessageBytes,
    seed,
  });
  const finEnded = new Set<number>();
  server.on('connection:closed', (event) => {
    if (event.by === 'peer' && event.reason === 'end') finEnded.add(event.connectionId);
  });
  let proxy: FaultProxy | undefined;
  let recorder: LineRecorder | undefined;
  try {
    const serverPort = await server.listen();
    proxy = new FaultProxy({
      upstream: { host: '127.0.0.1', port: serverPort },
      protocol: shape.protocol,
      clock,
      network: tracking.network,
      faults: timeline.link,
      maxMessageBytes: MAX_FRAME_BYTES_LIMIT,
      seed: `${seed}:proxy`,
    });
    const proxyPort = await proxy.listen();
    const subscription = appliance.addSubscription({
      ...shape.subscription,
      host: '127.0.0.1',
      port: proxyPort,
      policy: policySpec,
      transportOptions: { ...(shape.protocol === 'tcp' ? shape.transport : {}), longLines: shape.longLines },
    });
    recorder = new LineRecorder(appliance, subscription, shape.longLines);
    if (shape.messagesPerSecond > 0) appliance.addGenerator('mail_logs', { messagesPerSecond: shape.messagesPerSecond });
    for (const write of shape.writes) clock.schedule(write.atMs, () => appliance.write('mail_logs', write.level, write.text));
    const switchedProxy = proxy;
    for (const change of timeline.switches) {
      clock.schedule(change.atMs, () => {
        if (change.side === 'receiver') server.setFaults(change.faults);
        else switchedProxy.setFaults(change.faults);
      });
    }
    appliance.start();
    const end = clock.now() + shape.durationMs;
    for (let step = 0; step < 10_000 && clock.now() < end; step++) {
      await realSleep(REAL_PAUSE_MS);
      await clock.advance(Math.min(STEP_MS, end - clock.now()));
    }
    await drive(clock, appliance.close(), 'appliance.close()');
    await drive(clock, proxy.close(), 'proxy.close()');
    await drive(clock, server.close(), 'server.close()');
    if (server.stats.connectionsOpen !== 0) problems.push(`the server still has ${server.stats.connectionsOpen} open connection(s) after close()`);
    if (proxy.stats.connectionsOpen !== 0) problems.push(`the proxy still has ${proxy.stats.connectionsOpen} open connection(s) after close()`);
    if (appliance.ledger.trackedConnections !== 0) problems.push(`the ledger still tracks ${appliance.ledger.trackedConnections} connection(s) after every close`);
    // Whatever the closed objects scheduled must be gone (nothing of theirs may run later).
    if (clock.pending !== 0) problems.push(`${clock.pending} timer(s) left on the clock after every close`);
  } catch (error) {
    problems.push(`the run threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await Promise.allSettled([drive(clock, appliance.close(), 'appliance.close()'), proxy?.close(), server.close()]);
  }
  // Closed handles leave the process on the next turns of the event loop.
  let leaked = extra(before, resources());
  for (let i = 0; i < 100 && leaked.length > 0; i++) {
    await realSleep(10);
    leaked = extra(before, resources());
  }
  if (leaked.length > 0) problems.push(`handles left open after every close: ${leaked.join(', ')}`);
  const counts = appliance.ledger.counts();
  const stream = appliance.ledger.streams[0];
  const verdict = judge(recorder?.lines ?? [], stream ? stream.fates() : [], judgedRecords(server.records, finEnded), recorder?.logfileLines ?? [], {
    isDatagram: shape.protocol === 'udp',
  });
  problems.push(...checkLedger(counts, verdict, await escaped.stop()));
  return { seed, policy, problems, counts, verdict, description, simulatedMs: clock.elapsedMs, leakedResources: leaked };
}
