import { z } from 'zod';
import type { AskContext, Params, Strategy, StudyView } from '../src/core/index.ts';
import { sampleSpace } from '../src/space/index.ts';

export const randomOptionsSchema = z.strictObject({
  type: z.literal('random'),
  seed: z.number().int().optional(),
});

/** Independent uniform draws (log-uniform on log dimensions). History is ignored by design. */
export class RandomStrategy implements Strategy {
  readonly name = 'random';

  ask(study: StudyView, ctx: AskContext): Params {
    return sampleSpace(study.space, ctx.rng);
  }
}
