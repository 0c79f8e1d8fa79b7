import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Params } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import type { Trainer, TrainerContext } from '../../worker/trainer.ts';
import { splitParams, toArgv } from './argv.ts';
import { writeHypFile } from './hyp-file.ts';
import { commandOptionsSchema, expandTrialDir, type CommandOptions } from './options.ts';
import { runCommand, type CommandSpec } from './run-command.ts';

/**
 * Runs any external trainer (Ultralytics train.py, `yolo detect train`, a script) as one
 * process per trial, never through a shell, in the trial's own folder (`{trialDir}`, the
 * runner's work dir). `args/*` become flags in the trainer's `flagStyle`; `hyp/*` go into a
 * hyp.yaml (merged over `hypDefaults`) passed with `hypFlag`, or become flags too. Scalars come
 * from `hpo:report` stdout lines or the followed `resultsCsv`; see runCommand for stops.
 */
export const commandTrainer: Trainer = {
  type: 'command',
  async train(params: Params, ctx: TrainerContext): Promise<void> {
    const options = parseOrThrow(commandOptionsSchema, ctx.trainer, `trainer of task ${ctx.taskId}`);
    await runCommand(await commandSpec(options, params, ctx), ctx);
  },
};

/** Resolves a command trainer's options and a trial's params into the one run to start. */
export async function commandSpec(options: CommandOptions, params: Params, ctx: Pick<TrainerContext, 'workDir' | 'codeDir'>): Promise<CommandSpec> {
  const trialDir = ctx.workDir;
  await mkdir(trialDir, { recursive: true });
  const expand = (text: string): string => expandTrialDir(text, trialDir);
  const cwd = path.resolve(ctx.codeDir ?? process.cwd(), expand(options.cwd ?? '.'));
  const inTrial = (file: string): string => path.resolve(trialDir, expand(file));
  const { hyp, args } = splitParams(params);
  const argv = [...options.args.map(expand)];
  if (options.hyp === 'args') argv.push(...toArgv({ ...hyp, ...args }, options.flagStyle, trialDir));
  else {
    argv.push(...toArgv(args, options.flagStyle, trialDir));
    if (Object.keys(hyp).length) {
      const file = path.join(trialDir, 'hyp.yaml');
      await writeHypFile(file, hyp, options.hypDefaults && path.resolve(cwd, expand(options.hypDefaults)));
      argv.push(...(options.flagStyle === 'space' ? [options.hypFlag, file] : [`${options.hypFlag}=${file}`]));
    }
  }
  return {
    command: options.command,
    argv,
    cwd,
    env: Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, expand(v)])),
    resultsCsv: options.resultsCsv && inTrial(options.resultsCsv),
    artifacts: options.artifacts.map(inTrial),
    stopSignal: options.stopSignal,
    graceMs: options.graceSeconds * 1000,
    pollMs: options.pollSeconds * 1000,
  };
}
