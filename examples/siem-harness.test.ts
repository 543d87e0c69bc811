/**
 * A test harness for your own code, in the shape of a vitest test: a simulated appliance pushes
 * its mail log over TCP to a SyslogServer that resets the connection after 412 bytes (the seed
 * case's IPS), and the test checks what the appliance logged and the fate of every line.
 *
 * Run: npx vitest run --dir examples siem-harness   (test/examples.test.ts runs it with the suite)
 *
 * In your project the imports are `esa-logsim` and `esa-logsim/testing`.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Appliance } from '../src/index.js';
import { SyslogServer } from '../src/testing.js';

describe('a receiver behind an IPS that resets TCP syslog after 412 bytes', () => {
  it('makes the appliance log a Log Error, and the ledger accounts for every line', async () => {
    const appliance = new Appliance({ hostname: 'mail.example.com', utcOffsetSeconds: 7200, evidence: 'receiver' });
    const server = new SyslogServer({ protocol: 'tcp', faults: ['reset-after-bytes=412@first=1'], observers: [appliance.ledger.observer] });
    onTestFinished(() => server.close());
    const port = await server.listen(); // 127.0.0.1, a free port
    const mailLog = appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', protocol: 'tcp', host: '127.0.0.1', port });
    const failed = new Promise((resolve) => appliance.once('push:failed', resolve));

    for (let mid = 1; mid <= 10; mid++) appliance.write('mail_logs', 'Information', `MID ${mid} ready 4940 bytes from <alice@example.org>`);
    await mailLog.flush(); // one push: the logfile header and 10 lines; the receiver resets after 412 bytes
    expect(await failed).toMatchObject({ message: 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server' });
    await mailLog.flush(); // a new connection: a new logfile header, then the Log Error and alert lines
    await appliance.close();
    await server.waitFor((records) => records.some((record) => record.parsed?.text.startsWith('A System/Critical alert was sent')));
    await server.close();

    const counts = appliance.ledger.counts();
    expect(counts.lostInFlight).toBeGreaterThan(0); // written before the reset: the appliance saw success
    expect(counts.generated).toBe((counts.delivered ?? 0) + counts.dropped + (counts.lostInFlight ?? 0) + (counts.pending ?? 0));
    expect(server.records.filter((record) => record.parsed?.text === 'Begin Logfile')).toHaveLength(2);
  });
});
