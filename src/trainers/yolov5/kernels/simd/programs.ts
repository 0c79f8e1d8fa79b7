/**
 * The SIMD loops behind our hottest kernels, as one WebAssembly module (built with wasm-writer.ts)
 * that runs on the WASM backend's own heap (runtime.ts): batch norm + SiLU (programs-bn.ts), data
 * movement (programs-copy.ts), matrix multiplies and convolutions (programs-gemm.ts,
 * programs-conv.ts) and the optimizer and EMA updates (programs-update.ts). Pointer
 * arguments are i32 byte offsets into that heap; the rest are counts or float32 coefficients.
 */
import { addBnPrograms } from './programs-bn.ts';
import { addConvPrograms } from './programs-conv.ts';
import { addCopyPrograms } from './programs-copy.ts';
import { addGemmPrograms } from './programs-gemm.ts';
import { addUpdatePrograms } from './programs-update.ts';
import { ModuleBuilder } from './wasm-writer.ts';

/** The module's bytes. */
export function buildSimdModule(): Uint8Array {
  const m = new ModuleBuilder();
  addBnPrograms(m);
  addCopyPrograms(m);
  addUpdatePrograms(m);
  addGemmPrograms(m);
  addConvPrograms(m);
  return m.encode();
}

/** The module's exports, as JS sees them. */
export interface SimdExports {
  bnStats(y: number, M: number, C: number, sum: number, sq: number): void;
  affine(y: number, z: number, M: number, C: number, scale: number, offset: number): void;
  affine3(u: number, y: number, out: number, M: number, C: number, a: number, b: number, k: number): void;
  bnGradPass1(dout: number, y: number, s: number, dz: number, M: number, C: number, mean: number, inv: number,
    gamma: number, beta: number, sumDz: number, sumDzH: number): void;
  im2colTap(x: number, out: number, N: number, H: number, W: number, C: number, OH: number, OW: number,
    sh: number, sw: number, rowOff: number, colOff: number, owLo: number, owHi: number, M: number): void;
  copyRuns(src: number, dst: number, rows: number, cols: number, c: number, srcPitch: number, dstPitch: number, dstStep: number): void;
  /** im2colTap for C a multiple of 4 (4x4 register transposes). */
  im2colTap4(x: number, out: number, N: number, H: number, W: number, C: number, OH: number, OW: number,
    sh: number, sw: number, rowOff: number, colOff: number, owLo: number, owHi: number, M: number): void;
  sgdNesterov(p: number, g: number, buf: number, pOut: number, bufOut: number, n: number,
    lr: number, mu: number, decay: number, coef: number): void;
  emaBlend(t: number, s: number, out: number, n: number, d: number, e: number): void;
  sumSquares(g: number, n: number): number;
  /** Row-major [K, N] -> column panels [N / W][K][W]. */
  packPanels(src: number, dst: number, K: number, N: number, W: number): void;
  /** C = A B (accumulate 0) or C += A B (1); N a multiple of 8, K >= 1, byte strides; B's column n at b + n * bCol. */
  gemm(a: number, b: number, c: number, M: number, N: number, K: number, lda: number, ldb: number, ldc: number,
    accumulate: number, mBlock: number, bCol: number): void;
  /** gemm for N a multiple of 16 (2 x 16 tiles). */
  gemm16(a: number, b: number, c: number, M: number, N: number, K: number, lda: number, ldb: number, ldc: number,
    accumulate: number, mBlock: number, bCol: number): void;
  /** 'valid' conv of padded xp [N, Hp, Wp, Ci] with w [KH, KW, Ci, Co] (Co a multiple of 8), stride s. */
  conv(xp: number, w: number, out: number, N: number, OH: number, OW: number, Hp: number, Wp: number, Ci: number, Co: number,
    KH: number, KW: number, s: number, wCol: number, wTap: number, wRow: number): void;
  /** conv for Co a multiple of 16 (2 pixel x 16 channel tiles). */
  conv16(xp: number, w: number, out: number, N: number, OH: number, OW: number, Hp: number, Wp: number, Ci: number, Co: number,
    KH: number, KW: number, s: number, wCol: number, wTap: number, wRow: number): void;
  /** dw [KH, KW, Ci, Co] += filter gradient of that conv for dy [N, OH, OW, Co], RB output rows per block. */
  convFilterGrad(xp: number, dy: number, dw: number, N: number, OH: number, OW: number, Hp: number, Wp: number, Ci: number,
    Co: number, KH: number, KW: number, s: number, RB: number, dyPix: number, dyCol: number): void;
}
