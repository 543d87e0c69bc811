/**
 * How `npm run bench` compiles the benchmarks before it runs them: with esbuild, as the package
 * build (tsup.config.ts) compiles `dist/`, so that the figures are those of the code users run.
 * Under tsx, which keeps function names (`keepNames`), every closure created on a hot path also
 * costs a `__name()` call the published package does not make (a simulated day measured 12.4 s
 * under tsx and 9.0 s compiled).
 */
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['bench/index.ts', 'bench/*.bench.ts'],
  outDir: '.bench',
  format: ['esm'],
  target: 'node20',
  splitting: true,
  clean: true,
  // Packages load from node_modules as they would for a user; only our code is compiled here.
  skipNodeModulesBundle: true,
});
