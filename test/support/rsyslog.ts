/**
 * A throwaway rsyslogd receiver on loopback for interop tests and benchmarks: config, pid file,
 * work directory and output file all live in one temporary directory; the daemon runs in the
 * foreground as our child (`rsyslogd -n -f CONF -i PIDFILE -C`) and is stopped by its pid.
 * Nothing system-wide is read or changed (no /etc/rsyslog.conf, no imuxsock/imklog).
 *
 * imtcp listens on a port it picks itself (`port="0"` + `listenPortFileName`); imudp cannot, so
 * a free UDP port is found by binding port 0 and closing it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** What the output file holds per message. */
export type RsyslogFormat = 'raw' | 'parsed';

/**
 * `parsed` writes one line per message with the fields rsyslog parsed, separated by `|`:
 * facility, severity, tag, hostname, message (control characters escaped by rsyslog as `#012`).
 */
const TEMPLATES: Readonly<Record<RsyslogFormat, string>> = {
  raw: '%rawmsg%\\n',
  parsed: '%syslogfacility-text%|%syslogseverity-text%|%syslogtag%|%hostname%|%msg:::drop-last-lf%\\n',
};

/** One message as the `parsed` template wrote it. */
export interface RsyslogParsedLine {
  readonly facility: string;
  readonly severity: string;
  readonly tag: string;
  readonly hostname: string;
  readonly msg: string;
}

/** A running rsyslogd. */
export interface RsyslogReceiver {
  readonly pid: number;
  readonly dir: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly outputFile: string;
  /** The output file's lines so far. */
  lines(): Promise<string[]>;
  /** Resolves once the output holds at least `count` lines (polls every 20 ms, at most `timeoutMs`). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** SIGTERM, wait (bounded) for the exit, SIGKILL if needed; removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Where rsyslogd is, or `undefined` when it is not installed. */
export function findRsyslogd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'rsyslogd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The message interop tests fail with when rsyslogd is missing. */
export const RSYSLOGD_MISSING = 'rsyslogd not found: apt-get install rsyslog';

/** Splits a `parsed` output line. */
export function parseRsyslogLine(text: string): RsyslogParsedLine {
  const [facility = '', severity = '', tag = '', hostname = '', ...rest] = text.split('|');
  return { facility, severity, tag, hostname, msg: rest.join('|') };
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Whether something is bound to 127.0.0.1:port/udp (we cannot bind it ourselves). */
async function isUdpPortTaken(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  const taken = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(true));
    socket.bind(port, '127.0.0.1', () => resolve(false));
  });
  await new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
  return taken;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts rsyslogd with imtcp (LF and octet-counted framing) and imudp on 127.0.0.1, writing every
 * message to `out.log` in `format`.
 *
 * @throws Error `rsyslogd not found: apt-get install rsyslog` when it is not installed; an error
 * with rsyslogd's own output when it does not start listening within `startTimeoutMs`.
 */
export async function startRsyslog(options: { format?: RsyslogFormat; startTimeoutMs?: number } = {}): Promise<RsyslogReceiver> {
  const rsyslogd = findRsyslogd();
  if (rsyslogd === undefined) throw new Error(RSYSLOGD_MISSING);
  const format = options.format ?? 'raw';
  const dir = await mkdtemp(join(tmpdir(), 'esa-logsim-rsyslog-'));
  await mkdir(join(dir, 'work'));
  const outputFile = join(dir, 'out.log');
  const portFile = join(dir, 'tcp.port');
  const udpPort = await freeUdpPort();
  const config = [
    `global(workDirectory="${dir}/work" maxMessageSize="64k")`,
    'module(load="imtcp" maxSessions="2000")',
    'module(load="imudp")',
    `template(name="out" type="string" string="${TEMPLATES[format]}")`,
    `ruleset(name="in") { action(type="omfile" file="${outputFile}" template="out") }`,
    `input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${portFile}" ruleset="in")`,
    `input(type="imudp" address="127.0.0.1" port="${udpPort}" ruleset="in")`,
    '',
  ].join('\n');
  const configFile = join(dir, 'rsyslog.conf');
  await writeFile(configFile, config);
  const output: string[] = [];
  const child = spawn(rsyslogd, ['-n', '-f', configFile, '-i', join(dir, 'rsyslogd.pid'), '-C'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let isStopped = false;
  const stop = async (): Promise<void> => {
    if (isStopped) return;
    isStopped = true;
    child.kill('SIGTERM');
    await Promise.race([exited(child), pause(5000)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let tcpPort = 0;
  for (let waitedMs = 0; ; waitedMs += 50) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`rsyslogd exited (${child.exitCode ?? child.signalCode}) before listening:\n${output.join('')}`);
    }
    if (tcpPort === 0) tcpPort = Number((await readFile(portFile, 'utf8').catch(() => '')).trim()) || 0;
    if (tcpPort > 0 && (await isUdpPortTaken(udpPort))) break;
    if (waitedMs >= startTimeoutMs) {
      await stop();
      throw new Error(`rsyslogd did not start listening within ${startTimeoutMs} ms:\n${output.join('')}`);
    }
    await pause(50);
  }
  const lines = async (): Promise<string[]> => {
    const text = await readFile(outputFile, 'utf8').catch(() => '');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  };
  return {
    pid: child.pid as number,
    dir,
    tcpPort,
    udpPort,
    outputFile,
    lines,
    async waitForLines(count: number, timeoutMs = 10_000): Promise<string[]> {
      for (let waitedMs = 0; ; waitedMs += 20) {
        const current = await lines();
        if (current.length >= count || waitedMs >= timeoutMs) return current;
        await pause(20);
      }
    },
    stop,
  };
}
