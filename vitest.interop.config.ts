import { defineConfig } from 'vitest/config';

/** Tests against real peers (rsyslog, tshark) installed from Debian packages; see README. */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
