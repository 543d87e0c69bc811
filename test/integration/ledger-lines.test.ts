/**
 * Evidence `lines`: the ledger judged from a receiver's output afterwards (as from an rsyslog
 * file) must reach the same fates as the ledger fed live by the receiver. Two appliances push the
 * same lines over real loopback TCP to two SyslogServers with the seed's reset; one ledger hears
 * its server live (`receiver`), the other reads its server's raw lines after the run (`lines`).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSeedRun, type SeedRun } from './ledger-lines-support.js';

describe('ledger evidence lines (reconciled from a receiver output) against evidence receiver (live)', () => {
  it('gives the same fates, line by line, for the seed reset on loopback', async () => {
    const live = await startSeedRun('receiver');
    const file = await startSeedRun('lines');
    onTestFinished(() => Promise.all([live.dispose(), file.dispose()]).then(() => undefined));
    for (const run of [live, file]) {
      await run.push(40); // the reset after 412 bytes: most of these are lost in flight
      expect(run.failures()).toBe(1);
      await run.push(40); // a new connection, a new logfile header: all delivered
      await run.finish();
    }
    const received = file.server.records.map((record) => record.raw);
    const report = file.appliance.ledger.reconcileLines(received);
    expect(report.matched + report.unmatched).toBe(received.length);
    expect(report.unmatched).toBeGreaterThan(0); // logfile headers and the line cut at byte 412
    const fates = (app: SeedRun) => [...app.appliance.ledger.stream('Mail_Log').fates()];
    expect(fates(file)).toEqual(fates(live));
    const counts = file.appliance.ledger.counts();
    expect(counts).toMatchObject({ generated: live.appliance.ledger.counts().generated, pending: 0, evidence: 'lines' });
    expect(counts.lostInFlight).toBeGreaterThan(0);
    expect(counts.delivered).toBe(live.appliance.ledger.counts().delivered);
    expect(counts.generated).toBe((counts.delivered ?? 0) + counts.dropped + (counts.lostInFlight ?? 0) + (counts.pending ?? 0));
  });

  it.for(['split:256', 'truncate:256'])('matches a line the long-line rule %s changed by its last frame, as the live ledger does', async (longLines) => {
    const live = await startSeedRun('receiver', { longLines, padding: 600 });
    const file = await startSeedRun('lines', { longLines, padding: 600 });
    onTestFinished(() => Promise.all([live.dispose(), file.dispose()]).then(() => undefined));
    for (const run of [live, file]) {
      await run.push(10);
      await run.push(10);
      await run.finish();
    }
    file.appliance.ledger.reconcileLines(file.server.records.map((record) => record.raw));
    const fates = (app: SeedRun) => [...app.appliance.ledger.stream('Mail_Log').fates()];
    expect(fates(file)).toEqual(fates(live));
    expect(file.appliance.ledger.counts().delivered).toBeGreaterThanOrEqual(10);
  });
});
