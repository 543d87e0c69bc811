/**
 * One entry point for every generator: `createGenerator(logType, options)`.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { LOG_TYPES } from '../core/vocabulary.js';
import { createAmpGenerator, type AmpGeneratorOptions } from './amp-generator.js';
import { createAuthenticationGenerator, type AuthenticationGeneratorOptions } from './authentication-generator.js';
import { createConsolidatedEventGenerator, type ConsolidatedEventGeneratorOptions } from './consolidated-event-generator.js';
import { createGuiLogsGenerator, type GuiLogsGeneratorOptions } from './gui-logs-generator.js';
import type { LogGenerator } from './log-generator.js';
import { createMailLogsGenerator, type MailLogsGeneratorOptions } from './mail-logs-generator.js';
import { createStatusGenerator, type StatusGeneratorOptions } from './status-generator.js';
import { createSystemLogsGenerator, type SystemLogsGeneratorOptions } from './system-logs-generator.js';

/** The options of each log type that has a generator. */
export interface GeneratorOptionsByLogType {
  mail_logs: MailLogsGeneratorOptions;
  system_logs: SystemLogsGeneratorOptions;
  gui_logs: GuiLogsGeneratorOptions;
  authentication: AuthenticationGeneratorOptions;
  amp: AmpGeneratorOptions;
  status: StatusGeneratorOptions;
  consolidated_event: ConsolidatedEventGeneratorOptions;
}

/** A log type that has a generator. */
export type GeneratorLogType = keyof GeneratorOptionsByLogType;

const FACTORIES: { readonly [K in GeneratorLogType]: (options?: GeneratorOptionsByLogType[K]) => LogGenerator } = {
  mail_logs: createMailLogsGenerator,
  system_logs: createSystemLogsGenerator,
  gui_logs: createGuiLogsGenerator,
  authentication: createAuthenticationGenerator,
  amp: createAmpGenerator,
  status: createStatusGenerator,
  consolidated_event: createConsolidatedEventGenerator,
};

/** The log types {@link createGenerator} supports. */
export const GENERATOR_LOG_TYPES: readonly GeneratorLogType[] = Object.freeze(Object.keys(FACTORIES) as GeneratorLogType[]);

/** Whether `logType` has a generator. */
export function isGeneratorLogType(logType: unknown): logType is GeneratorLogType {
  return typeof logType === 'string' && Object.hasOwn(FACTORIES, logType);
}

/**
 * Creates the generator of a log type.
 *
 * @param logType - one of {@link GENERATOR_LOG_TYPES}.
 * @param options - that generator's options.
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`, option `logType`) for a type without a
 * generator, listing the supported ones; or the generator's own option errors.
 * @example
 * ```ts
 * const generator = createGenerator('mail_logs', { seed: 7, linesPerSecond: 200 });
 * ```
 */
export function createGenerator<K extends GeneratorLogType>(logType: K, options?: GeneratorOptionsByLogType[K]): LogGenerator;
export function createGenerator(logType: string, options?: Record<string, unknown>): LogGenerator;
export function createGenerator(logType: string, options?: Record<string, unknown>): LogGenerator {
  if (!isGeneratorLogType(logType)) {
    const supported = GENERATOR_LOG_TYPES.join(', ');
    const known = typeof logType === 'string' && Object.hasOwn(LOG_TYPES, logType);
    throw new InvalidOptionError(
      'logType',
      logType,
      known ? `a log type with a generator (${supported}); ${logType} has none yet` : `one of ${supported}`,
      { allowed: `one of ${supported}` },
    );
  }
  return (FACTORIES[logType] as (options?: Record<string, unknown>) => LogGenerator)(options);
}
