import run from './index.js';
const r = await run({ quick: process.argv.includes('--quick'), progress: () => {}, args: [] });
for (const t of r.tables) { console.log(t.title); for (const row of t.rows) console.log('  ', row.map(c => typeof c === 'number' ? Math.round(c) : c).join('\t')); }
for (const x of r.ratios) console.log(x.name, x.value.toFixed(2));
