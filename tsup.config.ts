import { defineConfig, type Options } from 'tsup';

/**
 * The one build recipe every package shares: ESM + CJS + `.d.ts`/`.d.cts`, sourcemaps, `keepNames`.
 * A package's own `tsup.config.ts` is `export default scalingPackage();`.
 * `@scaling/*` imports stay external (they are dependencies, built first by `scripts/build.mjs`).
 */
export function scalingPackage(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // stripInternal: nothing marked `@internal` reaches a published `.d.ts` (checked by check:packages).
    dts: { compilerOptions: { composite: false, paths: {}, stripInternal: true } },
    sourcemap: true,
    clean: true,
    keepNames: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    external: [/^@scaling\//],
    ...overrides,
  });
}
