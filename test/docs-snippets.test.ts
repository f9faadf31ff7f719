// Every ```ts block in README.md, packages/*/README.md and docs/**/*.md is type-checked against the
// sources and then run. Info-string flags: `ts no-run` (type-check only, e.g. needs a database),
// `ts ignore` (neither; for fragments that are not programs).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const outDir = join(root, '.tmp', 'snippets');

function markdownFiles(): string[] {
  const files = [join(root, 'README.md')];
  for (const p of readdirSync(join(root, 'packages'))) {
    const f = join(root, 'packages', p, 'README.md');
    if (statSync(f, { throwIfNoEntry: false })) files.push(f);
  }
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'api' && e.name !== 'benchmarks') walk(p);
      else if (e.isFile() && e.name.endsWith('.md') && e.name !== 'benchmarks.md') files.push(p);
    }
  };
  if (statSync(join(root, 'docs'), { throwIfNoEntry: false })) walk(join(root, 'docs'));
  const examples = join(root, 'examples');
  if (statSync(examples, { throwIfNoEntry: false })) {
    for (const p of readdirSync(examples)) {
      const f = join(examples, p, 'README.md');
      if (statSync(f, { throwIfNoEntry: false })) files.push(f);
    }
  }
  return files;
}

interface Snippet {
  source: string;
  line: number;
  code: string;
  run: boolean;
  file: string;
}

function extract(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(ts|typescript)\b(.*)$/.exec(lines[i] as string);
    if (!m) continue;
    const flags = (m[2] ?? '').trim().split(/\s+/);
    const start = i + 1;
    let j = start;
    while (j < lines.length && !(lines[j] as string).startsWith('```')) j++;
    if (!flags.includes('ignore')) {
      const rel = relative(root, file);
      const name = `${rel.replace(/[^a-zA-Z0-9]+/g, '_')}_L${start}.ts`;
      out.push({
        source: rel,
        line: start,
        code: lines.slice(start, j).join('\n'),
        run: !flags.includes('no-run'),
        file: join(outDir, name),
      });
    }
    i = j;
  }
  return out;
}

const snippets = markdownFiles().flatMap(extract);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const s of snippets) writeFileSync(s.file, `${s.code}\nexport {};\n`);

describe('documentation snippets', () => {
  it('finds snippets to check', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it('all type-check against the package sources', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    if (!config) throw new Error('cannot read tsconfig.json');
    const program = ts.createProgram(
      snippets.map((s) => s.file),
      { ...config.options, noEmit: true, noUnusedLocals: false },
    );
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(outDir) === true)
      .map((d) => {
        const s = snippets.find((x) => x.file === d.file?.fileName);
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${s?.source}:${(s?.line ?? 0) + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(diagnostics).toEqual([]);
  }, 60_000);

  for (const s of snippets.filter((x) => x.run)) {
    it(`runs ${s.source}:${s.line}`, async () => {
      await import(s.file);
    }, 20_000);
  }
});
