// `npm run test:integration`: starts what the integration tests need, then runs every
// `*.integration.test.ts`. Packages add their set-up to scripts/integration/*.mjs (each exports
// `async setup()` returning env vars, and optionally `async teardown()`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './workspaces.mjs';

const dir = join(root, 'scripts', 'integration');
const env = { ...process.env, INTEGRATION: '1' };
const teardowns = [];
if (existsSync(dir)) {
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const mod = await import(join(dir, f));
    process.stdout.write(`integration set-up: ${f}\n`);
    Object.assign(env, (await mod.setup?.()) ?? {});
    if (mod.teardown) teardowns.push(mod.teardown);
  }
}
const result = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
  cwd: root,
});
for (const t of teardowns.reverse()) await t();
process.exit(result.status ?? 1);
