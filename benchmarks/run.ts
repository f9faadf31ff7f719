// `npm run bench [-- AREA…] [--quick] [--trace FILE]`: runs every benchmark area (a folder here with an
// index.ts) in its own process, prints ratios to the peers measured in the same run, and — except with
// --quick — writes benchmarks/results/latest.json and regenerates docs/benchmarks.md with SVG charts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReport } from './_lib/report.js';
import { type AreaReport, metTarget } from './_lib/types.js';

const here = import.meta.dirname;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench [-- AREA…] [--quick] [--write] [--render] [--trace FILE]\n  --quick  smoke run: every suite runs briefly, no thresholds, nothing written unless --write',
  );
  process.exit(0);
}
if (values.render) {
  // Re-render docs/benchmarks.md and its charts from the figures already in latest.json.
  const { md } = await writeReport([], { machine: '', quick: false, keepMeta: true });
  console.log(`rendered ${md} from benchmarks/results/latest.json`);
  process.exit(0);
}
const all = readdirSync(here, { withFileTypes: true })
  .filter(
    (d) =>
      d.isDirectory() &&
      !d.name.startsWith('_') &&
      d.name !== 'results' &&
      d.name !== 'node_modules' &&
      existsSync(join(here, d.name, 'index.ts')),
  )
  .map((d) => d.name)
  .sort();
const wanted = positionals.filter((p) => !p.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark area(s): ${unknown.join(', ')}; known: ${all.join(', ') || '(none yet)'}`);
  process.exit(2);
}
const areas = wanted.length > 0 ? wanted : all;
const passThrough = process.argv.slice(2).filter((a) => !areas.includes(a) && a !== '--write');
const quick = values.quick === true;
const tmp = join(tmpdir(), `scaling-bench-${process.pid}`);
mkdirSync(tmp, { recursive: true });

const tty = process.stderr.isTTY;
const reports: AreaReport[] = [];
let failed = 0;
for (const [i, area] of areas.entries()) {
  const out = join(tmp, `${area}.json`);
  const label = `[${i + 1}/${areas.length}] ${area}`;
  process.stderr.write(`${label} …\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, '_lib', 'child.ts'), area, out, ...passThrough], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let buf = '';
    child.stderr.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('\u0000progress\u0000')) {
          const msg = `${label}: ${line.slice(10)}`;
          process.stderr.write(tty ? `\r\x1b[2K${msg}` : `${msg}\n`);
        } else process.stderr.write(`${line}\n`);
        nl = buf.indexOf('\n');
      }
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (tty) process.stderr.write('\r\x1b[2K');
  if (code !== 0 || !existsSync(out)) {
    failed++;
    console.error(`✗ ${area} failed (exit ${code})`);
    continue;
  }
  const report = JSON.parse(readFileSync(out, 'utf8')) as AreaReport;
  reports.push(report);
  console.log(`\n## ${report.title}${quick ? ' (quick smoke run: figures are not meaningful)' : ''}`);
  for (const r of report.ratios) {
    const met = metTarget(r);
    const mark = quick || met === undefined ? ' ' : met ? '✓' : '✗';
    const target = r.target ? ` (target ${r.target.op} ${r.target.value})` : '';
    console.log(`${mark} ${r.name}: ${r.value.toFixed(2)}${target}`);
  }
}
rmSync(tmp, { recursive: true, force: true });
if (!quick || values.write === true) {
  const { json, md } = await writeReport(reports, { machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, quick });
  console.log(`\nwrote ${json} and ${md}`);
}
if (failed > 0) process.exit(1);
console.log(`\n${reports.length} area(s) ran${quick ? ' (quick)' : ''}`);
