/**
 * YOLOv5 target assignment (utils/loss.py, ComputeLoss.build_targets) in plain JS.
 *
 * Per detection layer: targets are scaled to the grid, kept for an anchor when
 * max(w/aw, aw/w, h/ah, ah/h) < anchor_t, and each kept (target, anchor) pair is assigned to
 * its own cell plus the neighbouring cells on the sides its centre is nearest to (offset
 * 0.5 in x and in y), so a target usually trains 3 cells per matching anchor.
 * Products are rounded to float32 as in YOLOv5 (which runs this in float32) so cell
 * choices at exact half-cells agree.
 */

/** One layer's grid and anchors (anchors in grid units, i.e. pixels / stride). */
export interface LayerSpec {
  ny: number;
  nx: number;
  /** Anchor sizes in grid units: one [w, h] per anchor. */
  anchors: readonly (readonly [number, number])[];
}

/** The matched (prediction slot, target) pairs of one layer, in YOLOv5's order. */
export interface LayerTargets {
  /** Number of pairs M. */
  count: number;
  image: Int32Array;
  anchor: Int32Array;
  gy: Int32Array;
  gx: Int32Array;
  /** Flat slot index into a [B, ny, nx, na] layout: ((image*ny + gy)*nx + gx)*na + anchor. */
  slot: Int32Array;
  /** [M, 4]: target centre relative to the assigned cell's corner, and w, h, in grid units. */
  box: Float32Array;
  /** [M, 2]: the matched anchor's w, h in grid units. */
  anchorWh: Float32Array;
  cls: Int32Array;
}

const f32 = Math.fround;
/** YOLOv5's neighbour offsets (times g = 0.5): self, left, up, right, down. */
const OFFSETS: readonly (readonly [number, number])[] = [[0, 0], [0.5, 0], [0, 0.5], [-0.5, 0], [0, -0.5]];
const G = 0.5;

/**
 * Assigns targets to prediction slots for every layer.
 * `targets` holds rows (image, class, cx, cy, w, h) normalized to the input; `anchorT` is
 * hyp.anchor_t. Pure: reads its inputs only. Pair order (offset, then anchor, then target)
 * is YOLOv5's, which matters where two pairs land on one slot (the later one sets tobj).
 */
export function buildTargets(targets: Float32Array, layers: readonly LayerSpec[], anchorT: number): LayerTargets[] {
  const nt = Math.floor(targets.length / 6);
  return layers.map((layer) => assignLayer(targets, nt, layer, anchorT));
}

function assignLayer(targets: Float32Array, nt: number, layer: LayerSpec, anchorT: number): LayerTargets {
  const { ny, nx, anchors } = layer;
  const na = anchors.length;
  // Pass 1: (anchor, target) pairs passing the ratio test, anchor-major as YOLOv5's t[j].
  const pairs: number[] = [];
  for (let a = 0; a < na; a++) {
    const aw = f32(anchors[a][0]);
    const ah = f32(anchors[a][1]);
    for (let t = 0; t < nt; t++) {
      const rw = f32(f32(targets[t * 6 + 4] * nx) / aw);
      const rh = f32(f32(targets[t * 6 + 5] * ny) / ah);
      if (Math.max(rw, 1 / rw, rh, 1 / rh) < anchorT) pairs.push(a, t);
    }
  }
  // Pass 2: which of the five offsets each pair uses.
  const np = pairs.length / 2;
  const use = new Uint8Array(5 * np);
  let count = 0;
  for (let p = 0; p < np; p++) {
    const t = pairs[2 * p + 1];
    const gx = f32(targets[t * 6 + 2] * nx);
    const gy = f32(targets[t * 6 + 3] * ny);
    const ix = f32(nx - gx);
    const iy = f32(ny - gy);
    const flags = [true, gx % 1 < G && gx > 1, gy % 1 < G && gy > 1, ix % 1 < G && ix > 1, iy % 1 < G && iy > 1];
    for (let o = 0; o < 5; o++) if (flags[o]) { use[o * np + p] = 1; count++; }
  }
  const out: LayerTargets = {
    count,
    image: new Int32Array(count),
    anchor: new Int32Array(count),
    gy: new Int32Array(count),
    gx: new Int32Array(count),
    slot: new Int32Array(count),
    box: new Float32Array(count * 4),
    anchorWh: new Float32Array(count * 2),
    cls: new Int32Array(count),
  };
  let k = 0;
  for (let o = 0; o < 5; o++) {
    for (let p = 0; p < np; p++) {
      if (!use[o * np + p]) continue;
      const a = pairs[2 * p];
      const t = pairs[2 * p + 1];
      const gx = f32(targets[t * 6 + 2] * nx);
      const gy = f32(targets[t * 6 + 3] * ny);
      // torch's .long() truncates; the clamp happens in place before tbox, as in YOLOv5.
      const cx = clamp(Math.trunc(f32(gx - OFFSETS[o][0])), 0, nx - 1);
      const cy = clamp(Math.trunc(f32(gy - OFFSETS[o][1])), 0, ny - 1);
      const b = Math.trunc(targets[t * 6]);
      out.image[k] = b;
      out.anchor[k] = a;
      out.gx[k] = cx;
      out.gy[k] = cy;
      out.slot[k] = ((b * ny + cy) * nx + cx) * na + a;
      out.box[4 * k] = gx - cx;
      out.box[4 * k + 1] = gy - cy;
      out.box[4 * k + 2] = f32(targets[t * 6 + 4] * nx);
      out.box[4 * k + 3] = f32(targets[t * 6 + 5] * ny);
      out.anchorWh[2 * k] = anchors[a][0];
      out.anchorWh[2 * k + 1] = anchors[a][1];
      out.cls[k] = Math.trunc(targets[t * 6 + 1]);
      k++;
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
