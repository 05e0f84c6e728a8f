import { seededRandom } from '../../../scripts/local/seeded-random.js';

/** The seedable PRNG of the generated test data (mulberry32): a failing run can be replayed with the seed it printed. */
export { seededRandom };

/** The seed of this run: RELIABILITY_SEED when set, else a fresh one (printed by the scenario). */
export function runSeed(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}
