/**
 * Runs every example so none rots: examples/*.test.ts are collected here as tests, the other
 * examples are run as scripts (`node --import tsx examples/x.ts`, bounded) and must exit 0.
 * feed-rsyslog.ts prints a skip message and exits 0 where rsyslogd is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../examples/siem-harness.test.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scripts = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

describe('examples', () => {
  it('has scripts to run', () => {
    expect(scripts).toEqual(expect.arrayContaining(['compare-policies.ts', 'feed-rsyslog.ts', 'seed-virtual.ts']));
  });

  it.for(scripts)('%s runs to completion', { timeout: 90_000 }, (name) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: root, encoding: 'utf8', timeout: 80_000 });
    expect(run.error).toBeUndefined();
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
  });
});
