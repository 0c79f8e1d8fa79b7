/** Package entry for library users: search-space helpers, config helpers and the in-process API. */
export { float, int, categorical } from './space/index.ts';
export { optimize, TrialPruned, type OptimizeOptions, type OptimizeResult, type TrialHandle } from './study/optimize.ts';
export type { Params, ParamValue, Space, Dimension, Direction, Strategy, Pruner, StudyView, TrialView } from './core/index.ts';
