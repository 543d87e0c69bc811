/**
 * Chaos in the virtual world, `retry` policy: 1,000 seeded random fault timelines (receiver and
 * link faults switching on and off), random traffic and random `retry` parameters; in every run the
 * ledger invariant holds, the receiver's records match the delivered lines, nothing escapes as an
 * unhandled error and no timer is left on the clock (see support/virtual-run.ts).
 */
import { describeVirtualChaos } from './support/virtual-suite.js';

describeVirtualChaos('retry', 'test/chaos/virtual-retry.test.ts');
