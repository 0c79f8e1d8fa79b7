import { closestName as nearest } from '../../core/index.ts';

/** The known name within edit distance 3 of `name`, if one is clearly closest (`cos_lr` for `coslr`). */
export function closestName(name: string, names: readonly string[]): string | undefined {
  return nearest(name, names, { maxDistance: 3 });
}
