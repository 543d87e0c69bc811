import { copyFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing.ts', 'src/bin.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { entry: ['src/index.ts', 'src/testing.ts'] },
  sourcemap: true,
  clean: true,
  splitting: true,
  // The scenario format's JSON Schema ships beside the code (esa-logsim/scenario.schema.json).
  onSuccess: async () => copyFileSync('schema/scenario.schema.json', 'dist/scenario.schema.json'),
});
