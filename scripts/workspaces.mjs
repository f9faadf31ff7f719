// Lists the publishable packages under packages/ in dependency order (a package after every
// @scaling/* package it depends on), so nothing lists packages by hand.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export function packagesInBuildOrder() {
  const dir = join(root, 'packages');
  const pkgs = readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'package.json')))
    .map((d) => {
      const manifest = JSON.parse(readFileSync(join(dir, d, 'package.json'), 'utf8'));
      const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies }).filter((n) =>
        n.startsWith('@scaling/'),
      );
      return { dir: join(dir, d), folder: d, name: manifest.name, manifest, deps };
    });
  const byName = new Map(pkgs.map((p) => [p.name, p]));
  const out = [];
  const state = new Map();
  const visit = (p, trail) => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') throw new Error(`dependency cycle: ${[...trail, p.name].join(' → ')}`);
    state.set(p.name, 'visiting');
    for (const d of p.deps) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...trail, p.name]);
    }
    state.set(p.name, 'done');
    out.push(p);
  };
  for (const p of pkgs.sort((a, b) => a.folder.localeCompare(b.folder))) visit(p, []);
  return out;
}
