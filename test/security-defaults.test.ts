/**
 * Security defaults: listeners bind 127.0.0.1 unless told otherwise; scenario files are data
 * (nothing in them is executed, imported or merged into a prototype); the CLI writes only the
 * files it was asked to write; nothing sends traffic to an address nobody named, and nothing
 * prints what it was not given to print.
 *
 * Real socket calls are observed on Node's own prototypes (`net.Socket#connect`,
 * `net.Server#listen`, `dgram.Socket#bind/connect/send`), so every path — our `nodeNetwork`,
 * a transport, the CLI — is seen, whatever module made the call.
 */
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Appliance } from '../src/appliance/appliance.js';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { EsaError, InvalidOptionError } from '../src/core/errors.js';
import { loadScenario } from '../src/scenarios/load-scenario.js';
import { runScenario } from '../src/scenarios/run-scenario.js';
import { FaultProxy } from '../src/server/fault-proxy.js';
import { SyslogServer } from '../src/server/syslog-server.js';
import { cli, startServe } from './cli/cli-harness.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** A fresh directory, removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esa-logsim-security-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface SocketCall {
  readonly call: 'tcp connect' | 'tcp listen' | 'udp bind' | 'udp connect' | 'udp send';
  /**
   * The address named in the call; `connected` for a send on a connected UDP socket, `implicit`
   * for the ephemeral bind Node makes before a UDP socket's first connect or send.
   */
  readonly host: string;
  /** Which UDP socket (1, 2, …), for UDP calls. */
  readonly socket?: number;
}

const socketIds = new WeakMap<object, number>();
let lastSocketId = 0;
function socketId(socket: object): number {
  let id = socketIds.get(socket);
  if (id === undefined) socketIds.set(socket, (id = ++lastSocketId));
  return id;
}

/** The host of a `net.Socket#connect` call, in any of its forms (normalized array, options, port + host). */
function connectHost(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; path?: string };
    return options.path !== undefined ? `ipc:${options.path}` : (options.host ?? 'localhost');
  }
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

/**
 * Records every real socket call made while the test runs (the calls still go through).
 */
function socketRecorder(): SocketCall[] {
  const calls: SocketCall[] = [];
  const tcpConnect = net.Socket.prototype.connect;
  const tcpListen = net.Server.prototype.listen;
  const udpBind = dgram.Socket.prototype.bind;
  const udpConnect = dgram.Socket.prototype.connect;
  const udpSend = dgram.Socket.prototype.send;
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    calls.push({ call: 'tcp connect', host: connectHost(args) });
    return (tcpConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
  vi.spyOn(net.Server.prototype, 'listen').mockImplementation(function (this: net.Server, ...args: unknown[]) {
    const first = args[0];
    const host = typeof first === 'object' && first !== null ? ((first as { host?: string }).host ?? 'all interfaces') : typeof args[1] === 'string' ? args[1] : 'all interfaces';
    calls.push({ call: 'tcp listen', host });
    return (tcpListen as (...a: unknown[]) => net.Server).apply(this, args);
  });
  vi.spyOn(dgram.Socket.prototype, 'bind').mockImplementation(function (this: dgram.Socket, ...args: unknown[]) {
    const first = args[0];
    // Node binds an unbound socket itself before its first connect() or send(): `bind({ port: 0, exclusive: true }, null)`.
    const isImplicit = typeof first === 'object' && first !== null && args[1] === null && (first as { port?: number }).port === 0;
    const host = isImplicit
      ? 'implicit'
      : typeof first === 'object' && first !== null
        ? ((first as { address?: string }).address ?? 'all interfaces')
        : typeof args[1] === 'string'
          ? args[1]
          : 'all interfaces';
    calls.push({ call: 'udp bind', host, socket: socketId(this) });
    return (udpBind as (...a: unknown[]) => dgram.Socket).apply(this, args);
  });
  vi.spyOn(dgram.Socket.prototype, 'connect').mockImplementation(function (this: dgram.Socket, ...args: unknown[]) {
    calls.push({ call: 'udp connect', host: typeof args[1] === 'string' ? args[1] : 'localhost', socket: socketId(this) });
    return (udpConnect as (...a: unknown[]) => void).apply(this, args);
  });
  vi.spyOn(dgram.Socket.prototype, 'send').mockImplementation(function (this: dgram.Socket, ...args: unknown[]) {
    const address = args.slice(1).find((arg) => typeof arg === 'string');
    calls.push({ call: 'udp send', host: address ?? 'connected', socket: socketId(this) });
    return (udpSend as (...a: unknown[]) => void).apply(this, args);
  });
  onTestFinished(() => {
    vi.restoreAllMocks();
  });
  return calls;
}

/**
 * The addresses a run touched that are not loopback. A send on a connected UDP socket goes where
 * its connect said; an implicit ephemeral bind is fine only on a socket connected to loopback
 * (the kernel then takes datagrams from that peer only), so an unconnected one is reported.
 */
function foreignAddresses(calls: readonly SocketCall[]): string[] {
  const connected = new Set(calls.filter((entry) => entry.call === 'udp connect' && LOOPBACK.has(entry.host)).map((entry) => entry.socket));
  return calls
    .filter((entry) => !(entry.host === 'connected' || (entry.host === 'implicit' && connected.has(entry.socket)) || LOOPBACK.has(entry.host)))
    .map((entry) => `${entry.call} ${entry.host}`);
}

// --- listeners -----------------------------------------------------------------------------

describe('listeners bind 127.0.0.1 unless told otherwise', () => {
  it.for(['tcp', 'udp'] as const)('SyslogServer (%s)', async (protocol) => {
    const calls = socketRecorder();
    const server = new SyslogServer({ protocol });
    onTestFinished(() => server.close());
    const port = await server.listen();
    expect(server.options.host).toBe('127.0.0.1');
    expect(server.address).toEqual({ protocol, address: '127.0.0.1', port });
    expect(calls).toEqual([expect.objectContaining({ call: protocol === 'tcp' ? 'tcp listen' : 'udp bind', host: '127.0.0.1' })]);
  });

  it.for(['tcp', 'udp'] as const)('FaultProxy (%s)', async (protocol) => {
    const receiver = new SyslogServer({ protocol });
    onTestFinished(() => receiver.close());
    const upstreamPort = await receiver.listen();
    const calls = socketRecorder();
    const proxy = new FaultProxy({ protocol, upstream: { host: '127.0.0.1', port: upstreamPort } });
    onTestFinished(() => proxy.close());
    const port = await proxy.listen();
    expect(proxy.options.host).toBe('127.0.0.1');
    expect(proxy.address).toEqual({ protocol, address: '127.0.0.1', port });
    expect(calls.length).toBeGreaterThan(0);
    expect(foreignAddresses(calls)).toEqual([]);
  });

  it.for(['tcp', 'udp'] as const)('esa-logsim serve --protocol %s', async (protocol) => {
    const calls = socketRecorder();
    const { run, port } = await startServe(['--protocol', protocol]);
    run.abort();
    expect(await run.done).toBe(0);
    expect(run.events()[0]).toEqual(expect.objectContaining({ type: 'listening', protocol, host: '127.0.0.1', port }));
    expect(calls).toContainEqual(expect.objectContaining({ call: protocol === 'tcp' ? 'tcp listen' : 'udp bind', host: '127.0.0.1' }));
    expect(foreignAddresses(calls)).toEqual([]);
  });

  it('binds another address only when it is named (--host ::1)', async () => {
    const calls = socketRecorder();
    const { run } = await startServe(['--protocol', 'tcp', '--host', '::1']);
    run.abort();
    expect(await run.done).toBe(0);
    expect(run.events()[0]).toEqual(expect.objectContaining({ type: 'listening', host: '::1' }));
    expect(calls).toContainEqual({ call: 'tcp listen', host: '::1' });
  });
});

// --- scenario files are data ---------------------------------------------------------------

const base = {
  name: 'data-only',
  duration: '3s',
  receiver: { protocol: 'udp' },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: { writes: [{ at: '100ms', text: 'one' }] },
};

/** Inserts `"key": value` as the first member of the JSON object text `json` (a literal `__proto__` key, as a file would hold it). */
function withMember(json: string, key: string, value: unknown): string {
  return `{${JSON.stringify(key)}: ${JSON.stringify(value)}, ${json.slice(1)}`;
}

/** Asserts nothing reached `Object.prototype` or the global object. */
function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect((globalThis as Record<string, unknown>).esaPwned).toBeUndefined();
}

describe('scenario files are data', () => {
  const prototypeKeys: readonly [string, string, string][] = [
    ['a top-level "__proto__"', withMember(JSON.stringify(base), '__proto__', { polluted: true }), '__proto__'],
    ['a top-level "constructor"', withMember(JSON.stringify(base), 'constructor', { prototype: { polluted: true } }), 'constructor'],
    [
      'a "__proto__" in a subscription',
      JSON.stringify({ ...base, subscriptions: ['SUB'] }).replace('"SUB"', withMember(JSON.stringify({ name: 'Mail_Log' }), '__proto__', { polluted: true })),
      'subscriptions[0].__proto__',
    ],
    [
      'a "__proto__" in the receiver',
      JSON.stringify({ ...base, receiver: 'RECEIVER' }).replace('"RECEIVER"', withMember(JSON.stringify({ protocol: 'udp' }), '__proto__', { polluted: true })),
      'receiver.__proto__',
    ],
    [
      'a "prototype" in a write',
      JSON.stringify({ ...base, traffic: { writes: [{ at: '100ms', text: 'one', prototype: { polluted: true } }] } }),
      'traffic.writes[0].prototype',
    ],
  ];

  it.for(prototypeKeys)('%s is refused with its path, and pollutes nothing', ([, text, path]) => {
    const error = (() => {
      try {
        loadScenario(text);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'ESA_ERR_INVALID_SCENARIO', option: path });
    expect((error as Error).message).toContain(`${path} must be left out`);
    expectNoPollution();
  });

  it('a "__proto__" member of a parsed object is refused too (JSON.parse makes it an own key)', () => {
    const document = JSON.parse(withMember(JSON.stringify(base), '__proto__', { polluted: true })) as object;
    expect(() => loadScenario(document)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', option: '__proto__' }));
    expectNoPollution();
  });

  it('a "__proto__" among generator options is refused with its path, and pollutes nothing', () => {
    const text = JSON.stringify({ ...base, traffic: { generators: [{ type: 'mail_logs', options: 'OPTIONS' }] } }).replace(
      '"OPTIONS"',
      withMember(JSON.stringify({ messagesPerSecond: 1 }), '__proto__', { polluted: true, messagesPerSecond: 1e9 }),
    );
    expect(() => loadScenario(text)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', option: 'traffic.generators[0].options.__proto__' }),
    );
    expectNoPollution();
  });

  it('code-looking strings stay text: logged and delivered verbatim, never run', async () => {
    const dir = tempDir();
    const payloads = [
      "require('node:fs').writeFileSync('pwned', 'x')",
      '() => { globalThis.esaPwned = true }',
      '${globalThis.esaPwned = true}',
      "import('data:text/javascript,globalThis.esaPwned=true')",
    ];
    const text = JSON.stringify({
      ...base,
      $schema: './evil.mjs',
      description: 'function () { globalThis.esaPwned = true }',
      traffic: { writes: payloads.map((payload, index) => ({ at: `${100 + index * 100}ms`, text: payload })) },
    });
    writeFileSync(join(dir, 'evil.mjs'), "globalThis.esaPwned = true;\nrequire('node:fs').writeFileSync('pwned', 'x');\n");
    writeFileSync(join(dir, 'scenario.json'), text);
    const received: string[] = [];
    const scenario = loadScenario('scenario.json', { baseDir: dir });
    expect(scenario.description).toBe('function () { globalThis.esaPwned = true }');
    const result = await runScenario(scenario, { events: ['received'], onEvent: (event) => event.type === 'received' && received.push(event.text ?? '') });
    for (const payload of payloads) expect(received).toContain(payload);
    expect(result.summary.delivered).toBe(payloads.length);
    expectNoPollution();
    expect(readdirSync(dir).sort()).toEqual(['evil.mjs', 'scenario.json']);
    expect(existsSync('pwned')).toBe(false);
  });

  it('a scenario "file" that is code is read as JSON, not imported', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'scenario.mjs'), 'globalThis.esaPwned = true;\nexport default {};\n');
    expect(() => loadScenario('scenario.mjs', { baseDir: dir })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', message: expect.stringMatching(/^scenario\.mjs:1:1: invalid JSON/) }),
    );
    expectNoPollution();
  });
});

// --- the CLI writes only what it was asked to ----------------------------------------------

/** Runs `fn` with the process's working directory set to `dir` (restored after). */
async function inDirectory<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(previous);
  }
}

describe('the CLI writes only the files it was asked to write', () => {
  it('run --pcap: exactly that file', async () => {
    const dir = tempDir();
    const { code } = await cli(['run', 'ips-reset', '--pcap', 'seed.pcap', '--json'], { cwd: dir });
    expect(code).toBe(0);
    expect(readdirSync(dir)).toEqual(['seed.pcap']);
  });

  it('serve --out: exactly that file', async () => {
    const dir = tempDir();
    const { code } = await cli(['serve', '--protocol', 'udp', '--port', '0', '--duration', '50ms', '--out', 'received.log', '--json'], { cwd: dir });
    expect(code).toBe(0);
    expect(readdirSync(dir)).toEqual(['received.log']);
  });

  it('a command that fails on a bad flag creates no file, even the one it was asked for', async () => {
    const dir = tempDir();
    const pcap = await cli(['run', 'ips-reset', '--pcap', 'seed.pcap', '--policy', 'sometimes'], { cwd: dir });
    const out = await cli(['serve', '--protocol', 'tcp', '--port', '0', '--out', 'received.log', '--fault', 'explode'], { cwd: dir });
    expect([pcap.code, out.code]).toEqual([2, 2]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('commands without --out/--pcap write nothing in the working directory', async () => {
    const dir = tempDir();
    const codes = await inDirectory(dir, async () => [
      (await cli(['run', 'ips-reset', '--json'])).code,
      (await cli(['compare', 'ips-reset', '--policy', 'esa', '--json'])).code,
      (await cli(['scenarios'])).code,
      (await cli(['demo', '--json'])).code,
      (await cli(['serve', '--protocol', 'tcp', '--port', '0', '--duration', '20ms'])).code,
    ]);
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

// --- no traffic to an address nobody named -------------------------------------------------

describe('nothing sends to an address nobody named', () => {
  it('an appliance without subscriptions opens no socket, whatever it logs', async () => {
    const calls = socketRecorder();
    const clock = new VirtualClock();
    const appliance = new Appliance({ clock });
    appliance.addGenerator('mail_logs', { messagesPerSecond: 20 });
    appliance.start();
    appliance.write('mail_logs', 'Critical', 'a line nobody subscribed to');
    await clock.advance(60_000);
    await appliance.close();
    expect(calls).toEqual([]);
  });

  it('a virtual-world run touches no real socket (its 10.x addresses are labels)', async () => {
    const calls = socketRecorder();
    const { code, events } = await cli(['run', 'ips-reset', '--json']);
    expect(code).toBe(0);
    expect(events().some((event) => event.type === 'network-error')).toBe(true);
    expect(calls).toEqual([]);
  });

  it('the demo (real sockets) only touches 127.0.0.1', async () => {
    const calls = socketRecorder();
    const { code } = await cli(['demo', '--json']);
    expect(code).toBe(0);
    expect(calls.filter((entry) => entry.call === 'tcp connect').length).toBeGreaterThan(0);
    expect(foreignAddresses(calls)).toEqual([]);
  });

  it('a loopback scenario only touches 127.0.0.1', async () => {
    const calls = socketRecorder();
    const scenario = loadScenario({ ...base, world: 'loopback' });
    const result = await runScenario(scenario);
    expect(result.summary.delivered).toBe(1);
    expect(calls.filter((entry) => entry.call.startsWith('udp')).length).toBeGreaterThan(0);
    expect(foreignAddresses(calls)).toEqual([]);
  });

  it('push sends only to the --host it was given', async () => {
    const server = new SyslogServer({ protocol: 'udp' });
    onTestFinished(() => server.close());
    const port = await server.listen();
    const calls = socketRecorder();
    const { code } = await cli(['push', '--protocol', 'udp', '--host', '127.0.0.1', '--port', String(port), '--count', '3', '--rate', 'max']);
    expect(code).toBe(0);
    await server.waitFor(3);
    expect(calls.length).toBeGreaterThan(0);
    expect(foreignAddresses(calls)).toEqual([]);
  });
});

// --- nothing prints what it was not given to print -----------------------------------------

describe('nothing logs secrets', () => {
  it('the CLI prints nothing from its environment', async () => {
    const secret = 'hunter2-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const env = { ESA_LOGSIM_TOKEN: secret, SYSLOG_PASSWORD: secret, HOME: '/home/secret-user' };
    for (const argv of [['demo', '--json'], ['run', 'ips-reset'], ['push', '--protcol', 'tcp'], ['scenarios']]) {
      const { stdout, stderr } = await cli(argv, { env });
      expect(stdout + stderr).not.toContain(secret);
      expect(stdout + stderr).not.toContain('secret-user');
    }
  });

  it('an error message quotes at most 80 characters of a bad value', async () => {
    const token = `x${'7'.repeat(200)}`;
    const { code, stderr } = await cli(['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', '5514', '--name', token]);
    expect(code).toBe(2);
    expect(stderr).toContain('--name');
    expect(stderr).not.toContain(token);
    expect(stderr).toMatch(/"x7{70,80}\.\.\./);
    const error = new InvalidOptionError('password', token, 'short');
    expect(error).toBeInstanceOf(EsaError);
    expect(error.message.length).toBeLessThan(140);
  });
});
