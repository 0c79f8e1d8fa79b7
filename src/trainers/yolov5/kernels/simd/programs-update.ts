/**
 * The weight-update SIMD programs (kernels/weight-update.ts): one pass over a variable each,
 * instead of the 4-7 TF.js ops (each a pass and an allocation) an update costs as op sequences.
 * Pointers are byte offsets into the WASM backend's heap, n counts floats (any n: a scalar loop
 * takes the last n % 4). Every element goes through the same float32 operations, in the same
 * order, as the op sequences they replace, so results match those bit for bit.
 * - sgdNesterov: g' = g * coef + p * decay; buf' = buf * mu + g'; p' = p - (g' + buf' * mu) * lr
 * - emaBlend:    out = t * d + s * e
 * - sumSquares:  returns sum of (g * g) (squares in float32, summed in float64)
 */
import { F32, F64, I32, V128, type FunctionBuilder, type ModuleBuilder } from './wasm-writer.ts';
import {
  I32_ADD, I32_AND, I32_MUL, F32_LOAD, F32_STORE, F32X4_SPLAT, F32X4_ADD, F32X4_SUB, F32X4_MUL, F64X2_ADD, F64X2_PROMOTE_LOW,
  I8X16_SHUFFLE, HIGH_TO_LOW,
} from './opcodes.ts';

const F32_ADD = 0x92;
const F32_SUB = 0x93;
const F32_MUL = 0x94;
const F64_ADD = 0xa0;
const F64_PROMOTE_F32 = 0xbb;
const F64X2_EXTRACT_LANE = 0x21;

/** The arithmetic of one loop: four lanes at a time, or one. */
interface Lanes {
  bytes: number;
  load(f: FunctionBuilder): void;
  store(f: FunctionBuilder): void;
  mul(f: FunctionBuilder): void;
  add(f: FunctionBuilder): void;
  sub(f: FunctionBuilder): void;
}
const VECTOR: Lanes = {
  bytes: 16,
  load: (f) => f.v128Load(), store: (f) => f.v128Store(),
  mul: (f) => f.simd(F32X4_MUL), add: (f) => f.simd(F32X4_ADD), sub: (f) => f.simd(F32X4_SUB),
};
const SCALAR: Lanes = {
  bytes: 4,
  load: (f) => f.mem(F32_LOAD, 2), store: (f) => f.mem(F32_STORE, 2),
  mul: (f) => f.op(F32_MUL), add: (f) => f.op(F32_ADD), sub: (f) => f.op(F32_SUB),
};

/**
 * Emits the element loops over n floats: the vector loop, then the scalar tail. `constants` are
 * f32 parameters; `body(w, at, k)` gets the lane width, `at(ptr)` pushing ptr + the current byte
 * offset, `k(i)` pushing constants[i] at that width (splat once before the vector loop) and
 * `tmp(i)` two temporaries of that width.
 */
function elementwise(
  f: FunctionBuilder, n: number, constants: number[],
  body: (w: Lanes, at: (ptr: number) => void, k: (i: number) => void, tmp: (i: number) => number) => void,
): void {
  const off = f.local(I32);
  const vecEnd = f.local(I32);
  const end = f.local(I32);
  const splats = constants.map(() => f.local(V128));
  const temps = { [V128]: [f.local(V128), f.local(V128)], [F32]: [f.local(F32), f.local(F32)] };
  constants.forEach((c, i) => f.get(c).simd(F32X4_SPLAT).set(splats[i]));
  f.get(n).i32(-4).op(I32_AND).i32(4).op(I32_MUL).set(vecEnd);
  f.get(n).i32(4).op(I32_MUL).set(end);
  const at = (ptr: number) => { f.get(ptr).get(off).op(I32_ADD); };
  f.forRange(off, () => f.i32(0), () => f.get(vecEnd), VECTOR.bytes, () =>
    body(VECTOR, at, (i) => { f.get(splats[i]); }, (i) => temps[V128][i]));
  f.forRange(off, () => f.get(vecEnd), () => f.get(end), SCALAR.bytes, () =>
    body(SCALAR, at, (i) => { f.get(constants[i]); }, (i) => temps[F32][i]));
}

function buildSgdNesterov(m: ModuleBuilder): void {
  // (p, g, buf, pOut, bufOut, n, lr, mu, decay, coef)
  m.add('sgdNesterov', [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32], (f) => {
    const [p, g, buf, pOut, bufOut, n] = [0, 1, 2, 3, 4, 5];
    const [LR, MU, DECAY, COEF] = [0, 1, 2, 3];
    elementwise(f, n, [6, 7, 8, 9], (w, at, k, tmp) => {
      const gd = tmp(0);
      const b = tmp(1);
      // g' = g * coef + p * decay
      at(g); w.load(f); k(COEF); w.mul(f);
      at(p); w.load(f); k(DECAY); w.mul(f); w.add(f); f.set(gd);
      // buf' = buf * mu + g'
      at(buf); w.load(f); k(MU); w.mul(f); f.get(gd); w.add(f); f.set(b);
      at(bufOut); f.get(b); w.store(f);
      // p' = p - (g' + buf' * mu) * lr
      at(pOut);
      at(p); w.load(f);
      f.get(gd); f.get(b); k(MU); w.mul(f); w.add(f); k(LR); w.mul(f);
      w.sub(f); w.store(f);
    });
  });
}

function buildEmaBlend(m: ModuleBuilder): void {
  // (t, s, out, n, d, e)
  m.add('emaBlend', [I32, I32, I32, I32, F32, F32], (f) => {
    const [t, s, out, n] = [0, 1, 2, 3];
    elementwise(f, n, [4, 5], (w, at, k) => {
      at(out);
      at(t); w.load(f); k(0); w.mul(f);
      at(s); w.load(f); k(1); w.mul(f);
      w.add(f); w.store(f);
    });
  });
}

function buildSumSquares(m: ModuleBuilder): void {
  // (g, n) -> f64
  m.add('sumSquares', [I32, I32], (f) => {
    const [g, n] = [0, 1];
    const off = f.local(I32);
    const vecEnd = f.local(I32);
    const end = f.local(I32);
    const sq = f.local(V128);
    const lo = f.local(V128);
    const hi = f.local(V128);
    const tail = f.local(F64);
    const x = f.local(F32);
    f.f32(0).simd(F32X4_SPLAT).set(lo); // all-zero bits are 0.0 as f64x2 too
    f.get(lo).set(hi);
    f.get(n).i32(-4).op(I32_AND).i32(4).op(I32_MUL).set(vecEnd);
    f.get(n).i32(4).op(I32_MUL).set(end);
    f.forRange(off, () => f.i32(0), () => f.get(vecEnd), 16, () => {
      f.get(g).get(off).op(I32_ADD).v128Load().tee(sq).get(sq).simd(F32X4_MUL).set(sq);
      f.get(lo).get(sq).simd(F64X2_PROMOTE_LOW).simd(F64X2_ADD).set(lo);
      f.get(hi).get(sq).get(sq).simd(I8X16_SHUFFLE, ...HIGH_TO_LOW).simd(F64X2_PROMOTE_LOW).simd(F64X2_ADD).set(hi);
    });
    f.get(lo).get(hi).simd(F64X2_ADD).set(lo);
    f.get(lo).simd(F64X2_EXTRACT_LANE, 0).get(lo).simd(F64X2_EXTRACT_LANE, 1).op(F64_ADD).set(tail);
    f.forRange(off, () => f.get(vecEnd), () => f.get(end), 4, () => {
      f.get(g).get(off).op(I32_ADD).mem(F32_LOAD, 2).tee(x).get(x).op(F32_MUL).op(F64_PROMOTE_F32);
      f.get(tail).op(F64_ADD).set(tail);
    });
    f.get(tail);
  }, [F64]);
}

/** Adds the weight-update programs to `m`. */
export function addUpdatePrograms(m: ModuleBuilder): void {
  buildSgdNesterov(m);
  buildEmaBlend(m);
  buildSumSquares(m);
}
