import type { Direction, Params, Space } from '../src/core/index.ts';
import { categorical, float } from '../src/space/index.ts';

/**
 * Multi-objective benchmark problems. ZDT1/ZDT2 (Zitzler, Deb & Thiele, "Comparison of
 * multiobjective evolutionary algorithms: empirical results", Evolutionary Computation 8(2), 2000)
 * and DTLZ2 (Deb, Thiele, Laumanns & Zitzler, "Scalable test problems for evolutionary
 * multiobjective optimization", 2005) are minimized; `optimalHv` is the hypervolume of the true
 * front against `reference`, so `optimalHv - hv` is a regret. The YOLOv5-like problem trades a
 * made-up but shaped mAP against latency (no known optimum).
 */
export interface MoProblem {
  name: string;
  space: Space;
  directions: Direction[];
  /** Hypervolume reference in loss space (maximized objectives negated). */
  reference: number[];
  optimalHv?: number;
  evaluate(params: Params): number[];
}

const x = (p: Params, i: number): number => p[`x${i}`] as number;
const unitBox = (dims: number): Space => Object.fromEntries(Array.from({ length: dims }, (_, i) => [`x${i}`, float(0, 1)]));

function zdtG(p: Params, dims: number): number {
  let s = 0;
  for (let i = 1; i < dims; i++) s += x(p, i);
  return 1 + (9 * s) / (dims - 1);
}

export function zdt1(dims: number): MoProblem {
  return {
    name: `zdt1-${dims}d`,
    space: unitBox(dims),
    directions: ['minimize', 'minimize'],
    reference: [11, 11],
    // 121 minus the area above the front f2 = 1 - sqrt(f1) inside [0, 1] x [0, 11].
    optimalHv: 121 - (1 - 2 / 3),
    evaluate(p) {
      const g = zdtG(p, dims);
      const f1 = x(p, 0);
      return [f1, g * (1 - Math.sqrt(f1 / g))];
    },
  };
}

export function zdt2(dims: number): MoProblem {
  return {
    name: `zdt2-${dims}d`,
    space: unitBox(dims),
    directions: ['minimize', 'minimize'],
    reference: [11, 11],
    optimalHv: 121 - (1 - 1 / 3),
    evaluate(p) {
      const g = zdtG(p, dims);
      const f1 = x(p, 0);
      return [f1, g * (1 - (f1 / g) ** 2)];
    },
  };
}

/** DTLZ2 with 3 objectives over `dims` params; its front is the unit sphere's positive octant. */
export function dtlz2(dims: number): MoProblem {
  return {
    name: `dtlz2-${dims}d`,
    space: unitBox(dims),
    directions: ['minimize', 'minimize', 'minimize'],
    reference: [1.1, 1.1, 1.1],
    optimalHv: 1.1 ** 3 - Math.PI / 6,
    evaluate(p) {
      let g = 0;
      for (let i = 2; i < dims; i++) g += (x(p, i) - 0.5) ** 2;
      const a = (x(p, 0) * Math.PI) / 2;
      const b = (x(p, 1) * Math.PI) / 2;
      return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
    },
  };
}

/**
 * A YOLOv5-shaped trade-off: bigger models (depth and width multiples) and larger images raise mAP
 * with diminishing returns and raise latency polynomially; the learning rate and mosaic only move
 * mAP (peaked near lr0 = 0.01, mosaic ~0.8). Maximize mAP, minimize latency (ms per image).
 */
export const yoloTradeoff: MoProblem = {
  name: 'yolo-map-latency',
  space: {
    'model/depth': categorical([0.33, 0.67, 1.0]),
    'model/width': float(0.25, 1.0),
    'args/img': categorical([320, 416, 512, 640]),
    'hyp/lr0': float(1e-4, 1e-1, { log: true }),
    'hyp/mosaic': float(0, 1),
  },
  directions: ['maximize', 'minimize'],
  reference: [0, 60],
  evaluate(p) {
    const depth = p['model/depth'] as number;
    const width = p['model/width'] as number;
    const img = p['args/img'] as number;
    const lr = Math.log10(p['hyp/lr0'] as number);
    const mosaic = p['hyp/mosaic'] as number;
    const capacity = 1 - Math.exp(-2.2 * depth * width - 0.4);
    const resolution = 1 - Math.exp(-img / 300);
    const training = Math.exp(-0.5 * ((lr + 2) / 0.6) ** 2) * (0.85 + 0.15 * Math.exp(-(((mosaic - 0.8) / 0.3) ** 2)));
    const map = 0.62 * capacity * resolution * training;
    const latency = 0.5 + 14 * depth * width ** 2 * (img / 320) ** 2;
    return [map, latency];
  },
};

export const MO_PROBLEMS: readonly MoProblem[] = [zdt1(2), zdt1(6), zdt2(2), zdt2(6), dtlz2(6), yoloTradeoff];
