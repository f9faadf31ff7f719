// For every built package: publint, @arethetypeswrong/cli, and a smoke test that loads the package by
// name through both `import` and `require` and finds the same public names.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packagesInBuildOrder, root } from './workspaces.mjs';

const require = createRequire(join(root, 'package.json'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;
for (const p of packagesInBuildOrder()) {
  if (p.manifest.private) continue;
  process.stdout.write(`\n== ${p.name}\n`);
  try {
    // Every tarball carries the licence and the links npm shows (issue 13, packaging).
    if (!existsSync(join(p.dir, 'LICENSE'))) throw new Error('no LICENSE file in the package folder');
    for (const field of ['repository', 'homepage', 'bugs', 'license'])
      if (p.manifest[field] === undefined) throw new Error(`package.json has no \`${field}\` field`);
    // Nothing marked internal ships in a published declaration file (issue 14).
    for (const f of readdirSync(join(p.dir, 'dist')).filter((f) => /\.d\.c?ts$/.test(f))) {
      if (readFileSync(join(p.dir, 'dist', f), 'utf8').includes('@internal'))
        throw new Error(`dist/${f} contains an @internal declaration`);
    }
    execFileSync(bin('publint'), ['--strict'], { cwd: p.dir, stdio: 'inherit' });
    execFileSync(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'ascii'], { cwd: p.dir, stdio: 'inherit' });
    const esm = await import(p.name);
    const cjs = require(p.name);
    const esmNames = Object.keys(esm)
      .filter((k) => k !== 'default')
      .sort();
    const cjsNames = Object.keys(cjs)
      .filter((k) => k !== 'default')
      .sort();
    if (esmNames.length === 0) throw new Error('the ESM build exports nothing');
    if (esmNames.join() !== cjsNames.join()) throw new Error(`ESM and CJS exports differ:\n  esm: ${esmNames}\n  cjs: ${cjsNames}`);
    process.stdout.write(`smoke: import and require both expose ${esmNames.length} names\n`);
  } catch (e) {
    failed++;
    process.stderr.write(`✗ ${p.name}: ${e.message}\n`);
  }
}
if (failed > 0) {
  process.stderr.write(`\n${failed} package(s) failed the checks\n`);
  process.exit(1);
}
process.stdout.write('\nall packages pass publint, attw and the import/require smoke test\n');
