/**
 * The matrix-multiply SIMD program (kernels/mat-mul.ts): C = A B or C += A B for row-major float32
 * A [M, K], B [K, N] and C [M, N] with N a multiple of 8, all strides in bytes.
 *
 * C is computed in tiles of 4 rows x 8 columns (`gemm`) or, for N a multiple of 16, 2 rows x 16
 * columns (`gemm16`), held in eight f32x4 accumulators: per k, vector loads of B's row and
 * single-float splat loads of A's column, then 8 multiplies and 8 adds. That keeps 11-13 vector
 * registers live, within what V8 allocates on x64 without spilling (5 x 8 and 3 x 16 ran slower).
 * Rows that do not fill a tile go through the same loop with one row. Rows are taken in blocks
 * of `mBlock` so a block of A stays in cache while every column tile of B passes over it.
 * tfjs-backend-wasm's XNNPACK matMul ran our model's shapes at 5-30 GFLOP/s (it repacks B on every
 * new B tensor); this loop, with no packing, at 34-45 on the same shapes. B may also come packed
 * in column panels (packPanels), as programs-conv.ts reads its weights.
 */
import { I32, V128, type FunctionBuilder, type ModuleBuilder } from './wasm-writer.ts';
import { I32_ADD, I32_AND, I32_MUL, I32_LT_S, I32_SUB, SELECT, F32X4_SPLAT, F32X4_ADD, F32X4_MUL } from './opcodes.ts';

/**
 * Emits `name`: tiles of `MR` rows x `NV` f32x4 vectors of columns (N a multiple of 4 * NV).
 * 4 x 8 and 2 x 16 both keep 8 accumulators; 2 x 16 needs half the splat loads and address adds
 * per k and ran ~7 % faster.
 */
function buildGemm(m: ModuleBuilder, name: string, MR: number, NV: number): void {
  // (a, b, c, M, N, K, lda, ldb, ldc, accumulate, mBlock, bCol); K >= 1. Column n0's tile of B
  // starts at b + n0 * bCol: bCol 4 for row-major B, K*4 for B packed by packPanels.
  m.add(name, Array<typeof I32>(12).fill(I32), (f) => {
    const [a, b, c, M, N, K, lda, ldb, ldc, accumulate, mBlock, bCol] = Array.from({ length: 12 }, (_, i) => i);
    const [mb, mbEnd, m4End, n0, m0, pa, pb, pc, kEnd] = Array.from({ length: 9 }, () => f.local(I32));
    const rowOff = Array.from({ length: MR }, () => f.local(I32));
    const acc = Array.from({ length: MR * NV }, () => f.local(V128));
    const bv = Array.from({ length: NV }, () => f.local(V128));
    const s = f.local(V128);
    for (let i = 0; i < MR; i++) f.get(lda).i32(i).op(I32_MUL).set(rowOff[i]);

    const tile = (rows: number): void => {
      // pc: C at (m0, n0); accumulators start from C or zero.
      f.get(c).get(m0).get(ldc).op(I32_MUL).op(I32_ADD).get(n0).i32(4).op(I32_MUL).op(I32_ADD).set(pc);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < NV; j++) {
          rowAddress(f, pc, ldc, i);
          f.v128Load(16 * j);
          f.f32(0).simd(F32X4_SPLAT);
          f.get(accumulate).op(SELECT).set(acc[i * NV + j]);
        }
      }
      f.get(a).get(m0).get(lda).op(I32_MUL).op(I32_ADD).tee(pa).get(K).i32(4).op(I32_MUL).op(I32_ADD).set(kEnd);
      f.get(b).get(n0).get(bCol).op(I32_MUL).op(I32_ADD).set(pb);
      f.block(() => f.loop(() => {
        for (let j = 0; j < NV; j++) f.get(pb).v128Load(16 * j).set(bv[j]);
        for (let i = 0; i < rows; i++) {
          f.get(pa);
          if (i > 0) f.get(rowOff[i]).op(I32_ADD);
          f.load32Splat().set(s);
          for (let j = 0; j < NV; j++) {
            const v = acc[i * NV + j];
            f.get(v).get(s).get(bv[j]).simd(F32X4_MUL).simd(F32X4_ADD).set(v);
          }
        }
        f.get(pb).get(ldb).op(I32_ADD).set(pb);
        f.get(pa).i32(4).op(I32_ADD).tee(pa).get(kEnd).op(I32_LT_S).brIf(0);
      }));
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < NV; j++) {
          rowAddress(f, pc, ldc, i);
          f.get(acc[i * NV + j]).v128Store(16 * j);
        }
      }
    };

    f.forRange(mb, () => f.i32(0), () => f.get(M), () => f.get(mBlock), () => {
      // mbEnd = min(mb + mBlock, M); m4End = mb + ((mbEnd - mb) rounded down to MR)
      f.get(mb).get(mBlock).op(I32_ADD).get(M).get(mb).get(mBlock).op(I32_ADD).get(M).op(I32_LT_S).op(SELECT).set(mbEnd);
      f.get(mb).get(mbEnd).get(mb).op(I32_SUB).i32(-MR).op(I32_AND).op(I32_ADD).set(m4End);
      f.forRange(n0, () => f.i32(0), () => f.get(N), 4 * NV, () => {
        f.forRange(m0, () => f.get(mb), () => f.get(m4End), MR, () => tile(MR));
        f.forRange(m0, () => f.get(m4End), () => f.get(mbEnd), 1, () => tile(1));
      });
    });
  });
}

/** Pushes the address of row i of a tile: base + i * pitch. */
function rowAddress(f: FunctionBuilder, base: number, pitch: number, i: number): void {
  f.get(base);
  if (i > 0) f.get(pitch).i32(i).op(I32_MUL).op(I32_ADD);
}

function buildPackPanels(m: ModuleBuilder): void {
  // (src, dst, K, N, W): row-major [K, N] -> [N / W][K][W] (W a multiple of 4 dividing N).
  m.add('packPanels', Array<typeof I32>(5).fill(I32), (f) => {
    const [src, dst, K, N, W] = [0, 1, 2, 3, 4];
    const [p, k, j, from, to, wBytes, rowBytes] = Array.from({ length: 7 }, () => f.local(I32));
    f.get(W).i32(4).op(I32_MUL).set(wBytes);
    f.get(N).i32(4).op(I32_MUL).set(rowBytes);
    f.get(dst).set(to);
    f.forRange(p, () => f.i32(0), () => f.get(N), () => f.get(W), () => {
      f.get(src).get(p).i32(4).op(I32_MUL).op(I32_ADD).set(from);
      f.forRange(k, () => f.i32(0), () => f.get(K), 1, () => {
        f.forRange(j, () => f.i32(0), () => f.get(wBytes), 16, () => {
          f.get(to).get(j).op(I32_ADD).get(from).get(j).op(I32_ADD).v128Load().v128Store();
        });
        f.get(from).get(rowBytes).op(I32_ADD).set(from);
        f.get(to).get(wBytes).op(I32_ADD).set(to);
      });
    });
  });
}

/** Adds the matrix-multiply programs to `m`. */
export function addGemmPrograms(m: ModuleBuilder): void {
  buildPackPanels(m);
  buildGemm(m, 'gemm', 4, 2);
  buildGemm(m, 'gemm16', 2, 4);
}
