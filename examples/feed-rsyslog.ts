/**
 * Feeding a real rsyslog: a simulated appliance pushes realistic mail_logs over TCP to rsyslogd
 * through a FaultProxy that resets the first connection after 412 bytes (the seed case's IPS in
 * front of a real receiver). Then the ledger reconciles rsyslog's output file with what the
 * appliance sent (`evidence: 'lines'`): which lines arrived, which were lost in flight.
 *
 * Run: npx tsx examples/feed-rsyslog.ts   (needs rsyslogd: apt-get install rsyslog; without it the
 * example says so and exits 0). rsyslogd runs in the foreground from a temporary directory, on
 * 127.0.0.1 only, and is stopped by its pid.
 *
 * In your project the imports are `esa-logsim` and `esa-logsim/testing`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { Appliance, createGenerator, type LogRecord } from '../src/index.js';
import { FaultProxy } from '../src/testing.js';

const rsyslogd = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd', '/usr/local/sbin/rsyslogd'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
if (rsyslogd === undefined) {
  console.log('skipped: rsyslogd is not installed (apt-get install rsyslog); this example feeds a real rsyslog.');
  process.exit(0);
}

// 1. rsyslogd on 127.0.0.1, a port it picks, writing each message raw to out.log.
const dir = await mkdtemp(join(tmpdir(), 'esa-logsim-example-'));
const out = join(dir, 'out.log');
const portFile = join(dir, 'port');
await writeFile(
  join(dir, 'rsyslog.conf'),
  [
    `global(workDirectory="${dir}")`,
    'module(load="imtcp")',
    'template(name="raw" type="string" string="%rawmsg%\\n")',
    `ruleset(name="in") { action(type="omfile" file="${out}" template="raw") }`,
    `input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${portFile}" ruleset="in")`,
    '',
  ].join('\n'),
);
const daemon = spawn(rsyslogd, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'pid'), '-C'], { stdio: 'ignore' });
let rsyslogPort = 0;
for (let i = 0; i < 200 && rsyslogPort === 0; i++) {
  await pause(50);
  rsyslogPort = Number((await readFile(portFile, 'utf8').catch(() => '')).trim()) || 0;
}
if (rsyslogPort === 0) throw new Error('rsyslogd did not start listening within 10 s');

try {
  // 2. The IPS: a fault proxy in front of rsyslog.
  const proxy = new FaultProxy({ protocol: 'tcp', upstream: { host: '127.0.0.1', port: rsyslogPort }, faults: ['reset-after-bytes=412@first=1'] });
  const proxyPort = await proxy.listen();
  console.log(`rsyslogd listens on 127.0.0.1:${rsyslogPort}; the fault proxy on 127.0.0.1:${proxyPort} (it resets the first connection after 412 bytes)`);

  // 3. The appliance, pushing realistic mail_logs through the proxy.
  const appliance = new Appliance({ hostname: 'mail.example.com', utcOffsetSeconds: 7200, evidence: 'lines' });
  const mailLog = appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', protocol: 'tcp', host: '127.0.0.1', port: proxyPort });
  appliance.on('push:failed', (event) => console.log(`appliance: ${event.message} (${event.cause.code})`));
  const generator = createGenerator('mail_logs', { seed: 1 });
  const records: LogRecord[] = [];
  generator.generate(0, 20_000, records);
  for (const [index, record] of records.slice(0, 80).entries()) {
    appliance.write('mail_logs', record.level, record.text);
    if (index === 39) {
      await mailLog.flush(); // reset after 412 bytes by the proxy
      await pause(200);
    }
  }
  await mailLog.flush(); // a new connection, a new logfile header
  await appliance.close();
  await proxy.close();

  // 4. The ledger reconciles rsyslog's output (read until it stops growing) with what was sent.
  let received: string[] = [];
  for (let i = 0, last = -1; i < 100 && received.length !== last; i++) {
    last = received.length;
    await pause(100);
    received = (await readFile(out, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
  }
  const report = appliance.ledger.reconcileLines(received);
  const counts = appliance.ledger.counts();
  console.log(`rsyslog wrote ${report.received} messages: ${report.matched} of the appliance's lines, ${report.unmatched} others (logfile headers, the line cut by the reset)`);
  console.log(`ledger: ${counts.generated} lines generated, ${counts.delivered} delivered, ${counts.lostInFlight} lost in flight, ${counts.dropped} dropped, ${counts.pending} pending`);
  for (const run of mailLog.ledger.fates()) console.log(`  ${run.to - run.from === 1 ? `line ${run.from}` : `lines ${run.from}–${run.to - 1}`}: ${run.fate}`);
} finally {
  daemon.kill('SIGTERM');
  await pause(200);
  await rm(dir, { recursive: true, force: true });
}
