/**
 * The harness part `server-loopback`: `bench/server.bench.ts`'s loopback comparison
 * (`SyslogServer` TCP ingest against rsyslog imtcp → omfile, same sender, same run), which that
 * file exports as `run()` for its standalone mode. `--quick` sends 200,000 lines per round.
 *
 * Without rsyslogd the row reports the baseline as not available (neither PASS nor MISS).
 */
import type { AsyncBenchPart } from './index.js';
import { run } from './server.bench.js';

const part: AsyncBenchPart = {
  name: 'server-loopback',
  runAsync: ({ rounds, isQuick }) => run({ rounds: Math.min(rounds, 5), lines: isQuick ? 200_000 : 1_000_000 }),
};

export default part;
