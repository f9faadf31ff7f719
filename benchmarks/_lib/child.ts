// Runs one benchmark area in its own process and writes its AreaReport as JSON to the given file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AreaModule } from './types.js';

const [area, outFile, ...rest] = process.argv.slice(2);
if (!area || !outFile) throw new Error('usage: child.ts AREA OUTFILE [--quick] [args…]');
const quick = rest.includes('--quick');
const mod = (await import(pathToFileURL(join(import.meta.dirname, '..', area, 'index.ts')).href)) as AreaModule;
const report = await mod.default({
  quick,
  args: rest.filter((a) => a !== '--quick'),
  progress: (m) => process.stderr.write(`\u0000progress\u0000${m}\n`),
});
writeFileSync(outFile, JSON.stringify(report, null, 2));
