/**
 * One smoke test of the built command: `node dist/bin.js --version` and `scenarios`, as an
 * installed package runs it. Builds dist/ first when it is missing or older than a file of src/
 * (bounded; CI builds it before the tests anyway).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/core/version.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'dist', 'bin.js');

/** The newest modification time of a file under `dir`, in ms. */
function newestMtimeMs(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
}

function node(args: readonly string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
}

describe('dist/bin.js', () => {
  beforeAll(() => {
    const isStale = !existsSync(bin) || statSync(bin).mtimeMs < newestMtimeMs(join(root, 'src'));
    if (isStale) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  }, 150_000);

  it('prints the version and lists the built-in scenarios', () => {
    const version = node(['--version']);
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${VERSION}\n`);
    const scenarios = node(['scenarios']);
    expect(scenarios.status).toBe(0);
    expect(scenarios.stdout).toMatch(/^ips-reset +The seed/);
    const usage = node(['bogus']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^esa-logsim: unknown command "bogus"/);
  });
});
