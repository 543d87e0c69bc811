/**
 * `esa-logsim serve` on loopback port 0: the NDJSON contract (listening first, received, fault,
 * summary), serve and push against each other, --out, refuse, and its failures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SyslogServer } from '../../src/server/syslog-server.js';
import { cli, eventually, startServe } from './cli-harness.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esa-logsim-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('esa-logsim serve', () => {
  it('--json: listening first, then one received event per message from push, then the summary', async () => {
    const dir = tempDir();
    const { run, port } = await startServe(['--protocol', 'tcp', '--out', join(dir, 'received.log')]);
    onTestFinished(() => run.abort());
    const pushed = await cli(['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--count', '12', '--rate', '1000', '--facility', 'local5']);
    expect(pushed.code).toBe(0);
    await eventually(() => run.events().filter((event) => event.type === 'received').length >= 15, '15 messages');
    run.abort();
    expect(await run.done).toBe(0);
    const events = run.events();
    expect(events[0]).toEqual({ type: 'listening', protocol: 'tcp', host: '127.0.0.1', port, accepting: true, faults: [] });
    const received = events.filter((event) => event.type === 'received');
    expect(received).toHaveLength(15);
    expect(received[0]).toMatchObject({ facility: 'local5', severity: 6, tag: 'Mail_Log', level: 'Information', text: 'Begin Logfile', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(events.at(-1)).toMatchObject({ type: 'summary', received: 15, connections: 1, resets: 0, generated: null, delivered: null, pending: null });
    const lines = readFileSync(join(dir, 'received.log'), 'utf8').split('\n');
    expect(lines).toHaveLength(16);
    expect(lines[0]).toMatch(/^<174>\w{3} \d\d \d\d:\d\d:\d\d Mail_Log: Info: Begin Logfile$/);
    expect(lines.at(-1)).toBe('');
  });

  it('reports what a fault did as fault events (the seed IPS reset)', async () => {
    const { run, port } = await startServe(['--protocol', 'tcp', '--fault', 'reset-after-bytes=412', '--duration', '10s']);
    onTestFinished(() => run.abort());
    await cli(['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', String(port), '--count', '20', '--rate', '1000']);
    await eventually(() => run.events().some((event) => event.type === 'fault'), 'a fault event');
    run.abort();
    expect(await run.done).toBe(0);
    const events = run.events();
    expect(events[0]).toMatchObject({ type: 'listening', faults: ['reset-after-bytes 412: accept, read 412 bytes, then reset the connection (RST)'] });
    expect(events.find((event) => event.type === 'fault')).toMatchObject({
      fault: 'reset-after-bytes',
      action: 'reset',
      detail: 'reset after 412 bytes',
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(events.at(-1)).toMatchObject({ type: 'summary', resets: expect.any(Number) });
    expect((events.at(-1)?.resets as number) >= 1).toBe(true);
  });

  it('receives UDP datagrams and stops at --duration', async () => {
    const { run, port } = await startServe(['--protocol', 'udp', '--duration', '1500ms']);
    await cli(['push', '--protocol', 'udp', '--host', '127.0.0.1', '--port', String(port), '--count', '5', '--rate', '1000']);
    expect(await run.done).toBe(0);
    const events = run.events();
    expect(events[0]).toMatchObject({ type: 'listening', protocol: 'udp', port });
    expect(events.filter((event) => event.type === 'received')).toHaveLength(8);
    expect(events.at(-1)).toMatchObject({ type: 'summary', received: 8 });
  });

  it('with refuse, still reports the port it refuses on, and connections there are refused', async () => {
    const { run, port } = await startServe(['--protocol', 'tcp', '--fault', 'refuse']);
    onTestFinished(() => run.abort());
    expect(run.events()[0]).toMatchObject({ type: 'listening', protocol: 'tcp', host: '127.0.0.1', port, accepting: false });
    expect(port).toBeGreaterThan(0);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', resolve);
      socket.on('connect', () => socket.destroy());
    });
    expect(error.code).toBe('ECONNREFUSED');
    run.abort();
    expect(await run.done).toBe(0);
  });

  it('prints human lines: the banner, each message raw, and the receiver table', async () => {
    const server = await cli(['serve', '--protocol', 'tcp', '--port', '0', '--duration', '50ms', '--fault', 'close-after-messages=10']);
    expect(server.code).toBe(0);
    expect(server.stdout).toMatch(/^esa-logsim serve: listening on tcp 127\.0\.0\.1:\d+ for 50ms \(Ctrl-C stops\)\n {2}fault: close-after-messages 10: /);
    expect(server.stdout).toMatch(/messages received\s+0\n/);
  });

  it.for([
    [['--protocol', 'tcp', '--fault', 'reset-after=3'], expect.stringMatching(/^esa-logsim serve: --fault must be one of reset-after-bytes=N, .*; got "reset-after=3"$/)],
    [['--protocol', 'tcp', '--fault', 'drop=2'], expect.stringMatching(/^esa-logsim serve: --fault must be drop=P with .*; got "drop=2"$/)],
    [['--protocol', 'tcp', '--port', '70000'], 'esa-logsim serve: --port must be a port (0 = any free port) from 0 to 65535; got "70000"'],
    [['--protocol', 'icmp', '--port', '0'], 'esa-logsim serve: --protocol must be one of tcp, udp; got "icmp"'],
    [['--protocol', 'tcp', '--port', '0', '--host', 'bad host'], 'esa-logsim serve: --host must be a host name or IP address (e.g. 127.0.0.1, ::1); got "bad host"'],
    [['--protocol', 'tcp', '--duration', 'soon'], 'esa-logsim serve: --duration must be a duration such as 200ms, 10s, 5m, 1h (0 to 365d); got "soon"'],
    [['--protocol', 'tcp', '--duration', '0s'], 'esa-logsim serve: --duration must be a duration of at least 1ms, with a unit (e.g. 500ms, 10s, 5m; at most 365d); got "0s"'],
  ] as const)('rejects %j with exit 2 and one line', async ([argv, message]) => {
    const { code, stdout, stderr } = await cli(['serve', ...argv]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.trimEnd()).toEqual(message);
  });

  it('exits 1 with one line when the port is taken', async () => {
    const holder = new SyslogServer({ protocol: 'tcp' });
    const port = await holder.listen();
    onTestFinished(() => holder.close());
    const { code, stderr } = await cli(['serve', '--protocol', 'tcp', '--port', String(port), '--duration', '1s']);
    expect(code).toBe(1);
    expect(stderr).toBe(`esa-logsim serve: Cannot listen on 127.0.0.1:${port}: the address is already in use\n`);
  });

  it('exits 1 with one line when --out cannot be written, before listening', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await cli(['serve', '--protocol', 'tcp', '--port', '0', '--duration', '1s', '--out', join(dir, 'missing', 'x.log')]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^esa-logsim serve: Cannot open --out .*x\.log: ENOENT: no such file or directory, open '.*x\.log'\n$/);
  });

  it('resolves a relative --out against io.cwd', async () => {
    const dir = tempDir();
    const { code } = await cli(['serve', '--protocol', 'udp', '--port', '0', '--duration', '20ms', '--out', 'out.log'], { cwd: dir });
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('');
  });
});
