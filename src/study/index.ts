export * from './executor.ts';
export * from './controller.ts';
export * from './create-study.ts';
export * from './leaderboard.ts';
export * from './ranking.ts';
export * from './study-state.ts';
export * from './naming.ts';
export { optimize, TrialPruned } from './optimize.ts';
export { enforceKeepTopK } from './retention.ts';
