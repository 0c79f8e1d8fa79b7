import { z } from 'zod';

/**
 * How params become arguments: `space` gives `--name value`, `equals` gives `--name=value`
 * (both pass `true` booleans as a bare store_true `--name` and drop `false` ones), and
 * `key=value` gives `name=value` with Python's `True`/`False` (Ultralytics v8's `yolo` CLI).
 */
export const flagStyleSchema = z.enum(['space', 'equals', 'key=value']);
export type FlagStyle = z.output<typeof flagStyleSchema>;

/** The placeholder for the trial's own folder, expanded in args, cwd, env, paths and param values. */
export const TRIAL_DIR = '{trialDir}';

/** Options of the `command` trainer (a task's `trainer` record), checked when the trial starts. */
export const commandOptionsSchema = z.looseObject({
  type: z.literal('command'),
  /** Program to run, never through a shell (e.g. `python3`, `yolo`). */
  command: z.string().min(1),
  /** Fixed arguments before the params (e.g. `["train.py", "--data", "coco128.yaml"]`); `{trialDir}` expands. */
  args: z.array(z.string()).default([]),
  /** Working directory (default: the recorded code's checkout, else the runner's working directory). */
  cwd: z.string().optional(),
  /** Extra environment variables for the program (values may use `{trialDir}`). */
  env: z.record(z.string(), z.string()).default({}),
  flagStyle: flagStyleSchema.default('space'),
  /** `file`: `hyp/*` go into a hyp.yaml passed with `hypFlag`; `args`: they become flags like `args/*`. */
  hyp: z.enum(['file', 'args']).default('file'),
  hypFlag: z.string().min(1).default('--hyp'),
  /** A YAML of defaults the `hyp/*` params are merged over (relative to cwd), so the program sees every key. */
  hypDefaults: z.string().optional(),
  /** A YOLOv5-style results.csv to follow, relative to the trial folder. */
  resultsCsv: z.string().optional(),
  /** Files to store as artifacts when the program ends, relative to the trial folder; `*` matches in the last segment. */
  artifacts: z.array(z.string()).default([]),
  /** What a stop (prune, study stop, timeout) sends first; SIGKILL follows after `graceSeconds`. */
  stopSignal: z.enum(['SIGINT', 'SIGTERM']).default('SIGINT'),
  graceSeconds: z.number().min(0).default(30),
  /** How often the results file is read for new rows. */
  pollSeconds: z.number().positive().default(1),
});
export type CommandOptions = z.output<typeof commandOptionsSchema>;

/** Replaces every `{trialDir}` in `text`. */
export function expandTrialDir(text: string, trialDir: string): string {
  return text.split(TRIAL_DIR).join(trialDir);
}
