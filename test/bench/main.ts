import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchSection, Figure } from './figure.js';

/**
 * `npm run bench [section…] [--skip=section,…]`: runs every section in test/bench/sections that is
 * not opt-in (or the named ones, opt-in or not), less the skipped ones, and prints its figures.
 * Sections start their own real components and stop them.
 */
const sectionsDir = fileURLToPath(new URL('./sections/', import.meta.url));
const args = process.argv.slice(2);
const skipped = args.filter((a) => a.startsWith('--skip=')).flatMap((a) => a.slice('--skip='.length).split(','));
const only = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(sectionsDir).filter((f) => f.endsWith('.js')).sort();

let failed = false;
for (const file of files) {
  const section = (await import(new URL(`./sections/${file}`, import.meta.url).href)).default as BenchSection;
  if (only.length > 0 ? !only.includes(section.name) : section.optIn === true) continue;
  if (skipped.includes(section.name)) continue;
  process.stdout.write(`\n== ${section.name}\n`);
  try {
    const figures: Figure[] = await section.run();
    // A section reports a scenario that failed as a row named '…: FAILED'; the run fails then too.
    if (figures.some((f) => f.name.endsWith(': FAILED'))) failed = true;
    for (const f of figures) {
      const value = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(2);
      process.stdout.write(`  ${f.name.padEnd(58)} ${value.padStart(12)} ${f.unit.padEnd(6)} ${f.note ?? ''}\n`);
    }
  } catch (err) {
    failed = true;
    process.stdout.write(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
