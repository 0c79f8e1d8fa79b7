import { createRng } from '../src/core/index.ts';

/**
 * Sobol low-discrepancy sequence with a random digital shift.
 * Source: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional
 * projections", SIAM J. Sci. Comput. 30 (2008); direction numbers from their file
 * `new-joe-kuo-6.21201`, dimensions 2..53 (dimension 1 is van der Corput). Point k is computed
 * directly from the Gray code of k, so it depends only on k and the shift: no generator state.
 */

/** `s a m_1 .. m_s` per dimension 2..53 (degree, polynomial coefficients, initial direction numbers). */
const JOE_KUO = [
  '1 0 1', '2 1 1 3', '3 1 1 3 1', '3 2 1 1 1', '4 1 1 1 3 3', '4 4 1 3 5 13', '5 2 1 1 5 5 17', '5 4 1 1 5 5 5',
  '5 7 1 1 7 11 19', '5 11 1 1 5 1 1', '5 13 1 1 1 3 11', '5 14 1 3 5 5 31', '6 1 1 3 3 9 7 49', '6 13 1 1 1 15 21 21',
  '6 16 1 3 1 13 27 49', '6 19 1 1 1 15 7 5', '6 22 1 3 1 15 13 25', '6 25 1 1 5 5 19 61', '7 1 1 3 7 11 23 15 103',
  '7 4 1 3 7 13 13 15 69', '7 7 1 1 3 13 7 35 63', '7 8 1 3 5 9 1 25 53', '7 14 1 3 1 13 9 35 107', '7 19 1 3 1 5 27 61 31',
  '7 21 1 1 5 11 19 41 61', '7 28 1 3 5 3 3 13 69', '7 31 1 1 7 13 1 19 1', '7 32 1 3 7 5 13 19 59', '7 37 1 1 3 9 25 29 41',
  '7 41 1 3 5 13 23 1 55', '7 42 1 3 7 3 13 59 17', '7 50 1 3 1 3 5 53 69', '7 55 1 1 5 5 23 33 13', '7 56 1 1 7 7 1 61 123',
  '7 59 1 1 7 9 13 61 49', '7 62 1 3 3 5 3 55 33', '8 14 1 3 1 15 31 13 49 245', '8 21 1 3 5 15 31 59 63 97',
  '8 22 1 3 1 11 11 11 77 249', '8 38 1 3 1 11 27 43 71 9', '8 47 1 1 7 15 21 11 81 45', '8 49 1 3 7 3 25 31 65 79',
  '8 50 1 3 1 1 19 11 3 205', '8 52 1 1 5 9 19 21 29 157', '8 56 1 3 7 11 1 33 89 185', '8 67 1 3 3 3 15 9 79 71',
  '8 70 1 3 7 11 15 39 119 27', '8 84 1 1 3 1 11 31 97 225', '8 97 1 1 1 3 23 43 57 177', '8 103 1 3 7 7 17 17 37 71',
  '8 115 1 3 1 5 27 63 123 213', '8 122 1 1 3 5 11 43 53 133',
];

const BITS = 32;
/** Dimensions with true Sobol coordinates; beyond this, coordinates are seeded uniform draws. */
export const SOBOL_MAX_DIMS = JOE_KUO.length + 1;

let directions: Uint32Array[] | undefined;

/** Direction numbers v[d][j] (already shifted to 32 bits), built once on first use. */
function directionTable(): Uint32Array[] {
  if (directions) return directions;
  const table: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let j = 0; j < BITS; j++) first[j] = (1 << (BITS - 1 - j)) >>> 0;
  table.push(first);
  for (const row of JOE_KUO) {
    const [s, a, ...m] = row.split(' ').map(Number);
    const v = new Uint32Array(BITS);
    for (let j = 0; j < BITS; j++) {
      if (j < s) {
        v[j] = (m[j] << (BITS - 1 - j)) >>> 0;
      } else {
        let value = (v[j - s] ^ (v[j - s] >>> s)) >>> 0;
        for (let k = 1; k < s; k++) {
          if ((a >>> (s - 1 - k)) & 1) value = (value ^ v[j - k]) >>> 0;
        }
        v[j] = value;
      }
    }
    table.push(v);
  }
  directions = table;
  return table;
}

/** The unscrambled 32-bit integer coordinates of point `index` (index 0 is the origin). */
function sobolInts(index: number, dims: number): Uint32Array {
  const table = directionTable();
  const out = new Uint32Array(dims);
  const gray = index ^ Math.floor(index / 2);
  for (let d = 0; d < Math.min(dims, SOBOL_MAX_DIMS); d++) {
    const v = table[d];
    let x = 0;
    for (let j = 0, g = gray; g > 0 && j < BITS; j++, g = Math.floor(g / 2)) {
      if (g % 2 === 1) x = (x ^ v[j]) >>> 0;
    }
    out[d] = x;
  }
  return out;
}

/** The per-dimension 32-bit digital-shift masks for `seed`. */
function shiftMasks(dims: number, seed: number | string): Uint32Array {
  const rng = createRng(seed, 'sobol-shift');
  const masks = new Uint32Array(dims);
  for (let d = 0; d < dims; d++) masks[d] = Math.floor(rng() * 2 ** 32) >>> 0;
  return masks;
}

function shifted(index: number, dims: number, seed: number | string, masks: Uint32Array): Float64Array {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 32) throw new RangeError(`sobol: index must be an integer in [0, 2^32), got ${index}`);
  const ints = sobolInts(index, dims);
  const out = new Float64Array(dims);
  for (let d = 0; d < Math.min(dims, SOBOL_MAX_DIMS); d++) out[d] = ((ints[d] ^ masks[d]) >>> 0) / 2 ** 32;
  if (dims > SOBOL_MAX_DIMS) {
    const rest = createRng(seed, `sobol-extra:${index}`);
    for (let d = SOBOL_MAX_DIMS; d < dims; d++) out[d] = rest();
  }
  return out;
}

/**
 * Point `index` (0-based, < 2^32) of a Sobol sequence in [0, 1)^dims, digitally shifted by a
 * per-dimension 32-bit mask derived from `seed` (a random digital shift keeps the net property).
 * Dimensions above SOBOL_MAX_DIMS are uniform draws seeded by (seed, index).
 */
export function sobolPoint(index: number, dims: number, seed: number | string): Float64Array {
  return shifted(index, dims, seed, shiftMasks(dims, seed));
}

/** `count` consecutive shifted Sobol points starting at `start` (same shift as sobolPoint). */
export function sobolPoints(start: number, count: number, dims: number, seed: number | string): Float64Array[] {
  const masks = shiftMasks(dims, seed);
  return Array.from({ length: count }, (_, k) => shifted(start + k, dims, seed, masks));
}
