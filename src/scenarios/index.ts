/**
 * Scenarios: the JSON scenario format, the built-in library of field cases, the runner (virtual
 * and loopback worlds) and policy comparison.
 *
 * @module
 */

export {
  resolveScenario,
  checkWorld,
  SCENARIO_WORLDS,
  SCENARIO_NAME_PATTERN,
  DEFAULT_SCENARIO_START,
  DEFAULT_SCENARIO_DURATION_MS,
  DEFAULT_APPLIANCE_ADDRESS,
  DEFAULT_RECEIVER_ADDRESS,
  DEFAULT_RECEIVER_PORT,
  type Scenario,
  type ScenarioInput,
  type ScenarioWorld,
  type ScenarioApplianceInput,
  type ScenarioHostInput,
  type ScenarioNetworkInput,
  type ScenarioReceiverInput,
  type ScenarioTransportInput,
  type ScenarioSubscriptionInput,
  type ScenarioGeneratorInput,
  type ScenarioWriteInput,
  type ScenarioTrafficInput,
  type ScenarioHost,
  type ScenarioNetwork,
  type ScenarioReceiver,
  type ScenarioSubscription,
  type ScenarioGenerator,
  type ScenarioWrite,
  type ScenarioPolicy,
  type ResolveScenarioOptions,
} from './scenario.js';
export { loadScenario, BUILT_IN_SCENARIOS, BUILT_IN_SCENARIO_NAMES, type BuiltInScenario, type LoadScenarioOptions } from './load-scenario.js';
export { runScenario, type RunScenarioOptions, type ScenarioProgress } from './run-scenario.js';
export { compareScenario, type PolicyComparisonRow, type CompareScenarioOptions } from './compare-scenario.js';
export {
  EXPECTATION_NAMES,
  checkExpectations,
  resolveExpectations,
  describeBounds,
  type Expectation,
  type ExpectationInput,
  type ExpectationResult,
} from './expectations.js';
export {
  SCENARIO_EVENT_TYPES,
  type ScenarioResult,
  type ScenarioSummary,
  type ScenarioDelay,
  type ScenarioReceiverSummary,
  type ScenarioSubscriptionSummary,
  type ScenarioFateRun,
  type ScenarioEvent,
  type ScenarioEventType,
  type ScenarioNetworkErrorEvent,
  type ScenarioAlertEvent,
  type ScenarioFaultEvent,
  type ScenarioLogEvent,
  type ScenarioReceivedEvent,
} from './result.js';
export { parseJsonSource, type JsonSource, type SourcePosition } from './json-source.js';
export { formatLogfileLine } from './logfile-line.js';
