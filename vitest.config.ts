import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = readdirSync(`${root}packages`).filter((d) => existsSync(`${root}packages/${d}/package.json`));

/** `@scaling/<name>` → its sources, so tests never need a build. */
const alias = [
  { find: /^@scaling\/core\/internal$/, replacement: `${root}packages/core/src/internal.ts` },
  ...packages.map((d) => ({ find: new RegExp(`^@scaling/${d}$`), replacement: `${root}packages/${d}/src/index.ts` })),
];

/** Integration tests (real servers) run only under `npm run test:integration` (INTEGRATION=1). */
const integration = process.env.INTEGRATION === '1';

export default defineConfig({
  resolve: { alias },
  test: {
    passWithNoTests: true,
    projects: [
      ...packages.map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: `${root}packages/${name}`,
          include: integration ? ['test/**/*.integration.test.ts'] : ['test/**/*.test.ts'],
          exclude: integration ? [] : ['test/**/*.integration.test.ts'],
          setupFiles: [`${root}test/setup-fast-check.ts`],
        },
      })),
      {
        resolve: { alias },
        test: {
          name: 'repo',
          root,
          include: integration ? [] : ['test/**/*.test.ts'],
          setupFiles: [`${root}test/setup-fast-check.ts`],
        },
      },
    ],
  },
});
