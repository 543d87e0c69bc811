/**
 * The base of the simpler generators (system, HTTP, authentication, AMP, consolidated event):
 * events arrive at a rate, and each writes one or a few lines picked from weighted templates.
 *
 * @module
 */

import type { LogRecord } from '../core/log-record.js';
import type { LogLevel } from '../core/vocabulary.js';
import {
  Actor,
  cumulativeWeights,
  expectOptionsObject,
  expectRate,
  GENERATOR_BASE_OPTION_KEYS,
  pickWeighted,
  resolveGeneratorBaseOptions,
  ScheduledGenerator,
  type GeneratorBaseOptions,
  type ResolvedGeneratorBaseOptions,
} from './log-generator.js';

/** Options of the template-driven generators. */
export interface TemplateGeneratorOptions extends GeneratorBaseOptions {
  /**
   * Lines per second on average. Events that write several lines (an AMP query and its answer)
   * arrive at `linesPerSecond / expected lines per event`.
   * @default the log type's default (e.g. 0.05 for system_logs, 0.5 for gui_logs)
   */
  linesPerSecond?: number;
}

/** {@link TemplateGeneratorOptions} validated and defaulted. */
export interface ResolvedTemplateGeneratorOptions extends ResolvedGeneratorBaseOptions {
  readonly linesPerSecond: number;
}

/**
 * Validates the shared options of a template-driven generator; `extraKeys` are validated by the
 * caller.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveTemplateGeneratorOptions(
  input: TemplateGeneratorOptions | undefined,
  what: string,
  defaultLinesPerSecond: number,
  extraKeys: readonly string[] = [],
): ResolvedTemplateGeneratorOptions {
  const options = expectOptionsObject(input, what, [...GENERATOR_BASE_OPTION_KEYS, 'linesPerSecond', ...extraKeys]) as TemplateGeneratorOptions;
  return Object.freeze({
    ...resolveGeneratorBaseOptions(options),
    linesPerSecond: options.linesPerSecond === undefined ? defaultLinesPerSecond : expectRate('linesPerSecond', options.linesPerSecond),
  });
}

/** One event's lines, written in order at their (non-decreasing) times. */
export class EventActor extends Actor {
  readonly times: number[] = [];
  readonly levels: LogLevel[] = [];
  readonly texts: string[] = [];
  index = 0;

  /** Adds a line at `timeMs` (not before the previous line). */
  add(timeMs: number, level: LogLevel, text: string): void {
    const previous = this.times.length === 0 ? -Infinity : (this.times[this.times.length - 1] as number);
    this.times.push(Math.max(previous, timeMs));
    this.levels.push(level);
    this.texts.push(text);
  }
}

/** A weighted table of choices. */
export class WeightedTable<T> {
  readonly #items: readonly T[];
  readonly #cumulative: Float64Array;

  constructor(entries: readonly (readonly [number, T])[]) {
    this.#items = entries.map(([, item]) => item);
    this.#cumulative = cumulativeWeights(entries.map(([weight]) => weight));
  }

  /** The item for a draw `u` in [0, 1). */
  pick(u: number): T {
    return this.#items[pickWeighted(this.#cumulative, u)] as T;
  }
}

/**
 * A generator whose events are composed by {@link TemplateGenerator.compose}; events arrive at
 * `linesPerSecond / linesPerEvent`.
 */
export abstract class TemplateGenerator extends ScheduledGenerator<EventActor> {
  /**
   * @param linesPerEvent - the expected lines per event, to turn the line rate into an event rate.
   */
  protected constructor(options: ResolvedTemplateGeneratorOptions, linesPerEvent: number) {
    super(options, options.linesPerSecond / linesPerEvent);
  }

  /** Adds the lines of an event arriving at `timeMs` to `event`. */
  protected abstract compose(event: EventActor, timeMs: number): void;

  protected spawn(timeMs: number): EventActor | undefined {
    const event = new EventActor();
    this.compose(event, timeMs);
    if (event.texts.length === 0) return undefined;
    event.t = event.times[0] as number;
    return event;
  }

  protected step(event: EventActor, out: LogRecord[]): boolean {
    const index = event.index++;
    this.emit(out, event.times[index] as number, event.levels[index] as LogLevel, event.texts[index] as string);
    if (event.index >= event.texts.length) return false;
    event.t = event.times[event.index] as number;
    return true;
  }

  /** A float in [0, 1) from the generator's random source. */
  draw(): number {
    return this.random.next();
  }

  /** An integer in [0, count). */
  below(count: number): number {
    return Math.floor(this.random.next() * count);
  }

  /** One element of `items`. */
  choose<T>(items: readonly T[]): T {
    return items[Math.floor(this.random.next() * items.length)] as T;
  }
}
