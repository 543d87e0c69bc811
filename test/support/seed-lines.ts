/** Reads test/fixtures/seed-lines.txt: golden wire lines by label (`#` lines are comments). */
import { readFileSync } from 'node:fs';

const path = new URL('../fixtures/seed-lines.txt', import.meta.url);

/** label → exact wire line (trailing spaces kept). */
export function readSeedLines(): ReadonlyMap<string, string> {
  const lines = new Map<string, string>();
  for (const row of readFileSync(path, 'utf8').split('\n')) {
    if (row === '' || row.startsWith('#')) continue;
    const tab = row.indexOf('\t');
    if (tab < 0) throw new Error(`seed-lines.txt: no TAB in ${JSON.stringify(row)}`);
    lines.set(row.slice(0, tab), row.slice(tab + 1));
  }
  return lines;
}

/** The golden line with `label` (throws when the fixture lacks it, so a typo cannot pass). */
export function seedLine(label: string): string {
  const line = readSeedLines().get(label);
  if (line === undefined) throw new Error(`seed-lines.txt has no line labelled ${label}`);
  return line;
}
