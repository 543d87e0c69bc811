import { describe, expect, it, onTestFinished } from 'vitest';
import type { SocketError, StreamSocket } from '../core/network.js';
import type { Clock } from '../clock/clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import type { FaultInput } from '../faults/parse-fault.js';
import type { TracePacket } from './packet.js';
import type { VirtualTcpSocket } from './tcp-socket.js';
import type { VirtualHostOptions } from './host-options.js';
import { VirtualNetwork, type VirtualNetworkOptions } from './virtual-network.js';

const ESA = '10.229.24.230';
const SYSLOG = '10.44.167.30';

interface Setup {
  clock: VirtualClock;
  vnet: VirtualNetwork;
  esa: ReturnType<VirtualNetwork['host']>;
  syslog: ReturnType<VirtualNetwork['host']>;
  /** clock.schedule() calls made by the network. */
  timers: () => number;
}

function setup(
  options: Partial<VirtualNetworkOptions> & { esa?: VirtualHostOptions; syslog?: VirtualHostOptions; faults?: FaultInput[]; latencyMs?: number } = {},
): Setup {
  const clock = new VirtualClock({ startMs: 0 });
  let scheduled = 0;
  const counting: Clock = {
    now: () => clock.now(),
    schedule: (delayMs, callback) => {
      scheduled++;
      return clock.schedule(delayMs, callback);
    },
  };
  const { esa: esaOptions, syslog: syslogOptions, faults, latencyMs, ...rest } = options;
  const vnet = new VirtualNetwork({ clock: counting, seed: 7, trace: { limit: 10_000 }, ...rest });
  onTestFinished(() => vnet.close());
  const esa = vnet.host(ESA, { initialWindowBytes: 16384, ...esaOptions });
  const syslog = vnet.host(SYSLOG, { mss: 1350, ...syslogOptions });
  if (faults !== undefined || latencyMs !== undefined) vnet.link(ESA, SYSLOG, { ...(faults ? { faults } : {}), ...(latencyMs === undefined ? {} : { latencyMs }) });
  return { clock, vnet, esa, syslog, timers: () => scheduled };
}

interface Side {
  events: string[];
  received: number;
  socket: StreamSocket;
}

function watch(socket: StreamSocket): Side {
  const side: Side = { events: [], received: 0, socket };
  socket.on('connect', () => side.events.push('connect'));
  socket.on('data', (chunk) => (side.received += chunk.byteLength));
  socket.on('drain', () => side.events.push('drain'));
  socket.on('end', () => side.events.push('end'));
  socket.on('error', (error: SocketError) => side.events.push(`error ${error.code} ${error.syscall}`));
  socket.on('close', (hadError) => side.events.push(`close ${hadError}`));
  return side;
}

async function serve(host: Setup['syslog'], onSocket: (side: Side) => void = () => {}, port = 514): Promise<Side[]> {
  const sides: Side[] = [];
  await host.listen({ host: '0.0.0.0', port }, (socket) => {
    const side = watch(socket);
    sides.push(side);
    onSocket(side);
  });
  return sides;
}

/** Relative view of a TCP trace: direction, flags, relative seq / ack, length. */
function shape(trace: readonly TracePacket[]): string[] {
  const isn = new Map<string, number>();
  return trace
    .filter((packet) => packet.protocol === 'TCP')
    .map((packet) => {
      const from = packet.src === ESA ? 'C' : 'S';
      const to = from === 'C' ? 'S' : 'C';
      if (packet.flags.includes('SYN') && !isn.has(from)) isn.set(from, packet.seq);
      const rel = (value: number, side: string) => (isn.has(side) ? (value - (isn.get(side) as number) + 2 ** 32) % 2 ** 32 : value);
      const ack = packet.flags.includes('ACK') ? ` ack=${rel(packet.ack, to)}` : '';
      return `${from} [${packet.flags.join(',')}] seq=${rel(packet.seq, from)}${ack} len=${packet.length}${packet.dropped ? ' dropped' : ''}`;
    });
}

const bytes = (count: number, fill = 0x61) => new Uint8Array(count).fill(fill);

describe('VirtualNetwork TCP', () => {
  it('reproduces the seed capture: SYN, SYN-ACK, ACK, 47 bytes, ACK, 365 bytes, ACK, RST-ACK', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const servers = await serve(syslog, (side) =>
      side.socket.on('data', () => {
        if (side.received >= 412) side.socket.resetAndDestroy();
      }),
    );
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    client.socket.write(bytes(47));
    await clock.advance(10);
    client.socket.write(bytes(365));
    await clock.advance(10);
    expect(shape(vnet.trace)).toEqual([
      'C [SYN] seq=0 len=0',
      'S [SYN,ACK] seq=0 ack=1 len=0',
      'C [ACK] seq=1 ack=1 len=0',
      'C [PSH,ACK] seq=1 ack=1 len=47',
      'S [ACK] seq=1 ack=48 len=0',
      'C [PSH,ACK] seq=48 ack=1 len=365',
      'S [ACK] seq=1 ack=413 len=0',
      'S [RST,ACK] seq=1 ack=413 len=0',
    ]);
    const [syn, synAck] = vnet.trace;
    expect([syn?.srcPort, syn?.dstPort, syn?.window, syn?.mss]).toEqual([26040, 514, 16384, 1460]);
    expect([synAck?.mss, synAck?.window]).toEqual([1350, 65535]);
    expect(client.events).toEqual(['connect', 'error ECONNRESET read', 'close true']);
    expect(servers[0]?.received).toBe(412);
    expect(clock.pending).toBe(0);
    expect(esa.tcpConnections + syslog.tcpConnections).toBe(0);
  });

  it('segments data at the smaller MSS and acknowledges every segment', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    vnet.clearTrace();
    client.socket.write(bytes(4000));
    await clock.advance(10);
    expect(servers[0]?.received).toBe(4000);
    const data = vnet.trace.filter((packet) => packet.src === ESA && packet.length > 0);
    expect(data.map((packet) => packet.length)).toEqual([1350, 1350, 1300]);
    const acks = vnet.trace.filter((packet) => packet.src === SYSLOG && packet.flags.join() === 'ACK');
    expect(acks).toHaveLength(3);
  });

  it('gives the same trace for the same seed and other ISNs for another seed', async () => {
    const run = async (seed: number) => {
      const { clock, vnet, esa, syslog } = setup({ seed });
      await serve(syslog);
      const client = esa.connect({ host: SYSLOG, port: 514 });
      client.write(bytes(3000));
      client.end();
      await clock.advance(100);
      return vnet.trace;
    };
    const first = await run(11);
    expect(await run(11)).toEqual(first);
    const other = await run(12);
    expect(other.map((packet) => packet.flags)).toEqual(first.map((packet) => packet.flags));
    expect(other[0]?.seq).not.toBe(first[0]?.seq);
  });

  it('closes with FIN both ways and leaves no timer and no connection', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    client.socket.write(bytes(10));
    client.socket.end();
    await clock.advance(50);
    expect(shape(vnet.trace).slice(-6)).toEqual([
      'C [PSH,ACK] seq=1 ack=1 len=10',
      'C [FIN,ACK] seq=11 ack=1 len=0',
      'S [ACK] seq=1 ack=11 len=0',
      'S [ACK] seq=1 ack=12 len=0',
      'S [FIN,ACK] seq=1 ack=12 len=0',
      'C [ACK] seq=12 ack=2 len=0',
    ]);
    expect(client.events).toEqual(['connect', 'end', 'close false']);
    expect(servers[0]?.events).toEqual(['end', 'close false']);
    expect(clock.pending).toBe(0);
    expect(esa.tcpConnections + syslog.tcpConnections).toBe(0);
  });

  it('retransmits a lost SYN at 1, 3, 7, 15, 31 and 63 s and fails with ETIMEDOUT at 127 s', async () => {
    const { clock, vnet, esa } = setup({ faults: [{ type: 'drop', probability: 1 }] });
    vnet.host('10.44.167.31');
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    let failedAt: number | undefined;
    client.socket.on('error', () => (failedAt = clock.now()));
    await clock.advance(200_000);
    const syns = vnet.trace.filter((packet) => packet.flags.join() === 'SYN');
    expect(syns.map((packet) => packet.timeMs)).toEqual([0, 1000, 3000, 7000, 15000, 31000, 63000]);
    expect(syns.every((packet) => packet.dropped)).toBe(true);
    expect(client.events).toEqual(['error ETIMEDOUT connect', 'close true']);
    expect(failedAt).toBe(127_000);
    expect(clock.pending).toBe(0);
  });

  it('connects on a later SYN when the drop fault heals', async () => {
    const { clock, vnet, esa, syslog } = setup({ faults: [{ type: 'drop', probability: 1, activeUntilMs: 2000 }] });
    await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    let connectedAt: number | undefined;
    client.socket.on('connect', () => (connectedAt = clock.now()));
    await clock.advance(5000);
    expect(vnet.trace.filter((packet) => packet.flags.join() === 'SYN').map((packet) => [packet.timeMs, packet.dropped ?? false])).toEqual([
      [0, true],
      [1000, true],
      [3000, false],
    ]);
    expect(connectedAt).toBe(3000.5);
  });

  it('retransmits lost data after the RTO (200 ms minimum) and delivers it once', async () => {
    const { clock, vnet, esa, syslog } = setup({ faults: [{ type: 'drop', probability: 1, activeFromMs: 10, activeUntilMs: 20 }] });
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    let receivedAt: number | undefined;
    await clock.advance(15);
    servers[0]?.socket.on('data', () => (receivedAt = clock.now()));
    client.socket.write(bytes(100));
    await clock.advance(1000);
    const data = vnet.trace.filter((packet) => packet.length > 0);
    expect(data.map((packet) => [packet.timeMs, packet.dropped ?? false])).toEqual([
      [15, true],
      [215, false],
    ]);
    expect(receivedAt).toBe(215.25);
    expect(servers[0]?.received).toBe(100);
    expect(clock.pending).toBe(0);
  });

  it('gives up on unacknowledged data with ETIMEDOUT after its retransmissions', async () => {
    const { clock, vnet, esa, syslog } = setup({ esa: { maxRetransmissions: 3 }, faults: [{ type: 'drop', probability: 1, activeFromMs: 10 }] });
    await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(15);
    client.socket.write(bytes(100));
    await clock.advance(10_000);
    const data = vnet.trace.filter((packet) => packet.length > 0);
    expect(data.map((packet) => packet.timeMs)).toEqual([15, 215, 615, 1415]);
    expect(client.events).toEqual(['connect', 'error ETIMEDOUT read', 'close true']);
  });

  it('closes the window for a paused reader: write callbacks stop, then resume drains them', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const servers = await serve(syslog, (side) => side.socket.pause());
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    let done = 0;
    const isBelow = client.socket.write(bytes(300_000), () => done++);
    await clock.advance(5_000);
    expect(isBelow).toBe(false);
    expect(done).toBe(0);
    expect(client.socket.writableLength).toBe(300_000);
    expect((servers[0]?.socket as VirtualTcpSocket | undefined)?.readableLength).toBe(65_535);
    const fromServer = vnet.trace.filter((packet) => packet.src === SYSLOG);
    expect(fromServer.some((packet) => packet.window === 0)).toBe(true);
    // Zero-window probes keep asking while the window stays shut.
    const probes = vnet.trace.filter((packet) => packet.src === ESA && packet.length === 0 && packet.flags.join() === 'ACK' && packet.timeMs > 1);
    expect(probes.length).toBeGreaterThan(2);
    servers[0]?.socket.resume();
    await clock.advance(1_000);
    expect(done).toBe(1);
    expect(client.events).toContain('drain');
    expect(client.socket.writableLength).toBe(0);
    expect(servers[0]?.received).toBe(300_000);
  });

  it('sends RST when data reaches a connection whose socket is already closed', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(5);
    servers[0]?.socket.destroy();
    client.socket.write(bytes(20));
    await clock.advance(50);
    expect(shape(vnet.trace).slice(3)).toEqual([
      'S [FIN,ACK] seq=1 ack=1 len=0',
      'C [PSH,ACK] seq=1 ack=1 len=20',
      // The client ends too (allowHalfOpen false); its close crosses the server's RST, and
      // the server no longer knows the connection: each later segment gets RST as well.
      'C [ACK] seq=21 ack=2 len=0',
      'C [FIN,ACK] seq=21 ack=2 len=0',
      'S [RST] seq=2 len=0',
      'S [RST] seq=2 len=0',
      'S [RST] seq=2 len=0',
    ]);
    expect(clock.pending).toBe(0);
  });

  it('answers a segment for an unknown connection with RST (the first RST was lost)', async () => {
    const { clock, vnet, esa, syslog } = setup({ faults: [{ type: 'drop', probability: 1, activeFromMs: 100, activeUntilMs: 101 }] });
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(100);
    servers[0]?.socket.resetAndDestroy();
    await clock.advance(100);
    expect(client.events).toEqual(['connect']);
    client.socket.write(bytes(10));
    await clock.advance(10);
    expect(shape(vnet.trace).slice(3)).toEqual(['S [RST,ACK] seq=1 ack=1 len=0 dropped', 'C [PSH,ACK] seq=1 ack=1 len=10', 'S [RST] seq=1 len=0']);
    expect(client.events).toEqual(['connect', 'error ECONNRESET read', 'close true']);
  });

  it('answers a SYN to a port without listener with RST-ACK: ECONNREFUSED', async () => {
    const { clock, vnet, esa } = setup();
    const client = watch(esa.connect({ host: SYSLOG, port: 601 }));
    await clock.advance(10);
    expect(shape(vnet.trace)).toEqual(['C [SYN] seq=0 len=0', 'S [RST,ACK] seq=0 ack=1 len=0']);
    expect(client.events).toEqual(['error ECONNREFUSED connect', 'close true']);
  });

  it('costs a handful of timers for a 7.5 KB push on an open connection', async () => {
    const { clock, esa, syslog, timers } = setup();
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    const before = timers();
    client.socket.write(bytes(7_500), () => {});
    await clock.advance(10);
    expect(servers[0]?.received).toBe(7_500);
    expect(timers() - before).toBeLessThanOrEqual(4);
  });

  it('delivers the bytes of one write without copying them again per segment', async () => {
    const { clock, esa, syslog } = setup();
    const chunks: Uint8Array[] = [];
    await serve(syslog, (side) => side.socket.on('data', (chunk) => chunks.push(chunk)));
    const client = esa.connect({ host: SYSLOG, port: 514 });
    const data = Uint8Array.from({ length: 20_000 }, (_, i) => i & 0xff);
    client.write(data);
    await clock.advance(10);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(data);
  });
});

describe('VirtualNetwork link faults', () => {
  it('reset-after-bytes: the IPS lets 412 bytes through and resets both sides; the client RST comes from the server', async () => {
    const events: string[] = [];
    const { clock, vnet, esa, syslog } = setup({ faults: ['reset-after-bytes=412'] });
    vnet.on('fault:applied', (event) => events.push(`${event.fault} ${event.action} ${event.detail}`));
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    client.socket.write(bytes(47));
    await clock.advance(10);
    client.socket.write(bytes(500));
    await clock.advance(10);
    expect(servers[0]?.received).toBe(412);
    expect(client.events).toEqual(['connect', 'error ECONNRESET read', 'close true']);
    expect(servers[0]?.events).toEqual(['error ECONNRESET read', 'close true']);
    const resets = vnet.trace.filter((packet) => packet.flags.includes('RST'));
    expect(resets.map((packet) => [packet.src, packet.dst, packet.forged])).toEqual([
      [ESA, SYSLOG, true],
      [SYSLOG, ESA, true],
    ]);
    expect(shape(vnet.trace).filter((line) => line.includes('len=365') || line.includes('RST'))).toEqual([
      'C [PSH,ACK] seq=48 ack=1 len=365',
      'C [RST,ACK] seq=413 ack=1 len=0',
      'S [RST,ACK] seq=1 ack=413 len=0',
    ]);
    expect(events).toEqual(['reset-after-bytes reset reset after 412 bytes']);
    expect(clock.pending).toBe(0);
  });

  it('reset-after-messages: the IPS cuts the stream after the second LF-framed message', async () => {
    const { clock, esa, syslog } = setup({ faults: ['reset-after-messages=2'] });
    const received: string[] = [];
    await serve(syslog, (side) => side.socket.on('data', (chunk) => received.push(new TextDecoder().decode(chunk))));
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    client.socket.write(new TextEncoder().encode('<22>one\n<22>two\n<22>three\n'));
    await clock.advance(10);
    expect(received.join('')).toBe('<22>one\n<22>two\n');
    expect(client.events).toContain('error ECONNRESET read');
  });

  it('reset-on-connect: the handshake completes, then both sides are reset', async () => {
    const { clock, esa, syslog } = setup({ faults: ['reset-on-connect'] });
    const servers = await serve(syslog);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    expect(client.events).toEqual(['connect', 'error ECONNRESET read', 'close true']);
    expect(servers[0]?.events).toEqual(['error ECONNRESET read', 'close true']);
  });

  it('refuse: RST to the SYN from the server address (ECONNREFUSED), ICMP for datagrams', async () => {
    const { clock, vnet, esa, syslog } = setup({ faults: ['refuse'] });
    await serve(syslog);
    const udp = syslog.createDatagramSocket(4);
    await udp.bind('0.0.0.0', 514);
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    const sender = esa.createDatagramSocket(4);
    const errors: string[] = [];
    sender.on('error', (error) => errors.push(`${error.code} ${error.syscall}`));
    await sender.connect(SYSLOG, 514);
    sender.send(bytes(5), () => {});
    await clock.advance(10);
    expect(client.events).toEqual(['error ECONNREFUSED connect', 'close true']);
    expect(errors).toEqual(['ECONNREFUSED recvmsg']);
    expect(vnet.trace.filter((packet) => packet.forged).map((packet) => `${packet.protocol} ${packet.src}`)).toEqual([`TCP ${SYSLOG}`, `ICMP ${SYSLOG}`]);
    udp.close();
    sender.close();
  });

  it('busy=1: a second connection through the link is reset', async () => {
    const { clock, esa, syslog } = setup({ faults: ['busy=1'] });
    await serve(syslog);
    const first = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(5);
    const second = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(5);
    expect(first.events).toEqual(['connect']);
    expect(second.events).toEqual(['connect', 'error ECONNRESET read', 'close true']);
  });

  it('latency adds to the data path toward the server', async () => {
    const { clock, esa, syslog } = setup({ faults: ['latency=200ms'] });
    let receivedAt: number | undefined;
    await serve(syslog, (side) => side.socket.on('data', () => (receivedAt = clock.now())));
    const client = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(1000);
    expect(client.events).toEqual(['connect']);
    const writtenAt = clock.now();
    client.socket.write(bytes(10));
    await clock.advance(1000);
    expect((receivedAt as number) - writtenAt).toBe(200.25);
  });

  it('drops datagrams with drop=1 and records them as lost', async () => {
    const { clock, vnet, esa, syslog } = setup({ faults: ['drop=1'] });
    const got: number[] = [];
    const udp = syslog.createDatagramSocket(4);
    udp.on('message', (data) => got.push(data.byteLength));
    await udp.bind(SYSLOG, 514);
    const sender = esa.createDatagramSocket(4);
    sender.send(bytes(10), () => {}, { address: SYSLOG, port: 514 });
    await clock.advance(10);
    expect(got).toEqual([]);
    expect(vnet.trace.map((packet) => [packet.protocol, packet.dropped])).toEqual([['UDP', true]]);
    expect(vnet.stats).toMatchObject({ packets: 1, dropped: 1 });
    udp.close();
    sender.close();
  });

  it('rejects receiver faults on a link, naming the field', () => {
    const { vnet } = setup();
    expect(() => vnet.link(ESA, SYSLOG, { faults: ['stall'] })).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'faults[0].type' }));
  });
});

describe('VirtualNetwork links and hosts', () => {
  it('lets a host talk to itself through localhost without latency', async () => {
    const { clock, esa } = setup();
    const servers = await serve(esa as Setup['syslog']);
    const client = watch(esa.connect({ host: 'localhost', port: 514 }));
    client.socket.write(bytes(10));
    await clock.advance(0);
    expect(client.events).toEqual(['connect']);
    expect(servers[0]?.received).toBe(10);
    expect(servers[0]?.socket.remoteAddress).toBe(ESA);
  });

  it('speaks IPv6 between IPv6 hosts and refuses to mix families', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const vnet = new VirtualNetwork({ clock });
    onTestFinished(() => vnet.close());
    const a = vnet.host('fd00::a');
    const b = vnet.host('FD00:0:0::B');
    vnet.host('10.0.0.1');
    expect(b.address).toBe('fd00::b');
    const servers = await serve(b as Setup['syslog']);
    const client = watch(a.connect({ host: 'fd00::b', port: 514 }));
    const mixed = watch(a.connect({ host: '10.0.0.1', port: 514 }));
    client.socket.write(bytes(3));
    await clock.advance(5);
    expect(servers[0]?.received).toBe(3);
    expect([client.socket.localAddress, client.socket.remoteAddress]).toEqual(['fd00::a', 'fd00::b']);
    expect(mixed.events).toEqual(['error ENETUNREACH connect', 'close true']);
  });

  it('jitters packets deterministically without reordering them', async () => {
    const run = async () => {
      const { clock, vnet, esa, syslog } = setup({ latencyMs: 1 });
      vnet.link(ESA, SYSLOG, { jitterMs: 5 });
      const received: number[] = [];
      await serve(syslog, (side) => side.socket.on('data', (chunk) => received.push(...chunk)));
      const client = esa.connect({ host: SYSLOG, port: 514 });
      for (let i = 0; i < 20; i++) {
        client.write(Uint8Array.of(i));
        await clock.advance(0.5);
      }
      await clock.advance(100);
      return { received, times: vnet.trace.map((packet) => packet.timeMs) };
    };
    const first = await run();
    expect(first.received).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await run()).times).toEqual(first.times);
  });

  it('applies new link faults at run time and heals when they are removed', async () => {
    const { clock, vnet, esa, syslog } = setup();
    await serve(syslog);
    const link = vnet.link(ESA, SYSLOG, { latencyMs: 2 });
    expect(link.latencyMs).toBe(2);
    const first = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    link.setFaults(['refuse']);
    expect(link.faults).toEqual([{ type: 'refuse' }]);
    const refused = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    link.setFaults([]);
    const healed = watch(esa.connect({ host: SYSLOG, port: 514 }));
    await clock.advance(10);
    expect([first.events, refused.events, healed.events]).toEqual([['connect'], ['error ECONNREFUSED connect', 'close true'], ['connect']]);
    expect(link.engine?.stats.byType.refuse).toBe(1);
  });
});

describe('VirtualNetwork UDP', () => {
  it('delivers datagrams with the sender address and answers a closed port with ICMP', async () => {
    const { clock, vnet, esa, syslog } = setup();
    const got: string[] = [];
    const udp = syslog.createDatagramSocket(4);
    udp.on('message', (data, from) => got.push(`${new TextDecoder().decode(data)} from ${from.address}:${from.port}`));
    expect(await udp.bind('0.0.0.0', 514)).toEqual({ address: '0.0.0.0', port: 514 });
    const sender = esa.createDatagramSocket(4);
    const results: string[] = [];
    sender.send(new TextEncoder().encode('<22>hello'), (error) => results.push(error?.code ?? 'ok'), { address: SYSLOG, port: 514 });
    sender.send(bytes(3), (error) => results.push(error?.code ?? 'ok'), { address: SYSLOG, port: 515 });
    await clock.advance(10);
    expect(got).toEqual([`<22>hello from ${ESA}:26040`]);
    expect(results).toEqual(['ok', 'ok']);
    expect(vnet.trace.map((packet) => packet.protocol)).toEqual(['UDP', 'UDP', 'ICMP']);
    expect(vnet.trace[2]?.icmp).toMatchObject({ type: 3, code: 3, original: { dstPort: 515 } });
    udp.close();
    sender.close();
    await clock.advance(1);
    expect(clock.pending).toBe(0);
  });

  it('reports the pending ICMP error in the next send when it comes before the receive loop', async () => {
    const { clock, esa } = setup();
    const sender = esa.createDatagramSocket(4);
    const log: string[] = [];
    sender.on('error', (error) => log.push(`error ${error.code} ${error.syscall}`));
    await sender.connect(SYSLOG, 515);
    sender.send(bytes(1), (error) => log.push(`send1 ${error?.code ?? 'ok'}`));
    await clock.advance(10);
    sender.send(bytes(1), (error) => log.push(`send2 ${error?.code ?? 'ok'}`));
    // The ICMP for the second datagram arrives at 10.5 ms. A send made at that instant, after
    // the arrival but before the socket's receive loop runs, takes the pending error instead.
    await clock.advance(0.25);
    queueMicrotask(() => clock.schedule(0.25, () => sender.send(bytes(1), (error) => log.push(`send3 ${error?.code ?? 'ok'} ${error?.syscall}`))));
    await clock.advance(10);
    expect(log).toEqual(['send1 ok', 'error ECONNREFUSED recvmsg', 'send2 ok', 'send3 ECONNREFUSED send']);
    sender.close();
  });

  it('fails oversize datagrams with EMSGSIZE and a second bind of a port with ESA_ERR_ADDRESS_IN_USE', async () => {
    const { clock, syslog } = setup();
    const first = syslog.createDatagramSocket(4);
    await first.bind('0.0.0.0', 514);
    const second = syslog.createDatagramSocket(4);
    await expect(second.bind('0.0.0.0', 514)).rejects.toMatchObject({ code: 'ESA_ERR_ADDRESS_IN_USE', cause: { code: 'EADDRINUSE' } });
    let code: string | undefined;
    first.send(new Uint8Array(65_508), (error) => (code = error?.code), { address: ESA, port: 514 });
    await clock.advance(1);
    expect(code).toBe('EMSGSIZE');
    first.close();
    second.close();
  });
});

describe('VirtualNetwork options and errors', () => {
  it('validates its options with the option name', () => {
    expect(() => new VirtualNetwork({} as VirtualNetworkOptions)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'clock' }));
    const clock = new VirtualClock();
    expect(() => new VirtualNetwork({ clock, trace: { limit: 0 } })).toThrow(expect.objectContaining({ option: 'trace.limit' }));
    expect(() => new VirtualNetwork({ clock, defaultLinkLatencyMs: -1 })).toThrow(expect.objectContaining({ option: 'defaultLinkLatencyMs' }));
    expect(() => new VirtualNetwork({ clock, colour: 1 } as unknown as VirtualNetworkOptions)).toThrow(expect.objectContaining({ option: 'colour' }));
    const vnet = new VirtualNetwork({ clock });
    expect(() => vnet.host('syslog.example.com')).toThrow(expect.objectContaining({ option: 'address' }));
    expect(() => vnet.host('10.0.0.1', { mss: 10 })).toThrow(expect.objectContaining({ option: 'mss' }));
    vnet.host('fd00::1');
    expect(() => vnet.host('fd00:0::1')).toThrow(expect.objectContaining({ code: 'ESA_ERR_ADDRESS_IN_USE', option: 'address' }));
    expect(() => vnet.link('fd00::1', '10.9.9.9')).toThrow(expect.objectContaining({ option: 'b' }));
    expect(() => vnet.link('fd00::1', 'fd00::1', { latencyMs: -5 })).toThrow(expect.objectContaining({ option: 'latencyMs' }));
  });

  it('rejects a listen on a port in use or on a foreign address', async () => {
    const { syslog } = setup();
    await syslog.listen({ host: SYSLOG, port: 514 }, () => {});
    await expect(syslog.listen({ host: '0.0.0.0', port: 514 }, () => {})).rejects.toMatchObject({ code: 'ESA_ERR_ADDRESS_IN_USE', cause: { code: 'EADDRINUSE' } });
    await expect(syslog.listen({ host: ESA, port: 515 }, () => {})).rejects.toMatchObject({ code: 'ESA_ERR_NETWORK', cause: { code: 'EADDRNOTAVAIL' } });
    const ephemeral = await syslog.listen({ host: '127.0.0.1', port: 0 }, () => {});
    expect(ephemeral.port).toBe(26040);
  });

  it('fails connections to unknown hosts and names like Node does', async () => {
    const { clock, esa } = setup();
    const unreachable = watch(esa.connect({ host: '192.0.2.9', port: 514 }));
    const unknown = watch(esa.connect({ host: 'syslog.example.com', port: 514 }));
    expect(() => esa.connect({ host: SYSLOG, port: 70_000 })).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }));
    await clock.advance(1);
    expect(unreachable.events).toEqual(['error EHOSTUNREACH connect', 'close true']);
    expect(unknown.events).toEqual(['error ENOTFOUND getaddrinfo', 'close true']);
  });

  it('close() tears everything down, leaves no timer and is idempotent', async () => {
    const { clock, vnet, esa, syslog } = setup();
    await serve(syslog);
    const client = esa.connect({ host: SYSLOG, port: 514 });
    client.write(bytes(100_000));
    await clock.advance(0.3);
    const closing = vnet.close();
    expect(vnet.close()).toBe(closing);
    await closing;
    expect(clock.pending).toBe(0);
    expect(() => esa.connect({ host: SYSLOG, port: 514 })).toThrow(expect.objectContaining({ code: 'ESA_ERR_CLOSED' }));
    expect(() => vnet.host('10.1.1.1')).toThrow(expect.objectContaining({ code: 'ESA_ERR_CLOSED' }));
    await expect(syslog.listen({ host: SYSLOG, port: 1 }, () => {})).rejects.toMatchObject({ code: 'ESA_ERR_CLOSED' });
  });

  it('streams packets to a trace sink instead of keeping them', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const seen: number[] = [];
    const vnet = new VirtualNetwork({ clock, trace: { sink: (packet) => seen.push(packet.no) } });
    const a = vnet.host('10.0.0.1');
    vnet.host('10.0.0.2');
    a.connect({ host: '10.0.0.2', port: 9 }).on('error', () => {});
    await clock.advance(5);
    expect(seen).toEqual([1, 2]);
    expect(vnet.trace).toEqual([]);
  });

  it('keeps only the last packets in a trace ring', async () => {
    const { clock, vnet, esa, syslog } = setup({ trace: { limit: 3 } });
    await serve(syslog);
    const client = esa.connect({ host: SYSLOG, port: 514 });
    client.write(bytes(10));
    await clock.advance(5);
    expect(vnet.trace.map((packet) => packet.no)).toEqual([3, 4, 5]);
    expect(vnet.stats.packets).toBe(5);
  });
});
