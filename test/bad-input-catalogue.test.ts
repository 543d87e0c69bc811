/**
 * The bad-input catalogue: one table of bad inputs across the API options, CLI flags, `--fault`
 * values, scenario files and network bytes. Every row gets its specific `ESA_ERR_*` code (or the
 * CLI's exit code 2 and a one-line message), a message that names the input, and — where state
 * exists — the object stays usable afterwards (the appliance takes a valid subscription, the
 * receiver serves a well-behaved client after the bad bytes).
 *
 * Every code the rows hit is in the README's error table: test/cli/readme.test.ts checks that
 * every `ESA_ERR_*` code of src/core/errors.ts is listed there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Appliance, type AddSubscriptionOptions } from '../src/appliance/appliance.js';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { EsaError, InvalidOptionError, type EsaErrorCode } from '../src/core/errors.js';
import { parseSyslogLine } from '../src/core/syslog-parse.js';
import { parseFault } from '../src/faults/parse-fault.js';
import { loadScenario } from '../src/scenarios/load-scenario.js';
import { runScenario } from '../src/scenarios/run-scenario.js';
import { FaultProxy } from '../src/server/fault-proxy.js';
import {
  SyslogServer,
  type MessageOversizeEvent,
  type ReceivedMessage,
  type ServerConnectionClosedEvent,
  type SyslogServerOptions,
} from '../src/server/syslog-server.js';
import { TcpTransport } from '../src/transports/tcp-transport.js';
import { cli, eventually } from './cli/cli-harness.js';
import { FakeNetwork } from './support/fake-network.js';

const MiB = 1024 * 1024;
/** A bound on every wait below (server clock: real time); a limit, never a measurement. */
const WAIT_LIMIT_MS = 10_000;

// --- shared checks -------------------------------------------------------------------------

/** What a throwing row expects. */
interface ErrorRow<W> {
  /** The bad input, as the test name shows it. */
  readonly input: string;
  /** The error code it must get. */
  readonly code: EsaErrorCode;
  /** `InvalidOptionError.option`, when the error is one. */
  readonly option?: string;
  /** Texts the message must contain: the option, flag or JSON path, and the bad value. */
  readonly names: readonly string[];
  /** Feeds the bad input (throws or rejects). */
  readonly act: (world: W) => unknown;
  /** Proves the object it was given to still works (rows whose target has state). */
  readonly stillUsable?: (world: W) => unknown;
}

/** The error `act` throws or rejects with; fails the test when it succeeds. */
async function caught(act: () => unknown): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  return expect.fail('expected the bad input to be rejected, but it was accepted');
}

async function expectRejected<W>(row: ErrorRow<W>, world: W): Promise<void> {
  const error = await caught(() => row.act(world));
  expect(error, String(error)).toBeInstanceOf(EsaError);
  const esaError = error as EsaError;
  expect(esaError.code, esaError.message).toBe(row.code);
  if (row.option !== undefined) {
    expect(esaError).toBeInstanceOf(InvalidOptionError);
    expect((esaError as InvalidOptionError).option).toBe(row.option);
  }
  for (const text of row.names) expect(esaError.message).toContain(text);
  expect(esaError.message).not.toMatch(/\n/);
  if (row.stillUsable) await row.stillUsable(world);
}

// --- API options ---------------------------------------------------------------------------

interface ApiWorld {
  readonly appliance: Appliance;
  readonly clock: VirtualClock;
}

/** An appliance on a virtual clock and a scripted network (no real socket), holding one subscription `Existing`. */
function applianceWorld(): ApiWorld {
  const clock = new VirtualClock();
  const appliance = new Appliance({ clock, network: new FakeNetwork() });
  appliance.addSubscription({ name: 'Existing', host: '127.0.0.1', port: 5514 });
  onTestFinished(() => appliance.close());
  return { appliance, clock };
}

const subscribe = (options: Partial<AddSubscriptionOptions> & Record<string, unknown>) => (world: ApiWorld) =>
  world.appliance.addSubscription({ name: 'Mail_Log', host: '127.0.0.1', port: 5514, ...options } as AddSubscriptionOptions);

/** After a refused subscription: the appliance holds what it held and still takes a valid one. */
function applianceStillUsable(world: ApiWorld): void {
  expect(world.appliance.subscriptions.map((subscription) => subscription.name)).toEqual(['Existing']);
  const added = world.appliance.addSubscription({ name: 'Mail_Log', host: '127.0.0.1', port: 5514, protocol: 'tcp', facility: 'local0' });
  expect(added.options).toMatchObject({ name: 'Mail_Log', port: 5514, protocol: 'tcp', facility: 'local0' });
  expect(world.appliance.subscriptions.map((subscription) => subscription.name)).toEqual(['Existing', 'Mail_Log']);
}

const subscriptionRow = (input: string, options: Record<string, unknown>, option: string, names: readonly string[], code: EsaErrorCode = 'ESA_ERR_INVALID_OPTION'): ErrorRow<ApiWorld> => ({
  input,
  code,
  option,
  names,
  act: subscribe(options),
  stillUsable: applianceStillUsable,
});

const apiRows: ErrorRow<ApiWorld>[] = [
  subscriptionRow('addSubscription port -1', { port: -1 }, 'port', ['port must be', 'got -1']),
  subscriptionRow('addSubscription port 65536', { port: 65_536 }, 'port', ['port must be an integer from 1 to 65535', 'got 65536']),
  subscriptionRow('addSubscription port 1.5', { port: 1.5 }, 'port', ['port', 'got 1.5']),
  subscriptionRow('addSubscription port "0x202" (not a decimal string)', { port: '0x202' }, 'port', ['port', '"0x202"']),
  subscriptionRow('addSubscription port NaN', { port: Number.NaN }, 'port', ['port', 'got NaN']),
  subscriptionRow('addSubscription facility kern', { facility: 'kern' }, 'facility', ['facility must be one of auth, authpriv', 'got "kern"']),
  subscriptionRow('addSubscription level Verbose', { level: 'Verbose' }, 'level', ['level must be one of Critical', 'got "Verbose"']),
  subscriptionRow('addSubscription unknown log type', { type: 'kernel_logs' }, 'type', ['type must be one of', 'mail_logs', 'got "kernel_logs"']),
  subscriptionRow('addSubscription empty name', { name: '' }, 'name', ['name must be a log name', 'got ""']),
  subscriptionRow('addSubscription name with a space', { name: 'Mail Log' }, 'name', ['name', '"Mail Log"']),
  subscriptionRow('addSubscription host with a space', { host: '127.0.0.1 ' + 'x' }, 'host', ['host', '"127.0.0.1 x"']),
  subscriptionRow('addSubscription protocol sctp', { protocol: 'sctp' }, 'protocol', ['protocol must be one of udp, tcp', 'got "sctp"']),
  subscriptionRow('addSubscription framing crlf', { protocol: 'tcp', framing: 'crlf' }, 'framing', ['framing must be one of lf, octet-counting', 'got "crlf"']),
  subscriptionRow('addSubscription pushIntervalMs -5', { pushIntervalMs: -5 }, 'pushIntervalMs', ['pushIntervalMs must be a duration', 'got -5']),
  subscriptionRow('addSubscription pushIntervalMs NaN', { pushIntervalMs: Number.NaN }, 'pushIntervalMs', ['pushIntervalMs', 'got NaN']),
  subscriptionRow('addSubscription pushIntervalMs Infinity', { pushIntervalMs: Number.POSITIVE_INFINITY }, 'pushIntervalMs', ['pushIntervalMs', 'got Infinity']),
  subscriptionRow('addSubscription rolloverIntervalMs "5x"', { rolloverIntervalMs: '5x' }, 'rolloverIntervalMs', ['rolloverIntervalMs', '"5x"']),
  subscriptionRow('addSubscription maxBatchLines 0', { maxBatchLines: 0 }, 'maxBatchLines', ['maxBatchLines must be an integer from 1', 'got 0']),
  subscriptionRow('addSubscription long-line rule "wrap:100"', { longLines: 'wrap:100' }, 'longLines', ['longLines must be one of send, truncate, split, drop', '"wrap:100"']),
  subscriptionRow('addSubscription long-line maxBytes 0', { longLines: { rule: 'truncate', maxBytes: 0 } }, 'longLines.maxBytes', ['longLines.maxBytes must be a size in bytes from 16', 'got 0']),
  subscriptionRow('addSubscription severityByLevel Critical 9', { severityByLevel: { Critical: 9 } }, 'severityByLevel.Critical', ['severityByLevel.Critical', 'got 9']),
  subscriptionRow('addSubscription unknown option "prot"', { prot: 'tcp' }, 'prot', ['prot must be not set', 'got "tcp"']),
  subscriptionRow('addSubscription policy "retry:retries=-1"', { policy: 'retry:retries=-1' }, 'policy.retries', ['policy.retries must be', 'got -1']),
  subscriptionRow('addSubscription a name already in use', { name: 'Existing' }, 'name', ["Log name 'Existing' already in use"], 'ESA_ERR_NAME_IN_USE'),
  {
    input: 'Appliance.write to an unknown log type',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'logType',
    names: ['logType', '"kernel_logs"'],
    act: (world) => world.appliance.write('kernel_logs', 'Information', 'text'),
    stillUsable: (world) => {
      world.appliance.write('mail_logs', 'Information', 'still written');
      expect(world.appliance.subscription('Existing')?.stats.queuedNow).toBe(1);
    },
  },
  {
    input: 'Appliance.write at level Verbose',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'level',
    names: ['level must be one of', '"Verbose"'],
    act: (world) => world.appliance.write('mail_logs', 'Verbose', 'text'),
    stillUsable: applianceStillUsable,
  },
  {
    input: 'Appliance hostname with a space',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'hostname',
    names: ['hostname must be a host name', '"mail example.com"'],
    act: () => new Appliance({ hostname: 'mail example.com' }),
  },
  {
    input: 'Appliance utcOffsetSeconds NaN',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'utcOffsetSeconds',
    names: ['utcOffsetSeconds', 'NaN'],
    act: () => new Appliance({ utcOffsetSeconds: Number.NaN }),
  },
  {
    input: 'SyslogServer port 65536',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'port',
    names: ['port', '65536'],
    act: () => new SyslogServer({ port: 65_536 }),
  },
  {
    input: 'SyslogServer maxMessageBytes 0',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'maxMessageBytes',
    names: ['maxMessageBytes', 'got 0'],
    act: () => new SyslogServer({ maxMessageBytes: 0 }),
  },
  {
    input: 'SyslogServer framing crlf',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'framing',
    names: ['framing must be one of lf, octet-counting, auto', '"crlf"'],
    act: () => new SyslogServer({ framing: 'crlf' as 'lf' }),
  },
  {
    input: 'SyslogServer closeTimeoutMs -1',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'closeTimeoutMs',
    names: ['closeTimeoutMs', '-1'],
    act: () => new SyslogServer({ closeTimeoutMs: -1 }),
  },
  {
    input: 'SyslogServer.waitFor("ten")',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'condition',
    names: ['condition must be a message count or a predicate', '"ten"'],
    act: () => {
      const server = new SyslogServer({ clock: new VirtualClock() });
      onTestFinished(() => server.close());
      return server.waitFor('ten' as unknown as number);
    },
  },
  {
    input: 'FaultProxy without an upstream',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'upstream',
    names: ['upstream must be an object { host, port }', 'undefined'],
    act: () => new FaultProxy({} as ConstructorParameters<typeof FaultProxy>[0]),
  },
  {
    input: 'TcpTransport connectTimeoutMs 0',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'connectTimeoutMs',
    names: ['connectTimeoutMs', 'got 0'],
    act: () => new TcpTransport({ host: '127.0.0.1', port: 5514, connectTimeoutMs: 0 }),
  },
  {
    input: 'runScenario world "mars"',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'world',
    names: ['world', '"mars"'],
    act: () => runScenario(loadScenario('ips-reset'), { world: 'mars' as 'virtual' }),
  },
];

describe('bad input catalogue: API options', () => {
  it.for(apiRows)('$input', async (row) => {
    await expectRejected(row, applianceWorld());
  });
});

// --- CLI flags -----------------------------------------------------------------------------

interface CliRow {
  readonly input: string;
  readonly argv: readonly string[];
  /** Texts stderr must contain (the flag or command, the bad value, a suggestion). */
  readonly names: readonly string[];
}

const PUSH = ['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', '5514'];
const SERVE = ['serve', '--protocol', 'tcp', '--port', '0'];

const cliRows: CliRow[] = [
  { input: 'unknown flag --protcol (with a suggestion)', argv: ['push', '--protcol', 'tcp'], names: ['unknown flag --protcol', 'did you mean --protocol?'] },
  { input: 'unknown flag before the command', argv: ['--verbose', 'demo'], names: ['unknown flag --verbose'] },
  { input: '--protocol without a value', argv: ['serve', '--protocol'], names: ['--protocol needs a value'] },
  { input: 'required --protocol missing', argv: ['push', '--host', '127.0.0.1', '--port', '5514'], names: ['--protocol is required'] },
  { input: '--port abc', argv: ['serve', '--protocol', 'tcp', '--port', 'abc'], names: ['--port', '"abc"'] },
  { input: '--port 70000', argv: ['push', '--protocol', 'tcp', '--host', '127.0.0.1', '--port', '70000'], names: ['--port', '"70000"', '1 to 65535'] },
  { input: '--port given twice', argv: ['serve', '--protocol', 'tcp', '--port', '0', '--port', '1'], names: ['--port may be given once', '"0"', '"1"'] },
  { input: '--protocol sctp', argv: ['serve', '--protocol', 'sctp', '--port', '0'], names: ['--protocol', '"sctp"', 'tcp, udp'] },
  { input: '--rate -1', argv: [...PUSH, '--rate', '-1'], names: ['--rate', '"-1"'] },
  { input: '--rate NaN', argv: [...PUSH, '--rate', 'NaN'], names: ['--rate', '"NaN"'] },
  { input: '--duration 5x', argv: [...PUSH, '--duration', '5x'], names: ['--duration', '"5x"'] },
  { input: '--duration 0s', argv: [...SERVE, '--duration', '0s'], names: ['--duration', '"0s"'] },
  { input: '--count 0', argv: [...PUSH, '--count', '0'], names: ['--count', '"0"'] },
  { input: '--count and --duration together', argv: [...PUSH, '--count', '5', '--duration', '1s'], names: ['--count and --duration exclude each other'] },
  { input: '--facility kern', argv: [...PUSH, '--facility', 'kern'], names: ['--facility', '"kern"', 'auth, authpriv'] },
  { input: '--level Verbose', argv: [...PUSH, '--level', 'Verbose'], names: ['--level', '"Verbose"'] },
  { input: '--type kernel_logs', argv: [...PUSH, '--type', 'kernel_logs'], names: ['--type', '"kernel_logs"'] },
  { input: '--name with a space', argv: [...PUSH, '--name', 'Mail Log'], names: ['--name', '"Mail Log"'] },
  { input: '--utc-offset +25:00', argv: [...PUSH, '--utc-offset', '+25:00'], names: ['--utc-offset', '"+25:00"'] },
  { input: '--seed ""', argv: [...SERVE, '--seed', ''], names: ['--seed', '""'] },
  { input: '--json=yes (a boolean with a value)', argv: ['scenarios', '--json=yes'], names: ['--json takes no value', '"yes"'] },
  { input: 'unknown command (with a suggestion)', argv: ['demoo'], names: ['unknown command "demoo"', 'did you mean demo?'] },
  { input: 'unknown command', argv: ['frobnicate'], names: ['unknown command "frobnicate"', 'commands: '] },
  { input: 'extra argument', argv: ['scenarios', 'extra'], names: ['takes no arguments', '"extra"'] },
  { input: 'run without a scenario', argv: ['run'], names: ['esa-logsim run: give a SCENARIO'] },
  { input: 'run an unknown scenario name', argv: ['run', 'no-such-scenario'], names: ['unknown scenario "no-such-scenario"', 'ips-reset'] },
  { input: 'compare a misspelt scenario name', argv: ['compare', 'ips-rest', '--policy', 'esa'], names: ['unknown scenario "ips-rest"', 'did you mean ips-reset?'] },
  { input: 'run --policy retry:bogus=1', argv: ['run', 'ips-reset', '--policy', 'retry:bogus=1'], names: ['--policy', 'bogus'] },
  { input: 'compare --policy sometimes', argv: ['compare', 'ips-reset', '--policy', 'sometimes'], names: ['--policy', '"sometimes"'] },
  { input: 'help for an unknown command', argv: ['help', 'serv'], names: ['unknown command "serv"', 'did you mean serve?'] },
];

describe('bad input catalogue: CLI flags', () => {
  it.for(cliRows)('$input', async (row) => {
    const { code, stdout, stderr } = await cli(row.argv);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    // One line, no stack trace, starting with the program's name.
    expect(stderr).toMatch(/^esa-logsim[^\n]*\n$/);
    expect(stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    for (const text of row.names) expect(stderr).toContain(text);
  });
});

// --- --fault values ------------------------------------------------------------------------

interface FaultWorld {
  readonly server: SyslogServer;
}

function faultWorld(): FaultWorld {
  const server = new SyslogServer({ clock: new VirtualClock(), faults: ['reset-after-bytes=412'] });
  onTestFinished(() => server.close());
  return { server };
}

const faultRow = (text: string, names: readonly string[]): ErrorRow<FaultWorld> => ({
  input: `--fault ${text}`,
  code: 'ESA_ERR_INVALID_OPTION',
  option: '--fault',
  names: [`--fault must be`, JSON.stringify(text), ...names],
  act: () => parseFault(text, '--fault'),
});

const faultRows: ErrorRow<FaultWorld>[] = [
  faultRow('explode', ['reset-after-bytes=N']),
  faultRow('drop=1.5', ['drop=P']),
  faultRow('latency=-5ms', ['latency=T']),
  faultRow('reset-after-bytes=abc', ['reset-after-bytes=N']),
  faultRow('reset-after-bytes', ['reset-after-bytes=N']),
  faultRow('refuse=3', ['it takes no value']),
  faultRow('refuse@40s-10s', ['FROM before UNTIL']),
  faultRow('refuse@10-40', ['durations that have a unit']),
  faultRow('refuse@sometimes', ['unknown wrapper "@sometimes"']),
  faultRow('refuse@first=0', ['@first=N']),
  faultRow('refuse@first=1@first=2', ['each wrapper at most once']),
  faultRow('reset-on-connect@p=2', ['@p=P']),
  faultRow('drop=0.5@p=0.5', ['drop=P']),
  faultRow('busy=-1', ['busy=N']),
  faultRow('bandwidth=0', ['bandwidth=B']),
  faultRow('idle-timeout=NaN', ['idle-timeout=T']),
  {
    input: 'a fault spec object with bytes -1 (SyslogServer faults[0])',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'faults[0].bytes',
    names: ['faults[0].bytes', '-1'],
    act: () => new SyslogServer({ faults: [{ type: 'reset-after-bytes', bytes: -1 }] }),
  },
  {
    input: 'setFaults(["explode"]) on a server: the faults it had stay',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'faults[0]',
    names: ['faults[0] must be', '"explode"'],
    act: (world) => world.server.setFaults(['explode']),
    stillUsable: (world) => {
      expect(world.server.faults).toEqual([{ type: 'reset-after-bytes', bytes: 412 }]);
      world.server.setFaults(['refuse@10s-40s']);
      expect(world.server.faults).toEqual([{ type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }]);
    },
  },
];

describe('bad input catalogue: --fault values', () => {
  it.for(faultRows)('$input', async (row) => {
    await expectRejected(row, faultWorld());
  });

  it('serve --fault latency=-5ms: exit 2, naming the flag and the value', async () => {
    const { code, stderr } = await cli(['serve', '--protocol', 'tcp', '--port', '0', '--fault', 'latency=-5ms']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^esa-logsim serve: --fault must be latency=T[^\n]*; got "latency=-5ms"\n$/);
  });
});

// --- scenario files ------------------------------------------------------------------------

interface ScenarioWorld {
  /** A fresh directory, removed after the test. */
  readonly dir: () => string;
}

function scenarioWorld(): ScenarioWorld {
  let dir: string | undefined;
  onTestFinished(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => (dir ??= mkdtempSync(join(tmpdir(), 'esa-logsim-catalogue-'))) };
}

/** A valid document; rows change one thing in it. */
const baseScenario = (): Record<string, unknown> => ({
  name: 'catalogue',
  duration: '3s',
  receiver: { protocol: 'udp' },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: { writes: [{ at: '100ms', text: 'one' }] },
});

const scenarioStillLoads = (): void => {
  expect(loadScenario(JSON.stringify(baseScenario())).name).toBe('catalogue');
};

const scenarioRow = (input: string, document: Record<string, unknown>, option: string, names: readonly string[]): ErrorRow<ScenarioWorld> => ({
  input,
  code: 'ESA_ERR_INVALID_SCENARIO',
  option,
  names: [option, ...names],
  act: () => loadScenario(JSON.stringify(document, null, 2)),
  stillUsable: scenarioStillLoads,
});

const scenarioRows: ErrorRow<ScenarioWorld>[] = [
  {
    input: 'malformed JSON (a trailing comma), with line and column',
    code: 'ESA_ERR_INVALID_SCENARIO',
    names: ['bad.json:3:1: invalid JSON', 'expected a property name'],
    act: (world) => {
      writeFileSync(join(world.dir(), 'bad.json'), '{\n  "name": "x",\n}\n');
      return loadScenario('bad.json', { baseDir: world.dir() });
    },
    stillUsable: scenarioStillLoads,
  },
  {
    input: 'malformed JSON (text cut short)',
    code: 'ESA_ERR_INVALID_SCENARIO',
    names: ['scenario:1:', 'invalid JSON', 'the end of the text'],
    act: () => loadScenario('{"name": "x", "subscriptions": ['),
    stillUsable: scenarioStillLoads,
  },
  {
    input: 'a duplicate JSON key',
    code: 'ESA_ERR_INVALID_SCENARIO',
    names: ['duplicate key "name"'],
    act: () => loadScenario('{"name": "a", "name": "b"}'),
    stillUsable: scenarioStillLoads,
  },
  scenarioRow('subscriptions of the wrong type (an object)', { ...baseScenario(), subscriptions: { name: 'Mail_Log' } }, 'subscriptions', ['an array of subscriptions', '(scenario:']),
  scenarioRow('a wrong facility at a path', { ...baseScenario(), subscriptions: [{ name: 'Mail_Log', facility: 'kern' }] }, 'subscriptions[0].facility', ['"kern"', 'auth, authpriv']),
  scenarioRow('an unknown top-level field', { ...baseScenario(), recevier: { protocol: 'tcp' } }, 'recevier', ['not a field of a scenario']),
  scenarioRow('an unknown subscription field', { ...baseScenario(), subscriptions: [{ name: 'Mail_Log', port: 514 }] }, 'subscriptions[0].port', ['left out']),
  scenarioRow(
    'duplicate subscription names',
    { ...baseScenario(), subscriptions: [{ name: 'Mail_Log' }, { name: 'Mail_Log', type: 'system_logs' }] },
    'subscriptions[1].name',
    ["Log name 'Mail_Log' already in use"],
  ),
  scenarioRow('an empty scenario name', { ...baseScenario(), name: '' }, 'name', ['a scenario name', 'got ""']),
  scenarioRow('an empty subscription name', { ...baseScenario(), subscriptions: [{ name: '' }] }, 'subscriptions[0].name', ['got ""']),
  scenarioRow('a negative duration', { ...baseScenario(), duration: '-5s' }, 'duration', ['"-5s"']),
  scenarioRow('a duration without a number', { ...baseScenario(), duration: 'NaN' }, 'duration', ['"NaN"']),
  scenarioRow('$schema of the wrong type', { $schema: 42, ...baseScenario() }, '$schema', ['a string', 'got 42']),
  scenarioRow('world "mars"', { ...baseScenario(), world: 'mars' }, 'world', ['virtual, loopback', '"mars"']),
  scenarioRow('receiver port 70000', { ...baseScenario(), receiver: { protocol: 'udp', port: 70_000 } }, 'receiver.port', ['70000']),
  scenarioRow('an unknown receiver fault', { ...baseScenario(), receiver: { protocol: 'udp', faults: ['explode'] } }, 'receiver.faults[0]', ['"explode"']),
  scenarioRow('a write after the end', { ...baseScenario(), traffic: { writes: [{ at: '90s', text: 'late' }] } }, 'traffic.writes[0].at', ['"90s"', 'within the scenario']),
  scenarioRow('a bad policy', { ...baseScenario(), policies: ['retry:retries=-1'] }, 'policies[0].retries', ['got -1']),
  {
    input: 'an unknown scenario name',
    code: 'ESA_ERR_UNKNOWN_SCENARIO',
    names: ['unknown scenario "ips-rest"', 'ips-reset'],
    act: () => loadScenario('ips-rest'),
    stillUsable: () => expect(loadScenario('ips-reset').name).toBe('ips-reset'),
  },
  {
    input: 'a scenario file that does not exist',
    code: 'ESA_ERR_UNKNOWN_SCENARIO',
    names: ['scenario file ./missing.json does not exist'],
    act: (world) => loadScenario('./missing.json', { baseDir: world.dir() }),
  },
  {
    input: 'an empty scenario argument',
    code: 'ESA_ERR_INVALID_OPTION',
    option: 'scenario',
    names: ['scenario must be a built-in name', 'got ""'],
    act: () => loadScenario(''),
  },
];

describe('bad input catalogue: scenario files', () => {
  it.for(scenarioRows)('$input', async (row) => {
    await expectRejected(row, scenarioWorld());
  });
});

// --- network bytes -------------------------------------------------------------------------

interface NetworkWorld {
  readonly server: SyslogServer;
  readonly port: number;
  readonly closed: ServerConnectionClosedEvent[];
  readonly oversize: MessageOversizeEvent[];
  /** Waits (bounded) until `condition` holds on the server's records and counters. */
  readonly until: (condition: (records: readonly ReceivedMessage[]) => boolean) => Promise<readonly ReceivedMessage[]>;
}

async function networkWorld(options: SyslogServerOptions): Promise<NetworkWorld> {
  const server = new SyslogServer({ host: '127.0.0.1', port: 0, ...options });
  const closed: ServerConnectionClosedEvent[] = [];
  const oversize: MessageOversizeEvent[] = [];
  server.on('connection:closed', (event) => closed.push(event));
  server.on('message:oversize', (event) => oversize.push(event));
  onTestFinished(() => server.close());
  const port = await server.listen();
  return {
    server,
    port,
    closed,
    oversize,
    until: (condition) => server.waitFor((records) => condition(records), { timeoutMs: WAIT_LIMIT_MS }),
  };
}

/** Sends raw bytes over one TCP connection, then ends it (FIN) unless told to keep it open. */
async function sendTcp(port: number, chunks: readonly (string | Uint8Array)[], options: { end?: boolean } = {}): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  for (const chunk of chunks) await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
  if (options.end !== false) socket.end();
  return socket;
}

/** Sends one UDP datagram. */
async function sendUdp(port: number, data: string | Uint8Array): Promise<void> {
  const socket = dgram.createSocket('udp4');
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  await new Promise<void>((resolve, reject) => socket.send(data, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
}

const GOOD_LINE = '<22>Jun 25 08:50:03 Mail_Log: Info: still served';

/** A well-behaved client after the bad one (framed as the server expects): the server records its line. */
async function stillServes(world: NetworkWorld, protocol: 'tcp' | 'udp'): Promise<void> {
  const frame = world.server.options.framing === 'octet-counting' ? `${GOOD_LINE.length} ${GOOD_LINE}` : `${GOOD_LINE}\n`;
  if (protocol === 'tcp') await sendTcp(world.port, [frame]);
  else await sendUdp(world.port, GOOD_LINE);
  const records = await world.until((kept) => kept.some((record) => record.raw === GOOD_LINE));
  const good = records.find((record) => record.raw === GOOD_LINE);
  expect(good?.parsed).toMatchObject({ tag: 'Mail_Log', level: 'Information', text: 'still served' });
}

/** The parse failure of a kept record, with its code (the server keeps the reason; the parser names the code). */
function parseFailure(record: ReceivedMessage | undefined): { code: EsaErrorCode | undefined; reason: string | undefined } {
  expect(record).toBeDefined();
  const result = parseSyslogLine((record as ReceivedMessage).raw);
  expect(result.ok).toBe(false);
  if (result.ok) return { code: undefined, reason: undefined };
  expect((record as ReceivedMessage).parseError?.reason).toBe(result.error.reason);
  return { code: result.error.code, reason: result.error.reason };
}

interface NetworkRow {
  readonly input: string;
  readonly protocol: 'tcp' | 'udp';
  readonly options?: SyslogServerOptions;
  /**
   * The code the server reports the input with; `undefined` where the receiver documents the
   * input as accepted and reported otherwise (an over-long line is cut, counted in
   * `stats.oversize` and emitted as `message:oversize`; invalid UTF-8 becomes U+FFFD).
   */
  readonly code: EsaErrorCode | undefined;
  /** Sends the bad bytes, checks what the server counted and reported, and returns the code it reported. */
  readonly run: (world: NetworkWorld) => Promise<EsaErrorCode | undefined>;
}

/** The framing error that closed the one bad connection. */
async function framingError(world: NetworkWorld): Promise<EsaError> {
  await world.server.waitFor((_records, stats) => stats.connectionsClosed >= 1, { timeoutMs: WAIT_LIMIT_MS });
  const event = world.closed[0];
  expect(event).toMatchObject({ by: 'server', reason: 'framing' });
  expect(world.server.stats.framingErrors).toBe(1);
  expect(event?.error).toBeInstanceOf(EsaError);
  return event?.error as EsaError;
}

const networkRows: NetworkRow[] = [
  {
    input: 'an octet count of 99999999999',
    protocol: 'tcp',
    code: 'ESA_ERR_FRAME_TOO_LARGE',
    run: async (world) => {
      await sendTcp(world.port, ['99999999999 <22>Jun 25 08:50:03 Mail_Log: Info: x'], { end: false });
      const error = await framingError(world);
      expect(error.message).toMatch(/^octet count at stream offset 0 exceeds maxFrameBytes 65536 \(99999…\)$/);
      expect(world.oversize).toMatchObject([{ action: 'closed', maxMessageBytes: 65_536, code: 'ESA_ERR_MESSAGE_TOO_LARGE' }]);
      expect(world.server.stats.messages).toBe(0);
      return error.code;
    },
  },
  {
    input: 'an octet count without a space',
    protocol: 'tcp',
    code: 'ESA_ERR_FRAMING',
    run: async (world) => {
      await sendTcp(world.port, ['12<22>Jun 25 08:50:03 Mail_Log: Info: x'], { end: false });
      const error = await framingError(world);
      expect(error.message).toBe('expected an octet count (a digit 1-9, then digits, then a space) at stream offset 2; got byte 0x3c');
      return error.code;
    },
  },
  {
    input: 'garbage after a good octet-counted frame',
    protocol: 'tcp',
    options: { framing: 'octet-counting' },
    code: 'ESA_ERR_FRAMING',
    run: async (world) => {
      await sendTcp(world.port, ['5 hellox'], { end: false });
      const error = await framingError(world);
      expect(error.message).toContain('at stream offset 7; got byte 0x78');
      expect(world.server.messages()).toEqual(['hello']);
      return error.code;
    },
  },
  {
    input: 'a stream that ends inside an octet-counted frame',
    protocol: 'tcp',
    code: 'ESA_ERR_FRAMING',
    run: async (world) => {
      await sendTcp(world.port, ['100 <22>Jun 25 08:50:03 Mail_Log: Info: short']);
      const error = await framingError(world);
      expect(error.message).toMatch(/^the stream ended inside .* at stream offset 45$/);
      return error.code;
    },
  },
  {
    input: 'a 10 MB line without a newline',
    protocol: 'tcp',
    code: undefined,
    run: async (world) => {
      const body = new Uint8Array(10 * MiB).fill(0x61);
      body.set(new TextEncoder().encode('<22>Jun 25 08:50:03 Mail_Log: Info: '));
      await sendTcp(world.port, [body]);
      await world.until((records) => records.length >= 1);
      await world.server.waitFor((_records, stats) => stats.connectionsClosed >= 1, { timeoutMs: WAIT_LIMIT_MS });
      // Kept bounded: cut to maxMessageBytes, counted and reported with the real size; the connection ended cleanly.
      const [record] = world.server.records;
      expect(record).toMatchObject({ truncated: true, byteLength: 65_536 });
      expect(record?.parsed?.tag).toBe('Mail_Log');
      expect(world.server.stats).toMatchObject({ oversize: 1, bytes: 10 * MiB, messages: 1, framingErrors: 0 });
      expect(world.oversize).toMatchObject([{ action: 'truncated', byteLength: 10 * MiB, maxMessageBytes: 65_536, code: 'ESA_ERR_MESSAGE_TOO_LARGE' }]);
      expect(world.closed).toMatchObject([{ by: 'peer', reason: 'end' }]);
      return undefined;
    },
  },
  {
    input: 'a 10 MB line without a newline, the sender staying connected',
    protocol: 'tcp',
    code: undefined,
    run: async (world) => {
      const body = new Uint8Array(10 * MiB).fill(0x62);
      await sendTcp(world.port, [body], { end: false });
      // Bytes alone wake no waitFor(): poll the counter (bounded).
      await eventually(() => world.server.stats.bytes >= 10 * MiB, 'the 10 MB to arrive', WAIT_LIMIT_MS);
      // Nothing is recorded while the line is open; the other client below is served meanwhile.
      expect(world.server.stats).toMatchObject({ messages: 0, connectionsOpen: 1, framingErrors: 0 });
      return undefined;
    },
  },
  {
    input: 'an octet count with a leading zero',
    protocol: 'tcp',
    options: { framing: 'octet-counting' },
    code: 'ESA_ERR_FRAMING',
    run: async (world) => {
      await sendTcp(world.port, ['05 hello'], { end: false });
      const error = await framingError(world);
      expect(error.message).toContain('at stream offset 0; got byte 0x30');
      return error.code;
    },
  },
  {
    input: 'a lone "<"',
    protocol: 'tcp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendTcp(world.port, ['<\n']);
      const [record] = await world.until((records) => records.length >= 1);
      const failure = parseFailure(record);
      expect(failure.reason).toBe('expected a PRI of 1 to 3 digits');
      expect(world.server.stats.parseErrors).toBe(1);
      return failure.code;
    },
  },
  {
    input: 'a PRI of 999',
    protocol: 'tcp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendTcp(world.port, ['<999>Jun 25 08:50:03 Mail_Log: Info: x\n']);
      const [record] = await world.until((records) => records.length >= 1);
      const failure = parseFailure(record);
      expect(failure.reason).toBe('expected a PRI from 0 to 191');
      return failure.code;
    },
  },
  {
    input: 'invalid UTF-8 before the PRI',
    protocol: 'tcp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendTcp(world.port, [new Uint8Array([0xff, 0xfe, 0x3c, 0x32, 0x32, 0x3e, 0x0a])]);
      const [record] = await world.until((records) => records.length >= 1);
      expect(record?.raw).toBe('\uFFFD\uFFFD<22>');
      const failure = parseFailure(record);
      expect(failure.reason).toBe('expected "<" opening the PRI');
      return failure.code;
    },
  },
  {
    input: 'invalid UTF-8 in the text (kept, replaced by U+FFFD)',
    protocol: 'tcp',
    code: undefined,
    run: async (world) => {
      const head = new TextEncoder().encode('<22>Jun 25 08:50:03 Mail_Log: Info: bad ');
      await sendTcp(world.port, [new Uint8Array([...head, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a])]);
      const [record] = await world.until((records) => records.length >= 1);
      expect(record?.parsed).toMatchObject({ tag: 'Mail_Log', level: 'Information' });
      expect(record?.parsed?.text).toMatch(/^bad \uFFFD\(\uFFFD+$/);
      expect(record?.byteLength).toBe(head.length + 5);
      expect(world.server.stats.parseErrors).toBe(0);
      return undefined;
    },
  },
  {
    input: 'NUL bytes only',
    protocol: 'tcp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendTcp(world.port, [new Uint8Array([0, 0, 0, 0x0a])]);
      const [record] = await world.until((records) => records.length >= 1);
      expect(record?.raw).toBe('\0\0\0');
      const failure = parseFailure(record);
      expect(failure.reason).toBe('expected "<" opening the PRI');
      return failure.code;
    },
  },
  {
    input: 'a UDP datagram over maxMessageBytes',
    protocol: 'udp',
    options: { maxMessageBytes: 1024 },
    code: undefined,
    run: async (world) => {
      await sendUdp(world.port, `<22>Jun 25 08:50:03 Mail_Log: Info: ${'x'.repeat(4000)}`);
      const [record] = await world.until((records) => records.length >= 1);
      expect(record).toMatchObject({ truncated: true, byteLength: 1024 });
      expect(world.oversize).toMatchObject([{ protocol: 'udp', action: 'truncated', byteLength: 4036, maxMessageBytes: 1024, code: 'ESA_ERR_MESSAGE_TOO_LARGE' }]);
      expect(world.server.stats.oversize).toBe(1);
      return undefined;
    },
  },
  {
    input: 'an empty UDP datagram',
    protocol: 'udp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendUdp(world.port, new Uint8Array(0));
      const [record] = await world.until((records) => records.length >= 1);
      expect(record?.raw).toBe('');
      const failure = parseFailure(record);
      expect(failure.reason).toBe('expected "<" opening the PRI');
      return failure.code;
    },
  },
  {
    input: 'a UDP datagram of invalid UTF-8 and NUL bytes',
    protocol: 'udp',
    code: 'ESA_ERR_PARSE',
    run: async (world) => {
      await sendUdp(world.port, new Uint8Array([0x80, 0x00, 0xff, 0x3c]));
      const [record] = await world.until((records) => records.length >= 1);
      expect(record?.raw).toBe('\uFFFD\0\uFFFD<');
      expect(world.server.stats.parseErrors).toBe(1);
      return parseFailure(record).code;
    },
  },
];

describe('bad input catalogue: network bytes', () => {
  it.for(networkRows)('$input', async (row) => {
    const world = await networkWorld({ protocol: row.protocol, ...row.options });
    expect(await row.run(world)).toBe(row.code);
    await stillServes(world, row.protocol);
    expect(world.server.isAccepting).toBe(true);
  });
});

// --- the count -----------------------------------------------------------------------------

describe('bad input catalogue', () => {
  it('has at least 60 rows', () => {
    const rows = [...apiRows, ...cliRows, ...faultRows, ...scenarioRows, ...networkRows];
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(new Set(rows.map((row) => row.input)).size).toBe(rows.length);
  });
});
