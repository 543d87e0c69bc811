export { type Clock, type Timer, sleep, abortError } from './clock.js';
export { systemClock } from './system-clock.js';
export { VirtualClock, type VirtualClockOptions, DEFAULT_VIRTUAL_START_MS } from './virtual-clock.js';
