import seedrandom from 'seedrandom';

/** A seeded uniform [0, 1) generator. Strategies and pruners receive one; they never make their own. */
export type Rng = () => number;

/** A deterministic generator for a seed plus a stream label (e.g. `trial:7`). */
export function createRng(seed: number | string, stream = ''): Rng {
  const prng = seedrandom(`${seed}/${stream}`);
  return () => prng.quick();
}

/** Standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
