// Reads the monitoring tables of a package README, so tests keep the documentation honest.
import { readFileSync } from 'node:fs';

/**
 * The first-column names (inside backticks) of the Markdown table that follows the heading `heading` in `file`.
 * Throws when the heading or its table is missing.
 */
export function readmeTableNames(file: string, heading: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (at < 0) throw new Error(`${file}: no heading "${heading}"`);
  const names: string[] = [];
  let inTable = false;
  for (let i = at + 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.startsWith('|')) {
      inTable = true;
      const first = line.split('|')[1] ?? '';
      const m = /`([^`]+)`/.exec(first);
      if (m !== null) names.push(m[1] as string);
    } else if (inTable || /^#+ /.test(line)) {
      break;
    }
  }
  if (names.length === 0) throw new Error(`${file}: no table under "${heading}"`);
  return names;
}
