/**
 * What a subscription does with a batch whose push failed: the retry policies.
 *
 * Every policy, built-in or yours, is one function that answers "retry after N ms", "keep the
 * lines for the next push" or "drop them". The built-ins:
 *
 * - `esa` (default): what the appliance does — Syslog Push keeps no files, so the failed batch is
 *   dropped; the next push reconnects and starts a new logfile.
 * - `retry`: retry the batch with exponential back-off (p-retry under the injected clock; jitter
 *   from the seeded `Random`), then drop it.
 * - `buffer`: keep undelivered lines in a bounded queue across pushes (optionally after retries);
 *   when the queue is full, drop the oldest or the newest lines.
 *
 * @module
 */

import { type RetryBackoffOptions, resolveRetryBackoffOptions, retryDelayMs } from '../core/backoff.js';
import { InvalidOptionError, type NetworkError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { expectInteger, expectOneOf, parseDurationMs } from '../core/units.js';

/** What a policy sees when a push failed. */
export interface PolicyContext {
  /** The subscription's name. */
  readonly subscription: string;
  /** The classified failure. */
  readonly error: NetworkError;
  /** How many times this batch has been tried (1 after the first failure). */
  readonly attempt: number;
  /** Log lines in the batch (logfile header lines not counted). */
  readonly lines: number;
  /** Lines waiting in the subscription's queue besides this batch. */
  readonly queuedLines: number;
  /** Clock time of the failure (ms). */
  readonly at: number;
  /** The subscription's seeded randomness (for jitter). */
  readonly random: Random;
}

/** A policy's answer. */
export type PolicyDecision =
  /** Send the batch again after `delayMs`. */
  | { readonly action: 'retry'; readonly delayMs: number }
  /** Put the lines back at the head of the queue for the next push. */
  | { readonly action: 'keep' }
  /** Give the lines up (their fate becomes `dropped` with reason `network-error`). */
  | { readonly action: 'drop' };

/** A policy function: your own retry policy. It must answer quickly and deterministically. */
export type PolicyFunction = (context: PolicyContext) => PolicyDecision;

/** Overflow handling of a bounded queue. */
export type OverflowRule = 'drop-oldest' | 'drop-newest';

/** The overflow rules. */
export const OVERFLOW_RULES: readonly OverflowRule[] = Object.freeze(['drop-oldest', 'drop-newest']);

/** Retry settings of the `retry` and `buffer` policies. */
export interface RetrySettings extends RetryBackoffOptions {
  /**
   * Retries after the first failure (so `retries + 1` attempts in all).
   * @default 3
   */
  retries?: number;
}

/** The built-in policies as plain data (what scenario files and `--policy` hold). */
export type PolicySpec =
  | { readonly type: 'esa' }
  | ({ readonly type: 'retry' } & RetrySettings)
  | {
      readonly type: 'buffer';
      /**
       * Most lines the queue holds.
       * @default 10000
       */
      readonly maxLines?: number;
      /**
       * Which lines to drop when the queue is full.
       * @default 'drop-oldest'
       */
      readonly overflow?: OverflowRule;
      /** Retry a failed batch this way before keeping its lines. No retries by default. */
      readonly retry?: RetrySettings;
    };

/** What a subscription needs of a policy. */
export interface ResolvedPolicy {
  /** A short name for reports (`esa`, `retry`, `buffer`, `custom`), with its parameters. */
  readonly name: string;
  /** Decides on a failure. */
  readonly decide: PolicyFunction;
  /** Most lines queued between pushes; beyond it `overflow` applies (reason `buffer-overflow`). */
  readonly maxQueuedLines: number;
  /** Which lines overflow drops. */
  readonly overflow: OverflowRule;
}

/** The queue bound of policies that do not buffer (a stalled push must not grow memory forever). */
export const DEFAULT_MAX_QUEUED_LINES = 100_000;

/** Default `maxLines` of the `buffer` policy. */
export const DEFAULT_BUFFER_LINES = 10_000;

/** Default `retries` of the `retry` policy. */
export const DEFAULT_RETRIES = 3;

const POLICY_TYPES = ['esa', 'retry', 'buffer'] as const;

/**
 * Validates a policy (spec, function, or CLI text) and turns it into the one form subscriptions
 * use.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the field.
 */
export function resolvePolicy(input: PolicySpec | PolicyFunction | string | undefined, option = 'policy'): ResolvedPolicy {
  if (input === undefined) return resolvePolicy({ type: 'esa' }, option);
  if (typeof input === 'string') return resolvePolicy(parsePolicy(input, option), option);
  if (typeof input === 'function') {
    return { name: 'custom', decide: input, maxQueuedLines: DEFAULT_MAX_QUEUED_LINES, overflow: 'drop-oldest' };
  }
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionError(option, input, `a policy: ${POLICY_TYPES.join(', ')}, a policy object or a function`);
  }
  const type = expectOneOf(`${option}.type`, (input as { type?: unknown }).type, POLICY_TYPES);
  switch (type) {
    case 'esa':
      rejectUnknownKeys(input, ['type'], option);
      return { name: 'esa', decide: () => DROP, maxQueuedLines: DEFAULT_MAX_QUEUED_LINES, overflow: 'drop-oldest' };
    case 'retry': {
      const retry = resolveRetrySettings(input as RetrySettings & { type: 'retry' }, option, ['type']);
      return {
        name: `retry(${describeRetry(retry)})`,
        decide: retryDecider(retry, DROP),
        maxQueuedLines: DEFAULT_MAX_QUEUED_LINES,
        overflow: 'drop-oldest',
      };
    }
    case 'buffer': {
      const spec = input as Extract<PolicySpec, { type: 'buffer' }>;
      rejectUnknownKeys(spec, ['type', 'maxLines', 'overflow', 'retry'], option);
      const maxLines = expectInteger(`${option}.maxLines`, spec.maxLines ?? DEFAULT_BUFFER_LINES, 1, 100_000_000);
      const overflow = expectOneOf(`${option}.overflow`, spec.overflow ?? 'drop-oldest', OVERFLOW_RULES);
      const retry = spec.retry === undefined ? undefined : resolveRetrySettings(spec.retry, `${option}.retry`, []);
      const decide = retry ? retryDecider(retry, KEEP) : () => KEEP;
      const name = `buffer(maxLines=${maxLines}, ${overflow}${retry ? `, ${describeRetry(retry)}` : ''})`;
      return { name, decide, maxQueuedLines: maxLines, overflow };
    }
  }
}

const DROP: PolicyDecision = Object.freeze({ action: 'drop' });
const KEEP: PolicyDecision = Object.freeze({ action: 'keep' });

interface ResolvedRetry extends Required<RetryBackoffOptions> {
  readonly retries: number;
}

function resolveRetrySettings(input: RetrySettings, option: string, extraKeys: readonly string[]): ResolvedRetry {
  if (typeof input !== 'object' || input === null) throw new InvalidOptionError(option, input, 'an object of retry settings');
  rejectUnknownKeys(input, [...extraKeys, 'retries', 'factor', 'minDelayMs', 'maxDelayMs', 'jitter'], option);
  const retries = expectInteger(`${option}.retries`, input.retries ?? DEFAULT_RETRIES, 0, 1000);
  const backoff = resolveRetryBackoffOptions(
    {
      ...(input.factor === undefined ? {} : { factor: input.factor }),
      ...(input.minDelayMs === undefined ? {} : { minDelayMs: input.minDelayMs }),
      ...(input.maxDelayMs === undefined ? {} : { maxDelayMs: input.maxDelayMs }),
      ...(input.jitter === undefined ? {} : { jitter: input.jitter }),
    },
    option,
  );
  return { ...backoff, retries };
}

function retryDecider(retry: ResolvedRetry, afterRetries: PolicyDecision): PolicyFunction {
  return (context) =>
    context.attempt <= retry.retries
      ? { action: 'retry', delayMs: retryDelayMs(context.attempt, retry, context.random) }
      : afterRetries;
}

function describeRetry(retry: ResolvedRetry): string {
  return `retries=${retry.retries}, factor=${retry.factor}, min=${retry.minDelayMs}ms, max=${retry.maxDelayMs}ms, jitter=${retry.jitter}`;
}

function rejectUnknownKeys(input: object, known: readonly string[], option: string): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(`${option}.${key}`, (input as Record<string, unknown>)[key], `one of the known fields (${known.join(', ')})`);
    }
  }
}

/**
 * Parses the CLI form of a policy:
 *
 * - `esa`
 * - `retry` or `retry:retries=5,factor=2,min=1s,max=30s,jitter=0.2` (`min`/`max` are the
 *   delays; `min-delay`/`max-delay` also work)
 * - `buffer` or `buffer:max=10000,overflow=drop-newest` (`max` is lines) and, to retry first,
 *   `buffer:max=5000,retries=3,min-delay=500ms,max-delay=10s`
 *
 * @throws InvalidOptionError naming `option` (e.g. `--policy`), the text and what is allowed.
 */
export function parsePolicy(text: string, option = '--policy'): PolicySpec {
  const allowed =
    'esa, retry[:retries=N,factor=F,min=DUR,max=DUR,jitter=0..1] or buffer[:max=LINES,overflow=drop-oldest|drop-newest,retries=N,factor=F,min-delay=DUR,max-delay=DUR,jitter=0..1]';
  if (typeof text !== 'string') throw new InvalidOptionError(option, text, allowed);
  const [head, rest] = splitOnce(text.trim(), ':');
  const params = new Map<string, string>();
  if (rest !== undefined) {
    for (const part of rest.split(',')) {
      const [key, value] = splitOnce(part.trim(), '=');
      if (!key || value === undefined || value === '') throw new InvalidOptionError(option, text, allowed);
      if (params.has(key)) throw new InvalidOptionError(option, text, `${allowed} (each parameter once; "${key}" is repeated)`);
      params.set(key, value);
    }
  }
  const take = (key: string): string | undefined => {
    const value = params.get(key);
    params.delete(key);
    return value;
  };
  const number = (key: string, value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidOptionError(`${option} ${key}`, value, 'a number');
    return parsed;
  };
  const retryParams = (): RetrySettings => {
    const retries = take('retries');
    const factor = take('factor');
    const min = take('min-delay') ?? (head === 'retry' ? take('min') : undefined);
    const max = take('max-delay') ?? (head === 'retry' ? take('max') : undefined);
    const jitter = take('jitter');
    return {
      ...(retries === undefined ? {} : { retries: number('retries', retries) }),
      ...(factor === undefined ? {} : { factor: number('factor', factor) }),
      ...(min === undefined ? {} : { minDelayMs: parseDurationMs(`${option} min`, min) }),
      ...(max === undefined ? {} : { maxDelayMs: parseDurationMs(`${option} max`, max) }),
      ...(jitter === undefined ? {} : { jitter: number('jitter', jitter) }),
    };
  };
  let spec: PolicySpec;
  switch (head) {
    case 'esa':
      spec = { type: 'esa' };
      break;
    case 'retry':
      spec = { type: 'retry', ...retryParams() };
      break;
    case 'buffer': {
      const max = take('max');
      const overflow = take('overflow');
      const retry = retryParams();
      spec = {
        type: 'buffer',
        ...(max === undefined ? {} : { maxLines: number('max', max) }),
        ...(overflow === undefined ? {} : { overflow: overflow as OverflowRule }),
        ...(Object.keys(retry).length === 0 ? {} : { retry }),
      };
      break;
    }
    default:
      throw new InvalidOptionError(option, text, allowed);
  }
  if (params.size > 0) {
    throw new InvalidOptionError(option, text, `${allowed} (unknown parameter "${[...params.keys()][0]}")`);
  }
  resolvePolicy(spec, option);
  return spec;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}
