/** An appliance on a VirtualClock pushing to a real SyslogServer with the seed's reset (for ledger-lines.test.ts). */
import { Appliance } from '../../src/appliance/appliance.js';
import type { Subscription } from '../../src/appliance/subscription.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { LedgerEvidence } from '../../src/core/ledger.js';
import { SyslogServer } from '../../src/server/syslog-server.js';

/** One appliance and its server. */
export interface SeedRun {
  readonly appliance: Appliance;
  readonly server: SyslogServer;
  /** Network errors the appliance reported so far. */
  readonly failures: () => number;
  /** Writes `count` lines and pushes them (one flush), waiting until the server read or reset. */
  push(count: number): Promise<void>;
  /** Closes the appliance, then the server. */
  finish(): Promise<void>;
  dispose(): Promise<void>;
}

const START = Date.UTC(2014, 5, 25, 6, 50, 3);

/** Bounded poll on the event loop. */
async function eventually(condition: () => boolean, limitMs: number): Promise<void> {
  for (let waited = 0; !condition() && waited < limitMs; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Options of {@link startSeedRun}. */
export interface SeedRunOptions {
  /** The subscription's long-line rule. @default 'send' */
  readonly longLines?: string;
  /** Characters of padding in every line (to make lines long). @default 0 */
  readonly padding?: number;
}

/** Builds the pair for `evidence`. */
export async function startSeedRun(evidence: LedgerEvidence, options: SeedRunOptions = {}): Promise<SeedRun> {
  const clock = new VirtualClock({ startMs: START });
  const appliance = new Appliance({ clock, hostname: 'mail.example.com', utcOffsetSeconds: 7200, evidence });
  const server = new SyslogServer({ protocol: 'tcp', faults: ['reset-after-bytes=412@first=1'], observers: evidence === 'receiver' ? [appliance.ledger.observer] : [] });
  const port = await server.listen();
  const subscription: Subscription = appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', host: '127.0.0.1', port, protocol: 'tcp', longLines: options.longLines ?? 'send' });
  const padding = ' x'.repeat((options.padding ?? 0) >> 1);
  let written = 0;
  let failures = 0;
  appliance.on('push:failed', () => failures++);
  let closed = false;
  const drive = async (promise: Promise<unknown>): Promise<void> => {
    let settled = false;
    const watched = promise.finally(() => (settled = true));
    for (let i = 0; i < 600 && !settled; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (!settled) await clock.advance(100);
    }
    await watched;
  };
  const finish = async (): Promise<void> => {
    closed = true;
    await drive(appliance.close());
    await server.close();
  };
  return {
    appliance,
    server,
    failures: () => failures,
    async push(count) {
      for (let i = 0; i < count; i++) appliance.write('mail_logs', 'Information', `MID ${written} ICID ${written} RID 0 To: <rcpt${written++}@example.com>${padding}`);
      const resetsBefore = server.stats.connectionsReset;
      await drive(subscription.flush());
      const sent = subscription.stats.bytes;
      await eventually(() => server.stats.bytes >= sent || server.stats.connectionsReset > resetsBefore, 2000);
      // After a reset, wait until the appliance has seen it (the next push opens a new connection).
      if (server.stats.connectionsReset > resetsBefore) {
        for (let i = 0; i < 200 && failures === 0; i++) {
          await clock.advance(10);
          await eventually(() => failures > 0, 10);
        }
      }
    },
    finish,
    async dispose() {
      if (!closed) await finish();
    },
  };
}
