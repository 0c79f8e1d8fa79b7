/**
 * The seeded stream a model's initial weights are drawn from: seedrandom's ARC4 `prng()` doubles,
 * bit for bit, generated in one typed-array loop instead of two function calls and a plain array
 * per draw (yolov5n draws 1.8 M of them: a third of the time a trial spends building its model).
 * seedrandom still derives the key and runs the drop-256 warm-up; only the output loop is ours.
 * The same seed keeps giving the same model as before this stream existed (model.test.ts).
 */
import seedrandom from 'seedrandom';

const SIGNIFICANCE = 2 ** 52;
const OVERFLOW = 2 ** 53;
const START_DENOM = 2 ** 48;

export class InitStream {
  private readonly s = new Int32Array(256);
  private i: number;
  private j: number;

  constructor(seed: string) {
    const state = seedrandom(seed, { state: true }).state() as { i: number; j: number; S: number[] };
    this.s.set(state.S);
    this.i = state.i;
    this.j = state.j;
  }

  /** out[k] = (u * 2 - 1) * bound for the stream's next doubles u in [0, 1), as `(rng() * 2 - 1) * bound` gives them. */
  fillSymmetric(out: Float32Array, bound: number): void {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let k = 0; k < out.length; k++) {
      // seedrandom's prng(): six bytes as the numerator over 2^48, then more bytes until 52
      // significant bits, shifted back without rounding when it went past 53.
      // ARC4's byte step is written out in both loops: as a closure it measured 15-25 % slower.
      let n = 0;
      for (let c = 0; c < 6; c++) {
        i = (i + 1) & 255;
        const t = s[i];
        j = (j + t) & 255;
        s[i] = s[j];
        s[j] = t;
        n = n * 256 + s[(s[i] + t) & 255];
      }
      let d = START_DENOM;
      let x = 0;
      while (n < SIGNIFICANCE) {
        n = (n + x) * 256;
        d *= 256;
        i = (i + 1) & 255;
        const t = s[i];
        j = (j + t) & 255;
        s[i] = s[j];
        s[j] = t;
        x = s[(s[i] + t) & 255];
      }
      // Halving and dividing by d (a power of two) are exact as products: the same doubles, cheaper.
      while (n >= OVERFLOW) {
        n *= 0.5;
        d *= 0.5;
        x >>>= 1;
      }
      out[k] = ((n + x) * (1 / d) * 2 - 1) * bound;
    }
    this.i = i;
    this.j = j;
  }
}
