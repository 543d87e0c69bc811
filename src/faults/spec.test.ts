import { describe, expect, it } from 'vitest';
import { FAULT_TYPES } from './fault.js';
import { createFault, FAULT_DEFINITIONS, isFaultType, resolveFaultSpec, type FaultSpec } from './spec.js';

describe('resolveFaultSpec', () => {
  it.for<[unknown, FaultSpec]>([
    [{ type: 'reset-after-bytes', bytes: 412 }, { type: 'reset-after-bytes', bytes: 412 }],
    [{ type: 'reset-after-bytes', bytes: '4k' }, { type: 'reset-after-bytes', bytes: 4096 }],
    [{ type: 'idle-timeout', idleMs: '300s' }, { type: 'idle-timeout', idleMs: 300_000 }],
    [{ type: 'idle-timeout', idleMs: 250 }, { type: 'idle-timeout', idleMs: 250 }],
    [{ type: 'latency', latencyMs: 200, jitterMs: 0 }, { type: 'latency', latencyMs: 200 }],
    [{ type: 'bandwidth', bytesPerSecond: '10k' }, { type: 'bandwidth', bytesPerSecond: 10_240 }],
    [{ type: 'stall', probability: 1, activeFromMs: 0 }, { type: 'stall' }],
    [{ type: 'refuse', activeFromMs: '10s', activeUntilMs: '40s' }, { type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }],
    [{ type: 'drop', probability: 0 }, { type: 'drop', probability: 0 }],
    [{ type: 'truncate', maxBytes: 1024, firstConnections: 3, probability: 0.5 }, { type: 'truncate', maxBytes: 1024, firstConnections: 3, probability: 0.5 }],
  ])('resolves %j', ([input, expected]) => {
    const spec = resolveFaultSpec(input, 'faults[0]');
    expect(spec).toEqual(expected);
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it.for<[unknown, string, string]>([
    [42, 'faults[2]', 'faults[2] must be a fault spec object such as { "type": "reset-after-bytes", "bytes": 412 }; got 42'],
    [null, 'faults[2]', 'faults[2] must be a fault spec object such as { "type": "reset-after-bytes", "bytes": 412 }; got null'],
    [['refuse'], 'faults[2]', 'faults[2] must be a fault spec object such as { "type": "reset-after-bytes", "bytes": 412 }; got ["refuse"]'],
    [
      { type: 'reset-after' },
      'faults[2].type',
      `faults[2].type must be one of ${FAULT_TYPES.join(', ')}; got "reset-after"`,
    ],
    [{}, 'faults[2].type', `faults[2].type must be one of ${FAULT_TYPES.join(', ')}; got undefined`],
    [{ type: 'reset-after-bytes' }, 'faults[2].bytes', 'faults[2].bytes must be a whole number of bytes ≥ 0 (e.g. 412 or 4k); got undefined'],
    [{ type: 'reset-after-bytes', bytes: 'abc' }, 'faults[2].bytes', 'faults[2].bytes must be a whole number of bytes ≥ 0 (e.g. 412 or 4k); got "abc"'],
    [{ type: 'reset-after-bytes', bytes: -1 }, 'faults[2].bytes', 'faults[2].bytes must be a whole number of bytes ≥ 0 (e.g. 412 or 4k); got -1'],
    [{ type: 'reset-after-messages', messages: 1.5 }, 'faults[2].messages', 'faults[2].messages must be a whole number of messages ≥ 0; got 1.5'],
    [{ type: 'busy', maxConnections: true }, 'faults[2].maxConnections', 'faults[2].maxConnections must be a whole number of connections ≥ 0; got true'],
    [{ type: 'close-after-messages', messages: 2 ** 41 }, 'faults[2].messages', 'faults[2].messages must be a whole number of messages ≥ 0; got 2199023255552'],
    [{ type: 'idle-timeout', idleMs: 0 }, 'faults[2].idleMs', 'faults[2].idleMs must be a duration ≥ 1ms such as 200ms, 10s or 5m (a number means ms); got 0'],
    [{ type: 'idle-timeout', idleMs: '300' }, 'faults[2].idleMs', 'faults[2].idleMs must be a duration ≥ 1ms such as 200ms, 10s or 5m (a number means ms); got "300"'],
    [{ type: 'latency', latencyMs: -5 }, 'faults[2].latencyMs', 'faults[2].latencyMs must be a duration ≥ 0ms such as 200ms, 10s or 5m (a number means ms); got -5'],
    [{ type: 'latency', latencyMs: 5, jitterMs: 'lots' }, 'faults[2].jitterMs', 'faults[2].jitterMs must be a duration ≥ 0ms such as 200ms, 10s or 5m (a number means ms); got "lots"'],
    [{ type: 'bandwidth', bytesPerSecond: 0 }, 'faults[2].bytesPerSecond', 'faults[2].bytesPerSecond must be a whole number of bytes per second ≥ 1 (e.g. 412 or 4k); got 0'],
    [{ type: 'drop' }, 'faults[2].probability', 'faults[2].probability must be a probability from 0 to 1 (e.g. 0.1 or 10%); got undefined'],
    [{ type: 'drop', probability: 1.01 }, 'faults[2].probability', 'faults[2].probability must be a probability from 0 to 1 (e.g. 0.1 or 10%); got 1.01'],
    [{ type: 'truncate', maxBytes: 0 }, 'faults[2].maxBytes', 'faults[2].maxBytes must be a whole number of bytes ≥ 1 (e.g. 412 or 4k); got 0'],
    [{ type: 'stall', probability: -0.1 }, 'faults[2].probability', 'faults[2].probability must be a probability from 0 to 1 (e.g. 0.1 or 10%); got -0.1'],
    [{ type: 'stall', probability: Number.NaN }, 'faults[2].probability', 'faults[2].probability must be a probability from 0 to 1 (e.g. 0.1 or 10%); got NaN'],
    [{ type: 'stall', activeFromMs: -1 }, 'faults[2].activeFromMs', 'faults[2].activeFromMs must be a duration ≥ 0ms such as 200ms, 10s or 5m (a number means ms); got -1'],
    [{ type: 'stall', activeUntilMs: 0 }, 'faults[2].activeUntilMs', 'faults[2].activeUntilMs must be a duration ≥ 1ms such as 200ms, 10s or 5m (a number means ms); got 0'],
    [
      { type: 'stall', activeFromMs: 10_000, activeUntilMs: 5000 },
      'faults[2].activeUntilMs',
      'faults[2].activeUntilMs must be a time after activeFromMs (10s): the window is [activeFromMs, activeUntilMs); got 5000',
    ],
    [
      { type: 'stall', activeFromMs: '10s', activeUntilMs: '10s' },
      'faults[2].activeUntilMs',
      'faults[2].activeUntilMs must be a time after activeFromMs (10s): the window is [activeFromMs, activeUntilMs); got "10s"',
    ],
    [{ type: 'stall', firstConnections: 0 }, 'faults[2].firstConnections', 'faults[2].firstConnections must be a whole number of connections ≥ 1; got 0'],
    [
      { type: 'reset-after-bytes', bytes: 1, byte: 2 },
      'faults[2].byte',
      'faults[2].byte must be not set (unknown field; reset-after-bytes takes type, bytes, probability, activeFromMs, activeUntilMs, firstConnections); got 2',
    ],
    [
      { type: 'refuse', bytes: 2 },
      'faults[2].bytes',
      'faults[2].bytes must be not set (unknown field; refuse takes type, probability, activeFromMs, activeUntilMs, firstConnections); got 2',
    ],
  ])('rejects %j naming %s', ([input, option, message]) => {
    expect(() => resolveFaultSpec(input, 'faults[2]')).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option, message }),
    );
  });

  it('names the fault "fault" by default', () => {
    expect(() => resolveFaultSpec({ type: 'busy' })).toThrow(expect.objectContaining({ option: 'fault.maxConnections' }));
  });

  it('does not keep the caller\'s object', () => {
    const input = { type: 'busy', maxConnections: 2 };
    const spec = resolveFaultSpec(input);
    input.maxConnections = 3;
    expect(spec).toEqual({ type: 'busy', maxConnections: 2 });
  });
});

describe('FAULT_DEFINITIONS', () => {
  it('has one definition per type, keyed by its own type', () => {
    expect(Object.keys(FAULT_DEFINITIONS)).toEqual([...FAULT_TYPES]);
    for (const type of FAULT_TYPES) expect(FAULT_DEFINITIONS[type].type).toBe(type);
  });

  it('knows its types', () => {
    expect(isFaultType('stall')).toBe(true);
    expect(isFaultType('Stall')).toBe(false);
    expect(isFaultType(3)).toBe(false);
  });
});

describe('createFault', () => {
  it('resolves before building', () => {
    expect(createFault({ type: 'bandwidth', bytesPerSecond: '1k' } as unknown as FaultSpec).spec).toEqual({
      type: 'bandwidth',
      bytesPerSecond: 1024,
    });
    expect(() => createFault({ type: 'truncate', maxBytes: 0 })).toThrow(expect.objectContaining({ option: 'fault.maxBytes' }));
  });
});
