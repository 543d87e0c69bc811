/**
 * A misbehaving syslog sender in a process of its own (so that the receiver's process measures
 * only its own memory). Prints `ready <n>` once its connections are up (or its flood is under way)
 * and stops when its stdin closes or its time is up.
 *
 * Usage: node --import tsx test/chaos/support/abuser.ts <mode> <port> <count> <durationMs>
 * - `hold`: opens <count> TCP connections to 127.0.0.1, sends one line on each, keeps them open;
 * - `slowloris`: opens <count> connections and drips an unterminated line, 50 bytes every 20 ms;
 * - `endless`: one connection writing <count> MiB of a line that never ends, as fast as it drains;
 * - `flood`: <count> tiny UDP datagrams, as fast as the socket takes them.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

const [mode = 'hold', portText = '0', countText = '1', durationText = '10000'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const durationMs = Number(durationText);
const sockets: Socket[] = [];
const timers = new Set<NodeJS.Timeout>();
let isStopping = false;

function stop(): void {
  if (isStopping) return;
  isStopping = true;
  clearTimeout(deadline);
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
  process.stdin.destroy();
}

const deadline = setTimeout(stop, durationMs);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

async function openMany(n: number): Promise<Socket[]> {
  const opened: Socket[] = [];
  // In waves, so that the listen backlog never overflows; a connection the receiver turns away
  // is simply not counted.
  for (let i = 0; i < n; i += 100) {
    const wave = await Promise.allSettled(Array.from({ length: Math.min(100, n - i) }, () => open()));
    for (const result of wave) if (result.status === 'fulfilled') opened.push(result.value);
  }
  return opened;
}

async function main(): Promise<void> {
  if (mode === 'hold') {
    const opened = await openMany(count);
    opened.forEach((socket, i) => socket.write(`<22>Jun 25 08:50:03 Abuser: Info: held connection ${i}\n`));
    process.stdout.write(`ready ${opened.length}\n`);
  } else if (mode === 'slowloris') {
    const opened = await openMany(count);
    for (const socket of opened) socket.write('<22>Jun 25 08:50:03 Slow: Info: ');
    // A few bytes at a time, never a line end: the receiver must not buffer more than its limit.
    const drip = Buffer.alloc(50, 'x');
    const timer = setInterval(() => {
      for (const socket of opened) if (!socket.destroyed) socket.write(drip);
    }, 20);
    timers.add(timer);
    process.stdout.write(`ready ${opened.length}\n`);
  } else if (mode === 'endless') {
    const [socket] = await openMany(1);
    if (socket === undefined) return;
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const total = count * 1024 * 1024;
    let written = 0;
    process.stdout.write('ready 1\n');
    const pump = (): void => {
      while (!isStopping && written < total) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!isStopping) socket.write('\n', () => process.stdout.write(`done ${written}\n`));
    };
    pump();
  } else if (mode === 'flood') {
    const udp = createSocket('udp4');
    udp.on('error', () => {});
    const datagram = Buffer.from('<13>x');
    let sent = 0;
    process.stdout.write('ready 1\n');
    const burst = (): void => {
      for (let i = 0; i < 500 && sent < count && !isStopping; i++, sent++) udp.send(datagram, port, '127.0.0.1');
      if (sent < count && !isStopping) setImmediate(burst);
      else udp.close(() => process.stdout.write(`done ${sent}\n`));
    };
    burst();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`failed ${error instanceof Error ? error.message : String(error)}\n`);
  stop();
});
