/**
 * YOLOv5 trainer benchmark (`npm run bench:trainer`).
 *
 * Default: training throughput of yolov5n at 128 px, batch 16, in one process (TF.js WASM runs
 * on one thread), measured over whole epochs of the real trainer (data loading, augmentation,
 * forward, backward, optimizer, EMA) after a warm-up epoch; plus validation time and peak RSS.
 *   Target (issue 15): >= 55 img/s on an idle 2-core machine, peak RSS < 1 GiB (Ultralytics
 *   PyTorch, CPU, 1 thread: ~100 at 128 px, 18 at 320 px).
 *
 * `--learn [--epochs N]`: learning from scratch on a 256-train / 64-val synthetic set at 128 px
 * (3 classes), printing mAP@0.5:0.95 per epoch.
 *   Reference (Ultralytics, same data): 0.006 @ 20 epochs, 0.18 @ 100, 0.64 @ 200.
 *   Target (issue 15): at 100 epochs within 10 % of 0.59, this trainer's figure before the kernel work.
 *
 * Options: --epochs N, --img PX, --batch B, --cfg yolov5n, --backend wasm|cpu, --train N (images),
 * --param key=value (any trainer param, repeatable; `args/replicas=2` trains on two threads), --dir FOLDER (datasets are synthesized
 * there once and reused; default .hpo/bench).
 * For a strict one-core figure run it under `taskset -c 0`.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';
import { processCpuMs } from './lib-proc-cpu.ts';
import { prepareRun, runTraining, type EpochSummary } from '../src/trainers/yolov5/index.ts';
import type { TrainerContext } from '../src/worker/trainer.ts';

const { values: opts } = parseArgs({
  options: {
    learn: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    img: { type: 'string', default: '128' },
    batch: { type: 'string', default: '16' },
    cfg: { type: 'string', default: 'yolov5n' },
    backend: { type: 'string', default: 'wasm' },
    dir: { type: 'string', default: '.hpo/bench' },
    train: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true, default: [] },
  },
});

/** `--param hyp/lr0=0.02 --param args/nbs=16`: values parsed as JSON when they parse, else strings. */
function extraParams(pairs: string[]): Record<string, string | number | boolean> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--param expects key=value, got "${pair}"`);
      const raw = pair.slice(at + 1);
      let value: string | number | boolean = raw;
      try {
        value = JSON.parse(raw) as number | boolean;
      } catch {
        // a plain string
      }
      return [pair.slice(0, at), value];
    }),
  );
}

const img = Number(opts.img);
const batch = Number(opts.batch);
const epochs = Number(opts.epochs ?? (opts.learn ? 100 : 3));
const trainImages = Number(opts.train ?? (opts.learn ? 256 : 128));
const valImages = opts.learn ? 64 : 16;
const root = resolve(opts.dir!);

async function dataset(): Promise<string> {
  const out = join(root, `synth-${img}-${trainImages}-${valImages}`);
  const yaml = join(out, 'data.yaml');
  if (!existsSync(yaml)) {
    process.stderr.write(`synthesizing ${trainImages}+${valImages} images at ${img} px in ${out}\n`);
    await synthesizeDataset({ out, train: trainImages, val: valImages, img, classes: 3, seed: 0 });
  }
  return yaml;
}

async function main(): Promise<void> {
  const yaml = await dataset();
  const workDir = join(root, 'work');
  mkdirSync(workDir, { recursive: true });
  const ctx: TrainerContext = {
    taskId: 'bench', trainer: { type: 'yolov5' }, workDir, signal: new AbortController().signal,
    reporter: { report: async () => {} },
    log: (line) => {
      if (!opts.quiet) process.stderr.write(`${line}\n`);
    },
    putArtifact: async () => {},
    putArtifactFile: async () => {},
    recordEnvironment: async () => {},
  };
  const params = {
    'args/data': yaml, 'args/epochs': epochs, 'args/img': img, 'args/batch': batch, 'args/cfg': opts.cfg!,
    'args/backend': opts.backend!, 'args/cache': true, ...extraParams(opts.param as string[]),
  };
  const run = await prepareRun(params, ctx);
  const summaries: EpochSummary[] = [];
  // CPU ms at each epoch end, of the process and of its main thread: on a shared machine CPU time
  // per image moves far less than wall time. The backend is single-threaded and the batches are
  // built in their own thread, so main-thread CPU is what the step's core would take when idle.
  const cpuAtEpochEnd: { total: number; main: number }[] = [];
  const started = performance.now();
  try {
    await runTraining(run, ctx, {
      onEpochEnd: (s) => {
        summaries.push(s);
        cpuAtEpochEnd.push(processCpuMs(process.pid));
        if (opts.learn) {
          const m = s.scalars;
          console.log(`epoch ${String(s.epoch).padStart(3)}  mAP@0.5:0.95 ${m['metrics/mAP_0.5:0.95'].toFixed(4)}  mAP@0.5 ${m['metrics/mAP_0.5'].toFixed(4)}  ` +
            `P ${m['metrics/precision'].toFixed(3)} R ${m['metrics/recall'].toFixed(3)}  ${(s.trainImages / s.trainSeconds).toFixed(1)} img/s`);
        }
      },
    });
  } finally {
    await run.dispose();
  }
  const total = (performance.now() - started) / 1000;
  const rssGiB = process.resourceUsage().maxRSS / 1024 / 1024;
  const steady = summaries.length > 1 ? summaries.slice(1) : summaries;
  const imgs = steady.reduce((a, s) => a + s.trainImages, 0);
  const secs = steady.reduce((a, s) => a + s.trainSeconds, 0);
  const val = steady.reduce((a, s) => a + s.valSeconds, 0) / Math.max(steady.length, 1);
  console.log(`\nyolov5 trainer bench: ${opts.cfg} ${img} px batch ${batch}, backend ${run.backend}, ${trainImages} train images, ${summaries.length} epochs`);
  console.log(`  training throughput     ${(imgs / secs).toFixed(1)} img/s  (epochs after the first; goal >= 55 at 128 px on an idle 2-core machine; PyTorch CPU 1 thread ~100 at 128 px, 18 at 320)`);
  if (cpuAtEpochEnd.length > 1) {
    const [first, last] = [cpuAtEpochEnd[0], cpuAtEpochEnd[cpuAtEpochEnd.length - 1]];
    const perSecond = (ms: number) => (imgs / (ms / 1000)).toFixed(1);
    console.log(`  CPU time                ${perSecond(last.main - first.main)} img/s main thread, ${perSecond(last.total - first.total)} img/s process  (training images per CPU second, validation included, epochs after the first)`);
  }
  console.log(`  first epoch             ${summaries[0] ? (summaries[0].trainImages / summaries[0].trainSeconds).toFixed(1) : '-'} img/s (includes warm-up)`);
  console.log(`  validation per epoch    ${val.toFixed(1)} s for ${valImages} images`);
  console.log(`  peak RSS                ${rssGiB.toFixed(2)} GiB  (goal < 1 at 128 px)`);
  console.log(`  wall time               ${total.toFixed(0)} s`);
  if (opts.learn && summaries.length) {
    const last = summaries[summaries.length - 1].scalars['metrics/mAP_0.5:0.95'];
    const best = Math.max(...summaries.map((s) => s.scalars['metrics/mAP_0.5:0.95']));
    console.log(`  mAP@0.5:0.95            final ${last.toFixed(4)}, best ${best.toFixed(4)} after ${summaries.length} epochs (Ultralytics: 0.006 @20, 0.18 @100, 0.64 @200)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
