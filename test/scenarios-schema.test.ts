/**
 * schema/scenario.schema.json against the loader: the schema accepts every built-in and the
 * documented example, rejects what the loader rejects for the common mistakes, and names the same
 * fields as the code (so the two cannot drift apart). A small validator for the subset of JSON
 * Schema the file uses keeps this free of dependencies; it throws on any keyword it does not know.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEDULER_OPTION_KEYS } from '../src/appliance/subscription.js';
import { SUBSCRIPTION_OPTION_KEYS } from '../src/core/subscription-options.js';
import { FAULT_TYPES } from '../src/faults/fault.js';
import { BUILT_IN_SCENARIOS, EXPECTATION_NAMES, loadScenario, parseJsonSource, runScenario, type ScenarioInput } from '../src/scenarios/index.js';

type Schema = Record<string, unknown> | boolean;
const schema = JSON.parse(readFileSync(new URL('../schema/scenario.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const docs = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');

const IGNORED = new Set(['$schema', '$id', 'title', 'description', 'default']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Errors of `value` against `node` (empty when valid). */
function validate(value: unknown, node: Schema, path = ''): string[] {
  if (node === true) return [];
  if (node === false) return [`${path}: not allowed`];
  const errors: string[] = [];
  const object = value as Record<string, unknown>;
  for (const [keyword, argument] of Object.entries(node)) {
    if (IGNORED.has(keyword)) continue;
    switch (keyword) {
      case '$ref': {
        const target = (argument as string).replace('#/$defs/', '');
        errors.push(...validate(value, (schema.$defs as Record<string, Schema>)[target] as Schema, path));
        break;
      }
      case 'type': {
        const actual = typeOf(value);
        if (!(actual === argument || (argument === 'number' && actual === 'integer'))) errors.push(`${path}: expected ${String(argument)}, got ${actual}`);
        break;
      }
      case 'enum':
        if (!(argument as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
        break;
      case 'const':
        if (value !== argument) errors.push(`${path}: expected ${JSON.stringify(argument)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(argument as string, 'u').test(value)) errors.push(`${path}: does not match ${String(argument)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (argument as number)) errors.push(`${path}: below ${String(argument)}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (argument as number)) errors.push(`${path}: above ${String(argument)}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && value.length < (argument as number)) errors.push(`${path}: too short`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && value.length > (argument as number)) errors.push(`${path}: too long`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (argument as number)) errors.push(`${path}: too few items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (argument as number)) errors.push(`${path}: too many items`);
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, index) => errors.push(...validate(item, argument as Schema, `${path}[${index}]`)));
        break;
      case 'minProperties':
        if (typeOf(value) === 'object' && Object.keys(object).length < (argument as number)) errors.push(`${path}: too few properties`);
        break;
      case 'required':
        if (typeOf(value) === 'object') for (const key of argument as string[]) if (!Object.hasOwn(object, key)) errors.push(`${path}.${key}: required`);
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [key, sub] of Object.entries(argument as Record<string, Schema>)) {
            if (Object.hasOwn(object, key)) errors.push(...validate(object[key], sub, `${path}.${key}`));
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = Object.keys((node.properties as Record<string, unknown> | undefined) ?? {});
          for (const key of Object.keys(object)) if (!known.includes(key)) errors.push(...validate(object[key], argument as Schema, `${path}.${key}`));
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object') for (const key of Object.keys(object)) errors.push(...validate(key, argument as Schema, `${path}.${key} (name)`));
        break;
      case 'anyOf':
        if (!(argument as Schema[]).some((sub) => validate(value, sub, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
        break;
      case 'oneOf': {
        const matches = (argument as Schema[]).filter((sub) => validate(value, sub, path).length === 0).length;
        if (matches !== 1) errors.push(`${path}: matches ${matches} of oneOf`);
        break;
      }
      case 'allOf':
        for (const sub of argument as Schema[]) errors.push(...validate(value, sub, path));
        break;
      case '$defs':
        break;
      default:
        throw new Error(`the test validator does not know the keyword ${keyword} (at ${path || 'the root'})`);
    }
  }
  return errors;
}

function docsExample(): string {
  return (docs.split('## A full example')[1] ?? '').split('```json\n')[1]?.split('```')[0] ?? '';
}

describe('schema/scenario.schema.json', () => {
  it('is a draft 2020-12 schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => validate({ name: 'x' }, schema)).not.toThrow();
  });

  it.for(BUILT_IN_SCENARIOS.map((entry) => entry.name))('accepts the built-in %s', (name) => {
    const input = JSON.parse(JSON.stringify(loadScenario(name).input)) as unknown;
    expect(validate(input, schema)).toEqual([]);
  });

  it('accepts the example of docs/scenarios.md, which loads, runs and meets its expectations', async () => {
    const text = docsExample();
    expect(validate(parseJsonSource(text).value, schema)).toEqual([]);
    const result = await runScenario(loadScenario(text));
    expect(result.expectations.filter((expectation) => !expectation.ok)).toEqual([]);
  });

  it.for([
    ['an unknown field', { name: 'x', worlds: 'virtual' }],
    ['a bad facility', { name: 'x', subscriptions: [{ name: 'Mail_Log', facility: 'kern' }] }],
    ['a subscription host', { name: 'x', subscriptions: [{ name: 'Mail_Log', host: '127.0.0.1' }] }],
    ['a bad world', { name: 'x', world: 'real' }],
    ['an unknown expectation', { name: 'x', expect: { errors: 1 } }],
    ['a fault object with an unknown field', { name: 'x', receiver: { faults: [{ type: 'refuse', bytes: 1 }] } }],
    ['a receiver fault on the link', { name: 'x', network: { faults: [{ type: 'stall' }] } }],
    ['a write without text', { name: 'x', traffic: { writes: [{ at: '1s' }] } }],
  ] as const)('rejects %s, as the loader does', ([, input]) => {
    expect(validate(input, schema).length).toBeGreaterThan(0);
    expect(() => loadScenario(input as ScenarioInput)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_SCENARIO' }));
  });

  it('names the same fields as the code', () => {
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual(['$schema', 'name', 'description', 'world', 'seed', 'start', 'duration', 'appliance', 'network', 'receiver', 'subscriptions', 'traffic', 'policies', 'expect']);
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    const subscription = Object.keys(defs.subscription?.properties as object);
    expect(subscription.sort()).toEqual([...SUBSCRIPTION_OPTION_KEYS.filter((key) => key !== 'host' && key !== 'port'), ...SCHEDULER_OPTION_KEYS, 'policy', 'transport'].sort());
    expect(((properties.expect?.propertyNames as Record<string, unknown>).enum as string[])).toEqual([...EXPECTATION_NAMES]);
    const faultTypes = ((defs.faultSpec?.oneOf as Record<string, Record<string, Record<string, unknown>>>[]).map((branch) => branch.properties?.type?.const));
    expect(faultTypes).toEqual([...FAULT_TYPES]);
  });
});
