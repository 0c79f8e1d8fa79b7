import type { Params, ParamValue } from '../../core/index.ts';
import { expandTrialDir, type FlagStyle } from './options.ts';

/** How one param is spelled on the command line: its flag and whether it is a store_true switch. */
export interface FlagSpelling {
  flag: string;
  /** A store_true switch: given bare when true, left out when false. */
  switch?: boolean;
  /** nargs='+': a value's spaces separate several arguments (`--freeze 0 1 2`). */
  list?: boolean;
}

/**
 * Turns params into program arguments in `style`, never through a shell: each value is one
 * argument. `spell` names the flag of a param (`cos_lr` -> `--cos-lr`); by default the name
 * itself with `--` in front. `{trialDir}` in string values expands to `trialDir`.
 */
export function toArgv(
  params: Params,
  style: FlagStyle,
  trialDir: string,
  spell: (name: string) => FlagSpelling = (name) => ({ flag: style === 'key=value' ? name : `--${name}` }),
): string[] {
  const argv: string[] = [];
  for (const [name, raw] of Object.entries(params)) {
    const value = typeof raw === 'string' ? expandTrialDir(raw, trialDir) : raw;
    const spelling = spell(name);
    if (style === 'key=value') {
      argv.push(`${spelling.flag}=${pythonValue(value)}`);
      continue;
    }
    if (typeof value === 'boolean' || spelling.switch) {
      if (value === true || (spelling.switch && value !== false)) argv.push(spelling.flag);
      continue;
    }
    const values = spelling.list ? String(value).trim().split(/\s+/) : [String(value)];
    if (style === 'equals' && values.length === 1) argv.push(`${spelling.flag}=${values[0]}`);
    else argv.push(spelling.flag, ...values);
  }
  return argv;
}

function pythonValue(value: ParamValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Splits params into `hyp/*` and the rest (`args/x`, any other section, a bare `x`), each by its bare name. */
export function splitParams(params: Params): { hyp: Params; args: Params } {
  const hyp: Params = {};
  const args: Params = {};
  for (const [key, value] of Object.entries(params)) {
    const slash = key.indexOf('/');
    const section = slash < 0 ? 'args' : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    if (section === 'hyp') hyp[name] = value;
    else args[name] = value;
  }
  return { hyp, args };
}
