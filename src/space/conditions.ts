import type { Condition, Dimension, ParamValue, Params, Space } from '../core/index.ts';

/**
 * Conditional spaces: a dimension with `when` is active only while every param it names is active
 * and holds one of the given values. Conditions may chain (a param conditioned on a conditional
 * param), which is how nested choices are written. Inactive params are absent from params.
 */

/** The values a condition accepts for one parent, as a list. */
export function acceptedValues(condition: Condition, parent: string): readonly ParamValue[] {
  const v = condition[parent];
  return Array.isArray(v) ? (v as readonly ParamValue[]) : [v as ParamValue];
}

/** True when some dimension of the space has a condition. */
export function isConditional(space: Space): boolean {
  return Object.values(space).some((d) => d.when !== undefined && Object.keys(d.when).length > 0);
}

/**
 * Param names with every param's parents before it (a stable topological order: unconditional
 * spaces keep their key order). Assumes no cycles (the space schema rejects them).
 */
export function samplingOrder(space: Space): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || !(name in space)) return;
    seen.add(name);
    for (const parent of Object.keys(space[name].when ?? {})) visit(parent);
    out.push(name);
  };
  for (const name of Object.keys(space)) visit(name);
  return out;
}

/** True when `name` is active given `params` (its parents active and holding accepted values). */
export function isActive(space: Space, name: string, params: Params, depth = 0): boolean {
  const when = space[name]?.when;
  if (when === undefined) return true;
  if (depth > Object.keys(space).length) return false; // a cycle; the schema rejects these
  return Object.keys(when).every((parent) => parent in params && acceptedValues(when, parent).includes(params[parent]) && isActive(space, parent, params, depth + 1));
}

/** Names of the params active under `params`, in the space's key order. */
export function activeNames(space: Space, params: Params): string[] {
  return Object.keys(space).filter((name) => isActive(space, name, params));
}

/** `params` without the searched params that are inactive (params outside the space are kept). */
export function dropInactive(space: Space, params: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(params)) if (!(k in space) || isActive(space, k, params)) out[k] = v;
  return out;
}

/** A problem with one condition, for the space schema to report at `path` (relative to the space). */
export interface ConditionIssue {
  path: string[];
  message: string;
  /** The value at `path` (what the message calls received). */
  input: unknown;
}

/** Unknown parents, values a parent can never take, self-references and cycles. */
export function conditionIssues(space: Space, legal: (dim: Dimension, value: ParamValue) => boolean): ConditionIssue[] {
  const issues: ConditionIssue[] = [];
  const names = Object.keys(space);
  for (const [name, dim] of Object.entries(space)) {
    for (const parent of Object.keys(dim.when ?? {})) {
      const path = [name, 'when', parent];
      const input = dim.when![parent];
      if (parent === name) issues.push({ path, input, message: `"${name}" cannot be conditioned on itself` });
      else if (!(parent in space)) issues.push({ path, input, message: `condition on unknown param "${parent}"; the space has: ${names.join(', ')}` });
      else {
        for (const value of acceptedValues(dim.when!, parent)) {
          if (!legal(space[parent], value)) issues.push({ path, input, message: `"${parent}" can never be ${JSON.stringify(value)}${describe(space[parent])}` });
        }
      }
    }
  }
  const cycle = findCycle(space);
  if (cycle) issues.push({ path: [cycle[0], 'when'], input: space[cycle[0]].when, message: `conditions form a cycle: ${cycle.join(' -> ')}` });
  return issues;
}

function describe(dim: Dimension): string {
  return dim.type === 'categorical' ? ` (its choices: ${dim.choices.map((c) => JSON.stringify(c)).join(', ')})` : ` (a ${dim.type} in [${dim.low}, ${dim.high}])`;
}

function findCycle(space: Space): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done' || !(name in space)) return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const parent of Object.keys(space[name].when ?? {})) {
      if (parent === name) continue;
      const found = visit(parent);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(space)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}
