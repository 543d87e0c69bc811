/**
 * `esa-logsim demo`, `run`, `compare` and `scenarios` through runCli: the NDJSON contract, the
 * human output, expectations → exit 1, files (--pcap, scenario files) and their failures.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BUILT_IN_SCENARIO_NAMES } from '../../src/scenarios/load-scenario.js';
import { cli, startCli } from './cli-harness.js';

const CONTRACT_TYPES = ['listening', 'received', 'fault', 'network-error', 'alert', 'summary'];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esa-logsim-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small UDP scenario whose one expectation can be made to fail. */
function scenarioFile(dir: string, overrides: Record<string, unknown> = {}): string {
  const path = join(dir, 'small.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'small',
      description: 'Two scripted lines over UDP',
      duration: '3s',
      receiver: { protocol: 'udp' },
      subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
      traffic: { writes: [{ at: '100ms', text: 'first' }, { at: '1200ms', text: 'second' }] },
      expect: { delivered: 2 },
      ...overrides,
    }),
  );
  return path;
}

describe('esa-logsim scenarios', () => {
  it('lists every built-in scenario with its one-line description', async () => {
    const { code, stdout } = await cli(['scenarios']);
    expect(code).toBe(0);
    for (const name of BUILT_IN_SCENARIO_NAMES) expect(stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    expect(stdout.split('\n')[0]).toMatch(/^ips-reset +The seed: an IPS resets TCP syslog after the first 412 bytes/);
  });

  it('--json: one scenario event per built-in', async () => {
    const { code, events } = await cli(['scenarios', '--json']);
    expect(code).toBe(0);
    expect(events().map((event) => event.name)).toEqual(BUILT_IN_SCENARIO_NAMES);
    expect(events()[0]).toMatchObject({ type: 'scenario', name: 'ips-reset', world: 'virtual', description: expect.any(String) });
  });
});

describe('esa-logsim demo', () => {
  it('runs the seed on loopback: the Log Error and alert lines, the reset, a new logfile on the next connection, the ledger', async () => {
    const { code, stdout, stderr } = await cli(['demo']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('appliance  Wed Jun 25 08:50:05 2014 Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
    expect(stdout).toContain(
      'Info: A System/Critical alert was sent to admin@example.com with subject "Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending l...".',
    );
    expect(stdout).toMatch(/receiver +fault reset-after-bytes → reset: reset after 412 bytes \(127\.0\.0\.1:\d+\)/);
    const headers = stdout.match(/receiver +got <mail\.info> Mail_Log: Info: Begin Logfile +\(from 127\.0\.0\.1:(\d+)\)/g) ?? [];
    expect(headers).toHaveLength(2);
    expect(stdout).toContain('Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E');
    expect(stdout).toContain('Info: Time offset from UTC: 7200 seconds');
    expect(stdout).toMatch(/lost in flight +[1-9]\d*\n/);
    expect(stdout).toMatch(/network errors +1\n/);
  });

  it('--json: only contract event types, and a summary that balances', async () => {
    const { code, events } = await cli(['demo', '--json']);
    expect(code).toBe(0);
    const all = events();
    for (const event of all) expect(CONTRACT_TYPES).toContain(event.type);
    expect(all.some((event) => event.type === 'received')).toBe(true);
    expect(all.find((event) => event.type === 'network-error')).toMatchObject({ cause: 'ESA_ERR_CONNECTION_RESET', subscription: 'Mail_Log' });
    const summary = all.at(-1) as Record<string, number>;
    expect(summary).toMatchObject({ type: 'summary', world: 'loopback', pending: 0, networkErrors: 1, alerts: 1 });
    expect(summary.generated).toBe((summary.delivered ?? 0) + (summary.dropped ?? 0) + (summary.lostInFlight ?? 0) + (summary.pending ?? 0));
  });
});

describe('esa-logsim run', () => {
  it('runs a built-in in the virtual world and prints its expectations (exit 0)', async () => {
    const { code, stdout } = await cli(['run', 'ips-reset']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^esa-logsim run ips-reset: The seed/);
    expect(stdout).toContain('virtual world, seed 1, 10s simulated from 2014-06-25T06:50:03.000Z');
    expect(stdout).toContain('Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
    expect(stdout).toContain('  ok   networkErrors ≥ 1: got 1');
    expect(stdout).not.toContain('FAIL');
  });

  it('--trace prints the capture table with the seed shape: SYN, SYN-ACK, ACK, data, then RST-ACK', async () => {
    const { code, stdout } = await cli(['run', 'ips-reset', '--trace']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/26040 > shell \[SYN\] Seq=0 Win=\d+ Len=0 MSS=1460/);
    expect(stdout).toMatch(/shell > 26040 \[SYN, ACK\] .*MSS=1350/);
    expect(stdout).toMatch(/shell > 26040 \[RST, ACK\]/);
  });

  it('--json prints only contract event types and a final summary with the expectations', async () => {
    const { code, events } = await cli(['run', 'receiver-restart', '--json', '--policy', 'esa']);
    expect(code).toBe(0);
    const all = events();
    for (const event of all) expect(CONTRACT_TYPES).toContain(event.type);
    expect(all.filter((event) => event.type === 'summary')).toHaveLength(1);
    expect(all.at(-1)).toMatchObject({ type: 'summary', policy: 'esa', passed: true, expectations: expect.any(Array) });
    for (const key of ['generated', 'delivered', 'dropped', 'lostInFlight', 'duplicated', 'pending', 'networkErrors', 'alerts']) {
      expect(typeof all.at(-1)?.[key]).toBe('number');
    }
    expect(all.find((event) => event.type === 'fault')).toMatchObject({ fault: expect.any(String), action: expect.any(String), detail: expect.any(String) });
  });

  it('prints the first 20 fault events of each kind and counts the rest, which --json prints all of', async () => {
    const human = await cli(['run', 'udp-loss']);
    const json = await cli(['run', 'udp-loss', '--json']);
    expect([human.code, json.code]).toEqual([0, 0]);
    const faults = json.events().filter((event) => event.type === 'fault');
    expect(new Set(faults.map((event) => `${event.fault} → ${event.action}`))).toEqual(new Set(['drop → drop']));
    expect(faults.length).toBeGreaterThan(20);
    expect(human.stdout.match(/^ +\+[\d.]+s +network +fault drop → drop: /gm)).toHaveLength(20);
    expect(human.stdout).toContain(
      `(${faults.length - 20} more fault events not shown, after the first 20 of each kind: network drop → drop ${faults.length - 20}; --json prints them all)`,
    );
  });

  it('--pcap writes a pcap file', async () => {
    const dir = tempDir();
    const { code, stdout } = await cli(['run', 'ips-reset', '--pcap', 'seed.pcap'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('packet capture written to seed.pcap');
    const bytes = readFileSync(join(dir, 'seed.pcap'));
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.length).toBeGreaterThan(24 + 16 * 10);
  });

  it('runs a JSON file; a failed expectation exits 1 with one line on stderr', async () => {
    const dir = tempDir();
    const ok = await cli(['run', scenarioFile(dir)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('  ok   delivered = 2: got 2');
    expect(ok.stdout.split('\n')[0]).toBe('esa-logsim run small: Two scripted lines over UDP');
    const plain = join(dir, 'plain.json');
    writeFileSync(plain, JSON.stringify({ ...JSON.parse(readFileSync(scenarioFile(dir), 'utf8')), name: 'plain', description: undefined }));
    expect((await cli(['run', plain])).stdout.split('\n')[0]).toBe('esa-logsim run plain');
    const failing = await cli(['run', 'small.json', '--json'], { cwd: dir });
    expect(failing.code).toBe(0);
    scenarioFile(dir, { expect: { delivered: 3, networkErrors: 0 } });
    const failed = await cli(['run', 'small.json'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('  FAIL delivered = 3: got 2');
    expect(failed.stderr).toBe('esa-logsim run: 1 of 2 expectations of small failed: delivered = 3: got 2\n');
  });

  it.for([
    [['run'], 'esa-logsim run: give a SCENARIO: a built-in name (esa-logsim scenarios lists them) or a JSON file'],
    [['run', 'ips-rest'], expect.stringMatching(/^esa-logsim run: unknown scenario "ips-rest": the built-in scenarios are ips-reset, .*; did you mean ips-reset\?$/)],
    [['run', 'nothing/here.json'], expect.stringMatching(/^esa-logsim run: scenario file nothing\/here\.json does not exist/)],
    [['run', 'ips-reset', 'udp-loss'], 'esa-logsim run: takes 1 argument; got an extra "udp-loss" (run esa-logsim run --help)'],
    [['run', 'ips-reset', '--policy', 'later'], expect.stringMatching(/^esa-logsim run: --policy must be esa, retry.*; got "later"$/)],
    [['compare', 'ips-reset', '--policy', 'esa', '--policy', 'retry:retries=-1'], expect.stringMatching(/^esa-logsim compare: --policy.* must be an integer from 0 to 1000; got -1$/)],
  ] as const)('%j is a usage error (exit 2, one line)', async ([argv, message]) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.trimEnd()).toEqual(message);
  });

  it('rejects an invalid scenario file with its JSON path (exit 2)', async () => {
    const dir = tempDir();
    scenarioFile(dir, { subscriptions: [{ name: 'Mail_Log', facility: 'kern' }] });
    const { code, stderr } = await cli(['run', 'small.json'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^esa-logsim run: .*subscriptions\[0\]\.facility must be one of auth, .*; got "kern"/);
    expect(stderr.split('\n')).toHaveLength(2);
  });

  it('rejects --trace and --pcap on loopback, naming the flag (exit 2)', async () => {
    const dir = tempDir();
    scenarioFile(dir, { world: 'loopback' });
    const { code, stderr } = await cli(['run', 'small.json', '--trace'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^esa-logsim run: --trace must be used in the virtual world only/);
  });

  it('exits 1 when --pcap cannot be opened', async () => {
    const dir = tempDir();
    const { code, stderr } = await cli(['run', 'ips-reset', '--pcap', join(dir, 'no', 'x.pcap')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^esa-logsim run: Cannot open --pcap .*x\.pcap: ENOENT/);
  });

  it('exits 1 when interrupted', async () => {
    const run = startCli(['run', 'slow-receiver']);
    run.abort();
    expect(await run.done).toBe(1);
    expect(run.stderr()).toBe('esa-logsim run: interrupted before the run ended\n');
  });

  it('shows a progress line on a TTY, rewritten with \\r and cleared, and none in --json', async () => {
    const chunks: string[] = [];
    const tty = { write: (text: string) => chunks.push(text), isTTY: true };
    const code = await (await import('../../src/cli/run-cli.js')).runCli(['run', 'udp-loss'], { stdout: tty, stderr: tty });
    expect(code).toBe(0);
    const progress = chunks.filter((chunk) => chunk.startsWith('\r'));
    expect(progress.some((chunk) => /^\rsimulating udp-loss: .* of 1m\u001b\[K$/.test(chunk))).toBe(true);
    expect(progress.at(-1)).toBe('\r\u001b[K');
    const json: string[] = [];
    await (await import('../../src/cli/run-cli.js')).runCli(['run', 'udp-loss', '--json'], { stdout: { write: (text: string) => json.push(text), isTTY: true }, stderr: tty });
    expect(json.join('')).not.toContain('\r');
  });
});

describe('esa-logsim compare', () => {
  it('prints one row per policy with loss, duplicates, delay, network errors and alerts', async () => {
    const { code, stdout } = await cli(['compare', 'receiver-restart', '--policy', 'esa', '--policy', 'buffer:max=500']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('policy '));
    expect(lines[header]).toMatch(/^policy +generated +delivered +dropped +lost in flight +duplicated +delay p50 +delay p99 +network errors +alerts$/);
    expect(lines[header + 1]).toMatch(/^esa +\d+ +\d+ +\d+ +\d+ +\d+ +\S+ +\S+ +\d+ +\d+$/);
    expect(lines[header + 2]).toMatch(/^buffer:max=500 +\d+/);
  });

  it("uses the scenario's own policies without --policy; --json prints one comparison event per policy", async () => {
    const { code, events } = await cli(['compare', 'ips-reset', '--json']);
    expect(code).toBe(0);
    expect(events().map((event) => [event.type, event.policy])).toEqual([
      ['comparison', 'esa'],
      ['comparison', 'retry:retries=3,min=500ms,max=5s'],
      ['comparison', 'buffer:max=1000'],
    ]);
    expect(events()[0]).toMatchObject({ generated: 11, networkErrors: 1, alerts: 1 });
  });

  it("compares the scenario's default policy list (esa) when neither the file nor the flags name one", async () => {
    const dir = tempDir();
    scenarioFile(dir);
    const { code, events } = await cli(['compare', 'small.json', '--json'], { cwd: dir });
    expect(code).toBe(0);
    expect(events()).toEqual([expect.objectContaining({ type: 'comparison', policy: 'esa', generated: 2, delivered: 2, passed: true })]);
  });
});
