// Builds every package with its own tsup config, dependencies first.
import { execFileSync } from 'node:child_process';
import { packagesInBuildOrder } from './workspaces.mjs';

for (const p of packagesInBuildOrder()) {
  if (!p.manifest.scripts?.build) continue;
  process.stdout.write(`build ${p.name}\n`);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: p.dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
