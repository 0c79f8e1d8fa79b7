/**
 * The data-movement SIMD programs, all pointers byte offsets into the WASM backend's heap:
 * - im2colTap:   one filter tap's rows of the transposed im2col (kernels/im2col.ts); im2colTap4
 *                does the same for C a multiple of 4 with 4x4 register transposes.
 * - copyRuns:    strided copy of runs of C floats (the interleave of strided-conv gradients).
 */
import { I32, V128, type FunctionBuilder, type ModuleBuilder } from './wasm-writer.ts';
import {
  I32_ADD, I32_SUB, I32_MUL, I32_AND, I32_GE_U, SELECT, F32_LOAD, F32_STORE, I8X16_SHUFFLE,
} from './opcodes.ts';

/** Emits: for q in [from, to): store 0.0 at dst, dst += 4 (the zero padding of an im2col row). */
function emitZeroRun(f: FunctionBuilder, q: number, dst: number, from: number, to: number): void {
  f.forRange(q, () => f.get(from), () => f.get(to), 1, () => {
    f.get(dst).f32(0).mem(F32_STORE, 2);
    f.get(dst).i32(4).op(I32_ADD).set(dst);
  });
}

function buildIm2colTap(m: ModuleBuilder): void {
  // (x, out, N, H, W, C, OH, OW, sh, sw, rowOff, colOff, owLo, owHi, M): writes this tap's rows
  // out[c*M + (n*OH + r)*OW + q] = x[n, r*sh + rowOff, q*sw + colOff, c] for q in [owLo, owHi)
  // and rows inside [0, H), zeros everywhere else. `out` points at the tap's first row.
  m.add('im2colTap', Array<typeof I32>(15).fill(I32), (f) => {
    const [x, out, N, H, W, C, OH, OW, sh, sw, rowOff, colOff, owLo, owHi, M] = Array.from({ length: 15 }, (_, i) => i);
    const [n, r, ih, c, q, src, dst, srcStep, rowSrc, m0, outside, start, end, zeroAt] = Array.from({ length: 14 }, () => f.local(I32));
    const zeroRun = (from: number, to: number) => emitZeroRun(f, q, dst, from, to);
    f.get(sw).get(C).op(I32_MUL).i32(4).op(I32_MUL).set(srcStep);
    f.i32(0).set(zeroAt);
    f.forRange(n, () => f.i32(0), () => f.get(N), 1, () => {
      f.forRange(r, () => f.i32(0), () => f.get(OH), 1, () => {
        // A row outside x copies nothing: start = end = 0 makes the whole run zeros.
        f.get(r).get(sh).op(I32_MUL).get(rowOff).op(I32_ADD).tee(ih).get(H).op(I32_GE_U).set(outside);
        f.i32(0).get(owLo).get(outside).op(SELECT).set(start);
        f.i32(0).get(owHi).get(outside).op(SELECT).set(end);
        f.get(n).get(H).op(I32_MUL).get(ih).op(I32_ADD).get(W).op(I32_MUL)
          .get(start).get(sw).op(I32_MUL).op(I32_ADD).get(colOff).op(I32_ADD)
          .get(C).op(I32_MUL).i32(4).op(I32_MUL).get(x).op(I32_ADD).set(rowSrc);
        f.get(n).get(OH).op(I32_MUL).get(r).op(I32_ADD).get(OW).op(I32_MUL).set(m0);
        f.forRange(c, () => f.i32(0), () => f.get(C), 1, () => {
          f.get(c).get(M).op(I32_MUL).get(m0).op(I32_ADD).i32(4).op(I32_MUL).get(out).op(I32_ADD).set(dst);
          zeroRun(zeroAt, start);
          f.get(rowSrc).get(c).i32(4).op(I32_MUL).op(I32_ADD).set(src);
          f.forRange(q, () => f.get(start), () => f.get(end), 1, () => {
            f.get(dst).get(src).mem(F32_LOAD, 2).mem(F32_STORE, 2);
            f.get(dst).i32(4).op(I32_ADD).set(dst);
            f.get(src).get(srcStep).op(I32_ADD).set(src);
          });
          zeroRun(end, OW);
        });
      });
    });
  });
}

/** i8x16.shuffle immediates selecting f32 lanes (0-3 first operand, 4-7 second). */
function lanes(...l: number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

function buildIm2colTap4(m: ModuleBuilder): void {
  // im2colTap for C a multiple of 4: four channels of four consecutive output columns are loaded
  // as four f32x4 (one per pixel), transposed in registers, and stored as four f32x4 runs (one per
  // channel row); a scalar loop finishes columns that do not fill a group of four.
  m.add('im2colTap4', Array<typeof I32>(15).fill(I32), (f) => {
    const [x, out, N, H, W, C, OH, OW, sh, sw, rowOff, colOff, owLo, owHi, M] = Array.from({ length: 15 }, (_, i) => i);
    const [n, r, ih, c, q, src, dst, srcStep, rowSrc, m0, outside, start, end, zeroAt, rowBytes, k, end4, d, tail] =
      Array.from({ length: 19 }, () => f.local(I32));
    const [a, b, cc, dd, t0, t1, t2, t3] = Array.from({ length: 8 }, () => f.local(V128));
    const zeroRun = (from: number, to: number) => emitZeroRun(f, q, dst, from, to);
    f.get(sw).get(C).op(I32_MUL).i32(4).op(I32_MUL).set(srcStep);
    f.get(M).i32(4).op(I32_MUL).set(rowBytes);
    f.i32(0).set(zeroAt);
    f.forRange(n, () => f.i32(0), () => f.get(N), 1, () => {
      f.forRange(r, () => f.i32(0), () => f.get(OH), 1, () => {
        f.get(r).get(sh).op(I32_MUL).get(rowOff).op(I32_ADD).tee(ih).get(H).op(I32_GE_U).set(outside);
        f.i32(0).get(owLo).get(outside).op(SELECT).set(start);
        f.i32(0).get(owHi).get(outside).op(SELECT).set(end);
        // end4: the end of the last full group of four columns from start
        f.get(end).get(end).get(start).op(I32_SUB).i32(3).op(I32_AND).op(I32_SUB).set(end4); // end - ((end - start) & 3)
        f.get(n).get(H).op(I32_MUL).get(ih).op(I32_ADD).get(W).op(I32_MUL)
          .get(start).get(sw).op(I32_MUL).op(I32_ADD).get(colOff).op(I32_ADD)
          .get(C).op(I32_MUL).i32(4).op(I32_MUL).get(x).op(I32_ADD).set(rowSrc);
        f.get(n).get(OH).op(I32_MUL).get(r).op(I32_ADD).get(OW).op(I32_MUL).set(m0);
        f.forRange(c, () => f.i32(0), () => f.get(C), 4, () => {
          // Zero the borders of the four channel rows.
          f.forRange(k, () => f.i32(0), () => f.i32(4), 1, () => {
            f.get(c).get(k).op(I32_ADD).get(M).op(I32_MUL).get(m0).op(I32_ADD).i32(4).op(I32_MUL).get(out).op(I32_ADD).set(dst);
            zeroRun(zeroAt, start);
            f.get(dst).get(end).get(start).op(I32_SUB).i32(4).op(I32_MUL).op(I32_ADD).set(dst);
            zeroRun(end, OW);
          });
          // d: address of channel row c at column start; src: pixel at column start, channel c.
          f.get(c).get(M).op(I32_MUL).get(m0).op(I32_ADD).get(start).op(I32_ADD).i32(4).op(I32_MUL).get(out).op(I32_ADD).set(d);
          f.get(rowSrc).get(c).i32(4).op(I32_MUL).op(I32_ADD).set(src);
          f.forRange(q, () => f.get(start), () => f.get(end4), 4, () => {
            f.get(src).v128Load().set(a);
            f.get(src).get(srcStep).op(I32_ADD).tee(src).v128Load().set(b);
            f.get(src).get(srcStep).op(I32_ADD).tee(src).v128Load().set(cc);
            f.get(src).get(srcStep).op(I32_ADD).tee(src).v128Load().set(dd);
            f.get(src).get(srcStep).op(I32_ADD).set(src);
            f.get(a).get(b).simd(I8X16_SHUFFLE, ...lanes(0, 4, 1, 5)).set(t0);
            f.get(a).get(b).simd(I8X16_SHUFFLE, ...lanes(2, 6, 3, 7)).set(t1);
            f.get(cc).get(dd).simd(I8X16_SHUFFLE, ...lanes(0, 4, 1, 5)).set(t2);
            f.get(cc).get(dd).simd(I8X16_SHUFFLE, ...lanes(2, 6, 3, 7)).set(t3);
            f.get(d).get(t0).get(t2).simd(I8X16_SHUFFLE, ...lanes(0, 1, 4, 5)).v128Store();
            f.get(d).get(rowBytes).op(I32_ADD).get(t0).get(t2).simd(I8X16_SHUFFLE, ...lanes(2, 3, 6, 7)).v128Store();
            f.get(d).get(rowBytes).i32(2).op(I32_MUL).op(I32_ADD).get(t1).get(t3).simd(I8X16_SHUFFLE, ...lanes(0, 1, 4, 5)).v128Store();
            f.get(d).get(rowBytes).i32(3).op(I32_MUL).op(I32_ADD).get(t1).get(t3).simd(I8X16_SHUFFLE, ...lanes(2, 3, 6, 7)).v128Store();
            f.get(d).i32(16).op(I32_ADD).set(d);
          });
          // Scalar tail: columns [end4, end) of the four channels.
          f.forRange(k, () => f.i32(0), () => f.i32(4), 1, () => {
            f.get(d).get(k).get(rowBytes).op(I32_MUL).op(I32_ADD).set(dst);
            f.get(src).get(k).i32(4).op(I32_MUL).op(I32_ADD).set(tail);
            f.forRange(q, () => f.get(end4), () => f.get(end), 1, () => {
              f.get(dst).get(tail).mem(F32_LOAD, 2).mem(F32_STORE, 2);
              f.get(dst).i32(4).op(I32_ADD).set(dst);
              f.get(tail).get(srcStep).op(I32_ADD).set(tail);
            });
          });
        });
      });
    });
  });
}

function buildCopyRuns(m: ModuleBuilder): void {
  // (src, dst, rows, cols, c, srcPitch, dstPitch, dstStep): for i < rows, j < cols copies the c
  // floats at src + (i*srcPitch + j*c)*4 to dst + (i*dstPitch + j*dstStep)*4; c a multiple of 4.
  m.add('copyRuns', Array<typeof I32>(8).fill(I32), (f) => {
    const [src, dst, rows, cols, c, srcPitch, dstPitch, dstStep] = Array.from({ length: 8 }, (_, i) => i);
    const [i, j, k, sp, dp, runBytes] = Array.from({ length: 6 }, () => f.local(I32));
    f.get(c).i32(4).op(I32_MUL).set(runBytes);
    f.forRange(i, () => f.i32(0), () => f.get(rows), 1, () => {
      f.get(i).get(srcPitch).op(I32_MUL).i32(4).op(I32_MUL).get(src).op(I32_ADD).set(sp);
      f.get(i).get(dstPitch).op(I32_MUL).i32(4).op(I32_MUL).get(dst).op(I32_ADD).set(dp);
      f.forRange(j, () => f.i32(0), () => f.get(cols), 1, () => {
        f.forRange(k, () => f.i32(0), () => f.get(runBytes), 16, () => {
          f.get(dp).get(k).op(I32_ADD).get(sp).get(k).op(I32_ADD).v128Load().v128Store();
        });
        f.get(sp).get(runBytes).op(I32_ADD).set(sp);
        f.get(dp).get(dstStep).i32(4).op(I32_MUL).op(I32_ADD).set(dp);
      });
    });
  });
}

/** The module's bytes. */

/** Adds the data-movement programs to `m`. */
export function addCopyPrograms(m: ModuleBuilder): void {
  buildIm2colTap(m);
  buildIm2colTap4(m);
  buildCopyRuns(m);
}
