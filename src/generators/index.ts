export {
  type LogGenerator,
  type GeneratorBaseOptions,
  type ArrivalProcess,
  ARRIVAL_PROCESSES,
  MAX_GENERATOR_RATE,
} from './log-generator.js';
export {
  createMailLogsGenerator,
  resolveMailLogsOptions,
  expectedMailLinesPerMessage,
  type MailLogsGeneratorOptions,
  type ResolvedMailLogsOptions,
  type MailVariant,
  MAIL_VARIANTS,
  DEFAULT_MAIL_MIX,
  DEFAULT_MESSAGES_PER_SECOND,
} from './mail-logs-generator.js';
export {
  createStatusGenerator,
  resolveStatusGeneratorOptions,
  formatStatusText,
  createStatusCounters,
  type StatusGeneratorOptions,
  type StatusCounters,
  DEFAULT_STATUS_INTERVAL_MS,
} from './status-generator.js';
export { type TemplateGeneratorOptions } from './template-generator.js';
export { createSystemLogsGenerator, type SystemLogsGeneratorOptions } from './system-logs-generator.js';
export { createGuiLogsGenerator, type GuiLogsGeneratorOptions } from './gui-logs-generator.js';
export { createAuthenticationGenerator, type AuthenticationGeneratorOptions } from './authentication-generator.js';
export { createAmpGenerator, type AmpGeneratorOptions } from './amp-generator.js';
export { createConsolidatedEventGenerator, type ConsolidatedEventGeneratorOptions } from './consolidated-event-generator.js';
export {
  createGenerator,
  isGeneratorLogType,
  GENERATOR_LOG_TYPES,
  type GeneratorLogType,
  type GeneratorOptionsByLogType,
} from './create-generator.js';
export { formatCtime, DOCUMENTATION_ADDRESS_PATTERN, EXAMPLE_DOMAIN_PATTERN } from './content-pools.js';
