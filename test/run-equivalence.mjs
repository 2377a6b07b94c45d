// `npm run equivalence -- [--seed N] [--edits N]`: replays the plan/controller equivalence test
// (test/equivalence.test.ts) with a given seed, or a random one, so more seeds are tried over time.
// The seed is printed first; a failure prints it again with the edit that differed.
import { spawnSync } from 'node:child_process';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seed = arg('--seed') ?? String(Math.floor(Math.random() * 2 ** 31));
const edits = arg('--edits') ?? '30';
if (!/^\d+$/.test(seed) || !/^\d+$/.test(edits)) {
  console.error('Usage: npm run equivalence -- [--seed N] [--edits N] (non-negative integers).');
  process.exit(1);
}
console.log(`Equivalence of plan and controller: seed ${seed}, ${edits} edits.`);
const run = spawnSync('npx', ['vitest', 'run', 'test/equivalence.test.ts'], { stdio: 'inherit', env: { ...process.env, EQUIVALENCE_SEED: seed, EQUIVALENCE_EDITS: edits } });
if (run.status !== 0) console.error(`Seed ${seed} failed; replay with: npm run equivalence -- --seed ${seed}`);
process.exit(run.status ?? 1);
