/**
 * The real `TcpTransport`, `UdpTransport` and `SyslogServer`, unchanged, on a virtual host pair:
 * the seed case (an IPS resets the connection after 412 bytes) gives the seed capture, a lost
 * SYN makes the transport's connect timeout fire, a UDP push to a closed port reports the ICMP.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { NetworkError } from '../../src/core/errors.js';
import { SyslogServer } from '../../src/server/syslog-server.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';
import { renderTrace } from '../../src/vnet/render-trace.js';
import { VirtualNetwork } from '../../src/vnet/virtual-network.js';

const ESA = '10.229.24.230';
const SYSLOG = '10.44.167.30';

function setup(options: { linkFaults?: string[] } = {}) {
  const clock = new VirtualClock({ startMs: Date.UTC(2026, 5, 25, 6, 50, 3) });
  const vnet = new VirtualNetwork({ clock, seed: 25, trace: { limit: 1000 } });
  onTestFinished(() => vnet.close());
  const esa = vnet.host(ESA, { initialWindowBytes: 16384 });
  const syslog = vnet.host(SYSLOG, { mss: 1350 });
  if (options.linkFaults) vnet.link(ESA, SYSLOG, { faults: options.linkFaults });
  return { clock, vnet, esa, syslog };
}

/** A syslog line of exactly `length` bytes once LF-framed. */
function line(text: string, length: number): string {
  return `<22>Jun 25 08:50:03 Mail_Log: Info: ${text}`.padEnd(length - 1, '.').slice(0, length - 1);
}

describe('transports and server on the virtual network', () => {
  it('seed case: the server resets after 412 bytes; the capture is SYN, SYN-ACK, ACK, 47, ACK, 365, ACK, RST-ACK', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const server = new SyslogServer({ protocol: 'tcp', host: SYSLOG, port: 514, faults: ['reset-after-bytes=412'], network: syslog, clock });
    onTestFinished(() => server.close());
    await server.listen();
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock });
    onTestFinished(() => transport.destroy());
    const resets: { code: string; isIdle: boolean }[] = [];
    transport.on('connection:reset', (event) => resets.push({ code: event.error.code, isIdle: event.isIdle }));

    const first = transport.send([line('Begin Logfile', 47)]);
    await clock.advance(5);
    await expect(first).resolves.toMatchObject({ bytesWritten: 47, isNewConnection: true });
    const second = transport.send([line('Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E', 200), line('Log Error: Subscription Mail_Log: Network error', 165)]);
    await clock.advance(5);
    await expect(second).resolves.toMatchObject({ bytesWritten: 365 });
    await clock.advance(10);

    expect(resets).toEqual([{ code: 'ESA_ERR_CONNECTION_RESET', isIdle: true }]);
    expect(server.records.map((record) => record.raw.length)).toEqual([46, 199, 165 - 1]);
    const table = renderTrace(vnet.trace).split('\n').slice(1);
    expect(table.map((row) => row.replace(/^.*? (TCP|Syslog) +\d+ +/, '$1 '))).toEqual([
      'TCP 26040 > shell [SYN] Seq=0 Win=16384 Len=0 MSS=1460',
      'TCP shell > 26040 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1350',
      'TCP 26040 > shell [ACK] Seq=1 Ack=1 Win=65535 Len=0',
      'Syslog MAIL.INFO: Jun 25 08:50:03 Mail_Log: Info: Begin Logf',
      // The 47 bytes arrive with the handshake's ACK, before the server accepted: they wait.
      'TCP shell > 26040 [ACK] Seq=1 Ack=48 Win=65488 Len=0',
      `Syslog MAIL.INFO: ${line('Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E', 200).slice(4)} [+1 more]`,
      'TCP shell > 26040 [ACK] Seq=1 Ack=413 Win=65535 Len=0',
      'TCP shell > 26040 [RST, ACK] Seq=1 Ack=413 Win=0 Len=0',
    ]);

    // The next push opens a new connection (a new ephemeral port) and gets through.
    const third = transport.send([line('Begin Logfile', 47)]);
    await clock.advance(5);
    await expect(third).resolves.toMatchObject({ isNewConnection: true, connection: expect.objectContaining({ localPort: 26041, key: `${ESA}:26041` }) });

    // Closing on a virtual clock: the sockets' close events come on the clock, so advance it.
    const closing = Promise.all([transport.close(), server.close()]);
    await clock.advance(1_000);
    await closing;
    await clock.advance(60_000);
    expect(clock.pending).toBe(0);
  });

  it('an IPS on the link resets after 412 bytes: the RST the client sees comes from the server address', async () => {
    const { clock, vnet, esa, syslog } = setup({ linkFaults: ['reset-after-bytes=412'] });
    const server = new SyslogServer({ protocol: 'tcp', host: SYSLOG, port: 514, network: syslog, clock });
    onTestFinished(() => server.close());
    await server.listen();
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock });
    onTestFinished(() => transport.destroy());
    const resets: string[] = [];
    transport.on('connection:reset', (event) => resets.push(event.error.code));
    const sent = transport.send([line('one', 47), line('two', 365), line('three', 100)]);
    await clock.advance(20);
    await sent.catch(() => undefined);
    expect(resets).toEqual(['ESA_ERR_CONNECTION_RESET']);
    expect(server.stats.bytes).toBe(412);
    const clientRst = vnet.trace.find((packet) => packet.flags.includes('RST') && packet.dst === ESA);
    expect(clientRst).toMatchObject({ src: SYSLOG, srcPort: 514, flags: ['RST', 'ACK'], forged: true });
  });

  it('a link that drops every SYN: the transport connect timeout fires before the kernel ETIMEDOUT', async () => {
    const { clock, vnet, esa } = setup({ linkFaults: ['drop=1'] });
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock, connectTimeoutMs: 5000 });
    onTestFinished(() => transport.destroy());
    const sent = transport.send([line('lost', 47)]);
    const outcome = sent.then(
      () => 'sent',
      (error: NetworkError) => `${error.code} at ${clock.elapsedMs}`,
    );
    await clock.advance(10_000);
    expect(await outcome).toBe('ESA_ERR_CONNECT_TIMEOUT at 5000');
    expect(vnet.trace.map((packet) => `${packet.timeMs - clock.startMs} ${packet.flags.join()}`)).toEqual(['0 SYN', '1000 SYN', '3000 SYN']);
    await clock.advance(200_000);
    expect(clock.pending).toBe(0);
  });

  it('a stalled receiver closes its window: the transport write timeout fires', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const server = new SyslogServer({ protocol: 'tcp', host: SYSLOG, port: 514, faults: ['stall'], network: syslog, clock });
    await server.listen();
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock, writeTimeoutMs: 2000 });
    const batch = Array.from({ length: 2000 }, (_, i) => line(`message ${i}`, 150));
    const outcome = transport.send(batch).then(
      () => 'sent',
      (error: NetworkError) => `${error.code} at ${clock.elapsedMs}`,
    );
    await clock.advance(5000);
    expect(await outcome).toMatch(/^ESA_ERR_WRITE_TIMEOUT at 200\d/);
    expect(vnet.trace.some((packet) => packet.src === SYSLOG && packet.window === 0)).toBe(true);
    expect(server.stats.messages).toBe(0);
    transport.destroy();
    const closing = server.close();
    await clock.advance(1000);
    await closing;
  });

  it('UDP to a closed port: the ICMP port unreachable fails the next push with ESA_ERR_PORT_UNREACHABLE', async () => {
    const { clock, esa } = setup();
    const transport = new UdpTransport({ host: SYSLOG, port: 514, network: esa, clock });
    onTestFinished(() => transport.destroy());
    const resets: string[] = [];
    transport.on('connection:reset', (event) => resets.push(event.error.code));
    const first = transport.send([line('one', 47)]);
    await clock.advance(5);
    await expect(first).resolves.toMatchObject({ bytesWritten: 46 });
    const second = transport.send([line('two', 47)]).then(
      () => 'sent',
      (error: NetworkError) => error.code,
    );
    await clock.advance(5);
    expect([...resets, await second]).toContain('ESA_ERR_PORT_UNREACHABLE');
  });
});
