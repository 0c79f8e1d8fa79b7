import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HpoError, type Params } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { captureEnvironment } from '../../worker/environment.ts';
import { capturePython } from '../../worker/python-environment.ts';
import { toArgv } from '../command/argv.ts';
import { writeHypFile } from '../command/hyp-file.ts';
import { runCommand } from '../command/run-command.ts';
import type { Trainer, TrainerContext } from '../../worker/trainer.ts';
import { parseUltralyticsParams, spellTrainArg } from './params.ts';

const optionsSchema = z.strictObject({
  type: z.literal('yolov5-ultralytics'),
  /** The interpreter (default: $HPO_PYTHON, else `python3` on PATH) of the machine that runs the trial. */
  python: z.string().min(1).optional(),
  /** Extra environment for train.py (e.g. `YOLOv5_AUTOINSTALL: 'false'` offline). */
  env: z.record(z.string(), z.string()).default({}),
  /** Seconds between the stop's SIGINT (train.py's KeyboardInterrupt) and SIGKILL. */
  graceSeconds: z.number().min(0).default(30),
  pollSeconds: z.number().positive().default(2),
  /** The hpo version the task was made with; agents of another version warn (or refuse with --strict). */
  hpoVersion: z.string().optional(),
});

/**
 * What train.py writes into its save dir that becomes artifacts, uploaded as they settle while it
 * trains (missing ones are skipped); `weights/epoch<N>.pt` are its `--save-period` checkpoints.
 */
export const RUN_ARTIFACTS: readonly string[] = [
  'weights/best.pt', 'weights/last.pt', 'weights/epoch*.pt', 'results.csv', 'results.png', 'confusion_matrix.png', 'F1_curve.png', 'P_curve.png',
  'R_curve.png', 'PR_curve.png', 'labels.jpg', 'labels_correlogram.jpg', 'train_batch*.jpg', 'val_batch*.jpg', 'hyp.yaml', 'opt.yaml',
];

/** `<task-id>/<artifact>`: another task's weights (`--weights 0abc/best.pt`). */
const TASK_ARTIFACT = /^([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9._-]{1,128})$/;

/**
 * Ultralytics YOLOv5 v7.0's train.py, unchanged, as a trainer: run with the machine's python
 * from `args/yolov5_dir` (or the task's recorded code), in the trial's own folder
 * (`--project <trial dir> --name exp --exist-ok`), `hyp/*` merged over the checkout's
 * hyp.scratch-low.yaml into a hyp.yaml, `args/*` spelled as its argparse wants. Its results.csv
 * is followed as it grows; weights and plots become artifacts; a stop interrupts it (SIGINT).
 */
export const ultralyticsTrainer: Trainer = {
  type: 'yolov5-ultralytics',
  async train(params: Params, ctx: TrainerContext): Promise<void> {
    const options = parseOrThrow(optionsSchema, ctx.trainer, `trainer of task ${ctx.taskId}`);
    const { yolov5Dir: dirParam, hyp, args } = parseUltralyticsParams(params);
    const yolov5Dir = resolveCheckout(dirParam, ctx.codeDir);
    const python = options.python ?? process.env.HPO_PYTHON ?? 'python3';
    const trialDir = ctx.workDir;
    await mkdir(trialDir, { recursive: true });
    const env = { ...options.env };
    // The code that ran is the checkout's: its git, and the interpreter with its packages.
    const [recorded, checkout] = await Promise.all([capturePython(python, yolov5Dir, { ...process.env, ...env }), captureEnvironment(yolov5Dir)]);
    await ctx.recordEnvironment({ ...(recorded ? { python: recorded } : {}), ...(checkout.git ? { git: { ...checkout.git, dir: yolov5Dir } } : {}) });

    const trainArgs: Params = { ...args };
    const hypBase = path.resolve(yolov5Dir, String(trainArgs.hyp ?? 'data/hyps/hyp.scratch-low.yaml'));
    delete trainArgs.hyp;
    if (typeof trainArgs.weights === 'string') trainArgs.weights = await resolveWeights(trainArgs.weights, yolov5Dir, ctx);
    const hypFile = path.join(trialDir, 'hyp.yaml');
    await writeHypFile(hypFile, hyp, hypBase);
    const argv = [
      path.join(yolov5Dir, 'train.py'),
      ...toArgv(trainArgs, 'space', trialDir, spellTrainArg),
      '--hyp', hypFile,
      '--project', trialDir,
      '--name', 'exp',
      '--exist-ok',
    ];
    const saveDir = path.join(trialDir, 'exp');
    await runCommand(
      {
        command: python,
        argv,
        cwd: yolov5Dir,
        env,
        resultsCsv: path.join(saveDir, 'results.csv'),
        artifacts: RUN_ARTIFACTS.map((f) => path.join(saveDir, f)),
        stopSignal: 'SIGINT',
        graceMs: options.graceSeconds * 1000,
        pollMs: options.pollSeconds * 1000,
      },
      ctx,
    );
  },
};

/** The task's recorded code wins (it is the checkout, recreated here); else args/yolov5_dir. */
function resolveCheckout(dirParam: string | undefined, codeDir: string | undefined): string {
  const dir = codeDir ?? (dirParam ? path.resolve(dirParam) : undefined);
  if (!dir) {
    throw new HpoError('YOLOV5_DIR_MISSING', 'No YOLOv5 checkout: set args/yolov5_dir to a folder with train.py (e.g. --set args/yolov5_dir=/opt/yolov5), or create the task with --repo.');
  }
  if (!existsSync(path.join(dir, 'train.py'))) {
    throw new HpoError('YOLOV5_DIR_INVALID', `args/yolov5_dir ${JSON.stringify(dir)} has no train.py: point it at a YOLOv5 v7.0 checkout (git clone -b v7.0 https://github.com/ultralytics/yolov5).`);
  }
  return dir;
}

/** A local file stays; `<task-id>/<name>` is downloaded (streamed, verified) from that task's artifacts into the trial folder. */
async function resolveWeights(value: string, yolov5Dir: string, ctx: TrainerContext): Promise<string> {
  const match = TASK_ARTIFACT.exec(value);
  if (!match || existsSync(path.resolve(yolov5Dir, value)) || !ctx.downloadArtifact) return value;
  const [, taskId, name] = match;
  const file = path.join(ctx.workDir, `weights-${taskId}-${name}`);
  try {
    await ctx.downloadArtifact(taskId, name, file);
  } catch (error) {
    throw new HpoError('WEIGHTS_NOT_FOUND', `args/weights ${JSON.stringify(value)}: no local file, and task ${taskId} has no artifact ${name} (${(error as Error).message}).`);
  }
  ctx.log(`weights ${value} -> ${file}`);
  return file;
}
