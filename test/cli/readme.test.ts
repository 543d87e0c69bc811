/**
 * Keeps the README honest: it opens with the two commands, its library example is the tested
 * examples/siem-harness.test.ts, its error table lists every ESA_ERR_* code, its CLI reference
 * names every command, and the docs it links exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/help.js';
import { FAULT_TYPES } from '../../src/faults/fault.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const readme = read('README.md');

describe('README', () => {
  it('opens with the install-and-run and test commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm install && npm start/m);
    expect(firstBlock).toMatch(/^npm test/m);
  });

  it('shows the library example that examples/siem-harness.test.ts runs', () => {
    const withoutImports = (text: string): string =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('import '))
        .join('\n')
        .trim();
    const example = withoutImports(/```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '');
    const harness = read('examples/siem-harness.test.ts');
    expect(example.length).toBeGreaterThan(500);
    expect(harness).toContain(example);
  });

  it('documents every error code', () => {
    const codes = [...new Set(read('src/core/errors.ts').match(/'ESA_ERR_[A-Z_]+'/g) ?? [])].map((code) => code.slice(1, -1));
    expect(codes.length).toBeGreaterThan(20);
    for (const code of codes) expect(readme).toContain(`| \`${code}\` |`);
  });

  it('names every command and every fault', () => {
    for (const command of COMMANDS.filter((name) => name !== 'help')) expect(readme).toContain(`esa-logsim ${command}`);
    for (const type of FAULT_TYPES) expect(readme).toContain(`\`${type}`);
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#]+)\)/g)].map((match) => match[1] as string);
    expect(links.length).toBeGreaterThan(5);
    for (const link of new Set(links)) expect(existsSync(join(root, link)), link).toBe(true);
  });
});
