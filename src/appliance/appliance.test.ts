import { describe, expect, it, onTestFinished } from 'vitest';
import { ScriptedTransport, type Step } from '../../test/support/scripted-transport.js';
import { sleep } from '../clock/clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { SyslogServer } from '../server/syslog-server.js';
import { VirtualNetwork } from '../vnet/virtual-network.js';
import { type AddSubscriptionOptions, Appliance, type ApplianceOptions } from './appliance.js';
import type { PushFailedEvent } from './subscription.js';

const START = Date.UTC(2014, 5, 25, 6, 50, 0);

function setup(options: { script?: Step[]; appliance?: ApplianceOptions; subscription?: Partial<AddSubscriptionOptions> } = {}) {
  const clock = new VirtualClock({ startMs: START });
  const transport = new ScriptedTransport(clock, options.script ?? [], options.subscription?.protocol === 'udp' ? 'udp' : 'tcp');
  const appliance = new Appliance({ clock, utcOffsetSeconds: 7200, ...options.appliance });
  const subscription = appliance.addSubscription({
    name: 'Mail_Log',
    type: 'mail_logs',
    host: '127.0.0.1',
    protocol: 'tcp',
    transport,
    ...options.subscription,
  });
  const failures: PushFailedEvent[] = [];
  appliance.on('push:failed', (event) => failures.push(event));
  onTestFinished(async () => {
    await appliance.close();
  });
  return { clock, transport, appliance, subscription, failures };
}

describe('Appliance', () => {
  it('pushes the lines written since the last push as one batch per tick, the first with the logfile header', async () => {
    const { clock, transport, appliance } = setup();
    appliance.start();
    await clock.advance(200);
    appliance.write('mail_logs', 'Information', 'Start MID 1 ICID 1');
    await clock.advance(300);
    appliance.write('mail_logs', 'Information', 'MID 1 ICID 1 From: <alice@example.org>');
    await clock.advance(500);
    expect(transport.batches).toHaveLength(1);
    expect(transport.batches[0]).toEqual({
      at: START + 1000,
      connectionId: 1,
      ok: true,
      messages: [
        '<22>Jun 25 08:50:01 Mail_Log: Info: Begin Logfile',
        '<22>Jun 25 08:50:01 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
        '<22>Jun 25 08:50:01 Mail_Log: Info: Time offset from UTC: 7200 seconds',
        '<22>Jun 25 08:50:00 Mail_Log: Info: Start MID 1 ICID 1',
        '<22>Jun 25 08:50:00 Mail_Log: Info: MID 1 ICID 1 From: <alice@example.org>',
      ],
    });
    await clock.advance(1000);
    expect(transport.batches).toHaveLength(1);
  });

  it('forwards only its log type at or above its level', async () => {
    const { clock, transport, appliance } = setup({ subscription: { level: 'Warning' } });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'not forwarded');
    appliance.write('system_logs', 'Critical', 'another log');
    appliance.write('mail_logs', 'Critical', 'forwarded');
    await clock.advance(1000);
    expect(transport.batches[0]?.messages.slice(3)).toEqual(['<18>Jun 25 08:50:00 Mail_Log: Critical: forwarded']);
  });

  it('queues a generator\'s lines at or above the subscription\'s level, in order, whatever the levels around them', async () => {
    const { clock, transport, appliance, subscription } = setup({ subscription: { level: 'Warning' } });
    const levels = ['Information', 'Information', 'Warning', 'Warning', 'Debug', 'Critical', 'Information', 'Critical', 'Warning'] as const;
    let written = 0;
    appliance.addGenerator({
      logType: 'mail_logs',
      get linesGenerated() {
        return written;
      },
      generate(fromMs, toMs, out) {
        const before = out.length;
        for (let t = Math.ceil(fromMs / 100) * 100; t < toMs; t += 100) {
          const level = levels[written % levels.length] ?? 'Information';
          out.push({ timeMs: t, level, text: `line ${written} ${level}` });
          written++;
        }
        return out.length - before;
      },
    });
    appliance.start();
    await clock.advance(2000);
    const sent = transport.batches.flatMap((batch) => batch.messages.slice(batch === transport.batches[0] ? 3 : 0));
    const expected = Array.from({ length: written }, (_, i) => `line ${i} ${levels[i % levels.length]}`).filter((text) => /Warning|Critical/.test(text));
    expect(sent.map((message) => /line \d+ \w+$/.exec(message)?.[0])).toEqual(expected);
    expect(subscription.ledger.generated).toBe(expected.length);
  });

  it('emits ESA\'s Log Error text, logs it, raises the System/Critical alert and forwards both on the next connection', async () => {
    const { clock, transport, appliance, failures } = setup({
      script: ['ok', { fail: 'ESA_ERR_CONNECTION_RESET', afterWrite: true }],
      appliance: { alerts: { recipients: ['admin@example.com'], subjectTextChars: 63 } },
    });
    const alerts: string[] = [];
    appliance.on('alert:sent', (alert) => alerts.push(alert.subject));
    appliance.start();
    appliance.write('mail_logs', 'Information', 'first');
    await clock.advance(1000);
    appliance.write('mail_logs', 'Information', 'second');
    await clock.advance(1000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      at: START + 2000,
      subscription: 'Mail_Log',
      message: 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      cause: expect.objectContaining({ code: 'ESA_ERR_CONNECTION_RESET' }),
      linesAffected: 1,
      attempt: 1,
      isIdle: false,
      decision: 'drop',
    });
    expect(alerts).toEqual([
      'Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
    ]);
    await clock.advance(1000);
    const third = transport.batches[2];
    expect(third?.connectionId).toBe(2);
    expect(third?.messages).toEqual([
      '<22>Jun 25 08:50:03 Mail_Log: Info: Begin Logfile',
      '<22>Jun 25 08:50:03 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
      '<22>Jun 25 08:50:03 Mail_Log: Info: Time offset from UTC: 7200 seconds',
      '<18>Jun 25 08:50:02 Mail_Log: Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      '<22>Jun 25 08:50:02 Mail_Log: Info: A System/Critical alert was sent to admin@example.com with subject "Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending l...".',
    ]);
    expect(appliance.ledger.counts()).toMatchObject({ generated: 4, dropped: 1, sent: 3, evidence: 'none', delivered: null });
  });

  it('uses the "Failed to connect" text for connect failures', async () => {
    const { clock, appliance, failures } = setup({ script: [{ fail: 'ESA_ERR_CONNECTION_REFUSED' }] });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'x');
    await clock.advance(1000);
    expect(failures[0]?.message).toBe('Log Error: Subscription Mail_Log: Failed to connect to 127.0.0.1');
    expect(failures[0]?.cause.code).toBe('ESA_ERR_CONNECTION_REFUSED');
  });

  it('holds duplicate alerts back with ESA\'s back-off: initial + 2 × previous', async () => {
    const failing: Step[] = Array.from({ length: 200 }, () => ({ fail: 'ESA_ERR_CONNECTION_REFUSED' as const }));
    const { clock, appliance } = setup({
      script: failing,
      appliance: { alerts: { duplicates: { initialWaitMs: 5000, maxWaitMs: 60_000 } } },
    });
    const sentAt: number[] = [];
    let suppressed = 0;
    appliance.on('alert:sent', (alert) => sentAt.push((alert.at - START) / 1000));
    appliance.on('alert:suppressed', () => suppressed++);
    appliance.start();
    for (let second = 0; second < 120; second++) {
      appliance.write('mail_logs', 'Information', `line ${second}`);
      await clock.advance(1000);
    }
    // Pushes fail every second from t=1; waits 5, 15, 35, 60 (capped).
    expect(sentAt).toEqual([1, 6, 21, 56, 116]);
    expect(suppressed).toBe(120 - 5);
    expect(appliance.alertCounts).toEqual({ sent: 5, suppressed: 115 });
  });

  it('retries under the retry policy on the clock (p-retry timing: min × factor^(n−1))', async () => {
    const { clock, transport, appliance, failures } = setup({
      script: [{ fail: 'ESA_ERR_CONNECTION_RESET' }, { fail: 'ESA_ERR_CONNECTION_RESET' }, 'ok'],
      subscription: { policy: { type: 'retry', retries: 3, minDelayMs: 500, factor: 2 } },
    });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'keep me');
    await clock.advance(5000);
    expect(transport.batches.slice(0, 3).map((batch) => [batch.at - START, batch.ok])).toEqual([
      [1000, false],
      [1500, false],
      [2500, true],
    ]);
    expect(failures.map((failure) => [failure.attempt, failure.decision])).toEqual([
      [1, 'retry'],
      [2, 'retry'],
    ]);
    expect(transport.batches[2]?.messages.at(3)).toBe('<22>Jun 25 08:50:00 Mail_Log: Info: keep me');
    expect(appliance.ledger.counts()).toMatchObject({ dropped: 0 });
  });

  it('drops the batch after the last retry', async () => {
    const { clock, appliance, failures } = setup({
      script: Array.from({ length: 3 }, () => ({ fail: 'ESA_ERR_CONNECTION_RESET' as const })),
      subscription: { policy: 'retry:retries=2,min=100ms' },
    });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'lost');
    await clock.advance(1500);
    expect(failures.map((failure) => failure.decision)).toEqual(['retry', 'retry', 'drop']);
    expect(appliance.ledger.counts().droppedByReason['network-error']).toBe(1);
  });

  it('keeps failed lines under the buffer policy and sends them with the next push', async () => {
    const { clock, transport, appliance } = setup({
      script: [{ fail: 'ESA_ERR_CONNECTION_RESET' }, 'ok'],
      subscription: { policy: 'buffer:max=100' },
    });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'buffered');
    await clock.advance(1000);
    appliance.write('mail_logs', 'Information', 'later');
    await clock.advance(1000);
    const texts = transport.batches[1]?.messages.map((message) => message.slice(message.indexOf(': ', 20) + 2));
    expect(texts?.[3]).toBe('Info: buffered');
    expect(texts?.at(-1)).toBe('Info: later');
    expect(appliance.ledger.counts()).toMatchObject({ dropped: 0, generated: 4 });
  });

  it('bounds the buffer, dropping the oldest lines with reason buffer-overflow', async () => {
    const { clock, appliance, subscription } = setup({
      script: Array.from({ length: 10 }, () => ({ fail: 'ESA_ERR_CONNECTION_REFUSED' as const })),
      subscription: { policy: { type: 'buffer', maxLines: 3, overflow: 'drop-oldest' } },
      appliance: { alerts: { duplicates: { initialWaitMs: 3_600_000 } } },
    });
    const dropped: string[] = [];
    subscription.on('lines:dropped', (event) => dropped.push(`${event.reason}:${event.count}`));
    appliance.start();
    for (let i = 0; i < 5; i++) appliance.write('mail_logs', 'Information', `line ${i}`);
    await clock.advance(1000);
    expect(dropped.slice(0, 2)).toEqual(['buffer-overflow:1', 'buffer-overflow:1']);
    expect(subscription.stats.queuedNow).toBeLessThanOrEqual(3);
    expect(appliance.ledger.counts().droppedByReason['buffer-overflow']).toBeGreaterThanOrEqual(2);
  });

  it('takes a user policy function', async () => {
    const seen: number[] = [];
    const { clock, appliance } = setup({
      script: [{ fail: 'ESA_ERR_WRITE_TIMEOUT' }],
      subscription: {
        policy: (context) => {
          seen.push(context.attempt);
          return { action: 'drop' };
        },
      },
    });
    appliance.start();
    appliance.write('mail_logs', 'Warning', 'x');
    await clock.advance(1000);
    expect(seen).toEqual([1]);
  });

  it('asks a user policy once per failed attempt, and waits the delay it returns', async () => {
    const seen: string[] = [];
    const { clock, transport, appliance } = setup({
      script: [{ fail: 'ESA_ERR_CONNECTION_REFUSED' }, { fail: 'ESA_ERR_CONNECTION_REFUSED' }],
      subscription: {
        policy: (context) => {
          seen.push(`${context.attempt}@${clock.elapsedMs}`);
          return context.attempt === 1 ? { action: 'retry', delayMs: 250 } : { action: 'drop' };
        },
      },
    });
    appliance.start();
    appliance.write('mail_logs', 'Warning', 'x');
    await clock.advance(2000);
    expect(seen).toEqual(['1@1000', '2@1250']);
    // Two attempts carried the line (the scripted transport records failed ones too), none after.
    expect(transport.batches.flatMap((batch) => batch.messages).filter((message) => message.endsWith('Warning: x'))).toHaveLength(2);
    expect(appliance.ledger.counts().droppedByReason['network-error']).toBe(1);
  });

  it('starts a new logfile on every new TCP connection, also after an idle reset', async () => {
    const { clock, transport, appliance, failures } = setup();
    appliance.start();
    appliance.write('mail_logs', 'Information', 'a');
    await clock.advance(1000);
    transport.resetIdle();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ isIdle: true, linesAffected: 0, attempt: 0 });
    await clock.advance(1000);
    const second = transport.batches[1];
    expect(second?.connectionId).toBe(2);
    expect(second?.messages[0]).toMatch(/Info: Begin Logfile$/);
    expect(second?.messages.slice(3).map((m) => m.split(': ').slice(1).join(': '))).toEqual([
      'Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      expect.stringMatching(/^Info: A System\/Critical alert was sent to admin@example.com/),
    ]);
  });

  it('with idleCloseDetection on-next-push, fails the next push instead', async () => {
    const { clock, transport, appliance, failures } = setup({ subscription: { idleCloseDetection: 'on-next-push' } });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'a');
    await clock.advance(1000);
    transport.resetIdle();
    expect(failures).toHaveLength(0);
    appliance.write('mail_logs', 'Information', 'b');
    await clock.advance(1000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ isIdle: false, linesAffected: 1, decision: 'drop' });
    expect(appliance.ledger.counts().droppedByReason['network-error']).toBe(1);
  });

  it('rolls the logfile over by time: the old file’s lines, its trailer, then a new header on the same connection', async () => {
    const { clock, transport, appliance } = setup({ subscription: { rolloverIntervalMs: '10s' } });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'a');
    await clock.advance(10_500);
    appliance.write('mail_logs', 'Information', 'b');
    await clock.advance(500);
    const last = transport.batches.at(-1);
    expect(last?.connectionId).toBe(1);
    expect(last?.at).toBe(START + 11_000);
    expect(last?.messages).toEqual([
      '<22>Jun 25 08:50:10 Mail_Log: Info: b',
      '<22>Jun 25 08:50:11 Mail_Log: Info: Logfile rolled over',
      '<22>Jun 25 08:50:11 Mail_Log: Info: End Logfile',
      '<22>Jun 25 08:50:11 Mail_Log: Info: Begin Logfile',
      '<22>Jun 25 08:50:11 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
      '<22>Jun 25 08:50:11 Mail_Log: Info: Time offset from UTC: 7200 seconds',
    ]);
  });

  it('rejects a taken log name like logconfig does', () => {
    const { appliance } = setup();
    expect(() => appliance.addSubscription({ name: 'Mail_Log', host: '127.0.0.1' })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_NAME_IN_USE', message: "Log name 'Mail_Log' already in use" }),
    );
  });

  it.for([
    [{ hostname: 'bad host' }, 'hostname'],
    [{ version: '8.0' }, 'version'],
    [{ logErrorLevel: 'Loud' as never }, 'logErrorLevel'],
    [{ alerts: { recipients: ['not-an-address'] } }, 'alerts.recipients[0]'],
    [{ colour: 'red' } as never, 'colour'],
  ] as const)('rejects bad appliance option %j naming %s', ([options, option]) => {
    expect(() => new Appliance(options as ApplianceOptions)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });

  it.for([
    [{ pushIntervalMs: 0 }, 'pushIntervalMs'],
    [{ policy: 'retry:retries=-1' }, 'policy.retries'],
    [{ policy: 'sometimes' }, 'policy'],
    [{ facility: 'kern' as never }, 'facility'],
    [{ maxBatchLines: 0 }, 'maxBatchLines'],
    [{ idleCloseDetection: 'never' as never }, 'idleCloseDetection'],
  ] as const)('rejects bad subscription option %j naming %s', ([options, option]) => {
    const appliance = new Appliance({ clock: new VirtualClock() });
    expect(() => appliance.addSubscription({ name: 'S', host: '127.0.0.1', ...options } as AddSubscriptionOptions)).toThrow(
      expect.objectContaining({ option }),
    );
  });

  it('close() pushes what is left, closes what it created and leaves no timer', async () => {
    const { clock, transport, appliance } = setup();
    appliance.start();
    appliance.write('mail_logs', 'Information', 'last words');
    const closing = appliance.close();
    expect(appliance.close()).toBe(closing);
    await clock.runAll();
    await closing;
    expect(transport.batches.at(-1)?.messages.at(-1)).toMatch(/last words$/);
    expect(clock.pending).toBe(0);
    expect(transport.closeCalls).toBe(0);
  });

  it('tells the ledger a connection reset during a push ended only after the failed attempt on it, so the ledger does not keep it forever', async () => {
    const { clock, transport, appliance, subscription } = setup({
      appliance: { evidence: 'receiver' },
      script: [{ fail: 'ESA_ERR_CONNECTION_RESET', afterWrite: true }],
    });
    // The receiver got the header and the first line, then its side ended: it tells the ledger
    // while the transport reports the reset, before the send rejects.
    transport.on('connection:reset', (event) => {
      const header = transport.batches[0]?.messages.slice(0, 4).reduce((sum, message) => sum + message.length + 1, 0) ?? 0;
      appliance.ledger.observer.messageReceived({ at: event.at, protocol: 'tcp', key: event.connection.key, connectionId: 1, streamEnd: header });
      appliance.ledger.observer.connectionEnded({ at: event.at, key: event.connection.key, connectionId: 1 });
    });
    appliance.start();
    appliance.write('mail_logs', 'Information', 'delivered before the reset');
    appliance.write('mail_logs', 'Information', 'lost with it');
    await clock.advance(1000);
    // (The Log Error and alert lines that followed wait for the next push.)
    expect([0, 1].map((id) => subscription.ledger.fateOf(id))).toEqual(['delivered', 'dropped']);
    expect(appliance.ledger.trackedConnections).toBe(0);
  });

  it('pulls attached generators at every push', async () => {
    const { clock, transport, appliance } = setup();
    appliance.addGenerator('mail_logs', { messagesPerSecond: 20, arrival: 'uniform' });
    appliance.start();
    await clock.advance(3000);
    const lines = transport.batches.reduce((sum, batch) => sum + batch.messages.length, 0);
    expect(lines).toBeGreaterThan(100);
    expect(appliance.ledger.counts().generated).toBe(lines - 3);
  });

  it('sends every line once and in order when batches take part of the queue and a failed one is kept (buffer policy)', async () => {
    const { clock, transport, appliance, subscription } = setup({
      script: ['ok', 'ok', 'ok', 'ok', { fail: 'ESA_ERR_CONNECTION_RESET', afterWrite: true }],
      subscription: { policy: 'buffer:max=1000', maxBatchLines: 2 },
    });
    appliance.start();
    // Three lines a second, two per push: the queue's head moves on while lines keep coming.
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 3; i++) appliance.write('mail_logs', 'Information', `line ${second * 3 + i}`);
      await clock.advance(1000);
    }
    await clock.advance(20_000);
    const ours = (messages: readonly string[]) => messages.map((message) => /line \d+$/.exec(message)?.[0]).filter((text) => text !== undefined);
    const failed = transport.batches.filter((batch) => !batch.ok);
    expect(failed.map((batch) => ours(batch.messages))).toEqual([['line 8', 'line 9']]);
    const sent = transport.batches.filter((batch) => batch.ok).flatMap((batch) => ours(batch.messages));
    expect(sent).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i}`));
    expect(subscription.stats.queuedNow).toBe(0);
    // Every ledger id was sent, none twice and none forgotten (the Log Error and alert lines too).
    const generated = subscription.ledger.generated;
    expect(generated).toBeGreaterThan(30);
    expect(subscription.ledger.counts()).toMatchObject({ generated, sent: generated, queued: 0, dropped: 0 });
  });

  it('sends every line once when a flush and a scheduled push overlap on a slow transport and the first of them fails (buffer policy)', async () => {
    const clock = new VirtualClock({ startMs: START });
    const transport = new ScriptedTransport(clock, ['ok', { fail: 'ESA_ERR_CONNECTION_RESET', afterWrite: true }]);
    const send = transport.send.bind(transport);
    transport.send = async (messages, options) => {
      await sleep(clock, 800);
      return send(messages, options);
    };
    const appliance = new Appliance({ clock });
    onTestFinished(() => appliance.close());
    const subscription = appliance.addSubscription({
      name: 'Mail_Log',
      type: 'mail_logs',
      host: '127.0.0.1',
      protocol: 'tcp',
      transport,
      maxBatchLines: 3,
      policy: 'buffer:max=100',
    });
    appliance.start();
    let next = 0;
    const write = (count: number) => {
      for (let i = 0; i < count; i++) appliance.write('mail_logs', 'Information', `line ${next++}`);
    };
    write(2);
    await clock.advance(1500);
    write(8);
    // The flush waits for the push on the wire (sent at 1800 ms); its own push (lines 2-4, fails at
    // 2600 ms) is still on the wire when the scheduled one (lines 5-7) starts at 2000 ms.
    const flushed = subscription.flush();
    await clock.advance(300);
    write(2);
    await clock.advance(10_000);
    await flushed;
    const ours = (messages: readonly string[]) => messages.map((message) => /line \d+$/.exec(message)?.[0]).filter((text) => text !== undefined);
    expect(transport.batches.map((batch) => [batch.at - START, batch.ok, ours(batch.messages)]).slice(0, 3)).toEqual([
      [1800, true, ['line 0', 'line 1']],
      [2600, false, ['line 2', 'line 3', 'line 4']],
      [2800, true, ['line 5', 'line 6', 'line 7']],
    ]);
    const sent = transport.batches.filter((batch) => batch.ok).flatMap((batch) => ours(batch.messages));
    expect([...sent].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))).toEqual(Array.from({ length: next }, (_, i) => `line ${i}`));
    const generated = subscription.ledger.generated;
    expect(subscription.ledger.counts()).toMatchObject({ generated, sent: generated, queued: 0, dropped: 0 });
  });

  it('bounds the buffer, dropping the newest lines with reason buffer-overflow, and sends the kept ones once the receiver is back', async () => {
    const { clock, transport, appliance, subscription } = setup({
      script: [{ fail: 'ESA_ERR_CONNECTION_REFUSED' }, { fail: 'ESA_ERR_CONNECTION_REFUSED' }],
      subscription: { policy: { type: 'buffer', maxLines: 3, overflow: 'drop-newest' } },
      appliance: { alerts: { duplicates: { initialWaitMs: 3_600_000 } } },
    });
    const dropped: string[] = [];
    subscription.on('lines:dropped', (event) => dropped.push(`${event.reason}:${event.count}`));
    appliance.start();
    for (let i = 0; i < 5; i++) appliance.write('mail_logs', 'Information', `line ${i}`);
    expect(dropped).toEqual(['buffer-overflow:1', 'buffer-overflow:1']);
    await clock.advance(3000);
    const sent = transport.batches.filter((batch) => batch.ok).flatMap((batch) => batch.messages.filter((message) => /line \d+$/.test(message)));
    expect(sent.map((message) => message.slice(-6))).toEqual(['line 0', 'line 1', 'line 2']);
    expect([3, 4].map((id) => subscription.ledger.fateOf(id))).toEqual(['dropped', 'dropped']);
    expect(subscription.stats.queuedNow).toBe(0);
  });
});

describe('Appliance long-line rules and the ledger (virtual network, real transports and receiver)', () => {
  async function world(protocol: 'tcp' | 'udp', longLines: string) {
    const clock = new VirtualClock({ startMs: START });
    const vnet = new VirtualNetwork({ clock });
    onTestFinished(() => vnet.close());
    const appliance = new Appliance({ clock, network: vnet.host('192.0.2.1'), evidence: 'receiver' });
    const server = new SyslogServer({ protocol, network: vnet.host('192.0.2.2'), clock, host: '192.0.2.2', port: 514, observers: [appliance.ledger.observer] });
    const listening = server.listen();
    await clock.advance(1);
    await listening;
    const subscription = appliance.addSubscription({ name: 'Mail_Log', type: 'mail_logs', host: '192.0.2.2', port: 514, protocol, transportOptions: { longLines } });
    /** Pushes once, closes both sides, returns the fate of each line. */
    const finish = async (): Promise<(string | undefined)[]> => {
      appliance.start();
      await clock.advance(1500);
      for (const closing of [appliance.close(), server.close()]) {
        await clock.advance(5000);
        await closing;
      }
      return Array.from({ length: subscription.ledger.generated }, (_, id) => subscription.ledger.fateOf(id));
    };
    return { appliance, server, subscription, finish };
  }

  it('gives the subscription’s longLines to the transport it creates (transportOptions.longLines still wins)', () => {
    const appliance = new Appliance({ clock: new VirtualClock({ startMs: START }) });
    onTestFinished(() => appliance.close());
    const tcp = appliance.addSubscription({ name: 'Tcp_Log', host: '127.0.0.1', protocol: 'tcp', longLines: 'drop:256' });
    const udp = appliance.addSubscription({ name: 'Udp_Log', host: '127.0.0.1', protocol: 'udp', longLines: { rule: 'split' } });
    const both = appliance.addSubscription({ name: 'Both_Log', host: '127.0.0.1', protocol: 'tcp', longLines: 'drop:256', transportOptions: { longLines: 'truncate:1k' } });
    const policyOf = (subscription: { transport: unknown }) => (subscription.transport as { options: { longLines: unknown } }).options.longLines;
    expect(policyOf(tcp)).toEqual({ rule: 'drop', maxBytes: 256 });
    expect(policyOf(udp)).toEqual({ rule: 'split', maxBytes: 65_507 });
    expect(policyOf(both)).toEqual({ rule: 'truncate', maxBytes: 1024 });
  });

  it.for(['tcp', 'udp'] as const)('a line the drop rule does not send is dropped (oversize), not delivered (%s)', async (protocol) => {
    const { appliance, server, subscription, finish } = await world(protocol, 'drop:256');
    const dropped: number[] = [];
    subscription.on('lines:dropped', (event) => dropped.push(event.count));
    appliance.write('mail_logs', 'Information', 'before');
    appliance.write('mail_logs', 'Information', `MID 1 Subject '${'x'.repeat(400)}'`);
    appliance.write('mail_logs', 'Information', 'after');
    expect(await finish()).toEqual(['delivered', 'dropped', 'delivered']);
    expect(appliance.ledger.counts().droppedByReason.oversize).toBe(1);
    expect(dropped).toEqual([1]);
    expect(server.records.map((record) => record.parsed?.text).filter((text) => text === 'before' || text === 'after')).toEqual(['before', 'after']);
  });

  it.for([['truncate:100'], ['split:100']] as const)('UDP: a line changed by %s is matched to its last datagram and delivered', async ([rule]) => {
    const { appliance, server, finish } = await world('udp', rule);
    appliance.write('mail_logs', 'Information', `MID 2 Subject '${'y'.repeat(300)}'`);
    expect(await finish()).toEqual(['delivered']);
    const parts = server.records.filter((record) => record.raw.includes('yyy'));
    expect(parts.every((record) => record.byteLength <= 100)).toBe(true);
    if (rule.startsWith('split')) expect(parts.length).toBeGreaterThan(3);
    else expect(parts.length).toBe(1);
  });
});
