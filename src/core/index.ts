export * from './errors.ts';
export * from './task.ts';
export * from './ending.ts';
export * from './study-view.ts';
export * from './rng.ts';
export * from './clock.ts';
export * from './package-root.ts';
export * from './queue-name.ts';
