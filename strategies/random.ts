import { z } from 'zod';
import type { AskContext, Params, Space, Strategy, StudyView } from '../src/core/index.ts';
import { dropInactive, sampleSpace } from '../src/space/index.ts';
import { axesOf, decodeNumeric } from './encoding.ts';
import { sobolPoint } from './sobol.ts';

export const randomOptionsSchema = z.strictObject({
  type: z.literal('random'),
  seed: z.number().int().optional(),
  /** Quasi-random: trial k gets point k of a Sobol sequence shifted by the study seed. */
  sobol: z.boolean().default(false),
});

/**
 * Independent uniform draws (log-uniform on log dimensions), or with `sobol: true` the points of
 * a digitally shifted Sobol sequence, which cover the space more evenly for small budgets.
 * History is ignored by design; the point for trial k depends only on the seed and k. In a
 * conditional space the params a point leaves inactive are dropped.
 */
export class RandomStrategy implements Strategy {
  readonly name: string;
  constructor(private readonly options: { sobol: boolean } = { sobol: false }) {
    this.name = options.sobol ? 'random-sobol' : 'random';
  }

  ask(study: StudyView, ctx: AskContext): Params {
    return this.options.sobol ? dropInactive(study.space, sobolParams(study.space, ctx.trialNumber, ctx.seed)) : sampleSpace(study.space, ctx.rng);
  }
}

/** Point `index` of the study's shifted Sobol sequence, decoded to legal params. */
export function sobolParams(space: Space, index: number, seed: number): Params {
  const axes = axesOf(space);
  const u = sobolPoint(index, axes.length, seed);
  const params: Params = {};
  axes.forEach((axis, d) => {
    params[axis.name] =
      axis.kind === 'categorical' ? axis.dim.choices[Math.min(axis.size - 1, Math.floor(u[d] * axis.size))] : decodeNumeric(axis, u[d]);
  });
  return params;
}
