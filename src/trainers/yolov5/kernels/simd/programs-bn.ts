/**
 * The batch-norm + SiLU SIMD programs (kernels/bn-silu.ts), over channels-last float32 [M, C] data
 * with C a multiple of 4, all pointers byte offsets into the WASM backend's heap:
 * - bnStats:     per-channel sums of (y - y[0, c]) and their squares, float64 accumulators.
 * - affine:      z = y * scale[c] + offset[c] (the caller applies SiLU with the backend's sigmoid).
 * - bnGradPass1: dz = dout * s * (1 + z * (1 - s)) with z = gamma * (y - mean) * inv + beta,
 *                plus per-channel sums of dz and dz * yhat (float64).
 * - affine3:     out = a[c] * u + b[c] * y + k[c] (the batch-norm input gradient).
 * Sums accumulate in f32x4 registers over blocks of BLOCK_ROWS rows, then in float64 in memory.
 */
import { I32, V128, type FunctionBuilder, type ModuleBuilder } from './wasm-writer.ts';
import {
  I32_ADD, I32_SUB, I32_MUL, I32_GT_S, SELECT, F32X4_SPLAT, F32X4_ADD, F32X4_SUB, F32X4_MUL, F64X2_ADD, F64X2_PROMOTE_LOW, I8X16_SHUFFLE, HIGH_TO_LOW,
} from './opcodes.ts';

const BLOCK_ROWS = 64;

/** acc (f32x4 local) added to the two f64x2 at byte address `addr` (local) + `offset`. */
function addToF64(f: FunctionBuilder, addr: number, offset: number, acc: number): void {
  f.get(addr).get(addr).v128Load(offset).get(acc).simd(F64X2_PROMOTE_LOW).simd(F64X2_ADD).v128Store(offset);
  f.get(addr).get(addr).v128Load(offset + 16)
    .get(acc).get(acc).simd(I8X16_SHUFFLE, ...HIGH_TO_LOW).simd(F64X2_PROMOTE_LOW)
    .simd(F64X2_ADD).v128Store(offset + 16);
}

/** Emits the blocked [M, C] reduction frame: calls `perGroup(cg, p, pEnd, stride)` per block and channel group. */
function blockedRows(
  f: FunctionBuilder, base: number, M: number, C: number,
  perGroup: (cg: number, rowStart: number, rowEnd: number, stride: number) => void,
): void {
  const r0 = f.local(I32);
  const rEnd = f.local(I32);
  const cg = f.local(I32);
  const stride = f.local(I32);
  const pStart = f.local(I32);
  const pEnd = f.local(I32);
  f.get(C).i32(4).op(I32_MUL).set(stride);
  f.forRange(r0, () => f.i32(0), () => f.get(M), BLOCK_ROWS, () => {
    // rEnd = min(r0 + BLOCK_ROWS, M)
    f.get(M).get(r0).i32(BLOCK_ROWS).op(I32_ADD).get(r0).i32(BLOCK_ROWS).op(I32_ADD).get(M).op(I32_GT_S).op(SELECT).set(rEnd);
    f.forRange(cg, () => f.i32(0), () => f.get(C), 4, () => {
      f.get(base).get(r0).get(stride).op(I32_MUL).op(I32_ADD).get(cg).i32(4).op(I32_MUL).op(I32_ADD).set(pStart);
      f.get(base).get(rEnd).get(stride).op(I32_MUL).op(I32_ADD).get(cg).i32(4).op(I32_MUL).op(I32_ADD).set(pEnd);
      perGroup(cg, pStart, pEnd, stride);
    });
  });
}

function zero(f: FunctionBuilder, v: number): void {
  f.f32(0).simd(F32X4_SPLAT).set(v);
}

/** Loads the f32x4 at byte address base + cg * 4 into local v. */
function loadGroup(f: FunctionBuilder, base: number, cg: number, v: number): void {
  f.get(base).get(cg).i32(4).op(I32_MUL).op(I32_ADD).v128Load().set(v);
}

function buildBnStats(m: ModuleBuilder): void {
  // (y, M, C, sum, sq): sum/sq are float64[C], accumulated into (callers zero them).
  m.add('bnStats', [I32, I32, I32, I32, I32], (f) => {
    const [y, M, C, sum, sq] = [0, 1, 2, 3, 4];
    const shift = f.local(V128);
    const acc1 = f.local(V128);
    const acc2 = f.local(V128);
    const v = f.local(V128);
    const p = f.local(I32);
    const addr = f.local(I32);
    blockedRows(f, y, M, C, (cg, pStart, pEnd, stride) => {
      loadGroup(f, y, cg, shift);
      zero(f, acc1);
      zero(f, acc2);
      f.forRange(p, () => f.get(pStart), () => f.get(pEnd), () => f.get(stride), () => {
        f.get(p).v128Load().get(shift).simd(F32X4_SUB).tee(v);
        f.get(acc1).simd(F32X4_ADD).set(acc1);
        f.get(v).get(v).simd(F32X4_MUL).get(acc2).simd(F32X4_ADD).set(acc2);
      });
      f.get(sum).get(cg).i32(8).op(I32_MUL).op(I32_ADD).set(addr);
      addToF64(f, addr, 0, acc1);
      f.get(sq).get(cg).i32(8).op(I32_MUL).op(I32_ADD).set(addr);
      addToF64(f, addr, 0, acc2);
    });
  });
}

/** Row-major elementwise frame over [M, C]: body(off, cOff) with byte offsets of the element and its channel group. */
function rowsByGroups(f: FunctionBuilder, M: number, C: number, body: (off: number, cOff: number) => void): void {
  const off = f.local(I32);
  const cOff = f.local(I32);
  const rowBytes = f.local(I32);
  const total = f.local(I32);
  f.get(C).i32(4).op(I32_MUL).set(rowBytes);
  f.get(M).get(rowBytes).op(I32_MUL).set(total);
  const row = f.local(I32);
  f.forRange(row, () => f.i32(0), () => f.get(total), () => f.get(rowBytes), () => {
    f.forRange(cOff, () => f.i32(0), () => f.get(rowBytes), 16, () => {
      f.get(row).get(cOff).op(I32_ADD).set(off);
      body(off, cOff);
    });
  });
}

function buildAffine(m: ModuleBuilder): void {
  // (y, z, M, C, scale, offset): z = y * scale + offset per channel.
  m.add('affine', [I32, I32, I32, I32, I32, I32], (f) => {
    const [y, z, M, C, scale, offset] = [0, 1, 2, 3, 4, 5];
    rowsByGroups(f, M, C, (off, cOff) => {
      f.get(z).get(off).op(I32_ADD);
      f.get(y).get(off).op(I32_ADD).v128Load();
      f.get(scale).get(cOff).op(I32_ADD).v128Load().simd(F32X4_MUL);
      f.get(offset).get(cOff).op(I32_ADD).v128Load().simd(F32X4_ADD);
      f.v128Store();
    });
  });
}

function buildAffine3(m: ModuleBuilder): void {
  // (u, y, out, M, C, a, b, k): out = a * u + b * y + k per channel (out may alias u).
  m.add('affine3', [I32, I32, I32, I32, I32, I32, I32, I32], (f) => {
    const [u, y, out, M, C, a, b, k] = [0, 1, 2, 3, 4, 5, 6, 7];
    rowsByGroups(f, M, C, (off, cOff) => {
      f.get(out).get(off).op(I32_ADD);
      f.get(u).get(off).op(I32_ADD).v128Load();
      f.get(a).get(cOff).op(I32_ADD).v128Load().simd(F32X4_MUL);
      f.get(y).get(off).op(I32_ADD).v128Load();
      f.get(b).get(cOff).op(I32_ADD).v128Load().simd(F32X4_MUL).simd(F32X4_ADD);
      f.get(k).get(cOff).op(I32_ADD).v128Load().simd(F32X4_ADD);
      f.v128Store();
    });
  });
}

function buildBnGradPass1(m: ModuleBuilder): void {
  // (dout, y, s, dz, M, C, mean, inv, gamma, beta, sumDz, sumDzH): float32 [C] vectors for
  // mean, inv, gamma, beta; float64 [C] sums accumulated into.
  m.add('bnGradPass1', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], (f) => {
    const [dout, y, s, dz, M, C, mean, inv, gamma, beta, sumDz, sumDzH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const [mv, iv, gv, bv, one, acc1, acc2, h, sg, d] = Array.from({ length: 10 }, () => f.local(V128));
    const p = f.local(I32);
    const rel = f.local(I32);
    const addr = f.local(I32);
    f.f32(1).simd(F32X4_SPLAT).set(one);
    blockedRows(f, y, M, C, (cg, pStart, pEnd, stride) => {
      loadGroup(f, mean, cg, mv);
      loadGroup(f, inv, cg, iv);
      loadGroup(f, gamma, cg, gv);
      loadGroup(f, beta, cg, bv);
      zero(f, acc1);
      zero(f, acc2);
      f.forRange(p, () => f.get(pStart), () => f.get(pEnd), () => f.get(stride), () => {
        f.get(p).get(y).op(I32_SUB).set(rel); // byte offset relative to y, shared by all arrays
        // h = (y - mean) * inv
        f.get(p).v128Load().get(mv).simd(F32X4_SUB).get(iv).simd(F32X4_MUL).set(h);
        f.get(s).get(rel).op(I32_ADD).v128Load().set(sg);
        // d = dout * s * (1 + z * (1 - s)), z = gamma * h + beta
        f.get(gv).get(h).simd(F32X4_MUL).get(bv).simd(F32X4_ADD);
        f.get(one).get(sg).simd(F32X4_SUB).simd(F32X4_MUL).get(one).simd(F32X4_ADD);
        f.get(sg).simd(F32X4_MUL);
        f.get(dout).get(rel).op(I32_ADD).v128Load().simd(F32X4_MUL).set(d);
        f.get(dz).get(rel).op(I32_ADD).get(d).v128Store();
        f.get(acc1).get(d).simd(F32X4_ADD).set(acc1);
        f.get(d).get(h).simd(F32X4_MUL).get(acc2).simd(F32X4_ADD).set(acc2);
      });
      f.get(sumDz).get(cg).i32(8).op(I32_MUL).op(I32_ADD).set(addr);
      addToF64(f, addr, 0, acc1);
      f.get(sumDzH).get(cg).i32(8).op(I32_MUL).op(I32_ADD).set(addr);
      addToF64(f, addr, 0, acc2);
    });
  });
}

/** Adds the batch-norm programs to `m`. */
export function addBnPrograms(m: ModuleBuilder): void {
  buildBnStats(m);
  buildAffine(m);
  buildAffine3(m);
  buildBnGradPass1(m);
}
