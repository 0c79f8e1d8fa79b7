/**
 * sharp, loaded on first use. Its native addon and the packages it requires cost a trial process
 * about 60 ms of start-up (cpu profile of bench:trial-startup), and the first training step needs
 * none of it: the batch thread decodes the batches (and loads sharp as it starts), and plots and
 * validation come after the step. A spare trial process loads it in its preload.
 */
import type { default as Sharp } from 'sharp';

let loading: Promise<typeof Sharp> | undefined;

export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
