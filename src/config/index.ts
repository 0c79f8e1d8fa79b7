export * from './define.ts';
export * from './schema.ts';
export * from './load-config.ts';
export * from './load-template.ts';
export * from './duration.ts';
