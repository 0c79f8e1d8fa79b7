import { ConfigError, type Params, type ParamValue } from '../core/index.ts';
import { paramNameSchema } from '../space/index.ts';

/**
 * Parses `--set section/name=value` flags (the CLI's and the UI's clone form's, one rule). Values become numbers or booleans when they look
 * like one; a value whose type differs from the base param's is an error naming both.
 */
export function parseSetFlags(flags: readonly string[] | undefined, base: Params): Params {
  const out: Params = {};
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    const key = eq > 0 ? flag.slice(0, eq) : '';
    if (!key || !paramNameSchema.safeParse(key).success) {
      throw new ConfigError(`Invalid --set ${JSON.stringify(flag)}: expected section/name=value, e.g. --set hyp/lr0=0.01`);
    }
    const value = coerce(flag.slice(eq + 1));
    if (key in base && typeof base[key] !== typeof value) {
      throw new ConfigError(`Invalid --set ${key}=${flag.slice(eq + 1)}: ${key} is a ${typeof base[key]} (currently ${JSON.stringify(base[key])}), got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out;
}

function coerce(text: string): ParamValue {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}
