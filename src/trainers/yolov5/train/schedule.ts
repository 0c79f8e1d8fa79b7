/**
 * YOLOv5's learning-rate, momentum, warmup and gradient-accumulation schedule (train.py), as
 * pure functions of the iteration. Parameter groups in YOLOv5's order: 0 = biases,
 * 1 = weights with decay, 2 = BatchNorm weights; `x/lr0..2` report them in that order.
 */

/** What the schedule depends on. */
export interface ScheduleConfig {
  epochs: number;
  /** Batches per epoch (`nb`). */
  batchesPerEpoch: number;
  batchSize: number;
  /** Nominal batch size (64 in YOLOv5). */
  nbs: number;
  lr0: number;
  lrf: number;
  momentum: number;
  warmupEpochs: number;
  warmupMomentum: number;
  warmupBiasLr: number;
  cosLr: boolean;
}

/** The optimizer settings for one iteration. */
export interface IterationSettings {
  /** Learning rates of the groups [biases, weights, BN weights]. */
  lr: [number, number, number];
  momentum: number;
  /** Batches whose gradients are summed before an optimizer step. */
  accumulate: number;
}

/** Python's round(): halves go to the even neighbour (numpy's .round() does the same). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy.interp for two points: clamps outside [x0, x1]. */
export function interp(x: number, [x0, x1]: readonly [number, number], [y0, y1]: readonly [number, number]): number {
  if (x <= x0) return y0;
  if (x >= x1) return y1;
  return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
}

/** The lr multiplier `lf(epoch)`: linear from 1 to lrf, or YOLOv5's one_cycle cosine from 1 to lrf. */
export function lrFactor(epoch: number, c: Pick<ScheduleConfig, 'epochs' | 'lrf' | 'cosLr'>): number {
  if (c.cosLr) return ((1 - Math.cos((epoch * Math.PI) / c.epochs)) / 2) * (c.lrf - 1) + 1;
  return (1 - epoch / c.epochs) * (1 - c.lrf) + c.lrf;
}

/** Warmup length in iterations: max(round(warmup_epochs * nb), 100). */
export function warmupIterations(c: Pick<ScheduleConfig, 'warmupEpochs' | 'batchesPerEpoch'>): number {
  return Math.max(roundHalfEven(c.warmupEpochs * c.batchesPerEpoch), 100);
}

/** Accumulation after warmup: max(round(nbs / batch), 1). */
export function baseAccumulate(c: Pick<ScheduleConfig, 'nbs' | 'batchSize'>): number {
  return Math.max(roundHalfEven(c.nbs / c.batchSize), 1);
}

/** Weight decay scaled to the effective batch, as YOLOv5 does: wd * batch * accumulate / nbs. */
export function scaledWeightDecay(weightDecay: number, c: Pick<ScheduleConfig, 'nbs' | 'batchSize'>): number {
  return (weightDecay * c.batchSize * baseAccumulate(c)) / c.nbs;
}

/**
 * Settings for integrated iteration `ni` (= batch index + nb * epoch) in `epoch`. During warmup
 * (ni <= nw) the bias lr falls from warmup_bias_lr and the others rise from 0 to lr0 * lf(epoch),
 * momentum rises from warmup_momentum, and accumulation grows from 1 to nbs / batch. After it,
 * every group runs at lr0 * lf(epoch) (YOLOv5's LambdaLR steps once per epoch).
 */
export function iterationSettings(ni: number, epoch: number, c: ScheduleConfig): IterationSettings {
  const target = c.lr0 * lrFactor(epoch, c);
  const nw = warmupIterations(c);
  if (ni > nw) return { lr: [target, target, target], momentum: c.momentum, accumulate: baseAccumulate(c) };
  const xi = [0, nw] as const;
  return {
    lr: [interp(ni, xi, [c.warmupBiasLr, target]), interp(ni, xi, [0, target]), interp(ni, xi, [0, target])],
    momentum: interp(ni, xi, [c.warmupMomentum, c.momentum]),
    accumulate: Math.max(1, roundHalfEven(interp(ni, xi, [1, c.nbs / c.batchSize]))),
  };
}

/** YOLOv5's step rule: step when at least `accumulate` iterations passed since the last step. */
export function shouldStep(ni: number, lastOptStep: number, accumulate: number): boolean {
  return ni - lastOptStep >= accumulate;
}
