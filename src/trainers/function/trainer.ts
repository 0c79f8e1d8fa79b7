import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HpoError, TrialStoppedError, createRng, type Params } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import type { Trainer, TrainerContext } from '../../worker/trainer.ts';
import { getObjective } from './objectives/index.ts';

const optionsSchema = z.looseObject({
  type: z.literal('function'),
  /** Built-in objective name (`learning-curve`, `branin`, ...). */
  objective: z.string().min(1),
  /** Simulated wall time per epoch, so demos look like training. */
  epochMs: z.number().min(0).default(0),
  /**
   * Write a `last.bin` of this many bytes into the scratch folder every epoch and upload it, as a
   * real trainer does with its checkpoint (retention tests, demos, artifact benchmarks). Default 0: none.
   */
  checkpointBytes: z.number().int().min(0).default(0),
});

/**
 * Fault injection for tests and demos, as params so a study can search over them:
 * `fault/mode` = throw | exit | hang | nan | ignore-stop, from epoch `fault/epoch` (default 0).
 */
const FAULT_MODES = ['none', 'throw', 'exit', 'hang', 'nan', 'ignore-stop'] as const;

/**
 * Reports a built-in objective's curve per epoch exactly like a real trainer: one report per
 * epoch, stop requests honoured at epoch boundaries. Deterministic given the params.
 */
export const functionTrainer: Trainer = {
  type: 'function',
  async train(params: Params, ctx: TrainerContext): Promise<void> {
    const options = parseOrThrow(optionsSchema, ctx.trainer, `trainer of task ${ctx.taskId}`);
    const objective = getObjective(options.objective);
    const epochs = Number(params['args/epochs'] ?? objective.defaults['args/epochs'] ?? 10);
    if (!Number.isInteger(epochs) || epochs < 1) {
      throw new HpoError('PARAM_INVALID', `args/epochs must be an integer >= 1, got ${JSON.stringify(params['args/epochs'])}`);
    }
    const fault = String(params['fault/mode'] ?? 'none');
    if (!(FAULT_MODES as readonly string[]).includes(fault)) {
      throw new HpoError('PARAM_INVALID', `fault/mode must be one of ${FAULT_MODES.join(', ')}, got ${JSON.stringify(fault)}`);
    }
    const faultEpoch = Number(params['fault/epoch'] ?? 0);
    const values = Object.fromEntries(Object.entries(params).filter(([k]) => !k.startsWith('fault/')));
    const rng = createRng(Number(params['args/seed'] ?? 0), JSON.stringify(Object.entries(values).sort()));
    ctx.log(`function trainer: ${objective.name}, ${epochs} epochs`);
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (ctx.signal.aborted && fault !== 'ignore-stop') throw new TrialStoppedError(stopText(ctx.signal.reason));
      if (options.epochMs > 0) await sleep(options.epochMs);
      const scalars = objective.epoch(values, epoch, epochs, rng);
      if (epoch >= faultEpoch) await injectFault(fault, epoch, scalars);
      await ctx.reporter.report(epoch, scalars);
      if (options.checkpointBytes > 0) await saveCheckpoint(ctx, epoch, options.checkpointBytes);
      ctx.log(`epoch ${epoch + 1}/${epochs} ${Object.entries(scalars).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ')}`);
    }
  },
};

async function saveCheckpoint(ctx: TrainerContext, epoch: number, bytes: number): Promise<void> {
  const file = path.join(ctx.workDir, 'last.bin');
  await writeFile(file, Buffer.alloc(bytes, epoch % 256));
  await ctx.putArtifactFile('last.bin', file);
}

async function injectFault(mode: string, epoch: number, scalars: Record<string, number>): Promise<void> {
  switch (mode) {
    case 'throw':
      throw new Error(`injected failure at epoch ${epoch}`);
    case 'exit':
      process.exit(3);
    case 'hang':
      await new Promise(() => setInterval(() => {}, 1 << 30));
      break;
    case 'nan':
      for (const key of Object.keys(scalars)) scalars[key] = Number.NaN;
      break;
    case 'ignore-stop':
      await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The abort reason is an Ending (`{ kind, reason }`) from the runner; its text for the error. */
function stopText(reason: unknown): string {
  const text = (reason as { reason?: unknown } | undefined)?.reason;
  return typeof text === 'string' ? text : String(reason ?? 'stop requested');
}
