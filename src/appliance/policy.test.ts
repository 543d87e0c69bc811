import { describe, expect, it } from 'vitest';
import { NetworkError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';
import { parsePolicy, resolvePolicy, type PolicyContext } from './policy.js';

const context = (attempt: number): PolicyContext => ({
  subscription: 'Mail_Log',
  error: new NetworkError('ESA_ERR_CONNECTION_RESET', 'reset'),
  attempt,
  lines: 10,
  queuedLines: 0,
  at: 0,
  random: seededRandom(1),
});

describe('parsePolicy', () => {
  it.for([
    ['esa', { type: 'esa' }],
    ['retry', { type: 'retry' }],
    ['retry:retries=5,factor=3,min=1s,max=30s,jitter=0.2', { type: 'retry', retries: 5, factor: 3, minDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.2 }],
    ['buffer', { type: 'buffer' }],
    ['buffer:max=500,overflow=drop-newest', { type: 'buffer', maxLines: 500, overflow: 'drop-newest' }],
    ['buffer:max=500,retries=2,min-delay=250ms', { type: 'buffer', maxLines: 500, retry: { retries: 2, minDelayMs: 250 } }],
  ] as const)('reads %s', ([text, spec]) => {
    expect(parsePolicy(text)).toEqual(spec);
  });

  it.for([
    ['sometimes', '--policy'],
    ['retry:retries=abc', '--policy retries'],
    ['retry:retries=-1', '--policy.retries'],
    ['retry:tries=3', '--policy'],
    ['retry:retries=1,retries=2', '--policy'],
    ['buffer:max=0', '--policy.maxLines'],
    ['buffer:overflow=drop-middle', '--policy.overflow'],
    ['retry:min=soon', '--policy min'],
    ['retry:jitter=2', '--policy.jitter'],
    ['esa:max=1', '--policy'],
    ['retry:', '--policy'],
  ] as const)('rejects %s naming %s', ([text, option]) => {
    expect(() => parsePolicy(text)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
  });
});

describe('resolvePolicy', () => {
  it('esa drops at once', () => {
    expect(resolvePolicy('esa').decide(context(1))).toEqual({ action: 'drop' });
  });

  it('retry backs off exponentially, then drops', () => {
    const policy = resolvePolicy({ type: 'retry', retries: 3, minDelayMs: 100, factor: 2, maxDelayMs: 250 });
    expect([1, 2, 3, 4].map((attempt) => policy.decide(context(attempt)))).toEqual([
      { action: 'retry', delayMs: 100 },
      { action: 'retry', delayMs: 200 },
      { action: 'retry', delayMs: 250 },
      { action: 'drop' },
    ]);
  });

  it('buffer keeps the lines (after its retries) and bounds the queue', () => {
    const policy = resolvePolicy({ type: 'buffer', maxLines: 42, retry: { retries: 1, minDelayMs: 10 } });
    expect(policy.decide(context(1))).toEqual({ action: 'retry', delayMs: 10 });
    expect(policy.decide(context(2))).toEqual({ action: 'keep' });
    expect(policy.maxQueuedLines).toBe(42);
  });

  it('rejects unknown fields and types', () => {
    expect(() => resolvePolicy({ type: 'retry', tries: 3 } as never)).toThrow(expect.objectContaining({ option: 'policy.tries' }));
    expect(() => resolvePolicy({ type: 'hope' } as never)).toThrow(expect.objectContaining({ option: 'policy.type' }));
    expect(() => resolvePolicy(42 as never)).toThrow(expect.objectContaining({ option: 'policy' }));
  });
});
