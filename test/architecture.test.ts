/**
 * Enforces the layer table of docs/architecture.md (from DESIGN.md): imports point down only,
 * `core/` is pure, time and randomness come only from `Clock` and `Random`, p-retry has one
 * importer, and only `bin.ts` touches `process`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** folder → folders it may import (itself always allowed). Root files may import anything. */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  clock: ['core'],
  net: ['core'],
  generators: ['core'],
  faults: ['core', 'clock'],
  transports: ['core', 'clock', 'net'],
  vnet: ['core', 'clock', 'faults', 'transports'],
  server: ['core', 'clock', 'net', 'faults'],
  appliance: ['core', 'clock', 'generators', 'transports'],
  scenarios: ['core', 'clock', 'net', 'generators', 'faults', 'transports', 'vnet', 'server', 'appliance'],
  cli: ['core', 'clock', 'net', 'generators', 'faults', 'transports', 'vnet', 'server', 'appliance', 'scenarios'],
};

/** Imports that must be type-only: vnet sees transports through the interface only. */
const TYPE_ONLY: Readonly<Record<string, readonly string[]>> = { vnet: ['transports'] };

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

interface SourceFile {
  path: string;
  rel: string;
  layer: string | undefined;
  text: string;
  isTest: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files: SourceFile[] = walk(src).map((path) => {
  const rel = relative(src, path).split(sep).join('/');
  const parts = rel.split('/');
  return {
    path,
    rel,
    layer: parts.length > 1 ? parts[0] : undefined,
    text: stripComments(readFileSync(path, 'utf8')),
    isTest: /\.test(-d)?\.ts$/.test(rel),
  };
});

/** Removes block and line comments (TSDoc mentions `process.nextTick` or `Date.now()` freely). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

function importsOf(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) {
    refs.push({ specifier: match[3] as string, typeOnly: Boolean(match[2]) });
  }
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    refs.push({ specifier: match[1] as string, typeOnly: false });
  }
  return refs;
}

function layerOfTarget(file: SourceFile, specifier: string): string | undefined | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(src, resolve(dirname(file.path), specifier)).split(sep).join('/');
  if (target.startsWith('..')) return null;
  const parts = target.split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

const libraryFiles = files.filter((file) => !file.isTest);

describe('architecture', () => {
  it('knows every folder under src/', () => {
    const layers = new Set(files.map((file) => file.layer).filter((layer) => layer !== undefined));
    for (const layer of layers) expect(Object.keys(LAYERS), `src/${layer}/ is not in the layer table`).toContain(layer);
  });

  it('has imports that point down the layer table only', () => {
    const violations: string[] = [];
    for (const file of libraryFiles) {
      if (file.layer === undefined) continue;
      const allowed = LAYERS[file.layer] ?? [];
      for (const ref of importsOf(file.text)) {
        const target = layerOfTarget(file, ref.specifier);
        if (target === null || target === file.layer) continue;
        if (target === undefined) {
          violations.push(`${file.rel} imports the entry file ${ref.specifier}`);
        } else if (!allowed.includes(target)) {
          violations.push(`${file.rel} (${file.layer}) imports ${target}/ via ${ref.specifier}`);
        } else if (TYPE_ONLY[file.layer]?.includes(target) && !ref.typeOnly) {
          violations.push(`${file.rel} must import ${target}/ with "import type" (interface only)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps core/ free of node built-ins and of other packages', () => {
    const violations = files
      .filter((file) => file.layer === 'core' && !file.isTest)
      .flatMap((file) =>
        importsOf(file.text)
          .filter((ref) => !ref.specifier.startsWith('.'))
          .map((ref) => `${file.rel} imports ${ref.specifier}`),
      );
    expect(violations).toEqual([]);
  });

  it('reads time and randomness only through Clock and Random', () => {
    const pattern = /\b(Date\.now|setTimeout|setInterval|setImmediate|Math\.random|performance\.now|process\.hrtime)\s*\(|new Date\(\s*\)/;
    const allowed = (rel: string): boolean => rel.startsWith('clock/') || rel === 'core/random.ts' || rel === 'bin.ts';
    const violations = libraryFiles
      .filter((file) => !allowed(file.rel))
      .flatMap((file) =>
        file.text
          .split('\n')
          .map((line, index) => ({ line, index }))
          .filter(({ line }) => pattern.test(line))
          .map(({ line, index }) => `${file.rel}:${index + 1}: ${line.trim()}`),
      );
    expect(violations).toEqual([]);
  });

  it('imports p-retry from one adapter in appliance/ only', () => {
    const importers = libraryFiles.filter((file) => importsOf(file.text).some((ref) => ref.specifier === 'p-retry'));
    expect(importers.every((file) => file.layer === 'appliance')).toBe(true);
    expect(importers.length).toBeLessThanOrEqual(1);
  });

  it('touches process only in bin.ts', () => {
    const violations = libraryFiles
      .filter((file) => file.rel !== 'bin.ts')
      .filter((file) => /\bprocess\.|\bprocess\s*\[|\bfrom\s+['"](node:)?process['"]/.test(file.text))
      .map((file) => file.rel);
    expect(violations).toEqual([]);
  });

  it('uses node built-ins only in the I/O layers', () => {
    const ioLayers = new Set(['net', 'clock', 'server', 'scenarios', 'cli', 'vnet', 'transports']);
    const violations = libraryFiles
      .filter((file) => file.layer !== undefined && !ioLayers.has(file.layer))
      .flatMap((file) =>
        importsOf(file.text)
          .filter((ref) => nodeBuiltins.has(ref.specifier) && !ref.typeOnly)
          .map((ref) => `${file.rel} imports ${ref.specifier}`),
      );
    expect(violations).toEqual([]);
  });
});
