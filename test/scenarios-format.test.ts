/**
 * The scenario format: loading by name, file, JSON text or object; defaults; and validation
 * errors that name the JSON path (and, for files, the line and column) of the problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EXPECTATION_NAMES, loadScenario, resolveScenario, BUILT_IN_SCENARIO_NAMES } from '../src/scenarios/index.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esa-logsim-scenarios-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const minimal = { name: 'minimal' };

describe('loadScenario', () => {
  it('fills in the documented defaults', () => {
    const scenario = loadScenario(minimal);
    expect(scenario).toMatchObject({
      name: 'minimal',
      description: '',
      world: 'virtual',
      seed: 1,
      startMs: Date.UTC(2014, 5, 25, 6, 50, 3),
      durationMs: 60_000,
      network: { appliance: { address: '10.229.24.230' }, receiver: { address: '10.44.167.30' }, latencyMs: 0.25, jitterMs: 0, faults: [] }, // virtual labels
      receiver: { protocol: 'tcp', port: 514, faults: [], maxMessageBytes: 65536 },
      subscriptions: [{ name: 'Mail_Log', policy: 'esa' }],
      generators: [],
      writes: [],
      policies: [{ label: 'esa', spec: 'esa' }],
      expectations: [],
      source: undefined,
    });
    expect(Object.isFrozen(scenario)).toBe(true);
    expect(Object.isFrozen(scenario.input)).toBe(true);
  });

  it('resolves durations, faults and expectations', () => {
    const scenario = loadScenario({
      name: 'outage',
      duration: '2m',
      start: '2026-03-01T10:00:00+01:00',
      receiver: { faults: ['refuse@10s-40s', { type: 'idle-timeout', idleMs: '300s' }] },
      traffic: { writes: [{ at: '5s', text: 'x', count: 3, intervalMs: '10s' }], generators: [{ type: 'status', from: '1m' }] },
      expect: { networkErrors: { min: 1 }, dropped: 0, 'receiver.oversize': { max: 3 } },
    });
    expect(scenario.durationMs).toBe(120_000);
    expect(scenario.startMs).toBe(Date.UTC(2026, 2, 1, 9, 0, 0));
    expect(scenario.receiver.faults).toEqual([
      { type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 },
      { type: 'idle-timeout', idleMs: 300_000 },
    ]);
    expect(scenario.writes).toEqual([{ atMs: 5000, logType: 'mail_logs', level: 'Information', text: 'x', count: 3, intervalMs: 10_000 }]);
    expect(scenario.generators).toEqual([{ type: 'status', options: {}, fromMs: 60_000, untilMs: 120_000 }]);
    expect(scenario.expectations).toEqual([
      { name: 'networkErrors', min: 1 },
      { name: 'dropped', min: 0, max: 0 },
      { name: 'receiver.oversize', max: 3 },
    ]);
  });

  it('reads a JSON file relative to baseDir and keeps its path', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'outage.json'), JSON.stringify({ name: 'outage', receiver: { faults: ['refuse@10s-40s'] } }, null, 2));
    const scenario = loadScenario('outage.json', { baseDir: dir });
    expect(scenario.name).toBe('outage');
    expect(scenario.source).toBe(join(dir, 'outage.json'));
  });

  it('reads JSON text', () => {
    expect(loadScenario('{ "name": "inline", "duration": "5s" }').durationMs).toBe(5000);
  });

  it('names the built-ins when a name is unknown', () => {
    expect(() => loadScenario('ips-rest')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_UNKNOWN_SCENARIO', message: expect.stringContaining(BUILT_IN_SCENARIO_NAMES.join(', ')) }),
    );
    expect(() => loadScenario('./missing.json', { baseDir: tempDir() })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_UNKNOWN_SCENARIO', message: expect.stringContaining('does not exist') }),
    );
  });

  it('gives the position of malformed JSON', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{\n  "name": "bad",\n  "duration": "5s"\n  "world": "virtual"\n}\n');
    expect(() => loadScenario(join(dir, 'bad.json'))).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', message: expect.stringMatching(/bad\.json:4:3: invalid JSON: expected ',' or '}' after a property value/) }),
    );
  });

  it('rejects duplicate keys that JSON.parse would let through', () => {
    expect(() => loadScenario('{ "name": "a", "name": "b" }')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', message: expect.stringContaining('duplicate key "name"') }),
    );
  });

  it('names the line and column of an invalid value in a file', () => {
    const dir = tempDir();
    const text = JSON.stringify({ name: 'x', subscriptions: [{ name: 'Mail_Log', facility: 'kern' }] }, null, 2);
    writeFileSync(join(dir, 'x.json'), text);
    let error: unknown;
    try {
      loadScenario(join(dir, 'x.json'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ESA_ERR_INVALID_SCENARIO', option: 'subscriptions[0].facility', value: 'kern' });
    expect((error as Error).message).toMatch(/^subscriptions\[0\]\.facility must be one of auth, authpriv, .*, user; got "kern" \(.*x\.json:6:19\)$/);
  });

  it('rejects bad options', () => {
    expect(() => loadScenario('ips-reset', { basedir: '.' } as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'basedir' }));
    expect(() => loadScenario(42 as never)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'scenario' }));
  });
});

describe('resolveScenario errors', () => {
  const cases: readonly (readonly [string, Record<string, unknown>, string, RegExp])[] = [
    ['an unknown top-level key', { ...minimal, worlds: 'virtual' }, 'worlds', /known: \$schema, name, description, world/],
    ['a bad name', { name: 'a b' }, 'name', /scenario name/],
    ['a bad world', { ...minimal, world: 'real' }, 'world', /one of virtual, loopback/],
    ['a bad start', { ...minimal, start: '2014-06-25' }, 'start', /ISO 8601/],
    ['a bad duration', { ...minimal, duration: 'forever' }, 'duration', /duration such as/],
    ['a zero duration', { ...minimal, duration: 0 }, 'duration', /1ms to 365d/],
    ['a bad seed', { ...minimal, seed: -1 }, 'seed', /whole number/],
    ['a bad appliance hostname', { ...minimal, appliance: { hostname: 'mail example' } }, 'appliance.hostname', /host name/],
    ['a bad serial number', { ...minimal, appliance: { serialNumber: 'nope' } }, 'appliance.serialNumber', /serial/i],
    ['a bad alert recipient', { ...minimal, appliance: { alerts: { recipients: ['admin'] } } }, 'appliance.alerts.recipients[0]', /e-mail/],
    ['an appliance option that is not data', { ...minimal, appliance: { clock: {} } }, 'appliance.clock', /known: hostname/],
    ['a bad host address', { ...minimal, network: { receiver: { address: 'syslog.example.com' } } }, 'network.receiver.address', /IPv4 or IPv6/],
    ['the same address twice', { ...minimal, network: { receiver: { address: '10.229.24.230' } } }, 'network.receiver.address', /other than the appliance/], // virtual labels
    ['a bad MSS', { ...minimal, network: { receiver: { mss: 10 } } }, 'network.receiver.mss', /integer from 64/],
    ['a receiver fault on the link', { ...minimal, network: { faults: ['stall'] } }, 'network.faults[0].type', /belong in receiver\.faults/],
    ['a bad fault text', { ...minimal, receiver: { faults: ['reset-after-bytes=abc'] } }, 'receiver.faults[0]', /reset-after-bytes=N/],
    ['a bad fault field', { ...minimal, receiver: { faults: [{ type: 'reset-after-bytes', bytes: 'abc' }] } }, 'receiver.faults[0].bytes', /bytes/],
    ['a bad receiver protocol', { ...minimal, receiver: { protocol: 'tls' } }, 'receiver.protocol', /one of tcp, udp/],
    ['a bad receiver port', { ...minimal, receiver: { port: 0 } }, 'receiver.port', /1 to 65535/],
    ['a bad facility', { ...minimal, subscriptions: [{ name: 'Mail_Log', facility: 'kern' }] }, 'subscriptions[0].facility', /one of auth, authpriv/],
    ['a subscription host', { ...minimal, subscriptions: [{ name: 'Mail_Log', host: '127.0.0.1' }] }, 'subscriptions[0].host', /pushes to the receiver/],
    ['a protocol other than the receiver\'s', { ...minimal, subscriptions: [{ name: 'Mail_Log', protocol: 'udp' }] }, 'subscriptions[0].protocol', /receiver's protocol \(tcp\)/],
    ['a duplicate log name', { ...minimal, subscriptions: [{ name: 'Mail_Log' }, { name: 'Mail_Log' }] }, 'subscriptions[1].name', /Log name 'Mail_Log' already in use/],
    ['a bad push interval', { ...minimal, subscriptions: [{ name: 'Mail_Log', pushIntervalMs: 'often' }] }, 'subscriptions[0].pushIntervalMs', /duration/],
    ['a bad policy', { ...minimal, subscriptions: [{ name: 'Mail_Log', policy: 'retry:tries=3' }] }, 'subscriptions[0].policy', /unknown parameter "tries"/],
    ['a bad transport timeout', { ...minimal, subscriptions: [{ name: 'Mail_Log', transport: { writeTimeoutMs: 'x' } }] }, 'subscriptions[0].transport.writeTimeoutMs', /duration/],
    ['a UDP-only transport option on TCP', { ...minimal, subscriptions: [{ name: 'Mail_Log', transport: { maxDatagramBytes: 1024 } }] }, 'subscriptions[0].transport.maxDatagramBytes', /known: connectTimeoutMs/],
    ['no subscriptions', { ...minimal, subscriptions: [] }, 'subscriptions', /at least one/],
    ['an unknown generator', { ...minimal, traffic: { generators: [{ type: 'bounces' }] } }, 'traffic.generators[0].type', /one of mail_logs/],
    ['a bad generator option', { ...minimal, traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: -1 } }] } }, 'traffic.generators[0].options.messagesPerSecond', /./],
    ['a generator window that ends before it starts', { ...minimal, traffic: { generators: [{ type: 'status', from: '30s', until: '10s' }] } }, 'traffic.generators[0].until', /after from/],
    ['a write after the end', { ...minimal, traffic: { writes: [{ at: '60s', text: 'late' }] } }, 'traffic.writes[0].at', /before 60000 ms/],
    ['a write without text', { ...minimal, traffic: { writes: [{ at: '1s' }] } }, 'traffic.writes[0].text', /text to log/],
    ['a write of an unknown log type', { ...minimal, traffic: { writes: [{ at: '1s', text: 'x', logType: 'mail' }] } }, 'traffic.writes[0].logType', /one of /],
    ['a write at an unknown level', { ...minimal, traffic: { writes: [{ at: '1s', text: 'x', level: 'Notice' }] } }, 'traffic.writes[0].level', /Critical, Warning/],
    ['repeated writes running past the end', { ...minimal, traffic: { writes: [{ at: '50s', text: 'x', count: 3, intervalMs: '5s' }] } }, 'traffic.writes[0].count', /before the end/],
    ['a bad policy in the list', { ...minimal, policies: ['esa', 'never'] }, 'policies[1]', /esa, retry/],
    ['an unknown expectation', { ...minimal, expect: { errors: { min: 1 } } }, 'expect.errors', /known: generated, delivered/],
    ['a bad expectation bound', { ...minimal, expect: { networkErrors: { min: 'one' } } }, 'expect.networkErrors.min', /number ≥ 0/],
    ['an expectation with crossed bounds', { ...minimal, expect: { delivered: { min: 5, max: 2 } } }, 'expect.delivered.max', /≥ min \(5\)/],
    ['an expectation key that is not a bound', { ...minimal, expect: { delivered: { atLeast: 5 } } }, 'expect.delivered.atLeast', /min and max/],
  ];

  it.for(cases)('%s', ([, input, path, message]) => {
    let error: unknown;
    try {
      resolveScenario(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ESA_ERR_INVALID_SCENARIO', option: path });
    expect((error as Error).message.startsWith(`${path} must be `)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects, for loopback, a TCP link that drops packets (only the virtual network can lose a SYN)', () => {
    expect(() => resolveScenario({ ...minimal, world: 'loopback', network: { faults: ['drop=0.5'] } })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', option: 'network.faults[0]' }),
    );
    // A lossy UDP path is something the receiver can apply on loopback.
    expect(resolveScenario({ ...minimal, world: 'loopback', receiver: { protocol: 'udp' }, network: { faults: ['drop=0.5'] } }).world).toBe('loopback');
  });

  it('knows the summary fields it can expect', () => {
    expect(EXPECTATION_NAMES).toContain('networkErrorsByCause.ESA_ERR_CONNECT_TIMEOUT');
    expect(EXPECTATION_NAMES).toContain('droppedByReason.buffer-overflow');
    expect(EXPECTATION_NAMES).toContain('delay.p99Ms');
  });

  it('keeps a scenario document data: a __proto__ key is just an unknown key', () => {
    expect(() => loadScenario('{ "name": "x", "__proto__": { "world": "loopback" } }')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO', option: '__proto__' }),
    );
    expect(({} as { world?: string }).world).toBeUndefined();
  });
});
