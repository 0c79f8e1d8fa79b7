/**
 * The direct-convolution SIMD program (kernels/conv2d.ts): a 'valid' NHWC conv of an already
 * padded input xp [N, Hp, Wp, Ci] with w [KH, KW, Ci, Co] (Co a multiple of 8), stride s, into
 * out [N, OH, OW, Co]. It is the matMul of programs-gemm.ts with the im2col matrix never built:
 * an output tile is 4 neighbouring pixels of one output row x 8 output channels, and for each
 * filter row kh the taps (kw, ci) of a pixel are KW*Ci consecutive floats of xp, matching the
 * KW*Ci consecutive rows of w[kh]. Per tap: two vector loads of w, four splat loads (one per
 * pixel, s*Ci floats apart), 8 multiplies and 8 adds. The weights are read packed in column panels
 * of the tile's width (packPanels, programs-gemm.ts): w's rows 1 KB apart (Co 256) fell into a few
 * L1 sets, and that conv ran at 25 GFLOP/s instead of 37; `conv16`, for Co a multiple of 16, takes
 * tiles of 2 pixels x 16 channels (as gemm16 in programs-gemm.ts). Pixels that do not fill a tile
 * use the same loop with one pixel.
 *
 * convFilterGrad is its filter gradient, dw[kh, kw, ci, co] = sum over output pixels of
 * xp[n, oh*s + kh, ow*s + kw, ci] * dy[n, oh, ow, co]: a tile is 4 consecutive (kw, ci) rows of
 * one filter row kh (four splat loads from one address, 4 bytes apart) x 8 output channels, summed
 * over output pixels (dy rows, Co floats apart; xp windows s*Ci floats apart). Pixels are taken in
 * blocks of RB output rows counted across images (small layers have few rows per image), all
 * tiles per block, so the block's xp rows and dy stay in cache while every tile passes over them;
 * the tiles accumulate into dw across blocks.
 */
import { I32, V128, type ModuleBuilder } from './wasm-writer.ts';
import {
  I32_ADD, I32_AND, I32_SUB, I32_MUL, I32_DIV_U, I32_EQ, I32_LT_S, SELECT, F32X4_SPLAT, F32X4_ADD, F32X4_MUL,
} from './opcodes.ts';

const NV = 2;

/** Emits `name` with tiles of `MR` pixels x `TV` f32x4 vectors of output channels. */
function buildConv(m: ModuleBuilder, name: string, MR: number, TV: number): void {
  // (xp, w, out, N, OH, OW, Hp, Wp, Ci, Co, KH, KW, s, wCol, wTap, wRow): output channel co0's
  // weights for tap t of filter row kh start at w + co0*wCol + kh*wRow + t*wTap (w packed by
  // packPanels as [Co / W][KH*KW*Ci][W]: wCol = KH*KW*Ci*4, wTap = W*4, wRow = KW*Ci*W*4).
  m.add(name, Array<typeof I32>(16).fill(I32), (f) => {
    const [xp, w, out, N, OH, OW, Hp, Wp, Ci, Co, KH, KW, s, wCol, wTap, wRow] = Array.from({ length: 16 }, (_, i) => i);
    const [n, oh, co0, ow0, ow4End, kh, pa, pb, po, kEnd, rowBase, pixBytes, coBytes, tapBytes] =
      Array.from({ length: 14 }, () => f.local(I32));
    const pixOff = Array.from({ length: MR }, () => f.local(I32));
    const acc = Array.from({ length: MR * TV }, () => f.local(V128));
    const bv = Array.from({ length: TV }, () => f.local(V128));
    const sp = f.local(V128);
    f.get(s).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).set(pixBytes); // from one output pixel's window to the next
    for (let i = 0; i < MR; i++) f.get(pixBytes).i32(i).op(I32_MUL).set(pixOff[i]);
    f.get(Co).i32(4).op(I32_MUL).set(coBytes);
    f.get(KW).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).set(tapBytes); // one filter row's taps in xp
    f.get(OW).i32(-MR).op(I32_AND).set(ow4End);

    const tile = (pixels: number): void => {
      for (const v of acc.slice(0, pixels * TV)) f.f32(0).simd(F32X4_SPLAT).set(v);
      f.forRange(kh, () => f.i32(0), () => f.get(KH), 1, () => {
        // pa: xp at (n, oh*s + kh, ow0*s, 0); pb: w at (kh, 0, 0, co0)
        f.get(rowBase).get(kh).get(Wp).op(I32_MUL).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).op(I32_ADD)
          .get(ow0).get(pixBytes).op(I32_MUL).op(I32_ADD).tee(pa).get(tapBytes).op(I32_ADD).set(kEnd);
        f.get(w).get(kh).get(wRow).op(I32_MUL).op(I32_ADD).get(co0).get(wCol).op(I32_MUL).op(I32_ADD).set(pb);
        f.block(() => f.loop(() => {
          for (let j = 0; j < TV; j++) f.get(pb).v128Load(16 * j).set(bv[j]);
          for (let i = 0; i < pixels; i++) {
            f.get(pa);
            if (i > 0) f.get(pixOff[i]).op(I32_ADD);
            f.load32Splat().set(sp);
            for (let j = 0; j < TV; j++) {
              const v = acc[i * TV + j];
              f.get(v).get(sp).get(bv[j]).simd(F32X4_MUL).simd(F32X4_ADD).set(v);
            }
          }
          f.get(pb).get(wTap).op(I32_ADD).set(pb);
          f.get(pa).i32(4).op(I32_ADD).tee(pa).get(kEnd).op(I32_LT_S).brIf(0);
        }));
      });
      // po: out at (n, oh, ow0, co0)
      f.get(out).get(n).get(OH).op(I32_MUL).get(oh).op(I32_ADD).get(OW).op(I32_MUL).get(ow0).op(I32_ADD)
        .get(coBytes).op(I32_MUL).op(I32_ADD).get(co0).i32(4).op(I32_MUL).op(I32_ADD).set(po);
      for (let i = 0; i < pixels; i++) {
        for (let j = 0; j < TV; j++) {
          f.get(po);
          if (i > 0) f.get(coBytes).i32(i).op(I32_MUL).op(I32_ADD);
          f.get(acc[i * TV + j]).v128Store(16 * j);
        }
      }
    };

    f.forRange(n, () => f.i32(0), () => f.get(N), 1, () => {
      f.forRange(oh, () => f.i32(0), () => f.get(OH), 1, () => {
        // rowBase: xp at (n, oh*s, 0, 0)
        f.get(xp).get(n).get(Hp).op(I32_MUL).get(oh).get(s).op(I32_MUL).op(I32_ADD).get(Wp).op(I32_MUL)
          .get(Ci).op(I32_MUL).i32(4).op(I32_MUL).op(I32_ADD).set(rowBase);
        f.forRange(co0, () => f.i32(0), () => f.get(Co), 4 * TV, () => {
          f.forRange(ow0, () => f.i32(0), () => f.get(ow4End), MR, () => tile(MR));
          f.forRange(ow0, () => f.get(ow4End), () => f.get(OW), 1, () => tile(1));
        });
      });
    });
  });
}

function buildConvFilterGrad(m: ModuleBuilder): void {
  // (xp, dy, dw, N, OH, OW, Hp, Wp, Ci, Co, KH, KW, s, RB, dyPix, dyCol): dw [KH, KW, Ci, Co] +=
  // the filter gradient of the 'valid' conv of xp; dw must hold zeros (or a sum to add to) on
  // entry. dy's channel co of pixel p is at dy + p*dyPix + co*dyCol (packed in panels of 8
  // channels by packPanels: dyPix 32, dyCol N*OH*OW*4).
  m.add('convFilterGrad', Array<typeof I32>(16).fill(I32), (f) => {
    const [xp, dy, dw, N, OH, OW, Hp, Wp, Ci, Co, KH, KW, s, RB, dyPix, dyCol] = Array.from({ length: 16 }, (_, i) => i);
    const [g0, gEnd, gTotal, n0, oh0, kh, r0, r4End, rows, co0, g, ohc, paRow, pa, pb, paEnd, pd, pixBytes, coBytes,
      rowStep, imageJump, wrap] = Array.from({ length: 22 }, () => f.local(I32));
    const acc = Array.from({ length: 4 * NV }, () => f.local(V128));
    const bv = Array.from({ length: NV }, () => f.local(V128));
    const sp = f.local(V128);
    f.get(s).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).set(pixBytes);
    f.get(Co).i32(4).op(I32_MUL).set(coBytes);
    f.get(KW).get(Ci).op(I32_MUL).tee(rows).i32(-4).op(I32_AND).set(r4End);
    f.get(s).get(Wp).op(I32_MUL).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).set(rowStep); // next output row, same image
    f.get(Hp).get(OH).get(s).op(I32_MUL).op(I32_SUB).get(Wp).op(I32_MUL).get(Ci).op(I32_MUL).i32(4).op(I32_MUL).set(imageJump);
    f.get(N).get(OH).op(I32_MUL).set(gTotal);

    // One tile: filter rows r0 .. r0 + count of filter row kh (rows = (kw, ci) pairs), 8 output
    // channels from co0, summed over the output rows g0 .. gEnd counted across images (dy's
    // pixels are contiguous across rows and images; xp's rows jump at each image's end).
    const tile = (count: number): void => {
      // pd: dw at (kh, r0, co0)
      f.get(dw).get(kh).get(rows).op(I32_MUL).get(r0).op(I32_ADD).get(coBytes).op(I32_MUL).op(I32_ADD)
        .get(co0).i32(4).op(I32_MUL).op(I32_ADD).set(pd);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < NV; j++) {
          f.get(pd);
          if (i > 0) f.get(coBytes).i32(i).op(I32_MUL).op(I32_ADD);
          f.v128Load(16 * j).set(acc[i * NV + j]);
        }
      }
      // paRow: xp at (n0, oh0*s + kh, 0) + row r0; pb: dy at (g0, 0, co0)
      f.get(xp).get(n0).get(Hp).op(I32_MUL).get(oh0).get(s).op(I32_MUL).op(I32_ADD).get(kh).op(I32_ADD)
        .get(Wp).op(I32_MUL).get(Ci).op(I32_MUL).get(r0).op(I32_ADD).i32(4).op(I32_MUL).op(I32_ADD).set(paRow);
      f.get(dy).get(g0).get(OW).op(I32_MUL).get(dyPix).op(I32_MUL).op(I32_ADD).get(co0).get(dyCol).op(I32_MUL).op(I32_ADD).set(pb);
      f.get(oh0).set(ohc);
      f.forRange(g, () => f.get(g0), () => f.get(gEnd), 1, () => {
        f.get(paRow).tee(pa).get(OW).get(pixBytes).op(I32_MUL).op(I32_ADD).set(paEnd);
        f.block(() => f.loop(() => {
          for (let j = 0; j < NV; j++) f.get(pb).v128Load(16 * j).set(bv[j]);
          for (let i = 0; i < count; i++) {
            f.get(pa).load32Splat(4 * i).set(sp);
            for (let j = 0; j < NV; j++) {
              const v = acc[i * NV + j];
              f.get(v).get(sp).get(bv[j]).simd(F32X4_MUL).simd(F32X4_ADD).set(v);
            }
          }
          f.get(pb).get(dyPix).op(I32_ADD).set(pb);
          f.get(pa).get(pixBytes).op(I32_ADD).tee(pa).get(paEnd).op(I32_LT_S).brIf(0);
        }));
        // Next output row: ohc + 1, wrapping to the next image's first row.
        f.get(ohc).i32(1).op(I32_ADD).get(OH).op(I32_EQ).set(wrap);
        f.get(paRow).get(rowStep).op(I32_ADD).get(imageJump).i32(0).get(wrap).op(SELECT).op(I32_ADD).set(paRow);
        f.i32(0).get(ohc).i32(1).op(I32_ADD).get(wrap).op(SELECT).set(ohc);
      });
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < NV; j++) {
          f.get(pd);
          if (i > 0) f.get(coBytes).i32(i).op(I32_MUL).op(I32_ADD);
          f.get(acc[i * NV + j]).v128Store(16 * j);
        }
      }
    };

    f.forRange(g0, () => f.i32(0), () => f.get(gTotal), () => f.get(RB), () => {
      f.get(g0).get(RB).op(I32_ADD).get(gTotal).get(g0).get(RB).op(I32_ADD).get(gTotal).op(I32_LT_S).op(SELECT).set(gEnd);
      f.get(g0).get(OH).op(I32_DIV_U).tee(n0).get(OH).op(I32_MUL).set(oh0);
      f.get(g0).get(oh0).op(I32_SUB).set(oh0);
      f.forRange(kh, () => f.i32(0), () => f.get(KH), 1, () => {
        f.forRange(co0, () => f.i32(0), () => f.get(Co), 4 * NV, () => {
          f.forRange(r0, () => f.i32(0), () => f.get(r4End), 4, () => tile(4));
          f.forRange(r0, () => f.get(r4End), () => f.get(rows), 1, () => tile(1));
        });
      });
    });
  });
}

/** Adds the convolution programs to `m`. */
export function addConvPrograms(m: ModuleBuilder): void {
  buildConv(m, 'conv', 4, 2);
  buildConv(m, 'conv16', 2, 4);
  buildConvFilterGrad(m);
}
