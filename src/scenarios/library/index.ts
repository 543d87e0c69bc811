/**
 * The built-in scenario library: each entry reproduces a field case (see docs/scenarios.md).
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';
import { busyServer } from './busy-server.js';
import { firewallDrop } from './firewall-drop.js';
import { idleTimeout } from './idle-timeout.js';
import { ipsReset } from './ips-reset.js';
import { longLines } from './long-lines.js';
import { multilineWarning } from './multiline-warning.js';
import { receiverRestart } from './receiver-restart.js';
import { slowReceiver } from './slow-receiver.js';
import { udpLoss } from './udp-loss.js';
import { udpPortUnreachable } from './udp-port-unreachable.js';

/** The built-in scenario documents, in listing order (the seed first). */
export const BUILT_IN_SCENARIO_INPUTS: readonly ScenarioInput[] = [
  ipsReset,
  firewallDrop,
  busyServer,
  receiverRestart,
  idleTimeout,
  udpPortUnreachable,
  udpLoss,
  longLines,
  multilineWarning,
  slowReceiver,
];
