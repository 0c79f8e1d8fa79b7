import { ConfigError, type Params, type ParamValue } from '../../core/index.ts';
import { closestName } from '../command/closest-name.ts';
import { ARG_CHOICES, HYP_KEYS_V7, MANAGED_ARGS, TRAIN_ARGS_V7, TRAINER_ARGS, type TrainArg } from './train-args.ts';

/** A task's params for YOLOv5 v7.0 train.py, checked and split. */
export interface UltralyticsParams {
  /** `args/yolov5_dir`: the checkout whose train.py runs (else the task's recorded code). */
  yolov5Dir?: string;
  /** `hyp/*` by name. */
  hyp: Params;
  /** train.py arguments by argparse dest (`cos_lr`, `batch_size`; aliases resolved). */
  args: Params;
}

const ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries(TRAIN_ARGS_V7).flatMap(([dest, arg]) => (arg.aliases ?? []).map((alias) => [alias, dest] as const)),
);
const ARG_NAMES = [...Object.keys(TRAIN_ARGS_V7), ...ALIASES.keys(), ...TRAINER_ARGS];

/**
 * Checks params against v7.0 train.py's argparse (our table) and its hyp keys. Throws one
 * ConfigError listing every problem: an unknown name with the closest known one, an arg hpo
 * sets itself, a store_true flag given a non-boolean, a value outside argparse's choices.
 * Called when a task is created or cloned (`hpo train`, `hpo task clone`, `hpo run`) and again
 * before train.py starts.
 */
export function parseUltralyticsParams(params: Params): UltralyticsParams {
  const problems: string[] = [];
  const out: UltralyticsParams = { hyp: {}, args: {} };
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(params)) {
    const slash = key.indexOf('/');
    const section = key.slice(0, Math.max(slash, 0));
    const name = key.slice(slash + 1);
    if (section === 'hyp') {
      if (HYP_KEYS_V7.includes(name)) out.hyp[name] = value;
      else problems.push(unknown(key, `hyp/${closestName(name, HYP_KEYS_V7) ?? ''}`, 'a key of hyp.scratch-low.yaml'));
    } else if (section !== 'args') {
      problems.push(`✖ ${JSON.stringify(key)}: YOLOv5 params are hyp/<name> (hyp.yaml) or args/<name> (train.py flags)`);
    } else if (name === 'yolov5_dir') {
      if (typeof value === 'string' && value) out.yolov5Dir = value;
      else problems.push(`✖ args/yolov5_dir must be a folder path, got ${JSON.stringify(value)}`);
    } else {
      const dest = ALIASES.get(name) ?? name;
      const arg = TRAIN_ARGS_V7[dest];
      if (!arg) problems.push(unknown(key, `args/${closestName(name.replace(/-/g, '_'), ARG_NAMES) ?? ''}`, 'an argument of train.py v7.0'));
      else if (MANAGED_ARGS.has(dest)) problems.push(`✖ ${key} is set by hpo (each trial runs in its own folder: --project <trial dir> --name exp --exist-ok); remove it`);
      else if (keyOf.has(dest)) problems.push(`✖ ${keyOf.get(dest)} and ${key} are the same train.py argument (${arg.flag}); keep one`);
      else {
        keyOf.set(dest, key);
        const problem = checkValue(key, dest, arg, value);
        if (problem) problems.push(problem);
        else out.args[dest] = value;
      }
    }
  }
  if (problems.length) throw new ConfigError(`Invalid params for YOLOv5 train.py (v7.0):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return out;
}

function unknown(key: string, near: string, what: string): string {
  const hint = near.endsWith('/') ? '' : `: did you mean "${near}"?`;
  return `✖ unknown param "${key}"${hint} (not ${what})`;
}

function checkValue(key: string, dest: string, arg: TrainArg, value: ParamValue): string | undefined {
  if (arg.kind === 'switch' && typeof value !== 'boolean') {
    return `✖ ${key} is a store_true flag (${arg.flag}): use true or false, got ${JSON.stringify(value)}`;
  }
  if ((arg.kind === 'value' || arg.kind === 'list') && typeof value === 'boolean') {
    return `✖ ${key} takes a value (${arg.flag} VALUE), got ${value}`;
  }
  const choices = ARG_CHOICES[dest];
  if (choices && !choices.includes(String(value))) return `✖ ${key} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`;
  return undefined;
}

/** How train.py spells each arg (`cos_lr` -> `--cos-lr`, store_true as a bare switch). */
export function spellTrainArg(dest: string): { flag: string; switch?: boolean; list?: boolean } {
  const arg = TRAIN_ARGS_V7[dest];
  return { flag: arg.flag, switch: arg.kind === 'switch', list: arg.kind === 'list' };
}
