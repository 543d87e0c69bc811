/**
 * `esa-logsim push` against a SyslogServer on loopback port 0: what arrives, the NDJSON events
 * and summary (delivery unknown: null), network errors under a receiver fault, and every
 * invalid flag (exit 2, one line naming the flag).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { SyslogServer } from '../../src/server/syslog-server.js';
import { cli, eventually, startCli } from './cli-harness.js';

const CONTENT = (text: string | undefined): boolean => !/^(Begin Logfile|Version: |Time offset from UTC: )/.test(text ?? '');

async function setup(options: ConstructorParameters<typeof SyslogServer>[0] = {}) {
  const server = new SyslogServer({ protocol: 'tcp', ...options });
  const port = await server.listen();
  onTestFinished(() => server.close());
  return { server, port };
}

describe('esa-logsim push', () => {
  it('pushes exactly --count content lines after the logfile header, with the subscription settings', async () => {
    const { server, port } = await setup();
    const { code, stdout, stderr } = await cli([
      'push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--count', '25', '--rate', '500',
      '--name', 'Feed_1', '--facility', 'local3', '--utc-offset', '+02:00', '--version', '12.5.1-037', '--serial', '420D4FEA709365BFB3E3-0AF2EE5E700E',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    await server.waitFor(28);
    const records = server.records;
    expect(records.slice(0, 3).map((record) => record.parsed?.text)).toEqual([
      'Begin Logfile',
      'Version: 12.5.1-037 SN: 420D4FEA709365BFB3E3-0AF2EE5E700E',
      'Time offset from UTC: 7200 seconds',
    ]);
    expect(records.filter((record) => CONTENT(record.parsed?.text))).toHaveLength(25);
    expect(new Set(records.map((record) => record.parsed?.tag))).toEqual(new Set(['Feed_1']));
    expect(new Set(records.map((record) => record.parsed?.facilityName))).toEqual(new Set(['local3']));
    expect(stdout).toContain('Feed_1 (mail_logs, Information and above, facility local3) → tcp 127.0.0.1:');
    expect(stdout).toMatch(/generated\s+25\n/);
    expect(stdout).toMatch(/delivered\s+unknown \(foreign receiver\)\n/);
  });

  it('--json: ends with a summary whose delivery counts are null', async () => {
    const { server, port } = await setup({ protocol: 'udp' });
    const { code, events } = await cli(['push', '--json', '--protocol', 'udp', '--host', '127.0.0.1', '--port', String(port), '--count', '10', '--rate', '1000']);
    expect(code).toBe(0);
    const all = events();
    expect(all.at(-1)).toMatchObject({
      type: 'summary',
      generated: 10,
      delivered: null,
      dropped: 0,
      lostInFlight: null,
      duplicated: null,
      pending: null,
      networkErrors: 0,
      alerts: 0,
    });
    await server.waitFor(13);
    expect(server.records.filter((record) => CONTENT(record.parsed?.text))).toHaveLength(10);
  });

  it('--rate max pushes as fast as the receiver reads', async () => {
    const { server, port } = await setup();
    const { code, events } = await cli(['push', '--json', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--count', '30000', '--rate', 'max', '--type', 'system_logs']);
    expect(code).toBe(0);
    expect(events().at(-1)).toMatchObject({ type: 'summary', generated: 30_000, dropped: 0 });
    await server.waitFor(30_003, { timeoutMs: 10_000 });
    expect(server.stats.messages).toBe(30_003);
  });

  it('reports the network error and the alert of a receiver reset as NDJSON events, and exits 0', async () => {
    const { port } = await setup({ faults: ['reset-after-bytes=412'] });
    const { code, events } = await cli(['push', '--json', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--count', '40', '--rate', '400', '--hostname', 'esa1.example.com']);
    expect(code).toBe(0);
    const all = events();
    const error = all.find((event) => event.type === 'network-error');
    expect(error).toMatchObject({
      subscription: 'Mail_Log',
      message: 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      cause: expect.stringMatching(/^ESA_ERR_(CONNECTION_RESET|BROKEN_PIPE|CONNECTION_CLOSED)$/),
    });
    expect(all.find((event) => event.type === 'alert')).toMatchObject({
      class: 'System',
      severity: 'Critical',
      subject: 'Critical <System> esa1.example.com: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      recipients: ['admin@example.com'],
    });
    const summary = all.at(-1);
    expect(summary?.type).toBe('summary');
    expect(summary?.networkErrors).toBeGreaterThanOrEqual(1);
    expect(summary?.alerts).toBe(1);
    // The appliance's own Log Error and alert lines are forwarded too.
    expect(summary?.generated).toBeGreaterThan(40);
  });

  it('prints the Log Error line as ESA writes it, then its cause (human output)', async () => {
    const { stdout, code } = await cli(['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(await freePort()), '--count', '5', '--rate', '1000']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} Critical: Log Error: Subscription Mail_Log: Failed to connect to 127\.0\.0\.1$/m);
    expect(stdout).toMatch(/^ {2}\(cause: ESA_ERR_CONNECTION_REFUSED: /m);
    expect(stdout).toMatch(/dropped\s+\d+\n/);
  });

  it('stops at --duration, having written rate × duration lines', async () => {
    const { port } = await setup();
    const { code, events } = await cli(['push', '--json', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--duration', '300ms', '--rate', '100']);
    expect(code).toBe(0);
    expect(events().at(-1)).toMatchObject({ type: 'summary', generated: 30, interrupted: false });
  });

  it('stops on the abort signal (SIGINT), prints the summary and exits 0', async () => {
    const { server, port } = await setup();
    const run = startCli(['push', '--json', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--rate', '200']);
    await eventually(() => server.stats.messages > 3, 'lines to arrive');
    run.abort();
    expect(await run.done).toBe(0);
    expect(run.events().at(-1)).toMatchObject({ type: 'summary', interrupted: true });
  });

  it.for([
    [['--host', 'h', '--port', '1'], 'esa-logsim push: --protocol is required (tcp or udp)'],
    [['--protocol', 'tcp', '--port', '1'], "esa-logsim push: --host is required (the receiver's host name or address, e.g. 127.0.0.1)"],
    [['--protocol', 'tcp', '--host', 'h'], "esa-logsim push: --port is required (the receiver's port, 1-65535)"],
    [['--protocol', 'sctp', '--host', 'h', '--port', '1'], 'esa-logsim push: --protocol must be one of udp, tcp; got "sctp"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '0'], 'esa-logsim push: --port must be a port from 1 to 65535; got "0"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '5x'], 'esa-logsim push: --port must be a port from 1 to 65535; got "5x"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--rate', 'fast'], 'esa-logsim push: --rate must be a number of lines per second above 0 and up to 1000000, or max; got "fast"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--rate', '0'], 'esa-logsim push: --rate must be a number of lines per second above 0 and up to 1000000, or max; got "0"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--count', '1.5'], 'esa-logsim push: --count must be a whole number of lines from 1 to 1000000000; got "1.5"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--count', '5', '--duration', '2s'], 'esa-logsim push: --count and --duration exclude each other; give one (or neither, to push until Ctrl-C)'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--duration', '10'], 'esa-logsim push: --duration must be a duration such as 200ms, 10s, 5m, 1h (0 to 365d); got "10"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--facility', 'kern'], 'esa-logsim push: --facility must be one of auth, authpriv, console, daemon, ftp, local0, local1, local2, local3, local4, local5, local6, local7, mail, ntp, security, user; got "kern"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--level', 'loud'], 'esa-logsim push: --level must be one of Critical, Warning, Information, Debug, Trace (or Info; case-insensitive); got "loud"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--name', 'Mail Log'], 'esa-logsim push: --name must be a log name of 1-64 characters: a letter, then letters, digits, _ or -; got "Mail Log"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--type', 'bounces'], 'esa-logsim push: --type must be a log type with a generator (mail_logs, system_logs, gui_logs, authentication, amp, status, consolidated_event); bounces has none yet; got "bounces"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--hostname', 'no spaces'], 'esa-logsim push: --hostname must be a host name such as mail.example.com; got "no spaces"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--version', '8.0'], 'esa-logsim push: --version must be an AsyncOS version major.minor.patch-build (e.g. 8.0.1-023); got "8.0"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--utc-offset', '2h'], 'esa-logsim push: --utc-offset must be local time − UTC in seconds (7200, -18000) or as ±HH:MM (+02:00), within ±18 hours; got "2h"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--framing', 'nul'], 'esa-logsim push: --framing must be one of lf, octet-counting; got "nul"'],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--policy', 'retry:tries=3'], expect.stringMatching(/^esa-logsim push: --policy must be esa, retry.*\(unknown parameter "tries"\); got "retry:tries=3"$/)],
    [['--protocol', 'tcp', '--host', 'h', '--port', '1', '--seed', ''], 'esa-logsim push: --seed must be an integer or a non-empty text; got ""'],
  ] as const)('rejects %j with exit 2 and one line', async ([argv, message]) => {
    const { code, stdout, stderr } = await cli(['push', ...argv]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.trimEnd()).toEqual(message);
  });

  it('rejects a level at which the log type writes nothing', async () => {
    const { code, stderr } = await cli(['push', '--protocol', 'udp', '--host', '127.0.0.1', '--port', String(await freePort()), '--count', '1', '--type', 'status', '--level', 'Critical']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^esa-logsim push: --level must be a level at which the status generator writes lines/);
  });
});

/** A port nobody listens on (bound then closed). */
async function freePort(): Promise<number> {
  const server = new SyslogServer({ protocol: 'tcp' });
  const port = await server.listen();
  await server.close();
  return port;
}
